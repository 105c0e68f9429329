package dev.stowage.engine.catalog;

import dev.stowage.engine.error.EngineException;
import dev.stowage.engine.lock.BackupLock;
import dev.stowage.engine.lock.LockState;
import dev.stowage.engine.manifest.Manifest;
import dev.stowage.engine.storage.BackupLocation;
import dev.stowage.engine.storage.BackupStorage;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deletes one backup: the MANIFEST first, so a half-deleted backup never looks complete, then every
 * object. Deleting a backup that is not there is not an error; an incomplete one is deleted only
 * when no live run holds its lock.
 */
public final class BackupRemover {
  private static final Logger LOG = LoggerFactory.getLogger(BackupRemover.class);
  private final BackupStorage storage;

  public BackupRemover(BackupStorage storage) {
    this.storage = storage;
  }

  /** Returns the number of objects deleted (0 when there was nothing). */
  public int remove(BackupLocation loc) {
    return remove(loc, BackupLock.DEFAULT_STALE_AFTER);
  }

  /**
   * As {@link #remove(BackupLocation)}; an incomplete backup (no MANIFEST) is removed only when no
   * run holds it: its lock is absent or stale (no heartbeat for {@code staleAfter}), else exit 5.
   */
  public int remove(BackupLocation loc, Duration staleAfter) {
    return remove(loc, staleAfter, Duration.ZERO);
  }

  /**
   * As above, but a live lock of an incomplete backup is waited for, up to {@code wait}: a run that
   * was just killed leaves a lock that goes stale within {@code staleAfter}.
   */
  public int remove(BackupLocation loc, Duration staleAfter, Duration wait) {
    Instant waitUntil = Instant.now().plus(wait);
    boolean hadManifest = storage.exists(loc, Manifest.FILE_NAME);
    if (!hadManifest) {
      LockState lock = LockState.of(storage, loc, staleAfter);
      while (lock.kind() == LockState.Kind.LIVE && Instant.now().isBefore(waitUntil)) {
        BackupLock.waitForHolder(storage, loc, lock.holder(), staleAfter, Instant.now(), waitUntil);
        hadManifest = storage.exists(loc, Manifest.FILE_NAME);
        if (hadManifest) {
          break; // the run finished after all: an ordinary complete backup to delete
        }
        lock = LockState.of(storage, loc, staleAfter);
      }
      if (!hadManifest && lock.kind() == LockState.Kind.LIVE) {
        throw EngineException.unsafe(
            storage.describe(loc, BackupLock.NAME),
            "backup "
                + storage.describe(loc, null)
                + " is incomplete and a backup run may still be writing it: "
                + lock.describe()
                + ". Nothing was deleted. Wait for that run to end; if it is dead, rm removes the"
                + " backup once the lock has had no heartbeat for "
                + BackupLock.human(staleAfter)
                + " (--lock-stale-after)");
      }
      if (!hadManifest && lock.kind() == LockState.Kind.STALE) {
        LOG.info("removing incomplete backup {}: {}", storage.describe(loc, null), lock.describe());
      }
    }
    if (hadManifest) {
      storage.delete(loc, Manifest.FILE_NAME);
      storage.sync(loc);
    }
    List<String> objects = storage.listObjects(loc);
    for (String o : objects) {
      storage.delete(loc, o);
    }
    storage.removeEmptyBackup(loc);
    int n = objects.size() + (hadManifest ? 1 : 0);
    if (n == 0) {
      LOG.info("no backup at {}: nothing to delete", storage.describe(loc, null));
    } else {
      LOG.info(
          "deleted {} ({} objects{})",
          storage.describe(loc, null),
          n,
          hadManifest ? "" : ", it was incomplete");
    }
    return n;
  }
}
