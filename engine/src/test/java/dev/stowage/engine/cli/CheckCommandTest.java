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

  private int checkWith(Path result, String... encryption) {
    java.util.List<String> args =
        new java.util.ArrayList<>(
            java.util.List.of(
                "check",
                "--storage",
                "file://" + tmp.resolve("backups"),
                "--directory",
                "ns/db",
                "--name",
                "b1",
                "--result-file",
                result.toString()));
    args.addAll(java.util.List.of(encryption));
    return StowageCli.execute(args.toArray(String[]::new));
  }

  /** What the backup says about the same file (it checks it before anything else). */
  private JsonNode backupWith(String... encryption) throws Exception {
    Path result = tmp.resolve("backup.json");
    java.util.List<String> args =
        new java.util.ArrayList<>(
            java.util.List.of(
                "backup",
                "--datadir",
                tmp.resolve("no-datadir").toString(),
                "--storage",
                "file://" + tmp.resolve("backups"),
                "--directory",
                "ns/db",
                "--name",
                "b1",
                "--result-file",
                result.toString()));
    args.addAll(java.util.List.of(encryption));
    StowageCli.execute(args.toArray(String[]::new));
    return JSON.readTree(result.toFile());
  }

  @Test
  void checkWithAMalformedKeyFileFailsWithExitTwoNamingTheFileAsTheBackupWould() throws Exception {
    Files.createDirectories(tmp.resolve("backups"));
    Path key = tmp.resolve("key-0");
    Files.write(key, new byte[31]); // one byte short of a 256-bit key
    Path result = tmp.resolve("r.json");

    assertThat(checkWith(result, "--encryption-key-file", key.toString())).isEqualTo(2);

    JsonNode r = JSON.readTree(result.toFile());
    assertThat(r.get("exitCode").asInt()).isEqualTo(2);
    assertThat(r.get("error").asText())
        .contains("--encryption-key-file " + key)
        .contains("32 raw bytes");
    JsonNode b = backupWith("--encryption-key-file", key.toString());
    assertThat(b.get("exitCode").asInt()).isEqualTo(2);
    assertThat(r.get("error").asText()).isEqualTo(b.get("error").asText());
    // Nothing reached the storage.
    assertThat(tmp.resolve("backups/ns")).doesNotExist();
  }

  @Test
  void checkWithATooShortPassphraseFileFailsWithExitTwoAsTheBackupWould() throws Exception {
    Files.createDirectories(tmp.resolve("backups"));
    Path p = tmp.resolve("passphrase-0");
    Files.writeString(p, "short pass\n");
    Path result = tmp.resolve("r.json");

    assertThat(checkWith(result, "--encryption-passphrase-file", p.toString())).isEqualTo(2);

    JsonNode r = JSON.readTree(result.toFile());
    assertThat(r.get("error").asText())
        .contains("--encryption-passphrase-file " + p)
        .contains("at least 12")
        .doesNotContain("short pass");
    JsonNode b = backupWith("--encryption-passphrase-file", p.toString());
    assertThat(r.get("error").asText()).isEqualTo(b.get("error").asText());
  }

  @Test
  void checkWithAKeyFileAndAPassphraseFileFailsAsTheBackupWould() throws Exception {
    Files.createDirectories(tmp.resolve("backups"));
    Path key = tmp.resolve("key-0");
    Files.write(key, new byte[32]);
    Path p = tmp.resolve("passphrase-0");
    Files.writeString(p, "a long enough passphrase\n");
    Path result = tmp.resolve("r.json");
    String[] both = {
      "--encryption-key-file", key.toString(), "--encryption-passphrase-file", p.toString()
    };

    assertThat(checkWith(result, both)).isEqualTo(2);

    assertThat(JSON.readTree(result.toFile()).get("error").asText())
        .isEqualTo(backupWith(both).get("error").asText())
        .contains("give either a key file or a passphrase file");
  }

  @Test
  void checkWithWellFormedKeyAndPassphraseFilesPasses() throws Exception {
    Files.createDirectories(tmp.resolve("backups"));
    Path key = tmp.resolve("key-0");
    Files.writeString(key, java.util.Base64.getEncoder().encodeToString(new byte[32]) + "\n");
    Path p = tmp.resolve("passphrase-0");
    Files.writeString(p, "a long enough passphrase\n");

    assertThat(checkWith(tmp.resolve("a.json"), "--encryption-key-file", key.toString())).isZero();
    assertThat(checkWith(tmp.resolve("b.json"), "--encryption-passphrase-file", p.toString()))
        .isZero();
    assertThat(Files.readString(tmp.resolve("b.json"))).doesNotContain("a long enough");
  }
}
