package dev.stowage.engine.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stowage.engine.EngineFixture;
import dev.stowage.engine.lock.BackupLock;
import dev.stowage.engine.lock.LockContract;
import dev.stowage.engine.lock.LockInfo;
import dev.stowage.engine.storage.BackupLocation;
import dev.stowage.engine.storage.file.FileStorage;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 10 case 9 and issue 17 item 8: incomplete backups in rm and ls. */
class IncompleteBackupsCliTest {
  @TempDir Path tmp;

  private String storageUrl() {
    return "file://" + tmp.resolve("backups");
  }

  private FileStorage storage() throws Exception {
    return new FileStorage(Files.createDirectories(tmp.resolve("backups")));
  }

  private Path dir(String name) {
    return tmp.resolve("backups/ns/db").resolve(name);
  }

  /** Runs a command and returns {exit code, stdout}. */
  private Object[] run(String... args) {
    PrintStream old = System.out;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
    try {
      int rc = StowageCli.execute(args);
      return new Object[] {rc, out.toString(StandardCharsets.UTF_8)};
    } finally {
      System.setOut(old);
    }
  }

  /** An incomplete backup: some objects and a lock, no MANIFEST. */
  private void plantIncomplete(FileStorage s, String name) throws Exception {
    Files.createDirectories(dir(name));
    Files.writeString(dir(name).resolve("0"), "partial object");
    Files.writeString(dir(name).resolve("1-0"), "partial chunk");
  }

  @Test
  void case9_rmRefusesAnIncompleteBackupWhoseLockIsLiveAndRemovesAStaleOne() throws Exception {
    FileStorage s = storage();
    plantIncomplete(s, "live");
    BackupLocation live = new BackupLocation("ns/db", "live");
    try (BackupLock lock = BackupLock.acquire(s, live, Duration.ofMinutes(2), "writer-host")) {
      Object[] r = run("rm", "--storage", storageUrl(), "--directory", "ns/db", "--name", "live");
      assertThat(r[0]).isEqualTo(5);
      assertThat(dir("live").resolve("0")).as("nothing deleted under a live lock").exists();
      assertThat(dir("live").resolve(".stowage-lock")).exists();
    }

    plantIncomplete(s, "stale");
    LockContract.plantStaleLock(s, new BackupLocation("ns/db", "stale"), "dead-run");
    Object[] r = run("rm", "--storage", storageUrl(), "--directory", "ns/db", "--name", "stale");
    assertThat(r[0]).isEqualTo(0);
    assertThat(dir("stale")).doesNotExist();

    plantIncomplete(s, "unlocked");
    r = run("rm", "--storage", storageUrl(), "--directory", "ns/db", "--name", "unlocked");
    assertThat(r[0]).isEqualTo(0);
    assertThat(dir("unlocked")).doesNotExist();
  }

  @Test
  void rmWithLockWaitRemovesTheBackupOfAKilledRunOnceItsLockGoesStale() throws Exception {
    FileStorage s = storage();
    plantIncomplete(s, "killed");
    Instant now = Instant.now();
    // The last heartbeat of a run that was just killed (OOM, a lost node): live for 2 s more.
    s.replaceSmall(
        new BackupLocation("ns/db", "killed"),
        BackupLock.NAME,
        new LockInfo("killed-run", "node-a", 7, now, now).toJson());

    Object[] rm =
        run(
            "rm",
            "--storage",
            storageUrl(),
            "--directory",
            "ns/db",
            "--name",
            "killed",
            "--lock-stale-after",
            "2s",
            "--lock-wait",
            "30s");

    assertThat(rm[0]).isEqualTo(0);
    assertThat(dir("killed")).doesNotExist();
  }

  @Test
  void issue17_8_lsIncompleteShowsIncompleteBackupsWithTheirLockState() throws Exception {
    FileStorage s = storage();
    EngineFixture.writeDatadir(tmp.resolve("data"));
    EngineFixture.backup(s, tmp.resolve("data"), "complete");
    plantIncomplete(s, "dead");
    LockContract.plantStaleLock(s, new BackupLocation("ns/db", "dead"), "dead-run");
    plantIncomplete(s, "orphan");
    plantIncomplete(s, "running");
    try (BackupLock lock =
        BackupLock.acquire(
            s, new BackupLocation("ns/db", "running"), Duration.ofMinutes(2), "writer-host")) {
      Object[] plain = run("ls", "--storage", storageUrl(), "--directory", "ns/db");
      assertThat(plain[0]).isEqualTo(0);
      assertThat((String) plain[1]).contains("complete").doesNotContain("orphan", "running");

      Object[] all = run("ls", "--storage", storageUrl(), "--directory", "ns/db", "--incomplete");
      assertThat(all[0]).isEqualTo(0);
      String out = (String) all[1];
      assertThat(out).contains("INCOMPLETE (no MANIFEST, never restored): 3");
      assertThat(line(out, "running"))
          .contains("running (live lock)")
          .contains("writer-host")
          .contains(lock.runId());
      assertThat(line(out, "dead")).contains("stale lock").contains("dead-run");
      assertThat(line(out, "orphan")).contains("no lock");
    }
  }

  private static String line(String out, String name) {
    return out.lines()
        .filter(l -> l.startsWith(name + " "))
        .findFirst()
        .orElse("(no line for " + name + ")");
  }
}
