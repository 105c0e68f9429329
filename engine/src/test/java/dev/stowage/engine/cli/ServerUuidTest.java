package dev.stowage.engine.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.stowage.engine.EngineFixture;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 10, case 14: a top-level {@code auto.cnf} holds MySQL's server_uuid; restoring it makes a
 * replica seeded from the backup share its source's UUID. Restore leaves it out (and says so)
 * unless {@code --keep-server-uuid}; the backup keeps storing it.
 */
class ServerUuidTest {
  private static final String AUTO_CNF =
      "[auto]\nserver-uuid=5a1c7c3e-0f43-11ef-9d2b-0242ac120002\n";
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path tmp;
  Path store;

  @BeforeEach
  void backUp() throws Exception {
    Path data = tmp.resolve("data");
    Files.createDirectories(data.resolve("shop"));
    Files.writeString(data.resolve("ibdata1"), "system tablespace");
    Files.writeString(data.resolve("auto.cnf"), AUTO_CNF);
    Files.writeString(data.resolve("shop/auto.cnf"), "not the server's: a table-ish file");
    store = tmp.resolve("backups");
    Files.createDirectories(store);
    assertThat(
            StowageCli.execute(
                "backup",
                "--datadir",
                data.toString(),
                "--storage",
                "file://" + store,
                "--directory",
                EngineFixture.DIR,
                "--name",
                "b1",
                "--quiet"))
        .isZero();
  }

  private record Run(int exit, String log, JsonNode result) {}

  private Run restore(Path target, String... extra) throws Exception {
    Path result = tmp.resolve("result-" + target.getFileName() + ".json");
    List<String> args =
        new ArrayList<>(
            List.of(
                "restore",
                "--storage",
                "file://" + store,
                "--directory",
                EngineFixture.DIR,
                "--name",
                "b1",
                "--datadir",
                target.toString(),
                "--result-file",
                result.toString(),
                "--quiet"));
    args.addAll(List.of(extra));
    PrintStream err = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    int exit;
    System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try {
      exit = StowageCli.execute(args.toArray(String[]::new));
    } finally {
      System.setErr(err);
    }
    return new Run(exit, captured.toString(StandardCharsets.UTF_8), JSON.readTree(result.toFile()));
  }

  @Test
  void theBackupStillStoresAutoCnf() throws Exception {
    String manifest =
        Files.readString(store.resolve(EngineFixture.DIR).resolve("b1").resolve("MANIFEST"));
    assertThat(manifest).contains("\"Name\":\"auto.cnf\"");
  }

  @Test
  void restoreLeavesTheTopLevelAutoCnfOutAndSaysSo() throws Exception {
    Path target = tmp.resolve("r");
    Run r = restore(target);
    assertThat(r.exit()).isZero();
    assertThat(target.resolve("auto.cnf")).doesNotExist();
    assertThat(target.resolve("ibdata1")).hasContent("system tablespace");
    assertThat(target.resolve("shop/auto.cnf")).exists(); // only the top-level one is the UUID
    assertThat(r.log()).contains("auto.cnf").contains("--keep-server-uuid");
    assertThat(r.result().path("skipped").toString()).contains("auto.cnf");
    assertThat(r.result().path("files").asLong()).isEqualTo(2);
  }

  @Test
  void keepServerUuidRestoresAutoCnf() throws Exception {
    Path target = tmp.resolve("r");
    Run r = restore(target, "--keep-server-uuid");
    assertThat(r.exit()).isZero();
    assertThat(target.resolve("auto.cnf")).hasContent(AUTO_CNF);
    assertThat(r.result().path("skipped").isMissingNode()).isTrue();
    assertThat(r.result().path("files").asLong()).isEqualTo(3);
  }
}
