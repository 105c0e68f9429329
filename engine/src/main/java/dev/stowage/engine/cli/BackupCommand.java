package dev.stowage.engine.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.stowage.engine.backup.BackupRunner;
import dev.stowage.engine.backup.BackupSettings;
import dev.stowage.engine.catalog.BackupCatalog;
import dev.stowage.engine.core.Retrier;
import dev.stowage.engine.core.Roots;
import dev.stowage.engine.core.RunSummary;
import dev.stowage.engine.core.Sizes;
import dev.stowage.engine.crypto.BackupEncryption;
import dev.stowage.engine.crypto.KeyRing;
import dev.stowage.engine.lock.BackupLock;
import dev.stowage.engine.storage.BackupLocation;
import dev.stowage.engine.storage.BackupStorage;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(
    name = "backup",
    mixinStandardHelpOptions = true,
    description =
        "Back up a stopped (or snapshotted) data directory; the MANIFEST is written last.")
final class BackupCommand extends EngineCommand {
  @Mixin StorageOptions where;
  @Mixin EncryptionOptions encryption;

  @Option(
      names = "--datadir",
      required = true,
      paramLabel = "DIR",
      description = "The MySQL data directory.")
  Path datadir;

  @Option(
      names = "--name",
      paramLabel = "NAME",
      description = "Backup name (default: yyyy-MM-dd.HHmmss.<host> in UTC).")
  String name;

  @Option(
      names = "--chunk-threshold",
      paramLabel = "Q",
      defaultValue = "64Mi",
      description =
          "Files larger than this are split into chunks; 0 turns chunking off (default: ${DEFAULT-VALUE}).")
  String chunkThreshold;

  @Option(
      names = "--chunk-size",
      paramLabel = "Q",
      defaultValue = "64Mi",
      description = "Chunk size, at least 4Mi (default: ${DEFAULT-VALUE}).")
  String chunkSize;

  @Option(
      names = "--compression",
      paramLabel = "zstd|gzip|none",
      defaultValue = "zstd",
      description = "Compression (default: ${DEFAULT-VALUE}).")
  String compression;

  @Option(
      names = "--level",
      paramLabel = "N",
      defaultValue = "1",
      description = "Compression level (default: ${DEFAULT-VALUE}).")
  int level;

  @Option(
      names = "--concurrency",
      paramLabel = "N",
      description = "Parallel workers (default: the number of cores, at least 4).")
  Integer concurrency;

  @Option(
      names = "--allow-live",
      description = "Skip the running-mysqld check: ONLY for a copy of a filesystem snapshot.")
  boolean allowLive;

  @Option(
      names = "--innodb-data-dir",
      paramLabel = "DIR",
      description = "InnoDB system tablespace directory, if not the data directory.")
  Path innodbDataDir;

  @Option(
      names = "--innodb-log-dir",
      paramLabel = "DIR",
      description = "InnoDB redo log directory, if not the data directory.")
  Path innodbLogDir;

  @Mixin LockOptions lockOptions;

  @Option(
      names = "--lock-wait",
      paramLabel = "DURATION",
      defaultValue = "0s",
      description =
          "When another run holds the lock of this --name, wait up to this long for it to finish"
              + " or to go stale (then take over) before refusing with exit 5 (default:"
              + " ${DEFAULT-VALUE}: refuse at once). A Job's retried pod uses this so it can take"
              + " over from a pod that died.")
  String lockWait;

  @Option(
      names = "--no-direct-io",
      description =
          "Read every file through the page cache. By default files are read with O_DIRECT where"
              + " the file system allows it (faster, less CPU; the same bytes either way).")
  boolean noDirectIo;

  @Option(names = "--quiet", description = "No progress output.")
  boolean quiet;

  @Option(
      names = "--consistency",
      paramLabel = "KIND",
      description =
          "Record in the MANIFEST (StowageConsistency, shown by inspect) how consistent the files"
              + " are: Stopped (the server was shut down), CrashConsistent (a snapshot of a live"
              + " volume: InnoDB recovers it as after a power cut) or FlushTablesWithReadLock."
              + " The operator passes CrashConsistent for snapshot backups.")
  String consistency;

  private String resolvedName;

  /** The keys given (null: a plain backup) and the run, for the result's key id and form. */
  private KeyRing keys;

  private BackupRunner runner;

  @Override
  String commandName() {
    return "backup";
  }

  @Override
  String nameForResult() {
    return resolvedName != null ? resolvedName : name;
  }

  @Override
  RunSummary execute() {
    resolvedName = name != null ? name : defaultName();
    BackupCatalog.checkNewName(resolvedName);
    keys = encryption.forBackup(); // a bad key file fails before the storage is touched
    try (BackupStorage s = where.open()) {
      BackupSettings settings =
          new BackupSettings(
              new Roots(datadir, innodbDataDir, innodbLogDir),
              new BackupLocation(where.directory, resolvedName),
              Sizes.parse("--chunk-threshold", chunkThreshold),
              Sizes.parse("--chunk-size", chunkSize),
              compression,
              level,
              concurrency != null ? concurrency : s.defaultConcurrency(false),
              allowLive,
              quiet,
              lockOptions.staleAfter(),
              BackupLock.parseWait("--lock-wait", lockWait),
              consistency,
              !noDirectIo);
      runner = new BackupRunner(settings, s, Retrier.defaults(), keys);
      return runner.run();
    }
  }

  @Override
  void addToResult(ObjectNode result) {
    BackupEncryption used = runner == null ? null : runner.encryptionUsed();
    if (used != null) {
      ResultFile.addEncryption(result, used);
    } else if (keys != null && !keys.keys().isEmpty()) {
      // Failed before the run chose its encryption: a key file's id is known all the same (a
      // passphrase's exists only once the backup's salt is drawn).
      ResultFile.addEncryptionKeyId(result, keys.primary().id(), BackupEncryption.FORM_KEY);
    }
  }

  static String defaultName() {
    String host = BackupRunner.hostname();
    host = host.isEmpty() ? "stowage" : host.replaceAll("[^A-Za-z0-9._-]", "-");
    return DateTimeFormatter.ofPattern("yyyy-MM-dd.HHmmss")
            .format(ZonedDateTime.now(ZoneOffset.UTC))
        + "."
        + host;
  }
}
