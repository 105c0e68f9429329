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
      Base base,
      String name,
      Path path,
      long size,
      String mode,
      FileTime mtime,
      FileTime ctime,
      Object inode) {

    /** The same file as found by a later scan: any difference means it was written meanwhile. */
    public String differenceFrom(SourceFile later) {
      List<String> d = new java.util.ArrayList<>();
      if (size != later.size) {
        d.add("size " + size + " -> " + later.size);
      }
      if (!mtime.equals(later.mtime)) {
        d.add("mtime " + mtime + " -> " + later.mtime);
      }
      if (!java.util.Objects.equals(ctime, later.ctime)) {
        d.add("ctime " + ctime + " -> " + later.ctime);
      }
      if (!java.util.Objects.equals(inode, later.inode)) {
        d.add("inode " + inode + " -> " + later.inode);
      }
      return d.isEmpty() ? null : String.join(", ", d);
    }
  }

  public long totalBytes() {
    return files.stream().mapToLong(SourceFile::size).sum();
  }
}
