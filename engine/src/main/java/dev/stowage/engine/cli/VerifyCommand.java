package dev.stowage.engine.cli;

import dev.stowage.engine.core.Concurrency;
import dev.stowage.engine.core.Retrier;
import dev.stowage.engine.core.RunSummary;
import dev.stowage.engine.storage.BackupStorage;
import dev.stowage.engine.verify.VerifyRunner;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(
    name = "verify",
    mixinStandardHelpOptions = true,
    description = "Download and check every object of a backup without writing anything.")
final class VerifyCommand extends EngineCommand {
  @Mixin StorageOptions where;
  @Mixin EncryptionOptions encryption;
  @Mixin RangedGetOptions ranged;

  @Option(
      names = "--name",
      required = true,
      paramLabel = "NAME|latest",
      description = "Backup to verify, or 'latest' for the complete one that finished last.")
  String name;

  @Option(
      names = "--concurrency",
      paramLabel = "N",
      description =
          "Parallel workers (default: from S3 max(8, 2 x cores), from a directory max(8, cores)).")
  Integer concurrency;

  @Option(names = "--quiet", description = "No progress output.")
  boolean quiet;

  @Override
  String commandName() {
    return "verify";
  }

  @Override
  String nameForResult() {
    return resolvedOr(name);
  }

  @Override
  RunSummary execute() {
    var keys = encryption.keys(); // a bad key file fails before the storage is touched
    try (BackupStorage s = where.open(ranged.settings())) {
      int c = concurrency != null ? concurrency : s.defaultConcurrency(true);
      Concurrency.check(c);
      RunSummary r =
          new VerifyRunner(s, Retrier.defaults(), keys)
              .run(where.directory, resolveName(s, where.directory, name), c, quiet);
      System.out.println(
          "OK " + r.location() + ": " + r.files() + " files, " + r.objects() + " objects verified");
      return r;
    }
  }
}
