package dev.stowage.engine.catalog;

import dev.stowage.engine.manifest.Manifest;
import dev.stowage.engine.storage.BackupLocation;
import dev.stowage.engine.storage.BackupStorage;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deletes one backup: the MANIFEST first, so a half-deleted backup never looks complete, then every
 * object. Deleting a backup that is not there is not an error.
 */
public final class BackupRemover {
  private static final Logger LOG = LoggerFactory.getLogger(BackupRemover.class);
  private final BackupStorage storage;

  public BackupRemover(BackupStorage storage) {
    this.storage = storage;
  }

  /** Returns the number of objects deleted (0 when there was nothing). */
  public int remove(BackupLocation loc) {
    boolean hadManifest = storage.exists(loc, Manifest.FILE_NAME);
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
