package dev.stowage.engine.backup;

import dev.stowage.engine.core.FileAttributes;
import dev.stowage.engine.core.RestoreMarker;
import dev.stowage.engine.core.Roots;
import dev.stowage.engine.error.EngineException;
import dev.stowage.engine.manifest.Base;
import dev.stowage.engine.manifest.ManifestValidator;
import dev.stowage.engine.manifest.PathEntry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Walks the data directory (and separate InnoDB directories) without following symlinks, leaving
 * out files that a server recreates at start-up.
 */
public final class DataDirScanner {
  /** Top-level entries that are transient: recreated by the server, never worth restoring. */
  private static final Set<String> TRANSIENT_TOP = Set.of("lost+found", "#innodb_temp", "ibtmp1");

  private static final Logger LOG = LoggerFactory.getLogger(DataDirScanner.class);

  private DataDirScanner() {}

  static boolean isTransient(String relative) {
    String fileName = relative.substring(relative.lastIndexOf('/') + 1);
    if (!relative.contains("/") && TRANSIENT_TOP.contains(relative)) {
      return true;
    }
    return fileName.endsWith(".pid")
        || fileName.endsWith(".sock")
        || fileName.endsWith(".sock.lock");
  }

  public static ScannedTree scan(Roots roots) {
    List<ScannedTree.SourceFile> files = new ArrayList<>();
    List<PathEntry> dirs = new ArrayList<>();
    List<PathEntry> links = new ArrayList<>();
    List<String> skipped = new ArrayList<>();
    List<String> hardLinked = new ArrayList<>();
    List<Path> distinct = roots.distinct();
    for (Path root : distinct) {
      if (Files.exists(root.resolve(RestoreMarker.NAME))) {
        throw EngineException.unsafe(
            root.resolve(RestoreMarker.NAME).toString(),
            root
                + " holds "
                + RestoreMarker.NAME
                + ": a restore into it never finished, so its data is"
                + " incomplete; finish or redo the restore before backing it up");
      }
      Base fixed =
          root.equals(roots.data())
              ? null
              : root.equals(roots.innodbData()) ? Base.INNODB_DATA : Base.INNODB_LOG;
      walk(roots, root, fixed, distinct, files, dirs, links, skipped, hardLinked);
    }
    if (!hardLinked.isEmpty()) {
      // The Vitess format has no hard links: each name is stored, and restored, as its own copy.
      LOG.warn(
          "{} files have other hard links (nlink > 1); each is backed up and restored as a"
              + " separate copy, not as a link: {}{}",
          hardLinked.size(),
          String.join(", ", hardLinked.subList(0, Math.min(10, hardLinked.size()))),
          hardLinked.size() > 10 ? ", ..." : "");
    }
    files.sort(
        Comparator.comparing((ScannedTree.SourceFile f) -> f.base().ordinal())
            .thenComparing(ScannedTree.SourceFile::name));
    return new ScannedTree(files, dirs, links, skipped);
  }

  private static void walk(
      Roots roots,
      Path root,
      Base fixed,
      List<Path> allRoots,
      List<ScannedTree.SourceFile> files,
      List<PathEntry> dirs,
      List<PathEntry> links,
      List<String> skipped,
      List<String> hardLinked) {
    Path realRoot;
    try {
      realRoot = root.toRealPath();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    try {
      Files.walkFileTree(
          root,
          new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs)
                throws IOException {
              if (dir.equals(root)) {
                return FileVisitResult.CONTINUE;
              }
              if (allRoots.contains(dir)) {
                return FileVisitResult
                    .SKIP_SUBTREE; // a separate InnoDB directory, walked on its own
              }
              String rel = relative(root, dir);
              if (isTransient(rel)) {
                return FileVisitResult.SKIP_SUBTREE;
              }
              FileNames.requireRoundTrip(root, dir, rel);
              PosixFileAttributes pa = posix(dir);
              PathEntry e = new PathEntry(baseOf(fixed, rel), rel);
              e.mode = FileAttributes.mode(pa.permissions());
              e.mtime = FileAttributes.time(pa.lastModifiedTime());
              dirs.add(e);
              return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs)
                throws IOException {
              String rel = relative(root, file);
              if (isTransient(rel) || rel.equals(RestoreMarker.NAME)) {
                return FileVisitResult.CONTINUE;
              }
              Base base = baseOf(fixed, rel);
              if (attrs.isSymbolicLink() || attrs.isRegularFile()) {
                FileNames.requireRoundTrip(root, file, rel);
              }
              if (attrs.isSymbolicLink()) {
                String target = Files.readSymbolicLink(file).toString();
                FileNames.requireRoundTripTarget(file, rel, target);
                try {
                  ManifestValidator.checkName(file.toString(), rel, rel);
                  ManifestValidator.checkLinkTarget(file.toString(), rel, rel, target);
                  // Lexically inside is not enough: links on the way may lead out (issue 10).
                  if (!SymlinkContainment.staysInside(file, realRoot)) {
                    throw EngineException.unsafe(file.toString(), "leaves the tree");
                  }
                } catch (EngineException e) {
                  throw EngineException.unsafe(
                      file.toString(),
                      "symlink "
                          + file
                          + " points to \""
                          + target
                          + "\", outside the data directory; Stowage does not follow links out of the tree."
                          + " Move that data inside the data directory (or back up its volume separately)");
                }
                PathEntry e = new PathEntry(base, rel);
                e.target = target;
                links.add(e);
                return FileVisitResult.CONTINUE;
              }
              if (!attrs.isRegularFile()) {
                skipped.add(
                    rel
                        + " ("
                        + (attrs.isOther() ? "socket, fifo or device" : "special file")
                        + ")");
                return FileVisitResult.CONTINUE;
              }
              // unix:* adds what BasicFileAttributes lacks: a writer that resets the mtime still
              // moves the ctime, and a file replaced by rename gets a new inode.
              Map<String, Object> ua =
                  Files.readAttributes(
                      file,
                      "unix:size,lastModifiedTime,ctime,ino,dev,nlink,permissions",
                      LinkOption.NOFOLLOW_LINKS);
              @SuppressWarnings("unchecked")
              Set<PosixFilePermission> perms = (Set<PosixFilePermission>) ua.get("permissions");
              if (((Number) ua.get("nlink")).intValue() > 1) {
                hardLinked.add(rel);
              }
              files.add(
                  new ScannedTree.SourceFile(
                      base,
                      rel,
                      file,
                      (Long) ua.get("size"),
                      FileAttributes.mode(perms),
                      (FileTime) ua.get("lastModifiedTime"),
                      (FileTime) ua.get("ctime"),
                      ua.get("dev") + ":" + ua.get("ino")));
              return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException exc) {
              throw EngineException.unsafe(
                  file.toString(),
                  "cannot read "
                      + file
                      + ": "
                      + exc.getMessage()
                      + "; run the backup as a user that can read the whole data directory");
            }
          });
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static PosixFileAttributes posix(Path p) throws IOException {
    return Files.readAttributes(
        p, PosixFileAttributes.class, java.nio.file.LinkOption.NOFOLLOW_LINKS);
  }

  private static Base baseOf(Base fixed, String rel) {
    if (fixed != null) {
      return fixed;
    }
    if (rel.startsWith("#innodb_redo/")) {
      return Base.INNODB_LOG;
    }
    return rel.contains("/") ? Base.DATA : Base.classifyTopLevel(rel);
  }

  private static String relative(Path root, Path p) {
    return root.relativize(p).toString().replace(java.io.File.separatorChar, '/');
  }
}
