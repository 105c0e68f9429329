package dev.stowage.engine.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.stowage.engine.EngineFixture;
import dev.stowage.engine.core.RestoreMarker;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A restore's result says whether its target already held the restore-in-progress marker when it
 * started: a run refused before writing (exit 5) has then still not left the target untouched, as
 * an earlier run (a pod evicted or killed mid-restore) wrote into it. The operator reads this.
 */
class TargetHeldMarkerTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path tmp;
  Path store;

  @BeforeEach
  void backUp() throws Exception {
    Path data = tmp.resolve("data");
    Files.createDirectories(data.resolve("shop"));
    Files.writeString(data.resolve("ibdata1"), "system tablespace");
    Files.writeString(data.resolve("shop/t.ibd"), "a table");
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

  private JsonNode restore(Path target, int expectedExit) throws Exception {
    Path result = tmp.resolve("result-" + target.getFileName() + ".json");
    int exit =
        StowageCli.execute(
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
            "--quiet");
    assertThat(exit).isEqualTo(expectedExit);
    return JSON.readTree(result.toFile());
  }

  @Test
  void aTargetAnEarlierRunLeftHalfWrittenIsRefusedAndTheResultSaysItHeldTheMarker()
      throws Exception {
    Path target = tmp.resolve("half");
    Files.createDirectories(target);
    RestoreMarker.create(target, "an earlier run");
    Files.writeString(target.resolve("ibdata1"), "half");

    JsonNode r = restore(target, 5);

    assertThat(r.path("targetHeldMarker").isBoolean()).as("result %s", r).isTrue();
    assertThat(r.path("targetHeldMarker").asBoolean()).isTrue();
  }

  @Test
  void aTargetSomeoneElseFilledIsRefusedAndTheResultSaysItHeldNoMarker() throws Exception {
    Path target = tmp.resolve("full");
    Files.createDirectories(target);
    Files.writeString(target.resolve("ibdata1"), "a live database");

    JsonNode r = restore(target, 5);

    assertThat(r.path("targetHeldMarker").isBoolean()).as("result %s", r).isTrue();
    assertThat(r.path("targetHeldMarker").asBoolean()).isFalse();
  }

  @Test
  void aRestoreIntoAnEmptyTargetSaysItHeldNoMarker() throws Exception {
    JsonNode r = restore(tmp.resolve("empty"), 0);

    assertThat(r.path("targetHeldMarker").isBoolean()).as("result %s", r).isTrue();
    assertThat(r.path("targetHeldMarker").asBoolean()).isFalse();
  }
}
