package dev.stowage.engine.cli;

import dev.stowage.engine.catalog.BackupCatalog;
import dev.stowage.engine.core.RunSummary;
import dev.stowage.engine.core.Sizes;
import dev.stowage.engine.error.EngineException;
import dev.stowage.engine.manifest.Manifest;
import dev.stowage.engine.storage.BackupLocation;
import dev.stowage.engine.storage.BackupStorage;
import dev.stowage.engine.storage.StorageFactory;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

@Command(
    name = "ls",
    mixinStandardHelpOptions = true,
    description = "List complete backups (those with a MANIFEST), oldest first.")
final class LsCommand extends EngineCommand {
  @Mixin StorageOptions where;

  @Override
  String commandName() {
    return "ls";
  }

  @Override
  RunSummary execute() {
    long start = System.nanoTime();
    try (BackupStorage s = StorageFactory.open(where.storage)) {
      BackupCatalog catalog = new BackupCatalog(s);
      List<String> names = catalog.completeBackups(where.directory);
      String fmt = "%-40s %-20s %7s %11s %11s %s%n";
      System.out.printf(Locale.ROOT, fmt, "NAME", "TIME", "FILES", "SIZE", "STORED", "ENGINE");
      for (String name : names) {
        try {
          Manifest m = catalog.load(new BackupLocation(where.directory, name));
          String size = m.stowageStats == null ? "-" : Sizes.human(m.stowageStats.rawBytes);
          String stored = m.stowageStats == null ? "-" : Sizes.human(m.stowageStats.storedBytes);
          String engine =
              m.skipCompress
                  ? "none"
                  : m.compressionEngine.isEmpty() ? "pgzip" : m.compressionEngine;
          System.out.printf(
              Locale.ROOT,
              fmt,
              name,
              m.backupTime,
              m.fileEntries == null ? 0 : m.fileEntries.size(),
              size,
              stored,
              engine);
        } catch (EngineException e) {
          System.out.printf(
              Locale.ROOT, fmt, name, "?", "?", "?", "?", "unreadable MANIFEST: " + e.getMessage());
        }
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
}
