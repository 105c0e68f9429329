package dev.stowage.engine.lock;

import dev.stowage.engine.core.Retrier;
import dev.stowage.engine.error.EngineException;
import dev.stowage.engine.storage.BackupLocation;
import dev.stowage.engine.storage.BackupStorage;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One writer per backup name: an in-progress lock object {@code <directory>/<name>/.stowage-lock},
 * created exclusively, renewed by a heartbeat, and taken over only when provably stale.
 *
 * <p>A holder's lease runs from its last confirmed heartbeat (monotonic clock). Writes and deletes
 * check the lease first, so a run that was paused past the stale time (SIGSTOP, a partitioned node)
 * stops instead of writing into a backup another run has taken over.
 */
public final class BackupLock implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(BackupLock.class);

  /** The lock object's name inside the backup's location; the operator relies on it. */
  public static final String NAME = ".stowage-lock";

  /** Prefix of the claim a run creates exclusively to take over one stale lock. */
  static final String TAKEOVER_PREFIX = ".stowage-lock.takeover-";

  /** A lock with no heartbeat for this long may be taken over (--lock-stale-after). */
  public static final Duration DEFAULT_STALE_AFTER = Duration.ofMinutes(2);

  /** Longest interval between heartbeats. */
  public static final Duration MAX_HEARTBEAT = Duration.ofSeconds(15);

  private final BackupStorage storage;
  private final BackupLocation loc;
  private final Duration staleAfter;
  private final Duration heartbeat;
  private volatile LockInfo mine;
  private volatile long confirmedNanos;
  private volatile String lost;
  private ScheduledExecutorService beat;

  private BackupLock(
      BackupStorage storage, BackupLocation loc, Duration staleAfter, LockInfo mine) {
    this.storage = storage;
    this.loc = loc;
    this.staleAfter = staleAfter;
    this.heartbeat = heartbeatFor(staleAfter);
    this.mine = mine;
    this.confirmedNanos = System.nanoTime();
  }

  /**
   * The lock, a takeover claim, or a temporary file of either: never a backup's leftover, since a
   * run racing for the lock may be writing it right now.
   */
  public static boolean isLockObject(String object) {
    return object.startsWith(NAME) || object.startsWith(".tmp-" + NAME);
  }

  /** Heartbeat interval: a quarter of the stale time, at most 15 s. */
  public static Duration heartbeatFor(Duration staleAfter) {
    Duration q = staleAfter.dividedBy(4);
    return q.compareTo(MAX_HEARTBEAT) > 0 ? MAX_HEARTBEAT : q;
  }

  /**
   * Takes the lock of {@code loc}, or takes over a stale one; otherwise throws exit 5 naming the
   * holder. Starts the heartbeat.
   */
  public static BackupLock acquire(
      BackupStorage storage, BackupLocation loc, Duration staleAfter, String host) {
    return acquire(storage, loc, staleAfter, Duration.ZERO, host, Retrier.defaults());
  }

  /**
   * As above, but a live holder is waited for, up to {@code wait}: until it releases the lock or
   * its lock goes stale (then taken over). Transient storage errors are retried with {@code
   * retrier}.
   */
  public static BackupLock acquire(
      BackupStorage storage,
      BackupLocation loc,
      Duration staleAfter,
      Duration wait,
      String host,
      Retrier retrier) {
    BackupStorage s = new RetryingStorage(storage, retrier);
    Instant now = Instant.now();
    LockInfo me =
        new LockInfo(UUID.randomUUID().toString(), host, ProcessHandle.current().pid(), now, now);
    return acquire(s, loc, staleAfter, now.plus(wait), me);
  }

  private static BackupLock acquire(
      BackupStorage storage,
      BackupLocation loc,
      Duration staleAfter,
      Instant waitUntil,
      LockInfo me) {
    for (int attempt = 0; attempt < 3; attempt++) {
      if (storage.createExclusive(loc, NAME, me.toJson())) {
        return started(storage, loc, staleAfter, me);
      }
      byte[] raw = storage.readSmall(loc, NAME);
      if (raw == null) {
        continue; // released between our create and our read: try again
      }
      LockInfo held = LockInfo.parse(raw);
      if (held != null && held.runId().equals(me.runId())) {
        // A retried create whose first attempt did land (its answer was lost): ours.
        return started(storage, loc, staleAfter, held);
      }
      Instant t = Instant.now();
      if (held == null) {
        throw EngineException.unsafe(
            storage.describe(loc, NAME),
            storage.describe(loc, NAME)
                + " exists but is not a Stowage lock; remove it by hand if no backup of this"
                + " name is running, or choose another --name");
      }
      if (!held.isStale(t, staleAfter)) {
        if (!t.isBefore(waitUntil)) {
          throw held(storage, loc, held, staleAfter);
        }
        waitForHolder(storage, loc, held, staleAfter, t, waitUntil);
        attempt--; // waiting is not a failed attempt
        continue;
      }
      me = me.withHeartbeat(t);
      if (takeOver(storage, loc, raw, held, me)) {
        LOG.warn(
            "took over {}: its lock had no heartbeat for over {} ({}); its leftovers are replaced",
            storage.describe(loc, null),
            human(staleAfter),
            held.describe(t));
        return started(storage, loc, staleAfter, me);
      }
    }
    byte[] raw = storage.readSmall(loc, NAME);
    LockInfo now2 = raw == null ? null : LockInfo.parse(raw);
    if (now2 != null) {
      throw held(storage, loc, now2, staleAfter);
    }
    throw EngineException.unsafe(
        storage.describe(loc, NAME),
        "cannot take the lock "
            + storage.describe(loc, NAME)
            + ": other runs keep taking it; back up under another --name");
  }

  /**
   * Sleeps until {@code holder}'s lock would go stale, at most 2 s (so a release is seen soon) and
   * never past {@code waitUntil}. An unreadable lock ({@code holder} null) is polled every 2 s.
   */
  public static void waitForHolder(
      BackupStorage storage,
      BackupLocation loc,
      LockInfo holder,
      Duration staleAfter,
      Instant now,
      Instant waitUntil) {
    Instant wake = now.plusSeconds(2);
    if (holder != null) {
      Instant stale = holder.heartbeatAt().plus(staleAfter).plusMillis(500);
      wake = stale.isBefore(wake) ? stale : wake;
    }
    wake = wake.isAfter(waitUntil) ? waitUntil : wake;
    LOG.info(
        "{} is held by another run ({}); waiting (--lock-wait, until {})",
        storage.describe(loc, NAME),
        holder == null ? "unreadable lock" : holder.describe(now),
        waitUntil);
    try {
      Thread.sleep(Math.max(100, Duration.between(now, wake).toMillis()));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw EngineException.unsafe(
          storage.describe(loc, NAME), "interrupted while waiting for the lock of the backup");
    }
  }

  /**
   * Race-safe takeover: only the run that exclusively creates the claim named after this stale lock
   * (run id and heartbeat) may replace it, and only if the lock is still that stale one.
   */
  private static boolean takeOver(
      BackupStorage storage, BackupLocation loc, byte[] staleRaw, LockInfo stale, LockInfo me) {
    String claim = TAKEOVER_PREFIX + stale.runId() + "-" + stale.heartbeatAt().toEpochMilli();
    if (!storage.createExclusive(loc, claim, me.toJson())) {
      throw EngineException.unsafe(
          storage.describe(loc, NAME),
          "another run is taking over the stale lock "
              + storage.describe(loc, NAME)
              + " ("
              + stale.describe(Instant.now())
              + "); leave the backup to it or choose another --name. If that run died too,"
              + " remove the incomplete backup with `stowage rm` and back up again");
    }
    try {
      byte[] again = storage.readSmall(loc, NAME);
      if (again == null || !java.util.Arrays.equals(again, staleRaw)) {
        return false; // renewed, released or taken meanwhile: look again
      }
      storage.replaceSmall(loc, NAME, me.toJson());
      return java.util.Arrays.equals(storage.readSmall(loc, NAME), me.toJson());
    } finally {
      storage.delete(loc, claim);
    }
  }

  private static BackupLock started(
      BackupStorage storage, BackupLocation loc, Duration staleAfter, LockInfo me) {
    BackupLock lock = new BackupLock(storage, loc, staleAfter, me);
    lock.beat =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "stowage-lock-heartbeat");
              t.setDaemon(true);
              return t;
            });
    long every = lock.heartbeat.toMillis();
    lock.beat.scheduleWithFixedDelay(lock::renew, every, every, TimeUnit.MILLISECONDS);
    return lock;
  }

  /** Exit 5 naming the holder and what to do. */
  static EngineException held(
      BackupStorage storage, BackupLocation loc, LockInfo holder, Duration staleAfter) {
    return EngineException.unsafe(
        storage.describe(loc, NAME),
        "backup "
            + storage.describe(loc, null)
            + " is being written by another run ("
            + holder.describe(Instant.now())
            + "; lock "
            + storage.describe(loc, NAME)
            + "). Wait for it to finish, or choose another --name. If that run is dead, a rerun"
            + " takes the backup over once its lock has had no heartbeat for "
            + human(staleAfter)
            + " (--lock-stale-after), or remove the incomplete backup with `stowage rm`");
  }

  /** The heartbeat: renews the lock only after checking it is still ours. */
  private void renew() {
    if (lost != null) {
      return;
    }
    try {
      long readAt = System.nanoTime();
      byte[] raw = storage.readSmall(loc, NAME);
      String why = whyNotMine(raw);
      if (why != null) {
        lost = why;
        LOG.error("backup {}: {}", storage.describe(loc, null), lost);
        return;
      }
      if (System.nanoTime() - readAt > leaseNanos()) {
        return; // too slow to be sure: checkLease() fails and the run stops
      }
      LockInfo next = mine.withHeartbeat(Instant.now());
      storage.replaceSmall(loc, NAME, next.toJson());
      mine = next;
      confirmedNanos = readAt;
    } catch (RuntimeException e) {
      LOG.warn(
          "cannot renew the lock {} ({}); trying again in {}",
          storage.describe(loc, NAME),
          e.getMessage(),
          human(heartbeat));
    }
  }

  /** Null when {@code raw} is this run's lock; otherwise why it is not (gone, or taken over). */
  private String whyNotMine(byte[] raw) {
    LockInfo now = raw == null ? null : LockInfo.parse(raw);
    if (now != null && now.runId().equals(mine.runId())) {
      return null;
    }
    return now == null
        ? "its lock " + storage.describe(loc, NAME) + " disappeared"
        : "its lock "
            + storage.describe(loc, NAME)
            + " was taken over by "
            + now.describe(Instant.now());
  }

  /** How long after its last confirmation the lock is surely still ours: stale time less a beat. */
  private long leaseNanos() {
    return staleAfter.minus(heartbeat).toNanos();
  }

  /**
   * Throws exit 5 when this run may no longer hold its lock: it was taken over, or not renewed for
   * so long (a paused process, an unreachable store) that another run may have taken it.
   */
  public void checkLease() {
    if (lost != null) {
      throw lostException(lost);
    }
    long age = System.nanoTime() - confirmedNanos;
    if (age > leaseNanos()) {
      throw lostException(
          "its lock "
              + storage.describe(loc, NAME)
              + " was not renewed for "
              + Duration.ofNanos(age).toSeconds()
              + " s (was this process paused, or the storage unreachable?), so another run may"
              + " have taken the backup over");
    }
  }

  /** Reads the lock back and checks it is still this run's (before the MANIFEST). */
  public void checkStillMine() {
    checkLease();
    byte[] raw = storage.readSmall(loc, NAME);
    String why = whyNotMine(raw);
    if (why != null) {
      lost = why;
      throw lostException(lost);
    }
  }

  /** True when this run surely still holds the lock (it may then clean up its own objects). */
  public boolean holds() {
    try {
      checkStillMine();
      return true;
    } catch (EngineException e) {
      return false;
    }
  }

  private EngineException lostException(String why) {
    return EngineException.unsafe(
        storage.describe(loc, NAME),
        "backup "
            + storage.describe(loc, null)
            + " stopped: "
            + why
            + ". No MANIFEST was written by this run; what it stored is left to the run that"
            + " holds the lock");
  }

  public String runId() {
    return mine.runId();
  }

  public LockInfo info() {
    return mine;
  }

  /** Stops the heartbeat and deletes the lock if it is still ours. */
  @Override
  public void close() {
    beat.shutdownNow();
    try {
      beat.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (lost != null) {
      return;
    }
    try {
      byte[] raw = storage.readSmall(loc, NAME);
      LockInfo now = raw == null ? null : LockInfo.parse(raw);
      if (now != null && now.runId().equals(mine.runId())) {
        storage.delete(loc, NAME);
      }
    } catch (RuntimeException e) {
      LOG.warn(
          "cannot remove the lock {} ({}); it goes stale after {}",
          storage.describe(loc, NAME),
          e.getMessage(),
          human(staleAfter));
    }
  }

  /** "2m", "90s", "1500ms". */
  public static String human(Duration d) {
    if (d.toMillis() % 1000 != 0) {
      return d.toMillis() + "ms";
    }
    long s = d.toSeconds();
    return s % 60 == 0 && s > 0 ? (s / 60) + "m" : s + "s";
  }

  /** Parses a duration such as {@code 2m}, {@code 90s}, {@code 500ms}, {@code 1h}; at least 1s. */
  public static Duration parseDuration(String option, String text) {
    Duration d = parseWait(option, text);
    if (d.compareTo(Duration.ofSeconds(1)) < 0) {
      throw EngineException.invalid(option + " " + text + " is too short; at least 1s");
    }
    return d;
  }

  /** As {@link #parseDuration}, but zero is allowed (no waiting). */
  public static Duration parseWait(String option, String text) {
    java.util.regex.Matcher m =
        java.util.regex.Pattern.compile("([0-9]{1,9})(ms|s|m|h)").matcher(text.trim());
    if (!m.matches()) {
      throw EngineException.invalid(
          option + " \"" + text + "\" is not a duration; give e.g. 2m, 90s or 500ms");
    }
    long n = Long.parseLong(m.group(1));
    Duration d =
        switch (m.group(2)) {
          case "ms" -> Duration.ofMillis(n);
          case "s" -> Duration.ofSeconds(n);
          case "m" -> Duration.ofMinutes(n);
          default -> Duration.ofHours(n);
        };
    return d;
  }
}
