package dev.stowage.engine.lock;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stowage.engine.storage.BackupLocation;
import dev.stowage.engine.storage.file.FileStorage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
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
}
