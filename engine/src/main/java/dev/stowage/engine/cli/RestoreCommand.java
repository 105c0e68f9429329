package dev.stowage.engine.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.stowage.engine.core.RestoreMarker;
import dev.stowage.engine.core.Retrier;
import dev.stowage.engine.core.Roots;
import dev.stowage.engine.core.RunSummary;
import dev.stowage.engine.core.Sizes;
import dev.stowage.engine.crypto.BackupEncryption;
import dev.stowage.engine.restore.RestoreRunner;
import dev.stowage.engine.restore.RestoreSettings;
import dev.stowage.engine.storage.BackupStorage;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(
    name = "restore",
    mixinStandardHelpOptions = true,
    description =
        "Restore a backup into an empty data directory (or, with --overwrite, replace its contents).")
final class RestoreCommand extends EngineCommand {
  @Mixin StorageOptions where;
  @Mixin EncryptionOptions encryption;
  @Mixin RangedGetOptions ranged;

  @Option(
      names = "--name",
      required = true,
      paramLabel = "NAME|latest",
      description =
          "Backup to restore, or 'latest' for the complete one that finished last (MANIFEST FinishedTime).")
  String name;

  @Option(
      names = "--datadir",
      required = true,
      paramLabel = "DIR",
      description = "Target data directory.")
  Path datadir;

  @Option(
      names = "--concurrency",
      paramLabel = "N",
      description =
          "Parallel workers (default: from S3 max(8, 2 x cores), from a directory max(8, cores)).")
  Integer concurrency;

  @Option(
      names = "--overwrite",
      description = "Delete what the target holds before restoring (lost+found is kept).")
  boolean overwrite;

  @Option(
      names = "--innodb-data-dir",
      paramLabel = "DIR",
      description = "Where InnoDBData files go, if not the data directory.")
  Path innodbDataDir;

  @Option(
      names = "--innodb-log-dir",
      paramLabel = "DIR",
      description = "Where InnoDBLog files go, if not the data directory.")
  Path innodbLogDir;

  @Option(
      names = "--keep-server-uuid",
      description =
          "Restore the top-level auto.cnf (MySQL's server_uuid) too. Left out by default, so a"
              + " server started on the copy (a replica seeded from the backup) gets a UUID of its"
              + " own.")
  boolean keepServerUuid;

  @Option(
      names = "--max-unsized-file-size",
      paramLabel = "Q",
      description =
          "How large a file whose MANIFEST entry gives no size (a whole file in a plain Vitess"
              + " backup) may decompress before the restore stops with exit 4 (default: the free"
              + " space of its file system, less what the sized files need).")
  String maxUnsizedFileSize;

  @Option(
      names = "--no-direct-io",
      description =
          "Write every byte through the page cache. By default the chunks of big files are"
              + " written with O_DIRECT where the file system allows it (faster, less CPU; as"
              + " durable either way: every file is fsynced).")
  boolean noDirectIo;

  @Option(names = "--quiet", description = "No progress output.")
  boolean quiet;

  /** The encryption the backup was opened with (key id and form), or null. */
  private BackupEncryption encryptionUsed;

  @Override
  String commandName() {
    return "restore";
  }

  @Override
  String nameForResult() {
    return resolvedOr(name);
  }

  /** Whether the target held the restore marker as this run started (null: not looked yet). */
  private Boolean targetHeldMarker;

  @Override
  RunSummary execute() {
    // First, before anything can write: a marker already there means an earlier run wrote into
    // the target, so even a refusal of this run leaves it half-written (the operator reads this).
    targetHeldMarker = Files.exists(datadir.resolve(RestoreMarker.NAME), LinkOption.NOFOLLOW_LINKS);
    var keys = encryption.keys(); // a bad key file fails before the storage is touched
    try (BackupStorage s = where.open(ranged.settings())) {
      RestoreSettings settings =
          new RestoreSettings(
              new Roots(datadir, innodbDataDir, innodbLogDir),
              where.directory,
              resolveName(s, where.directory, name),
              concurrency != null ? concurrency : s.defaultConcurrency(true),
              overwrite,
              quiet,
              keepServerUuid,
              maxUnsizedFileSize == null
                  ? null
                  : Sizes.parse("--max-unsized-file-size", maxUnsizedFileSize),
              !noDirectIo);
      RestoreRunner runner =
          new RestoreRunner(settings, s, Retrier.defaults(), RestoreRunner.FSYNC, keys);
      RunSummary summary = runner.run();
      // The key the MANIFEST authenticated under, as the run knew it: no second MANIFEST read.
      encryptionUsed = runner.encryptionUsed();
      return summary;
    }
  }

  @Override
  void addToResult(ObjectNode result) {
    ResultFile.addEncryption(result, encryptionUsed);
    ResultFile.addTargetHeldMarker(result, targetHeldMarker);
  }

  @Override
  void addToFailure(ObjectNode result) {
    ResultFile.addTargetHeldMarker(result, targetHeldMarker);
  }
}
