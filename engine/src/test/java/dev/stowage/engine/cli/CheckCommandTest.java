package dev.stowage.engine.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.stowage.engine.lock.LockInfo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code stowage check} on file storage: the pre-flight the operator runs before a quiesce. */
class CheckCommandTest {
  @TempDir Path tmp;
  private static final ObjectMapper JSON = new ObjectMapper();

  private int check(String name, Path result) {
    return StowageCli.execute(
        "check",
        "--storage",
        "file://" + tmp.resolve("backups"),
        "--directory",
        "ns/db",
        "--name",
        name,
        "--result-file",
        result.toString());
  }

  @Test
  void aWritableStorageWithAFreeNamePassesAndLeavesNothingBehind() throws Exception {
    Files.createDirectories(tmp.resolve("backups"));
    Path result = tmp.resolve("r.json");

    assertThat(check("b1", result)).isZero();

    JsonNode r = JSON.readTree(result.toFile());
    assertThat(r.get("command").asText()).isEqualTo("check");
    assertThat(r.get("status").asText()).isEqualTo("Succeeded");
    assertThat(r.get("name").asText()).isEqualTo("b1");
    assertThat(tmp.resolve("backups/ns/db/b1")).doesNotExist();
    try (Stream<Path> all = Files.walk(tmp.resolve("backups"))) {
      assertThat(all.map(p -> p.getFileName().toString()))
          .noneMatch(n -> n.startsWith(CheckCommand.PROBE_PREFIX));
    }
  }

  @Test
  void aMissingStorageRootExitsThree() throws Exception {
    Path result = tmp.resolve("r.json");

    assertThat(check("b1", result)).isEqualTo(3);

    JsonNode r = JSON.readTree(result.toFile());
    assertThat(r.get("exitCode").asInt()).isEqualTo(3);
    assertThat(r.get("error").asText()).contains("does not exist");
    assertThat(tmp.resolve("backups")).doesNotExist();
  }

  @Test
  void aCompleteBackupOfTheNameExitsFive() throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("backups/ns/db/b1"));
    Files.writeString(dir.resolve("MANIFEST"), "{}");
    Path result = tmp.resolve("r.json");

    assertThat(check("b1", result)).isEqualTo(5);

    JsonNode r = JSON.readTree(result.toFile());
    assertThat(r.get("error").asText()).contains("a complete backup named b1 already exists");
    assertThat(Files.readString(dir.resolve("MANIFEST"))).isEqualTo("{}");
  }

  @Test
  void anInProgressLockOfTheNameExitsFive() throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("backups/ns/db/b1"));
    Files.writeString(dir.resolve(".stowage-lock"), "held");
    Path result = tmp.resolve("r.json");

    assertThat(check("b1", result)).isEqualTo(5);

    assertThat(JSON.readTree(result.toFile()).get("error").asText())
        .contains("is in progress")
        .contains(".stowage-lock");
    assertThat(dir.resolve(".stowage-lock")).exists();
  }

  @Test
  void theLeftoversOfAnIncompleteBackupAreLeftAlone() throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("backups/ns/db/b1"));
    Files.writeString(dir.resolve("ibdata1"), "partial");

    assertThat(check("b1", tmp.resolve("r.json"))).isZero();

    assertThat(dir.resolve("ibdata1")).exists();
    try (Stream<Path> all = Files.list(dir)) {
      assertThat(all).hasSize(1);
    }
  }

  @Test
  void aStaleLockOfTheNameIsNoObstacleSinceTheBackupTakesItOver() throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("backups/ns/db/b1"));
    Instant old = Instant.now().minus(Duration.ofMinutes(10));
    Files.write(
        dir.resolve(".stowage-lock"), new LockInfo("dead-run", "gone", 7, old, old).toJson());
    Path result = tmp.resolve("r.json");

    assertThat(check("b1", result)).isZero();

    assertThat(dir.resolve(".stowage-lock")).exists();
  }

  @Test
  void aLiveLockNamesItsHolder() throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("backups/ns/db/b1"));
    Instant now = Instant.now();
    Files.write(
        dir.resolve(".stowage-lock"), new LockInfo("run-42", "node-a", 7, now, now).toJson());
    Path result = tmp.resolve("r.json");

    assertThat(check("b1", result)).isEqualTo(5);

    assertThat(JSON.readTree(result.toFile()).get("error").asText())
        .contains("is in progress")
        .contains("run-42")
        .contains("node-a");
  }
}
