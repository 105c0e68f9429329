package dev.stowage.engine.backup;

import dev.stowage.engine.compress.Codecs;
import dev.stowage.engine.core.Roots;
import dev.stowage.engine.error.EngineException;
import dev.stowage.engine.lock.BackupLock;
import dev.stowage.engine.storage.BackupLocation;
import java.time.Duration;

/** Everything a backup needs to know, validated before any work starts. */
public record BackupSettings(
    Roots roots,
    BackupLocation location,
    long chunkThreshold,
    long chunkSize,
    String compression,
    int level,
    int concurrency,
    boolean allowLive,
    boolean quiet,
    Duration lockStaleAfter,
    Duration lockWait) {

  public static final long DEFAULT_CHUNK_THRESHOLD = 64L << 20;
  public static final long DEFAULT_CHUNK_SIZE = 64L << 20;
  public static final int MAX_CONCURRENCY = 64;

  public BackupSettings {
    ChunkPlanner.validate(chunkThreshold, chunkSize);
    Codecs.forWriting(compression);
    Codecs.checkLevel(compression, level);
    checkConcurrency(concurrency);
    if (lockStaleAfter == null) {
      lockStaleAfter = BackupLock.DEFAULT_STALE_AFTER;
    }
    if (lockWait == null) {
      lockWait = Duration.ZERO;
    }
  }

  /** Settings with the default lock stale time and no waiting for a held lock. */
  public BackupSettings(
      Roots roots,
      BackupLocation location,
      long chunkThreshold,
      long chunkSize,
      String compression,
      int level,
      int concurrency,
      boolean allowLive,
      boolean quiet) {
    this(
        roots,
        location,
        chunkThreshold,
        chunkSize,
        compression,
        level,
        concurrency,
        allowLive,
        quiet,
        null,
        null);
  }

  public static void checkConcurrency(int concurrency) {
    if (concurrency < 1 || concurrency > MAX_CONCURRENCY) {
      throw EngineException.invalid(
          "--concurrency " + concurrency + " is out of range 1.." + MAX_CONCURRENCY);
    }
  }
}
