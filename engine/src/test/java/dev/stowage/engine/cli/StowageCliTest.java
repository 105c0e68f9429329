package dev.stowage.engine.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.stowage.engine.EngineFixture;
import dev.stowage.engine.error.EngineException;
import dev.stowage.engine.error.ExitCode;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StowageCliTest {
  @TempDir Path tmp;
  private static final ObjectMapper JSON = new ObjectMapper();

  private int run(String... args) {
    return StowageCli.execute(args);
  }

  private String[] backupArgs(String... extra) {
    String[] base = {
      "backup",
      "--datadir",
      tmp.resolve("data").toString(),
      "--storage",
      "file://" + tmp.resolve("backups"),
      "--directory",
      "ns/db",
      "--quiet"
    };
    String[] all = java.util.Arrays.copyOf(base, base.length + extra.length);
    System.arraycopy(extra, 0, all, base.length, extra.length);
    return all;
  }

  @Test
  void invalidSettingsExitTwoBeforeAnyWork() throws Exception {
    Files.createDirectories(tmp.resolve("data"));
    // Something to back up, so that each exit 2 below is for its settings alone.
    Files.writeString(tmp.resolve("data/aria_log_control"), "x");
    Files.createDirectories(tmp.resolve("backups"));
    assertThat(run(backupArgs("--name", "a", "--chunk-size", "1Ki"))).isEqualTo(2);
    assertThat(run(backupArgs("--name", "a", "--chunk-threshold", "4Mi", "--chunk-size", "8Mi")))
        .isEqualTo(2);
    assertThat(run(backupArgs("--name", "a", "--chunk-size", "-4Mi"))).isEqualTo(2);
    assertThat(run(backupArgs("--name", "a", "--chunk-size", "99999999999Ti"))).isEqualTo(2);
    assertThat(run(backupArgs("--name", "a", "--concurrency", "0"))).isEqualTo(2);
    assertThat(run(backupArgs("--name", "a", "--compression", "brotli"))).isEqualTo(2);
    assertThat(run(backupArgs("--name", "../x"))).isEqualTo(2);
    assertThat(run(backupArgs("--name", "a", "--bogus"))).isEqualTo(2);
    assertThat(run("backup")).isEqualTo(2);
    assertThat(run()).isEqualTo(2);
    assertThat(tmp.resolve("backups/ns")).doesNotExist();
    // Chunking off: the chunk size is not checked.
    assertThat(run(backupArgs("--name", "a", "--chunk-threshold", "0", "--chunk-size", "1Ki")))
        .isZero();
  }

  @Test
  void resultFilesDescribeSuccessAndFailure() throws Exception {
    EngineFixture.writeDatadir(tmp.resolve("data"));
    Files.createDirectories(tmp.resolve("backups"));
    Path result = tmp.resolve("result.json");
    assertThat(
            run(
                backupArgs(
                    "--name",
                    "b1",
                    "--chunk-threshold",
                    "4Mi",
                    "--chunk-size",
                    "4Mi",
                    "--result-file",
                    result.toString())))
        .isZero();
    JsonNode ok = JSON.readTree(result.toFile());
    assertThat(ok.get("status").asText()).isEqualTo("Succeeded");
    assertThat(ok.get("name").asText()).isEqualTo("b1");
    assertThat(ok.get("files").asLong()).isEqualTo(6);
    assertThat(ok.get("chunks").asLong()).isEqualTo(7);
    assertThat(ok.get("bytesRead").asLong())
        .isGreaterThan(ok.get("bytesStored").asLong())
        .isPositive();
    assertThat(ok.get("engineVersion").asText()).isNotEmpty();
    assertThat(ok.get("skippedCount").asInt()).isEqualTo(1);

    assertThat(run(backupArgs("--name", "b1", "--result-file", result.toString()))).isEqualTo(5);
    JsonNode failed = JSON.readTree(result.toFile());
    assertThat(failed.get("status").asText()).isEqualTo("Failed");
    assertThat(failed.get("exitCode").asInt()).isEqualTo(5);
    assertThat(failed.get("error").asText()).contains("already exists");
    assertThat(failed.get("object").asText()).endsWith("b1/MANIFEST");

    Path restored = tmp.resolve("restored.json");
    assertThat(
            run(
                "restore",
                "--storage",
                tmp.resolve("backups").toString(),
                "--directory",
                "ns/db",
                "--name",
                "latest",
                "--datadir",
                tmp.resolve("r").toString(),
                "--quiet",
                "--result-file",
                restored.toString()))
        .isZero();
    JsonNode r = JSON.readTree(restored.toFile());
    assertThat(r.get("bytesWritten").asLong()).isEqualTo(ok.get("bytesRead").asLong());
    assertThat(r.get("bytesRead").asLong()).isEqualTo(ok.get("bytesStored").asLong());
  }

  @Test
  void resultFileStaysWithinFourKiB() throws Exception {
    EngineException huge =
        new EngineException(ExitCode.INTEGRITY, "x".repeat(5000), "e".repeat(20000));
    var node = ResultFile.failure("restore", "n".repeat(100), huge, 1.5);
    byte[] bytes = ResultFile.render(node);
    assertThat(bytes.length).isLessThanOrEqualTo(4096);
    JsonNode back = JSON.readTree(bytes);
    assertThat(back.get("exitCode").asInt()).isEqualTo(4);
    assertThat(back.get("error").asText()).startsWith("eeee").endsWith("...");
  }

  @Test
  void lsListsCompleteBackupsOldestFirstAndInspectSummarises() throws Exception {
    EngineFixture.writeDatadir(tmp.resolve("data"));
    Files.createDirectories(tmp.resolve("backups"));
    assertThat(run(backupArgs("--name", "2026-01-01.000000.db"))).isZero();
    assertThat(run(backupArgs("--name", "2026-01-02.000000.db"))).isZero();
    Files.createDirectories(tmp.resolve("backups/ns/db/2026-01-03.000000.db")); // incomplete
    String ls =
        capture(
            () ->
                run("ls", "--storage", tmp.resolve("backups").toString(), "--directory", "ns/db"));
    assertThat(ls)
        .containsSubsequence("2026-01-01.000000.db", "2026-01-02.000000.db")
        .doesNotContain("2026-01-03");
    String inspect =
        capture(
            () ->
                run(
                    "inspect",
                    "--storage",
                    tmp.resolve("backups").toString(),
                    "--directory",
                    "ns/db",
                    "--name",
                    "latest"));
    assertThat(inspect)
        .contains("2026-01-02.000000.db")
        .contains("Files:        6")
        .contains("MANIFEST:     valid")
        .contains("shop/orders.ibd");
    assertThat(
            run(
                "inspect",
                "--storage",
                tmp.resolve("backups").toString(),
                "--directory",
                "ns/db",
                "--name",
                "nope"))
        .isEqualTo(3);
  }

  @Test
  void rmDeletesTheManifestFirstAndIsIdempotent() throws Exception {
    EngineFixture.writeDatadir(tmp.resolve("data"));
    Files.createDirectories(tmp.resolve("backups"));
    assertThat(run(backupArgs("--name", "b1"))).isZero();
    String[] rm = {
      "rm", "--storage", tmp.resolve("backups").toString(), "--directory", "ns/db", "--name", "b1"
    };
    assertThat(capture(() -> run(rm))).contains("deleted").contains("b1");
    assertThat(tmp.resolve("backups/ns/db/b1")).doesNotExist();
    assertThat(capture(() -> run(rm))).contains("nothing to delete");
    assertThat(
            run(
                "rm",
                "--storage",
                tmp.resolve("backups").toString(),
                "--directory",
                "ns/db",
                "--name",
                "latest"))
        .as("rm takes an exact name")
        .isZero();
  }

  private static String capture(java.util.function.IntSupplier body) {
    PrintStream old = System.out;
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    System.setOut(new PrintStream(buf, true));
    try {
      assertThat(body.getAsInt()).isZero();
    } finally {
      System.setOut(old);
    }
    return buf.toString();
  }

  /** The lines the operator reads into status.progress: the last one says the work is complete. */
  @Test
  void backupAndRestoreReportProgressAsJsonLinesInALog() throws Exception {
    EngineFixture.writeDatadir(tmp.resolve("data"));
    Files.createDirectories(tmp.resolve("backups"));
    String[] backup = backupArgs("--name", "p1", "--chunk-threshold", "4Mi", "--chunk-size", "4Mi");
    backup =
        java.util.Arrays.stream(backup).filter(a -> !a.equals("--quiet")).toArray(String[]::new);
    JsonNode b = lastProgress(backup);
    assertThat(b.get("operation").asText()).isEqualTo("backup");
    assertThat(b.get("bytesTotal").asLong()).isPositive();
    assertThat(b.get("bytesDone").asLong()).isEqualTo(b.get("bytesTotal").asLong());
    assertThat(b.get("objectsTotal").asInt()).isGreaterThan(1);
    assertThat(b.get("objectsDone").asInt()).isEqualTo(b.get("objectsTotal").asInt());
    assertThat(b.get("percent").asInt()).isEqualTo(100);

    JsonNode r =
        lastProgress(
            "restore",
            "--storage",
            "file://" + tmp.resolve("backups"),
            "--directory",
            "ns/db",
            "--name",
            "p1",
            "--datadir",
            tmp.resolve("restored").toString());
    assertThat(r.get("operation").asText()).isEqualTo("restore");
    assertThat(r.get("bytesDone").asLong()).isEqualTo(b.get("bytesTotal").asLong());
    assertThat(r.get("objectsDone").asInt()).isEqualTo(b.get("objectsTotal").asInt());
  }

  private JsonNode lastProgress(String... args) throws Exception {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    PrintStream old = System.err;
    System.setErr(new PrintStream(err, true, java.nio.charset.StandardCharsets.UTF_8));
    int code;
    try {
      code = run(args);
    } finally {
      System.setErr(old);
    }
    String log = err.toString(java.nio.charset.StandardCharsets.UTF_8);
    assertThat(code).as(log).isZero();
    JsonNode last = null;
    for (String line : log.split("\n")) {
      if (line.startsWith("{\"" + dev.stowage.engine.core.Progress.KEY + "\"")) {
        last = JSON.readTree(line).get(dev.stowage.engine.core.Progress.KEY);
      }
    }
    assertThat(last).as("a progress line in %s", log).isNotNull();
    return last;
  }

  /** Issue 11: a snapshot backup says it is crash-consistent, in the MANIFEST and in inspect. */
  @Test
  void theConsistencyAskedForIsRecordedAndShownByInspect() throws Exception {
    EngineFixture.writeDatadir(tmp.resolve("data"));
    Files.createDirectories(tmp.resolve("backups"));
    assertThat(run(backupArgs("--name", "c1", "--consistency", "CrashConsistent"))).isZero();
    JsonNode manifest = JSON.readTree(tmp.resolve("backups/ns/db/c1/MANIFEST").toFile());
    assertThat(manifest.get("StowageConsistency").asText()).isEqualTo("CrashConsistent");

    ByteArrayOutputStream out = new ByteArrayOutputStream();
    PrintStream old = System.out;
    System.setOut(new PrintStream(out, true, java.nio.charset.StandardCharsets.UTF_8));
    try {
      assertThat(
              run(
                  "inspect",
                  "--storage",
                  "file://" + tmp.resolve("backups"),
                  "--directory",
                  "ns/db",
                  "--name",
                  "c1"))
          .isZero();
    } finally {
      System.setOut(old);
    }
    assertThat(out.toString(java.nio.charset.StandardCharsets.UTF_8))
        .contains("Consistency:  CrashConsistent");

    assertThat(run(backupArgs("--name", "c2"))).isZero();
    assertThat(
            JSON.readTree(tmp.resolve("backups/ns/db/c2/MANIFEST").toFile())
                .has("StowageConsistency"))
        .as("nothing recorded when nothing was said")
        .isFalse();
    assertThat(run(backupArgs("--name", "c3", "--consistency", "Snapshot"))).isEqualTo(2);
    assertThat(tmp.resolve("backups/ns/db/c3")).doesNotExist();
  }

  @Test
  void nativeCryptoIsLoadedAheadOnlyForRunsThatEncryptOrReachS3() {
    assertThat(StowageCli.needsCrypto(backupArgs("--encryption-key-file", "/k"))).isTrue();
    assertThat(StowageCli.needsCrypto(backupArgs("--encryption-passphrase-file=/p"))).isTrue();
    assertThat(StowageCli.needsCrypto(new String[] {"ls", "--storage", "s3://b/p"})).isTrue();
    assertThat(StowageCli.needsCrypto(new String[] {"ls", "--storage=s3://b/p"})).isTrue();
    assertThat(StowageCli.needsCrypto(backupArgs())).isFalse();
  }

  @Test
  void helpListsEveryCommandThoughOnlyTheNamedOneIsBuilt() {
    String help = stdout("--help");
    for (String command : new String[] {"backup", "restore", "verify", "ls", "inspect", "rm"}) {
      assertThat(help)
          .as("stowage --help lists " + command)
          .containsPattern("(?m)^\\s+" + command + "\\b");
    }
    assertThat(help).containsPattern("(?m)^\\s+check\\b");
    String restoreHelp = stdout("restore", "--help");
    assertThat(restoreHelp).contains("Usage: stowage restore").contains("--datadir");
    assertThat(stdout("check", "--help")).contains("Usage: stowage check");
    assertThat(StowageCli.commandLine("restore", "--help").getSubcommands().keySet())
        .containsExactly("restore");
    assertThat(StowageCli.commandLine("--help").getSubcommands().keySet())
        .containsExactly("backup", "restore", "verify", "ls", "inspect", "rm", "check");
  }

  @Test
  void theCommandsThatWarmUpZstdAreCommands() {
    assertThat(StowageCli.commandLine("--help").getSubcommands().keySet())
        .containsAll(Warmup.COMPRESSING);
  }

  @Test
  void anUnknownCommandIsRefusedWithExitTwo() {
    assertThat(run("restroe", "--datadir", "/x")).isEqualTo(2);
    assertThat(run("--bogus")).isEqualTo(2);
  }

  private static String stdout(String... args) {
    PrintStream original = System.out;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    System.setOut(new PrintStream(out, true, java.nio.charset.StandardCharsets.UTF_8));
    try {
      assertThat(StowageCli.execute(args)).as(String.join(" ", args)).isZero();
    } finally {
      System.setOut(original);
    }
    return out.toString(java.nio.charset.StandardCharsets.UTF_8);
  }
}
