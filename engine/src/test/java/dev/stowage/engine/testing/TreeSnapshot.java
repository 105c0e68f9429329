package dev.stowage.engine.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * Everything observable about a directory tree: for each entry below the root its type, size,
 * permissions, mtime and a SHA-256 of its content. Two snapshots compare with {@code equals}.
 */
public record TreeSnapshot(Path root, Map<String, Entry> entries) {

  /** One file, directory or symlink, by its path relative to the root ({@code /}-separated). */
  public record Entry(String type, long size, String mode, long mtimeMillis, String sha256) {

    /** The same entry without its mtime, for comparing a restored tree with its source. */
    public Entry withoutTime() {
      return new Entry(type, size, mode, 0, sha256);
    }

    /** Type, size and content only. */
    public Entry contentOnly() {
      return new Entry(type, size, "", 0, sha256);
    }
  }

  /** Snapshots {@code root}; a missing root is an empty snapshot. */
  public static TreeSnapshot of(Path root) {
    Map<String, Entry> entries = new TreeMap<>();
    if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
      return new TreeSnapshot(root, entries);
    }
    try {
      Files.walkFileTree(
          root,
          new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs)
                throws IOException {
              if (!dir.equals(root)) {
                entries.put(rel(dir), entry(dir, attrs, "dir", ""));
              }
              return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs)
                throws IOException {
              if (attrs.isRegularFile()) {
                entries.put(rel(file), entry(file, attrs, "file", sha256(file)));
              } else if (attrs.isSymbolicLink()) {
                entries.put(
                    rel(file),
                    entry(file, attrs, "symlink", Files.readSymbolicLink(file).toString()));
              } else {
                entries.put(rel(file), entry(file, attrs, "other", ""));
              }
              return FileVisitResult.CONTINUE;
            }

            private String rel(Path p) {
              return root.relativize(p).toString().replace('\\', '/');
            }
          });
    } catch (IOException e) {
      throw new UncheckedIOException("cannot snapshot " + root, e);
    }
    return new TreeSnapshot(root, entries);
  }

  private static Entry entry(Path p, BasicFileAttributes attrs, String type, String digest)
      throws IOException {
    String mode =
        PosixFilePermissions.toString(Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS));
    long size = type.equals("dir") ? 0 : attrs.size();
    return new Entry(type, size, mode, attrs.lastModifiedTime().toMillis(), digest);
  }

  private static String sha256(Path file) throws IOException {
    MessageDigest md;
    try {
      md = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    byte[] buf = new byte[1 << 16];
    try (InputStream in = Files.newInputStream(file)) {
      int n;
      while ((n = in.read(buf)) > 0) {
        md.update(buf, 0, n);
      }
    }
    return HexFormat.of().formatHex(md.digest());
  }

  /** Paths of every entry. */
  public Set<String> paths() {
    return entries.keySet();
  }

  /** Only the entries whose relative path passes {@code keep}. */
  public TreeSnapshot filter(Predicate<String> keep) {
    Map<String, Entry> kept = new TreeMap<>();
    entries.forEach(
        (k, v) -> {
          if (keep.test(k)) {
            kept.put(k, v);
          }
        });
    return new TreeSnapshot(root, kept);
  }

  /** Entries mapped to {@link Entry#withoutTime()}. */
  public Map<String, Entry> withoutTimes() {
    return entries.entrySet().stream()
        .collect(
            Collectors.toMap(
                Map.Entry::getKey, e -> e.getValue().withoutTime(), (a, b) -> a, TreeMap::new));
  }

  /** Entries mapped to {@link Entry#contentOnly()}. */
  public Map<String, Entry> contentOnly() {
    return entries.entrySet().stream()
        .collect(
            Collectors.toMap(
                Map.Entry::getKey, e -> e.getValue().contentOnly(), (a, b) -> a, TreeMap::new));
  }

  /** mtimes of regular files, truncated to whole seconds (what every format keeps). */
  public Map<String, Long> fileMtimeSeconds() {
    return entries.entrySet().stream()
        .filter(e -> e.getValue().type().equals("file"))
        .collect(
            Collectors.toMap(
                Map.Entry::getKey,
                e -> Math.floorDiv(e.getValue().mtimeMillis(), 1000L),
                (a, b) -> a,
                TreeMap::new));
  }
}
