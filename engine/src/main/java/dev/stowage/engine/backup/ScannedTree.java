package dev.stowage.engine.backup;

import dev.stowage.engine.manifest.Base;
import dev.stowage.engine.manifest.PathEntry;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;

/** What a scan of the data directory found. */
public record ScannedTree(
    List<SourceFile> files,
    List<PathEntry> directories,
    List<PathEntry> symlinks,
    List<String> skipped) {

  /** A regular file to back up, as it was when scanned. */
  public record SourceFile(
      Base base, String name, Path path, long size, String mode, FileTime mtime) {}

  public long totalBytes() {
    return files.stream().mapToLong(SourceFile::size).sum();
  }
}
