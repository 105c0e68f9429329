package dev.stowage.engine.backup;

import dev.stowage.engine.compress.Codecs;
import dev.stowage.engine.core.Concurrency;
import dev.stowage.engine.core.Roots;
import dev.stowage.engine.error.EngineException;
import dev.stowage.engine.lock.BackupLock;
import dev.stowage.engine.storage.BackupLocation;
import java.time.Duration;

/**
 * Everything a backup needs to know, validated before any work starts. {@code directIo}: read the
 * source files with O_DIRECT where the file system allows (the default).
 */
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
    Duration lockWait,
    String consistency,
    boolean directIo) {

  public BackupSettings {
    ChunkPlanner.validate(chunkThreshold, chunkSize);
    Codecs.forWriting(compression);
    Codecs.checkLevel(compression, level);
    Concurrency.check(concurrency);
    if (lockStaleAfter == null) {
      lockStaleAfter = BackupLock.DEFAULT_STALE_AFTER;
    }
    if (lockWait == null) {
      lockWait = Duration.ZERO;
    }
    if (consistency != null && !CONSISTENCIES.contains(consistency)) {
      throw EngineException.invalid(
          "--consistency \""
              + consistency
              + "\" is not one of "
              + String.join(", ", CONSISTENCIES)
              + "; leave it out when the caller does not know how the data was made still");
    }
  }

  /**
   * What a caller may say of how consistent the copied files are (the MANIFEST's
   * StowageConsistency): a stopped server's files, a crash-consistent snapshot of a live volume
   * (InnoDB recovers it as after a power cut), or a snapshot taken under FLUSH TABLES WITH READ
   * LOCK.
   */
  public static final java.util.List<String> CONSISTENCIES =
      java.util.List.of("Stopped", "CrashConsistent", "FlushTablesWithReadLock");

  /** With direct reads of the source files. */
  public BackupSettings(
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
      Duration lockWait,
      String consistency) {
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
        lockStaleAfter,
        lockWait,
        consistency,
        true);
  }

  /** The same settings, with or without direct reads. */
  public BackupSettings withDirectIo(boolean on) {
    return new BackupSettings(
        roots,
        location,
        chunkThreshold,
        chunkSize,
        compression,
        level,
        concurrency,
        allowLive,
        quiet,
        lockStaleAfter,
        lockWait,
        consistency,
        on);
  }

  /** As the canonical constructor, with no consistency recorded. */
  public BackupSettings(
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
        lockStaleAfter,
        lockWait,
        null);
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
}
