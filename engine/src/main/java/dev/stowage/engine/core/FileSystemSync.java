package dev.stowage.engine.core;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Path;

/**
 * Makes everything written to one file system durable at once, in place of an fsync per file:
 * syncfs(2) on a descriptor opened before the first write, which reports every write-back error of
 * the file system since then. Offered only where that report can be trusted; elsewhere {@link
 * #open} says why not and the caller fsyncs each file.
 */
public interface FileSystemSync {
  /**
   * A handle on {@code dir}'s file system, {@code store} (which the caller has already looked up);
   * its {@link Handle#sync} reports errors from now on.
   */
  Handle open(Path dir, FileStore store) throws IOException, UnavailableException;

  /** One file system's handle. */
  interface Handle extends Closeable {
    /** Writes back everything dirty on the file system and waits; an error since open throws. */
    void sync() throws IOException;
  }

  /** Not offered here (kernel, file system or platform): the caller fsyncs each file instead. */
  final class UnavailableException extends Exception {
    public UnavailableException(String message) {
      super(message);
    }
  }

  /** syncfs(2) on Linux 5.17 or later, for ext4, xfs and btrfs. */
  FileSystemSync SYNCFS = LinuxSyncfs::open;

  /** Never offered: every file is fsynced on its own. */
  FileSystemSync PER_FILE =
      (dir, store) -> {
        throw new UnavailableException("every file is fsynced on its own");
      };
}
