package dev.stowage.engine.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stowage.engine.EngineFixture;
import dev.stowage.engine.lock.LockInfo;
import dev.stowage.engine.testing.EngineProcess;
import dev.stowage.engine.testing.ProcessRunner;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 10 case 1, the real-world way: a Kubernetes Job retried while its first pod still runs (or
 * is frozen on a partitioned node). Two engine processes back up under one name; the first is
 * paused with SIGSTOP in the middle of its backup.
 */
class OneWriterPerNameIT {
  @TempDir Path tmp;
  private final List<Process> started = new ArrayList<>();

  @AfterEach
  void stopLeftovers() throws Exception {
    for (Process p : started) {
      if (p.isAlive()) {
        signal(p, "CONT");
        p.destroyForcibly();
        p.waitFor(30, TimeUnit.SECONDS);
      }
    }
  }

  private Path datadir() throws Exception {
    Path d = tmp.resolve("data");
    EngineFixture.writeDatadir(d);
    Files.createDirectories(tmp.resolve("backups"));
    return d;
  }

  private List<String> backupArgs(Path data, String... extra) {
    List<String> a =
        new ArrayList<>(
            List.of(
                "backup",
                "--datadir",
                data.toString(),
                "--storage",
                EngineProcess.fileUrl(tmp.resolve("backups")),
                "--directory",
                "ns/db",
                "--name",
                "b1",
                "--quiet",
                "--chunk-threshold",
                "4Mi",
                "--chunk-size",
                "4Mi"));
    a.addAll(List.of(extra));
    return a;
  }

  private Process startSlowBackup(Path data, String... extra) throws Exception {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-jar");
    cmd.add(EngineProcess.jar().toString());
    // 24 MiB in 4 MiB chunks, one worker, a slow zstd level: seconds, so it is surely paused
    // mid-way.
    cmd.addAll(backupArgs(data, extra));
    cmd.addAll(List.of("--level", "14", "--concurrency", "1"));
    Process p =
        new ProcessBuilder(cmd)
            .redirectErrorStream(true)
            .redirectOutput(tmp.resolve("first.log").toFile())
            .start();
    started.add(p);
    return p;
  }

  private Path backupDir() {
    return tmp.resolve("backups/ns/db/b1");
  }

  /** Waits until the first run holds its lock and has stored a few objects, then pauses it. */
  private void pauseMidBackup(Process p) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (System.nanoTime() < deadline) {
      if (Files.exists(backupDir().resolve(".stowage-lock")) && storedObjects() >= 2) {
        break;
      }
      assertThat(p.isAlive()).as("first run still running: %s", log()).isTrue();
      Thread.sleep(20);
    }
    assertThat(storedObjects()).as("objects stored by the first run").isGreaterThanOrEqualTo(2);
    signal(p, "STOP");
    assertThat(p.isAlive()).isTrue();
  }

  private long storedObjects() throws Exception {
    if (!Files.isDirectory(backupDir())) {
      return 0;
    }
    try (Stream<Path> s = Files.list(backupDir())) {
      return s.filter(f -> !f.getFileName().toString().startsWith(".")).count();
    }
  }

  private String log() {
    try {
      return Files.readString(tmp.resolve("first.log"));
    } catch (Exception e) {
      return "(no log)";
    }
  }

  private static void signal(Process p, String sig) throws Exception {
    assertThat(
            new ProcessBuilder("kill", "-" + sig, Long.toString(p.pid()))
                .inheritIO()
                .start()
                .waitFor())
        .isZero();
  }

  private ProcessRunner.Result verify() {
    return EngineProcess.run(
        "verify",
        "--storage",
        EngineProcess.fileUrl(tmp.resolve("backups")),
        "--directory",
        "ns/db",
        "--name",
        "b1");
  }

  @Test
  void case1_aSecondProcessOfTheSameNameExitsFiveNamingThePausedHolderWhichThenSucceeds()
      throws Exception {
    Path data = datadir();
    Process first = startSlowBackup(data);
    pauseMidBackup(first);
    LockInfo holder = LockInfo.parse(Files.readAllBytes(backupDir().resolve(".stowage-lock")));
    assertThat(holder.pid()).isEqualTo(first.pid());
    long objectsBefore = storedObjects();

    ProcessRunner.Result second = EngineProcess.run(backupArgs(data));
    assertThat(second.exitCode()).as("%s", second).isEqualTo(5);
    assertThat(second.output())
        .contains("being written by another run")
        .contains("pid " + first.pid())
        .contains(holder.runId())
        .contains("host " + holder.host())
        .contains("last heartbeat")
        .contains("--lock-stale-after");
    assertThat(storedObjects()).as("the second run deleted nothing").isEqualTo(objectsBefore);

    signal(first, "CONT");
    assertThat(first.waitFor(300, TimeUnit.SECONDS)).isTrue();
    assertThat(first.exitValue()).as("first run: %s", log()).isZero();
    assertThat(backupDir().resolve(".stowage-lock")).doesNotExist();
    ProcessRunner.Result v = verify();
    assertThat(v.exitCode()).as("%s", v).isZero();
  }

  @Test
  void case1_aRerunTakesOverAStaleLockAndTheResumedHolderStopsWithoutTouchingIt() throws Exception {
    Path data = datadir();
    Process first = startSlowBackup(data, "--lock-stale-after", "3s");
    pauseMidBackup(first);
    Thread.sleep(4500); // no heartbeat for longer than 3s: provably stale

    ProcessRunner.Result rerun = EngineProcess.run(backupArgs(data, "--lock-stale-after", "3s"));
    assertThat(rerun.exitCode()).as("%s", rerun).isZero();
    assertThat(rerun.output()).contains("took over");
    assertThat(backupDir().resolve("MANIFEST")).exists();

    signal(first, "CONT");
    assertThat(first.waitFor(300, TimeUnit.SECONDS)).isTrue();
    assertThat(first.exitValue()).as("resumed first run: %s", log()).isEqualTo(5);
    assertThat(log()).contains("lock");
    ProcessRunner.Result v = verify();
    assertThat(v.exitCode()).as("the rerun's backup after the first resumed: %s", v).isZero();
  }
}
