package dev.stowage.engine.restore;

import dev.stowage.engine.core.RestoreMarker;
import dev.stowage.engine.core.Roots;
import dev.stowage.engine.error.EngineException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Refuses (exit 2, before anything is touched) restore targets that a typo turns into a disaster:
 * one that overlaps the storage root or the backup's own directory (with {@code --overwrite} it
 * would delete the backups), {@code /}, and the parent of a mount point that is not itself a data
 * directory ({@code --datadir /var} meant as {@code /var/lib/mysql}). Paths are compared as real
 * paths, so symlinks cannot hide an overlap.
 */
public final class TargetGuard {
  /** Entries by which a directory shows it is a MySQL/MariaDB data directory. */
  private static final Set<String> DATA_DIR_SIGNS =
      Set.of("ibdata1", "mysql", "aria_log_control", "ib_logfile0", "auto.cnf", RestoreMarker.NAME);

  private TargetGuard() {}

  /**
   * @param storagePaths local paths of the storage (its root and the backup's directory); empty for
   *     object stores
   * @param mountInfo {@code /proc/self/mountinfo}, or a stand-in in tests
   */
  public static void check(Roots roots, List<Path> storagePaths, Path mountInfo) {
    List<Path> mounts = mountPoints(mountInfo);
    for (Path root : roots.distinct()) {
      Path real = realPath(root);
      String what = root.equals(real) ? root.toString() : root + " (really " + real + ")";
      if (real.getParent() == null) {
        throw EngineException.invalid(
            "restore target "
                + what
                + " is the file system root; refusing. Give the data directory itself, e.g."
                + " --datadir /var/lib/mysql");
      }
      for (Path s : storagePaths) {
        Path rs = realPath(s);
        if (real.startsWith(rs) || rs.startsWith(real)) {
          throw EngineException.invalid(
              "restore target "
                  + what
                  + " overlaps the backup storage at "
                  + rs
                  + (real.startsWith(rs) ? " (it lies inside it)" : " (it contains it)")
                  + "; restoring there"
                  + " (with --overwrite: deleting there) would destroy backups. Nothing was changed;"
                  + " restore into a directory outside the storage");
        }
      }
      for (Path m : mounts) {
        if (m.startsWith(real) && !m.equals(real) && !looksLikeDataDir(real)) {
          throw EngineException.invalid(
              "restore target "
                  + what
                  + " holds the mount point "
                  + m
                  + " and is not a data directory: is it a typo for "
                  + m
                  + "? Nothing was changed; give the data directory itself");
        }
      }
    }
  }

  private static boolean looksLikeDataDir(Path dir) {
    for (String s : DATA_DIR_SIGNS) {
      if (Files.exists(dir.resolve(s), LinkOption.NOFOLLOW_LINKS)) {
        return true;
      }
    }
    return false;
  }

  /**
   * The real path of {@code p}, which need not exist: the real path of its longest existing prefix,
   * then the rest (which holds no symlinks, since it does not exist).
   */
  static Path realPath(Path p) {
    Path abs = p.toAbsolutePath().normalize();
    Path existing = abs;
    while (existing != null && !Files.exists(existing)) {
      existing = existing.getParent();
    }
    if (existing == null) {
      return abs;
    }
    try {
      return existing.toRealPath().resolve(existing.relativize(abs)).normalize();
    } catch (IOException e) {
      throw EngineException.invalid("cannot resolve restore target " + p + ": " + e);
    }
  }

  /** Mount points from mountinfo (field 5, octal escapes decoded); none if it cannot be read. */
  static List<Path> mountPoints(Path mountInfo) {
    List<Path> out = new ArrayList<>();
    if (mountInfo == null || !Files.isReadable(mountInfo)) {
      return out;
    }
    try {
      for (String line : Files.readAllLines(mountInfo, StandardCharsets.UTF_8)) {
        String[] f = line.split(" ");
        if (f.length > 4) {
          out.add(Path.of(unescape(f[4])));
        }
      }
    } catch (IOException | RuntimeException e) {
      // Without a mount table this check cannot run; the others still do.
      return List.of();
    }
    return out;
  }

  private static String unescape(String s) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '\\' && i + 3 < s.length()) {
        try {
          b.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
          i += 3;
          continue;
        } catch (NumberFormatException e) {
          // not an escape: keep the backslash
        }
      }
      b.append(c);
    }
    return b.toString();
  }
}
