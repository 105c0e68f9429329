package dev.stowage.engine.lock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stowage.engine.error.EngineException;
import dev.stowage.engine.error.ExitCode;
import dev.stowage.engine.storage.BackupLocation;
import dev.stowage.engine.storage.BackupStorage;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/** What every storage must give the backup lock; run on a directory and on a real S3 server. */
public final class LockContract {
  private LockContract() {}

  private static ExitCode exit(Throwable e) {
    return ((EngineException) e).exitCode();
  }

  /** A lock nobody renews: what a dead (or paused) run leaves. */
  public static LockInfo plantStaleLock(BackupStorage s, BackupLocation loc, String runId) {
    Instant old = Instant.now().minus(Duration.ofMinutes(10));
    LockInfo dead = new LockInfo(runId, "dead-host", 4242, old, old);
    s.replaceSmall(loc, BackupLock.NAME, dead.toJson());
    return dead;
  }

  public static void aSecondAcquireIsRefusedNamingTheHolder(BackupStorage s, BackupLocation loc) {
    try (BackupLock first = BackupLock.acquire(s, loc, Duration.ofMinutes(2), "host-a")) {
      assertThatThrownBy(() -> BackupLock.acquire(s, loc, Duration.ofMinutes(2), "host-b"))
          .isInstanceOf(EngineException.class)
          .satisfies(e -> assertThat(exit(e)).isEqualTo(ExitCode.UNSAFE))
          .hasMessageContaining("host-a")
          .hasMessageContaining("pid " + ProcessHandle.current().pid())
          .hasMessageContaining(first.runId())
          .hasMessageContaining("last heartbeat")
          .hasMessageContaining("--lock-stale-after");
      LockInfo stored = LockInfo.parse(s.readSmall(loc, BackupLock.NAME));
      assertThat(stored.runId()).isEqualTo(first.runId());
    }
    assertThat(s.readSmall(loc, BackupLock.NAME)).as("lock removed on close").isNull();
  }

  public static void aStaleLockIsTakenOverAndItsHolderStops(BackupStorage s, BackupLocation loc)
      throws Exception {
    // A live holder whose lock is then replaced by another run stops at its next heartbeat.
    try (BackupLock a = BackupLock.acquire(s, loc, Duration.ofSeconds(2), "host-a")) {
      a.checkLease();
      LockInfo other = plantStaleLock(s, loc, "someone-else");
      Thread.sleep(1500); // two heartbeats of 500 ms
      assertThatThrownBy(a::checkLease)
          .satisfies(e -> assertThat(exit(e)).isEqualTo(ExitCode.UNSAFE))
          .hasMessageContaining("taken over")
          .hasMessageContaining("someone-else");
      assertThat(a.holds()).isFalse();
      a.close();
      assertThat(LockInfo.parse(s.readSmall(loc, BackupLock.NAME)).runId())
          .as("a run that lost its lock never deletes the new holder's")
          .isEqualTo(other.runId());
    }
    try (BackupLock b = BackupLock.acquire(s, loc, Duration.ofMinutes(2), "host-b")) {
      assertThat(LockInfo.parse(s.readSmall(loc, BackupLock.NAME)).runId()).isEqualTo(b.runId());
      assertThat(s.listObjects(loc)).containsExactly(BackupLock.NAME);
    }
  }

  /** Many rerunners race for one stale lock: exactly one takes it over, the others exit 5. */
  public static void racingRerunnersTakeOverOnce(BackupStorage s, BackupLocation loc, int runners)
      throws Exception {
    plantStaleLock(s, loc, "dead-run");
    ExecutorService pool = Executors.newFixedThreadPool(runners);
    CountDownLatch go = new CountDownLatch(1);
    List<Future<BackupLock>> results = new ArrayList<>();
    for (int i = 0; i < runners; i++) {
      String host = "rerunner-" + i;
      results.add(
          pool.submit(
              () -> {
                go.await();
                return BackupLock.acquire(s, loc, Duration.ofMinutes(2), host);
              }));
    }
    go.countDown();
    List<BackupLock> winners = new ArrayList<>();
    int refused = 0;
    for (Future<BackupLock> f : results) {
      try {
        winners.add(f.get(60, TimeUnit.SECONDS));
      } catch (java.util.concurrent.ExecutionException e) {
        assertThat(e.getCause()).isInstanceOf(EngineException.class);
        assertThat(exit(e.getCause())).isEqualTo(ExitCode.UNSAFE);
        refused++;
      }
    }
    pool.shutdown();
    try {
      assertThat(winners).as("runs that took the stale lock over").hasSize(1);
      assertThat(refused).isEqualTo(runners - 1);
      assertThat(LockInfo.parse(s.readSmall(loc, BackupLock.NAME)).runId())
          .isEqualTo(winners.get(0).runId());
      winners.get(0).checkStillMine();
      assertThat(s.listObjects(loc)).as("no takeover claim left").containsExactly(BackupLock.NAME);
    } finally {
      winners.forEach(BackupLock::close);
    }
  }
}
