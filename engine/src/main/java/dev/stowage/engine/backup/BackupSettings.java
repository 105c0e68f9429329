package dev.stowage.engine.backup;

import dev.stowage.engine.compress.Codecs;
import dev.stowage.engine.core.Roots;
import dev.stowage.engine.error.EngineException;
import dev.stowage.engine.storage.BackupLocation;

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
    boolean quiet) {

  public static final long DEFAULT_CHUNK_THRESHOLD = 64L << 20;
  public static final long DEFAULT_CHUNK_SIZE = 64L << 20;
  public static final int MAX_CONCURRENCY = 64;

  public BackupSettings {
    ChunkPlanner.validate(chunkThreshold, chunkSize);
    Codecs.forWriting(compression);
    Codecs.checkLevel(compression, level);
    checkConcurrency(concurrency);
  }

  public static void checkConcurrency(int concurrency) {
    if (concurrency < 1 || concurrency > MAX_CONCURRENCY) {
      throw EngineException.invalid(
          "--concurrency " + concurrency + " is out of range 1.." + MAX_CONCURRENCY);
    }
  }
}
