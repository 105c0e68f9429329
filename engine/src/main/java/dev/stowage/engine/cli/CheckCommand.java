package dev.stowage.engine.cli;

import dev.stowage.engine.catalog.BackupCatalog;
import dev.stowage.engine.core.RunSummary;
import dev.stowage.engine.error.EngineException;
import dev.stowage.engine.lock.BackupLock;
import dev.stowage.engine.lock.LockState;
import dev.stowage.engine.manifest.Manifest;
import dev.stowage.engine.storage.BackupLocation;
import dev.stowage.engine.storage.BackupStorage;
import dev.stowage.engine.storage.ObjectWriter;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * A pre-flight before a backup: proves that the storage is reachable and writable, and that the
 * name is free, without touching any data directory. The operator runs it before it stops a
 * database, so a wrong bucket, endpoint, path or credentials never cost downtime.
 */
@Command(
    name = "check",
    mixinStandardHelpOptions = true,
    description =
        "Check that a backup could be written: the storage is reachable and writable (a small"
            + " probe object is written and deleted), and no complete or running backup has the"
            + " name (a stale lock is no obstacle: the backup takes it over). With the"
            + " backup's --encryption-key-file or --encryption-passphrase-file, their format is"
            + " checked as the backup would (exit 2). Exit 0: ok; 2: a malformed key or"
            + " passphrase file; 3: unreachable or denied; 5: the name is taken.")
final class CheckCommand extends EngineCommand {
  /** The probe's name prefix: a dot, so that it can never be taken for a backup file. */
  static final String PROBE_PREFIX = ".stowage-check-";

  @Mixin StorageOptions where;

  /**
   * The backup's key or passphrase files, checked as the backup would (format only; nothing is
   * derived, stored or printed), so a malformed one fails before the database is stopped.
   */
  @Mixin EncryptionOptions encryption;

  @Option(
      names = "--name",
      required = true,
      paramLabel = "NAME",
      description = "The name the backup will be written under (not 'latest').")
  String name;

  @Mixin LockOptions lockOptions;

  @Override
  String commandName() {
    return "check";
  }

  @Override
  String nameForResult() {
    return name;
  }

  @Override
  RunSummary execute() {
    long start = System.nanoTime();
    BackupCatalog.checkNewName(name);
    encryption.forBackup(); // exit 2 with the backup's message, before the storage is touched
    Duration staleAfter = lockOptions.staleAfter();
    BackupLocation loc = new BackupLocation(where.directory, name);
    try (BackupStorage s = where.open()) {
      if (s.exists(loc, Manifest.FILE_NAME)) {
        throw EngineException.unsafe(
            s.describe(loc, Manifest.FILE_NAME),
            "a complete backup named "
                + name
                + " already exists at "
                + s.describe(loc, null)
                + "; it is never overwritten: choose another name");
      }
      LockState lock = LockState.of(s, loc, staleAfter);
      if (lock.kind() == LockState.Kind.LIVE) {
        throw EngineException.unsafe(
            s.describe(loc, BackupLock.NAME),
            "a backup named "
                + name
                + " is in progress at "
                + s.describe(loc, null)
                + " ("
                + lock.describe()
                + ", lock object "
                + BackupLock.NAME
                + "); wait for it, or choose another name");
      }
      boolean hadObjects = !s.listObjects(loc).isEmpty();
      String probe = PROBE_PREFIX + UUID.randomUUID();
      try (ObjectWriter w = s.create(loc, probe, true)) {
        w.write(ByteBuffer.wrap("stowage check\n".getBytes(StandardCharsets.US_ASCII)));
        w.commit();
      } catch (IOException e) {
        throw new dev.stowage.engine.error.StorageException(
            dev.stowage.engine.error.StorageException.Kind.OTHER,
            s.describe(loc, probe),
            "cannot write the probe object " + s.describe(loc, probe) + ": " + e.getMessage(),
            e);
      }
      s.delete(loc, probe);
      if (!hadObjects && s.listObjects(loc).isEmpty()) {
        s.removeEmptyBackup(loc);
      }
      System.out.println(
          "ok: " + s.describe(loc, null) + " is reachable, writable, and the name is free");
      return new RunSummary(
          name,
          s.describe(loc, null),
          0,
          0,
          0,
          0,
          0,
          0,
          (System.nanoTime() - start) / 1e9,
          List.of());
    }
  }
}
