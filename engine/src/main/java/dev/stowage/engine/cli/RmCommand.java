package dev.stowage.engine.cli;

import dev.stowage.engine.catalog.BackupRemover;
import dev.stowage.engine.core.RunSummary;
import dev.stowage.engine.lock.BackupLock;
import dev.stowage.engine.storage.BackupLocation;
import dev.stowage.engine.storage.BackupStorage;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(
    name = "rm",
    mixinStandardHelpOptions = true,
    description =
        "Delete a backup: its MANIFEST first, then its objects. Deleting a missing backup is not an"
            + " error; an incomplete one is deleted only when no live run holds its lock.")
final class RmCommand extends EngineCommand {
  @Mixin StorageOptions where;

  @Option(
      names = "--name",
      required = true,
      paramLabel = "NAME",
      description = "Backup to delete (not 'latest').")
  String name;

  @Mixin LockOptions lockOptions;

  @Option(
      names = "--lock-wait",
      paramLabel = "DURATION",
      defaultValue = "0s",
      description =
          "Wait up to this long for the live lock of an incomplete backup to be released or go"
              + " stale, instead of refusing at once (default: ${DEFAULT-VALUE}).")
  String lockWait;

  @Override
  String commandName() {
    return "rm";
  }

  @Override
  String nameForResult() {
    return name;
  }

  @Override
  RunSummary execute() {
    long start = System.nanoTime();
    BackupLocation loc = new BackupLocation(where.directory, name);
    java.time.Duration staleAfter = lockOptions.staleAfter();
    try (BackupStorage s = where.open()) {
      int n =
          new BackupRemover(s)
              .remove(loc, staleAfter, BackupLock.parseWait("--lock-wait", lockWait));
      System.out.println(
          n == 0
              ? "no backup at " + s.describe(loc, null) + ": nothing to delete"
              : "deleted " + s.describe(loc, null) + " (" + n + " objects)");
      return new RunSummary(
          name,
          s.describe(loc, null),
          0,
          0,
          n,
          0,
          0,
          0,
          (System.nanoTime() - start) / 1e9,
          List.of());
    }
  }
}
