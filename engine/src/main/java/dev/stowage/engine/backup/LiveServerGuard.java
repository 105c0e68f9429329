package dev.stowage.engine.backup;

import dev.stowage.engine.error.EngineException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Proves no mysqld is using the data directory, and keeps it that way: a running InnoDB holds a
 * POSIX write lock on its system tablespace, so a shared-lock probe fails; holding that shared lock
 * for the whole backup makes a mysqld started meanwhile fail to lock its files instead of changing
 * them.
 */
public final class LiveServerGuard implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(LiveServerGuard.class);
  private final Path lockedFile;
  private final FileChannel channel;
  private final FileLock lock;

  private LiveServerGuard(Path lockedFile, FileChannel channel, FileLock lock) {
    this.lockedFile = lockedFile;
    this.channel = channel;
    this.lock = lock;
  }

  /**
   * Opens a source file for reading: with O_DIRECT when {@code directAlignment} is not 0 and the
   * file system allows it, else through the page cache. POSIX locks belong to the process and
   * closing ANY descriptor of the locked file drops them, so the locked file is read through the
   * guard's own channel (buffered), which only the guard closes.
   */
  SourceReader openForReading(Path file, int directAlignment) throws IOException {
    if (channel != null && file.equals(lockedFile)) {
      return SourceReader.borrowing(channel);
    }
    if (directAlignment > 0 && !directRefused) {
      try {
        return SourceReader.direct(file, directAlignment);
      } catch (IOException | UnsupportedOperationException e) {
        // Opened buffered first: a file that cannot be read at all fails here with its own error.
        FileChannel buffered = FileChannel.open(file, StandardOpenOption.READ);
        directRefused = true; // one file system for the tree, as a rule: not asked again
        LOG.info(
            "reading through the page cache, not with O_DIRECT: {} refused it ({}); the backup is"
                + " the same, only slower",
            file,
            e.toString());
        return SourceReader.owning(buffered);
      }
    }
    return SourceReader.owning(FileChannel.open(file, StandardOpenOption.READ));
  }

  private volatile boolean directRefused;

  /** Locks {@code ibdata1} in {@code innodbDataDir}; exit 5 when a server holds it. */
  public static LiveServerGuard acquire(Path innodbDataDir) {
    Path ibdata = innodbDataDir.resolve("ibdata1");
    if (!Files.isRegularFile(ibdata)) {
      LOG.warn(
          "{} not found: cannot prove that no mysqld uses {}; make sure it is stopped",
          ibdata,
          innodbDataDir);
      return new LiveServerGuard(null, null, null);
    }
    FileChannel ch = null;
    try {
      ch = FileChannel.open(ibdata, StandardOpenOption.READ);
      // Java's file locks are fcntl(F_SETLK) locks on Linux: the kind InnoDB takes.
      FileLock lock = ch.tryLock(0, Long.MAX_VALUE, true);
      if (lock == null) {
        ch.close();
        throw live(ibdata);
      }
      return new LiveServerGuard(ibdata, ch, lock);
    } catch (OverlappingFileLockException e) {
      closeQuietly(ch);
      throw live(ibdata);
    } catch (IOException e) {
      closeQuietly(ch);
      throw EngineException.unsafe(
          ibdata.toString(),
          "cannot open " + ibdata + " to check for a running mysqld: " + e.getMessage());
    }
  }

  private static EngineException live(Path ibdata) {
    return EngineException.unsafe(
        ibdata.toString(),
        "a running mysqld holds the lock on "
            + ibdata
            + ": copying a live data directory gives a corrupt backup. Stop the server first (scale its"
            + " StatefulSet down), or pass --allow-live only for a copy of a filesystem snapshot");
  }

  private static void closeQuietly(FileChannel ch) {
    if (ch != null) {
      try {
        ch.close();
      } catch (IOException ignored) {
        // nothing held
      }
    }
  }

  /** A guard that checks nothing, for --allow-live. */
  public static LiveServerGuard none() {
    return new LiveServerGuard(null, null, null);
  }

  @Override
  public void close() {
    try {
      if (lock != null) {
        lock.release();
      }
    } catch (IOException ignored) {
      // closing the channel releases it too
    }
    closeQuietly(channel);
  }
}
