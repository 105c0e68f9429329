package dev.stowage.engine.lock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stowage.engine.core.Retrier;
import dev.stowage.engine.error.EngineException;
import dev.stowage.engine.error.ExitCode;
import dev.stowage.engine.storage.BackupLocation;
import dev.stowage.engine.storage.file.FileStorage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BackupLockTest {
  @TempDir Path tmp;

  private FileStorage storage() throws Exception {
    return new FileStorage(Files.createDirectories(tmp.resolve("backups")));
  }

  private static final BackupLocation LOC = new BackupLocation("ns/db", "b1");

  @Test
  void aSecondAcquireIsRefusedNamingTheHolder() throws Exception {
    LockContract.aSecondAcquireIsRefusedNamingTheHolder(storage(), LOC);
  }

  @Test
  void theLockIsAFileNamedStowageLockHoldingItsRunAsJson() throws Exception {
    FileStorage s = storage();
    try (BackupLock lock = BackupLock.acquire(s, LOC, Duration.ofMinutes(2), "host-a")) {
      String json = Files.readString(tmp.resolve("backups/ns/db/b1/.stowage-lock"));
      assertThat(json)
          .contains("\"runId\":\"" + lock.runId() + "\"")
          .contains("\"host\":\"host-a\"")
          .contains("\"pid\":" + ProcessHandle.current().pid())
          .contains("\"startedAt\"")
          .contains("\"heartbeatAt\"");
    }
  }

  @Test
  void theHeartbeatRenewsTheLock() throws Exception {
    FileStorage s = storage();
    try (BackupLock lock = BackupLock.acquire(s, LOC, Duration.ofSeconds(2), "host-a")) {
      LockInfo first = LockInfo.parse(s.readSmall(LOC, BackupLock.NAME));
      Thread.sleep(1300);
      LockInfo later = LockInfo.parse(s.readSmall(LOC, BackupLock.NAME));
      assertThat(later.runId()).isEqualTo(first.runId());
      assertThat(later.heartbeatAt()).isAfter(first.heartbeatAt());
      lock.checkStillMine();
    }
  }

  @Test
  void aStaleLockIsTakenOverAndItsHolderStops() throws Exception {
    LockContract.aStaleLockIsTakenOverAndItsHolderStops(storage(), LOC);
  }

  @RepeatedTest(5)
  void racingRerunnersTakeOverOnce() throws Exception {
    LockContract.racingRerunnersTakeOverOnce(storage(), LOC, 8);
  }

  @Test
  void heartbeatIsAQuarterOfTheStaleTimeAtMostFifteenSeconds() {
    assertThat(BackupLock.heartbeatFor(Duration.ofMinutes(2))).isEqualTo(Duration.ofSeconds(15));
    assertThat(BackupLock.heartbeatFor(Duration.ofSeconds(4))).isEqualTo(Duration.ofSeconds(1));
    assertThat(BackupLock.parseDuration("--x", "90s")).isEqualTo(Duration.ofSeconds(90));
    assertThat(BackupLock.parseDuration("--x", "2m")).isEqualTo(Duration.ofMinutes(2));
  }

  // A Job's retried pod waits (--lock-wait) for the pod before it instead of failing at once.

  @Test
  void aWaitingRunTakesOverOnceTheHoldersLockGoesStale() throws Exception {
    FileStorage s = storage();
    Instant now = Instant.now();
    s.replaceSmall(
        LOC, BackupLock.NAME, new LockInfo("paused-run", "node-a", 7, now, now).toJson());
    long t0 = System.nanoTime();
    try (BackupLock lock =
        BackupLock.acquire(
            s, LOC, Duration.ofSeconds(2), Duration.ofSeconds(20), "host-b", Retrier.defaults())) {
      assertThat(Duration.ofNanos(System.nanoTime() - t0)).isGreaterThan(Duration.ofMillis(1500));
      assertThat(LockInfo.parse(s.readSmall(LOC, BackupLock.NAME)).runId()).isEqualTo(lock.runId());
    }
  }

  @Test
  void aWaitingRunGetsTheLockWhenItsHolderReleasesIt() throws Exception {
    FileStorage s = storage();
    BackupLock holder = BackupLock.acquire(s, LOC, Duration.ofMinutes(2), "host-a");
    Thread release =
        new Thread(
            () -> {
              try {
                Thread.sleep(1000);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
              holder.close();
            });
    release.start();
    try (BackupLock lock =
        BackupLock.acquire(
            s, LOC, Duration.ofMinutes(2), Duration.ofSeconds(30), "host-b", Retrier.defaults())) {
      assertThat(LockInfo.parse(s.readSmall(LOC, BackupLock.NAME)).runId()).isEqualTo(lock.runId());
    } finally {
      release.join();
    }
  }

  @Test
  void aWaitThatRunsOutIsRefusedNamingTheLiveHolder() throws Exception {
    FileStorage s = storage();
    try (BackupLock holder = BackupLock.acquire(s, LOC, Duration.ofMinutes(2), "host-a")) {
      long t0 = System.nanoTime();
      assertThatThrownBy(
              () ->
                  BackupLock.acquire(
                      s,
                      LOC,
                      Duration.ofMinutes(2),
                      Duration.ofSeconds(1),
                      "host-b",
                      Retrier.defaults()))
          .isInstanceOf(EngineException.class)
          .satisfies(e -> assertThat(((EngineException) e).exitCode()).isEqualTo(ExitCode.UNSAFE))
          .hasMessageContaining("host-a")
          .hasMessageContaining(holder.runId());
      assertThat(Duration.ofNanos(System.nanoTime() - t0)).isGreaterThan(Duration.ofMillis(900));
      assertThat(LockInfo.parse(s.readSmall(LOC, BackupLock.NAME)).runId())
          .isEqualTo(holder.runId());
    }
  }
}
