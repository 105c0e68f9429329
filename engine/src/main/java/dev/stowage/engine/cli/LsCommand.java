package dev.stowage.engine.cli;

import dev.stowage.engine.catalog.BackupCatalog;
import dev.stowage.engine.core.RunSummary;
import dev.stowage.engine.core.Sizes;
import dev.stowage.engine.error.EngineException;
import dev.stowage.engine.lock.LockState;
import dev.stowage.engine.manifest.Manifest;
import dev.stowage.engine.storage.BackupLocation;
import dev.stowage.engine.storage.BackupStorage;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(
    name = "ls",
    mixinStandardHelpOptions = true,
    description =
        "List complete backups (those with a MANIFEST), oldest first by MANIFEST FinishedTime.")
final class LsCommand extends EngineCommand {
  @Mixin StorageOptions where;

  @Option(
      names = "--incomplete",
      description =
          "Also list incomplete backups (no MANIFEST: running, failed or interrupted), each with"
              + " the state of its lock: live (a run may still be writing it) or stale.")
  boolean incomplete;

  @Mixin LockOptions lockOptions;

  /** Incomplete backups are never restored; rm removes one once its lock is stale or gone. */
  private void printIncomplete(BackupStorage s, BackupCatalog catalog) {
    Duration staleAfter = lockOptions.staleAfter();
    List<String> names = catalog.incompleteBackups(where.directory);
    System.out.printf(
        Locale.ROOT, "%nINCOMPLETE (no MANIFEST, never restored): %d%n", names.size());
    for (String name : names) {
      BackupLocation loc = new BackupLocation(where.directory, name);
      LockState lock = LockState.of(s, loc, staleAfter);
      String state =
          switch (lock.kind()) {
            case LIVE -> "running (live lock)";
            case STALE -> "stale lock: removable with rm";
            case ABSENT -> "no lock: removable with rm";
          };
      System.out.printf(
          Locale.ROOT,
          "%-40s %-30s %s%n",
          name,
          state,
          lock.holder() == null ? lock.describe() : lock.holder().describe(Instant.now()));
    }
  }

  @Override
  String commandName() {
    return "ls";
  }

  @Override
  RunSummary execute() {
    long start = System.nanoTime();
    try (BackupStorage s = where.open()) {
      BackupCatalog catalog = new BackupCatalog(s);
      List<String> names = catalog.completeBackups(where.directory);
      // Every MANIFEST is read (one at a time) for its stats; rows are ordered as latest is.
      List<Row> rows = new ArrayList<>();
      for (String name : names) {
        BackupCatalog.Finished finished;
        String[] row;
        try {
          Manifest m = catalog.load(new BackupLocation(where.directory, name));
          finished = BackupCatalog.finished(name, m.finishedTime, m.backupTime);
          String size = m.stowageStats == null ? "-" : Sizes.human(m.stowageStats.rawBytes);
          String stored = m.stowageStats == null ? "-" : Sizes.human(m.stowageStats.storedBytes);
          String engine =
              m.skipCompress
                  ? "none"
                  : m.compressionEngine.isEmpty() ? "pgzip" : m.compressionEngine;
          row =
              new String[] {
                name,
                finished.display(),
                Integer.toString(m.fileEntries == null ? 0 : m.fileEntries.size()),
                size,
                stored,
                engine
              };
        } catch (EngineException e) {
          finished = new BackupCatalog.Finished(name, null, null);
          row = new String[] {name, "?", "?", "?", "?", "unreadable MANIFEST: " + e.getMessage()};
        }
        rows.add(new Row(finished, row));
      }
      rows.sort((a, b) -> BackupCatalog.OLDEST_FIRST.compare(a.finished(), b.finished()));
      System.out.println(
          "# sorted by FinishedTime (from each MANIFEST; BackupTime when it has none), oldest"
              + " first, ties by name: the last row is what --name latest means");
      String fmt = "%-40s %-31s %7s %11s %11s %s%n";
      System.out.printf(Locale.ROOT, fmt, "NAME", "FINISHED", "FILES", "SIZE", "STORED", "ENGINE");
      for (Row r : rows) {
        System.out.printf(Locale.ROOT, fmt, (Object[]) r.cells());
      }
      if (incomplete) {
        printIncomplete(s, catalog);
      }
      return new RunSummary(
          "",
          where.storage + " " + where.directory,
          names.size(),
          0,
          0,
          0,
          0,
          0,
          (System.nanoTime() - start) / 1e9,
          List.of());
    }
  }

  private record Row(BackupCatalog.Finished finished, String[] cells) {}
}
