package dev.stowage.engine.storage;

import dev.stowage.engine.core.MemoryBudget;
import java.nio.channels.ReadableByteChannel;
import java.util.List;

/**
 * Where backups are kept: a directory tree or an object store. Implementations report failures as
 * {@link dev.stowage.engine.error.StorageException} naming the object.
 */
public interface BackupStorage extends AutoCloseable {
  /** A human-readable URL of an object, or of the backup when {@code object} is null. */
  String describe(BackupLocation location, String object);

  /** Names of every backup folder under {@code directory}, complete or not, in name order. */
  List<String> listBackupNames(String directory);

  /** Names of the objects stored for one backup, MANIFEST included. */
  List<String> listObjects(BackupLocation location);

  boolean exists(BackupLocation location, String object);

  /** Size in bytes of a stored object. */
  long size(BackupLocation location, String object);

  /**
   * Starts writing an object. With {@code replace} false, commit fails if the object exists, so a
   * complete backup's MANIFEST is never overwritten.
   */
  ObjectWriter create(BackupLocation location, String object, boolean replace);

  ReadableByteChannel open(BackupLocation location, String object);

  /**
   * Creates a small object only if no object of that name exists (exclusive create: {@code link(2)}
   * of a fsynced temporary file on a directory; on S3, {@code If-None-Match: *} and a read-back
   * after a settle time, since not every store applies the condition atomically). Returns false
   * when the name is taken; {@code content} must be unique to the caller. The object is durable
   * when this returns true.
   */
  boolean createExclusive(BackupLocation location, String object, byte[] content);

  /** Replaces (or creates) a small object atomically and durably. */
  void replaceSmall(BackupLocation location, String object, byte[] content);

  /** Reads a small object whole, or returns null when it does not exist. */
  byte[] readSmall(BackupLocation location, String object);

  /** Stored size of every object of a backup, by name (one listing where the store allows). */
  default java.util.Map<String, Long> objectSizes(BackupLocation location) {
    java.util.Map<String, Long> sizes = new java.util.TreeMap<>();
    for (String o : listObjects(location)) {
      try {
        sizes.put(o, size(location, o));
      } catch (dev.stowage.engine.error.StorageException e) {
        if (e.kind() != dev.stowage.engine.error.StorageException.Kind.NOT_FOUND) {
          throw e;
        }
      }
    }
    return sizes;
  }

  /** Deletes an object; deleting a missing object is not an error. */
  void delete(BackupLocation location, String object);

  /**
   * Workers to use when the user does not say. For a local directory at least 8 for a restore and 4
   * for a backup, and one per core beyond: a worker waits for its object's reads and writes (cold
   * objects, direct I/O, fsync), and others keep the cores busy meanwhile. On 2 cores, 8 restore
   * workers beat 4 on every dataset of {@code make bench} (7 to 10%), 4 backup workers beat 2 (6 to
   * 15%), and 8 gain nothing more for a backup. One per core beyond those floors, as before: a
   * worker's buffers and decompression window count against the Job's memory.
   */
  default int defaultConcurrency(boolean restore) {
    int cores = Runtime.getRuntime().availableProcessors();
    return restore ? Math.max(8, cores) : Math.max(4, cores);
  }

  /**
   * What this storage holds for each worker when {@code writing} (a backup) or reading (a restore
   * or verify), for MemoryBudget; nothing for a directory.
   */
  default MemoryBudget.Need workerBuffers(boolean writing) {
    return MemoryBudget.Need.NONE;
  }

  /**
   * Fits buffers that the storage shares between its readers (S3's ranged GETs) into {@code
   * heapBytes}, what the heap leaves beside the workers' buffers, for objects of at most {@code
   * largestObject} stored bytes; fewer of them (said in the log) rather than a "Java heap space"
   * half-way through. Nothing for a directory.
   */
  default void fitSharedReadBuffers(long heapBytes, long largestObject) {}

  /**
   * Local paths this storage keeps a backup in (its root and the backup's directory), so a restore
   * can refuse a target that overlaps them; empty for object stores.
   */
  default List<java.nio.file.Path> localPaths(BackupLocation location) {
    return List.of();
  }

  /** Removes what is left of a backup with no objects (a directory); a no-op for object stores. */
  default void removeEmptyBackup(BackupLocation location) {}

  /**
   * Makes every object committed so far for the backup durable (fsyncs of files and directories for
   * a directory tree; nothing for an object store, where a completed upload is durable).
   */
  void sync(BackupLocation location);

  @Override
  void close();
}
