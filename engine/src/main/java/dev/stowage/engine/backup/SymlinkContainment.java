package dev.stowage.engine.backup;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;

/**
 * Decides on real paths whether a symlink in the data directory stays inside it: each link met on
 * the way is followed as the kernel would, so a chain of links that each look harmless ({@code esc
 * -> db/up/..} with {@code db/up -> ..}) cannot lead out. Parts that do not exist (a dangling link)
 * are resolved lexically after the real path of what does exist.
 */
final class SymlinkContainment {
  private static final int MAX_LINKS = 40;

  private SymlinkContainment() {}

  /** Where the link at {@code link} really leads; null when it goes above / or loops. */
  static Path resolve(Path link) throws IOException {
    int[] hops = {0};
    return follow(link.getParent().toRealPath(), Files.readSymbolicLink(link).toString(), hops);
  }

  /** True when the link at {@code link} resolves inside {@code realRoot}. */
  static boolean staysInside(Path link, Path realRoot) throws IOException {
    Path end = resolve(link);
    return end != null && end.startsWith(realRoot);
  }

  private static Path follow(Path realDir, String target, int[] hops) throws IOException {
    Path cur = target.startsWith("/") ? realDir.getRoot() : realDir;
    boolean exists = true; // cur is a real path while it exists; below that, names are lexical
    for (String part : target.split("/")) {
      if (part.isEmpty() || part.equals(".")) {
        continue;
      }
      if (part.equals("..")) {
        cur = cur.getParent();
        if (cur == null) {
          return null;
        }
        exists = Files.exists(cur, LinkOption.NOFOLLOW_LINKS);
        continue;
      }
      Path next = cur.resolve(part);
      if (exists && Files.isSymbolicLink(next)) {
        if (++hops[0] > MAX_LINKS) {
          return null;
        }
        next = follow(cur, Files.readSymbolicLink(next).toString(), hops);
        if (next == null) {
          return null;
        }
        exists = Files.exists(next, LinkOption.NOFOLLOW_LINKS);
      } else if (exists && !Files.exists(next, LinkOption.NOFOLLOW_LINKS)) {
        exists = false;
      }
      cur = next;
    }
    return cur;
  }
}
