package dev.stowage.engine.lock;

import dev.stowage.engine.storage.BackupLocation;
import dev.stowage.engine.storage.BackupStorage;
import java.time.Duration;
import java.time.Instant;

/**
 * How a backup's lock looks from outside (for {@code ls} and {@code rm}): absent, live or stale.
 */
public record LockState(Kind kind, LockInfo holder, Duration staleAfter) {
  /** Whether a run may still be writing the backup. */
  public enum Kind {
    ABSENT,
    LIVE,
    STALE
  }

  /** Reads the lock of {@code loc}; an unreadable lock counts as live until it is old enough. */
  public static LockState of(BackupStorage storage, BackupLocation loc, Duration staleAfter) {
    byte[] b = storage.readSmall(loc, BackupLock.NAME);
    if (b == null) {
      return new LockState(Kind.ABSENT, null, staleAfter);
    }
    LockInfo info = LockInfo.parse(b);
    if (info == null) {
      return new LockState(Kind.LIVE, null, staleAfter);
    }
    return new LockState(
        info.isStale(Instant.now(), staleAfter) ? Kind.STALE : Kind.LIVE, info, staleAfter);
  }

  /** One phrase for a person: "live lock: run ..." or "stale lock (no heartbeat for 2m): ...". */
  public String describe() {
    return switch (kind) {
      case ABSENT -> "no lock (the run that wrote it is gone)";
      case LIVE ->
          "live lock held by "
              + (holder == null ? "an unreadable lock object" : holder.describe(Instant.now()));
      case STALE ->
          "stale lock (no heartbeat for over "
              + BackupLock.human(staleAfter)
              + ") of "
              + holder.describe(Instant.now());
    };
  }
}
