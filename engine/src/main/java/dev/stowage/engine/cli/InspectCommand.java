package dev.stowage.engine.cli;

import dev.stowage.engine.catalog.BackupCatalog;
import dev.stowage.engine.core.RunSummary;
import dev.stowage.engine.core.Sizes;
import dev.stowage.engine.error.EngineException;
import dev.stowage.engine.manifest.FileEntry;
import dev.stowage.engine.manifest.Manifest;
import dev.stowage.engine.manifest.ManifestValidator;
import dev.stowage.engine.storage.BackupLocation;
import dev.stowage.engine.storage.BackupStorage;
import java.io.PrintStream;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(
    name = "inspect",
    mixinStandardHelpOptions = true,
    description = "Print a human summary of a backup's MANIFEST.")
final class InspectCommand extends EngineCommand {
  @Mixin StorageOptions where;

  @Option(
      names = "--name",
      required = true,
      paramLabel = "NAME|latest",
      description = "Backup to inspect, or 'latest' for the complete one that finished last.")
  String name;

  @Override
  String commandName() {
    return "inspect";
  }

  @Override
  String nameForResult() {
    return resolvedOr(name);
  }

  @Override
  RunSummary execute() {
    long start = System.nanoTime();
    try (BackupStorage s = where.open()) {
      BackupCatalog catalog = new BackupCatalog(s);
      BackupLocation loc =
          new BackupLocation(where.directory, resolveName(s, where.directory, name));
      Manifest m = catalog.load(loc);
      PrintStream out = System.out;
      out.println("Backup:       " + s.describe(loc, null));
      out.println("Name:         " + m.backupName);
      out.println(
          "Method:       " + m.backupMethod + (m.incremental ? " (incremental)" : " (full)"));
      out.println("Started:      " + m.backupTime);
      out.println("Finished:     " + m.finishedTime);
      out.println(
          "Compression:  "
              + (m.skipCompress
                  ? "none"
                  : m.compressionEngine.isEmpty() ? "pgzip" : m.compressionEngine));
      out.println(
          "Written by:   "
              + (m.stowageVersion != null
                  ? "Stowage " + m.stowageVersion
                  : "Vitess (or another writer)")
              + (m.hostname.isEmpty() ? "" : " on " + m.hostname));
      if (m.stowageEncryption != null) {
        out.println(
            "Encryption:   "
                + m.stowageEncryption.cipher
                + ", key id "
                + m.stowageEncryption.keyId
                + (m.stowageEncryption.passphrase != null
                    ? ", stretched from a passphrase ("
                        + m.stowageEncryption.passphrase.kdf
                        + ", "
                        + m.stowageEncryption.passphrase.iterations
                        + " iterations)"
                    : "")
                + " (readable by Stowage only, with that key; MANIFEST authenticated by "
                + m.stowageEncryption.manifestMac
                + ", checked by restore and verify)");
      } else {
        out.println("Encryption:   none");
      }
      if (m.stowageConsistency != null) {
        out.println("Consistency:  " + m.stowageConsistency);
      }
      if (!m.mysqlVersion.isEmpty()) {
        out.println("MySQL:        " + m.mysqlVersion);
      }
      if (!m.position.isEmpty()) {
        out.println("Position:     " + m.position);
      }
      List<FileEntry> files = m.fileEntries == null ? List.of() : m.fileEntries;
      long chunked = files.stream().filter(FileEntry::isChunked).count();
      long chunks =
          files.stream().filter(FileEntry::isChunked).mapToLong(f -> f.chunks.size()).sum();
      out.println(
          "Files:        "
              + files.size()
              + " ("
              + chunked
              + " chunked into "
              + chunks
              + " chunks)");
      if (m.stowageStats != null) {
        double ratio =
            m.stowageStats.storedBytes == 0
                ? 0
                : (double) m.stowageStats.rawBytes / m.stowageStats.storedBytes;
        out.println(
            "Size:         "
                + Sizes.human(m.stowageStats.rawBytes)
                + " raw, "
                + Sizes.human(m.stowageStats.storedBytes)
                + " stored ("
                + String.format(Locale.ROOT, "%.2f", ratio)
                + "x)");
      }
      if (m.stowageSettings != null) {
        out.println(
            "Settings:     chunk threshold "
                + Sizes.quantity(m.stowageSettings.chunkThreshold)
                + ", chunk size "
                + Sizes.quantity(m.stowageSettings.chunkSize)
                + ", "
                + m.stowageSettings.compression
                + " level "
                + m.stowageSettings.level
                + ", concurrency "
                + m.stowageSettings.concurrency);
      }
      if (m.stowageDirectories != null) {
        out.println("Directories:  " + m.stowageDirectories.size());
      }
      if (m.stowageSymlinks != null) {
        out.println("Symlinks:     " + m.stowageSymlinks.size());
      }
      out.println(
          "Readers:      "
              + (m.stowageEncryption != null
                  ? "Stowage only, with the key (encrypted)"
                  : chunked > 0
                      ? "Stowage, or Vitess v25+ (chunked files)"
                      : "Stowage, or any Vitess version"));
      String validity;
      try {
        ManifestValidator.validate(m, s.describe(loc, Manifest.FILE_NAME));
        validity = "valid";
      } catch (EngineException e) {
        validity = "INVALID: " + e.getMessage();
      }
      out.println("MANIFEST:     " + validity);
      out.println("Largest files:");
      files.stream()
          .sorted(Comparator.comparingLong(InspectCommand::sizeOf).reversed())
          .limit(10)
          .forEach(
              f ->
                  out.printf(
                      Locale.ROOT,
                      "  %12s  %s/%s%s%n",
                      sizeOf(f) < 0 ? "?" : Sizes.human(sizeOf(f)),
                      f.base,
                      f.name,
                      f.isChunked() ? "  (" + f.chunks.size() + " chunks)" : ""));
      return new RunSummary(
          loc.name(),
          s.describe(loc, null),
          files.size(),
          chunks,
          0,
          0,
          0,
          0,
          (System.nanoTime() - start) / 1e9,
          List.of());
    }
  }

  private static long sizeOf(FileEntry f) {
    if (f.size != null) {
      return f.size;
    }
    if (f.isChunked()) {
      return f.chunks.stream().mapToLong(c -> c.size).sum();
    }
    return -1;
  }
}
