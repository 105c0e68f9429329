package dev.stowage.engine.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.IntSupplier;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 10, case 7: {@code latest} is the newest complete backup by its MANIFEST's FinishedTime,
 * not the alphabetically last name, and is never itself a backup name.
 */
class LatestBackupTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  @TempDir Path tmp;
  private Path storage;

  @BeforeEach
  void datadir() throws Exception {
    Files.createDirectories(tmp.resolve("data"));
    Files.writeString(tmp.resolve("data/aria_log_control"), "x");
    storage = Files.createDirectories(tmp.resolve("backups"));
  }

  private int backup(String name) {
    return StowageCli.execute(
        "backup",
        "--datadir",
        tmp.resolve("data").toString(),
        "--storage",
        storage.toString(),
        "--directory",
        "ns/db",
        "--name",
        name,
        "--quiet");
  }

  /** Takes a backup, then sets its MANIFEST times (null removes the key) as a writer would. */
  private void backupFinishedAt(String name, String backupTime, String finishedTime)
      throws Exception {
    assertThat(backup(name)).isZero();
    Path manifest = storage.resolve("ns/db").resolve(name).resolve("MANIFEST");
    ObjectNode m = (ObjectNode) JSON.readTree(manifest.toFile());
    setOrRemove(m, "BackupTime", backupTime);
    setOrRemove(m, "FinishedTime", finishedTime);
    JSON.writerWithDefaultPrettyPrinter().writeValue(manifest.toFile(), m);
  }

  private static void setOrRemove(ObjectNode m, String key, String value) {
    if (value == null) {
      m.remove(key);
    } else {
      m.put(key, value);
    }
  }

  private String latestName() throws Exception {
    Path result = tmp.resolve("inspect-" + System.nanoTime() + ".json");
    assertThat(
            StowageCli.execute(
                "inspect",
                "--storage",
                storage.toString(),
                "--directory",
                "ns/db",
                "--name",
                "latest",
                "--result-file",
                result.toString()))
        .isZero();
    return JSON.readTree(result.toFile()).get("name").asText();
  }

  @Test
  void preUpgradeTakenBeforeDatedBackupsIsNotLatest() throws Exception {
    backupFinishedAt("pre-upgrade", "2026-03-01T09:00:00Z", "2026-03-01T09:10:00Z");
    backupFinishedAt("2026-03-02.000000.db-0", "2026-03-02T00:00:00Z", "2026-03-02T00:05:00Z");
    backupFinishedAt("2026-03-03.000000.db-0", "2026-03-03T00:00:00Z", "2026-03-03T00:05:00Z");
    assertThat(latestName()).isEqualTo("2026-03-03.000000.db-0");
  }

  @Test
  void newerFinishedBackupWithOlderSortingNameIsLatest() throws Exception {
    backupFinishedAt("zz-nightly", "2026-03-01T00:00:00Z", "2026-03-01T00:05:00Z");
    backupFinishedAt("aa-manual", "2026-03-04T00:00:00Z", "2026-03-04T00:05:00Z");
    backupFinishedAt("mm-weekly", "2026-03-02T00:00:00Z", "2026-03-02T00:05:00Z");
    assertThat(latestName()).isEqualTo("aa-manual");
  }

  @Test
  void latestTiesAreBrokenByName() throws Exception {
    backupFinishedAt("b-second", "2026-03-01T00:00:00Z", "2026-03-01T00:05:00Z");
    backupFinishedAt("c-third", "2026-03-01T00:01:00Z", "2026-03-01T00:05:00Z");
    backupFinishedAt("a-first", "2026-03-01T00:02:00Z", "2026-03-01T00:05:00Z");
    assertThat(latestName()).as("equal FinishedTime: the last name wins").isEqualTo("c-third");
  }

  @Test
  void missingOrUnparsableFinishedTimeFallsBackToBackupTimeElseSortsOldest() throws Exception {
    backupFinishedAt("a-good", "2026-03-01T00:00:00Z", "2026-03-01T00:05:00Z");
    // No usable FinishedTime, but a BackupTime later than a-good's finish: it counts.
    backupFinishedAt("b-no-finish", "2026-03-02T00:00:00Z", null);
    assertThat(latestName()).isEqualTo("b-no-finish");
    backupFinishedAt("c-garbage", "2026-03-03T00:00:00Z", "yesterday");
    assertThat(latestName()).isEqualTo("c-garbage");
    // Neither time usable: sorts oldest, never "latest" while any dated backup exists.
    backupFinishedAt("z-no-times", "", "not a time");
    assertThat(latestName()).isEqualTo("c-garbage");
  }

  @Test
  void anUnreadableManifestSortsOldestAndBreaksNeitherLatestNorLs() throws Exception {
    backupFinishedAt("a-good", "2026-03-01T00:00:00Z", "2026-03-01T00:05:00Z");
    assertThat(backup("z-damaged")).isZero();
    Files.writeString(storage.resolve("ns/db/z-damaged/MANIFEST"), "{\"BackupName\": \"z-dam");
    int[] code = new int[1];
    String err = captureErr(() -> code[0] = latestNameCode());
    assertThat(code[0]).isZero();
    assertThat(err).contains("z-damaged").contains("oldest");
    assertThat(latestName()).isEqualTo("a-good");
    String out =
        captureOut(
            () ->
                StowageCli.execute("ls", "--storage", storage.toString(), "--directory", "ns/db"));
    assertThat(out)
        .containsSubsequence("z-damaged", "unreadable MANIFEST", "a-good", "2026-03-01T00:05:00Z");
  }

  private int latestNameCode() {
    return StowageCli.execute(
        "inspect", "--storage", storage.toString(), "--directory", "ns/db", "--name", "latest");
  }

  @Test
  void latestAndReservedWordsAreRefusedAsBackupNames() throws Exception {
    for (String bad :
        List.of(
            "latest",
            "LATEST",
            "Latest",
            ".stowage-lock",
            ".hidden",
            "a/b",
            "..",
            "a..b",
            "a b",
            " a",
            "a\tb",
            "a\nb",
            "a\u0001b",
            "")) {
      int[] code = new int[1];
      String err = captureErr(() -> code[0] = backup(bad));
      assertThat(code[0]).as("backup --name \"%s\"", bad).isEqualTo(2);
      assertThat(err).as("the error for \"%s\" says what is wrong", bad).contains("name");
    }
    String err = captureErr(() -> backup("latest"));
    assertThat(err).contains("latest").contains("reserved");
    assertThat(storage.resolve("ns")).as("nothing stored").doesNotExist();
  }

  @Test
  void lsSaysWhatItSortsByAndShowsTheFinishTime() throws Exception {
    backupFinishedAt("pre-upgrade", "2026-03-01T09:00:00Z", "2026-03-01T09:10:00Z");
    backupFinishedAt("2026-03-02.000000.db-0", "2026-03-02T00:00:00Z", "2026-03-02T00:05:00Z");
    Files.createDirectories(storage.resolve("ns/db/2026-03-05.000000.db-0")); // incomplete
    Files.writeString(storage.resolve("ns/db/2026-03-05.000000.db-0/0"), "partial");
    String out =
        captureOut(
            () ->
                StowageCli.execute("ls", "--storage", storage.toString(), "--directory", "ns/db"));
    assertThat(out).contains("FINISHED").contains("2026-03-01T09:10:00Z");
    assertThat(out).containsIgnoringCase("sorted by").contains("FinishedTime");
    assertThat(out)
        .as("oldest finish first, so the last row is what latest restores")
        .containsSubsequence("pre-upgrade", "2026-03-02.000000.db-0");
  }

  @Test
  void verifyInspectAndRestoreOfLatestNameTheResolvedBackup() throws Exception {
    backupFinishedAt("zz-old", "2026-03-01T00:00:00Z", "2026-03-01T00:05:00Z");
    backupFinishedAt("aa-new", "2026-03-02T00:00:00Z", "2026-03-02T00:05:00Z");
    String[][] commands = {
      {"verify", "--quiet"},
      {"inspect"},
      {"restore", "--quiet", "--datadir", tmp.resolve("restored").toString()},
    };
    for (String[] c : commands) {
      Path result = tmp.resolve(c[0] + ".json");
      List<String> args =
          new java.util.ArrayList<>(
              List.of(
                  c[0],
                  "--storage",
                  storage.toString(),
                  "--directory",
                  "ns/db",
                  "--name",
                  "latest",
                  "--result-file",
                  result.toString()));
      args.addAll(List.of(c).subList(1, c.length));
      int[] code = new int[1];
      String err = captureErr(() -> code[0] = StowageCli.execute(args.toArray(String[]::new)));
      assertThat(code[0]).as("%s latest", c[0]).isZero();
      assertThat(err).as("%s logs the resolution", c[0]).contains("latest").contains("aa-new");
      JsonNode r = JSON.readTree(result.toFile());
      assertThat(r.get("name").asText()).as("%s result name", c[0]).isEqualTo("aa-new");
    }
    // A failure after resolution still names the resolved backup.
    Files.delete(storage.resolve("ns/db/aa-new/0"));
    Path failed = tmp.resolve("failed.json");
    assertThat(
            StowageCli.execute(
                "verify",
                "--storage",
                storage.toString(),
                "--directory",
                "ns/db",
                "--name",
                "latest",
                "--quiet",
                "--result-file",
                failed.toString()))
        .isNotZero();
    assertThat(JSON.readTree(failed.toFile()).get("name").asText()).isEqualTo("aa-new");
  }

  private static String captureOut(IntSupplier body) {
    PrintStream old = System.out;
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
    try {
      assertThat(body.getAsInt()).isZero();
    } finally {
      System.setOut(old);
    }
    return buf.toString(StandardCharsets.UTF_8);
  }

  private static String captureErr(IntSupplier body) {
    PrintStream old = System.err;
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    System.setErr(new PrintStream(buf, true, StandardCharsets.UTF_8));
    try {
      body.getAsInt();
    } finally {
      System.setErr(old);
    }
    return buf.toString(StandardCharsets.UTF_8);
  }
}
