package dev.stowage.engine.restore;

import dev.stowage.engine.core.Roots;
import dev.stowage.engine.error.EngineException;
import dev.stowage.engine.manifest.Base;
import dev.stowage.engine.manifest.Manifest;
import dev.stowage.engine.manifest.PathEntry;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The tree a MANIFEST will create, on the paths its Bases resolve to: checked, before anything is
 * deleted or written, for two entries on one path, an entry beneath a file or a symlink, and
 * symlinks that (followed through the other recorded symlinks) lead out of their root. A target
 * holds nothing else once cleared, so this is the whole tree the links can resolve through.
 */
final class TargetLayout {
  /** Links followed while resolving one target, as the kernel's own limit (ELOOP). */
  private static final int MAX_LINKS = 40;

  private enum Kind {
    FILE,
    DIRECTORY,
    SYMLINK
  }

  private record Node(Kind kind, String label, Path root, String target) {}

  private final Map<Path, Node> nodes = new HashMap<>();
  private final String where;

  private TargetLayout(String where) {
    this.where = where;
  }

  /** Throws an integrity error (exit 4) naming the entries concerned. */
  static void check(Manifest m, RestorePlan plan, Roots roots, String where) {
    TargetLayout t = new TargetLayout(where);
    for (Path r : roots.distinct()) {
      t.nodes.put(r, new Node(Kind.DIRECTORY, "the target directory " + r, r, null));
    }
    for (RestorePlan.TargetFile f : plan.files()) {
      t.add(
          f.path(),
          new Node(
              Kind.FILE,
              "FileEntries[" + f.index() + "] (" + f.entry().base + "/" + f.entry().name + ")",
              root(roots, f.entry().base),
              null));
    }
    add(t, roots, m.stowageDirectories, "StowageDirectories", Kind.DIRECTORY);
    add(t, roots, m.stowageSymlinks, "StowageSymlinks", Kind.SYMLINK);
    t.checkAncestors();
    t.checkLinks();
  }

  private static Path root(Roots roots, String base) {
    return roots.root(Base.fromVitessName(base));
  }

  private static void add(
      TargetLayout t, Roots roots, List<PathEntry> entries, String key, Kind kind) {
    if (entries == null) {
      return;
    }
    for (int i = 0; i < entries.size(); i++) {
      PathEntry e = entries.get(i);
      Base b = Base.fromVitessName(e.base);
      t.add(
          roots.resolve(b, e.name),
          new Node(
              kind, key + "[" + i + "] (" + e.base + "/" + e.name + ")", roots.root(b), e.target));
    }
  }

  private void add(Path p, Node n) {
    Node old = nodes.putIfAbsent(p, n);
    if (old != null && !(old.kind == Kind.DIRECTORY && n.kind == Kind.DIRECTORY)) {
      throw bad(
          n.label
              + " and "
              + old.label
              + " resolve to the same path "
              + p
              + " (as "
              + describe(n.kind)
              + " and "
              + describe(old.kind)
              + ")");
    }
  }

  /** Every ancestor of an entry must be a directory: never a file, never a symlink. */
  private void checkAncestors() {
    for (Map.Entry<Path, Node> e : nodes.entrySet()) {
      for (Path a = e.getKey().getParent(); a != null; a = a.getParent()) {
        Node above = nodes.get(a);
        if (above != null && above.kind != Kind.DIRECTORY) {
          throw bad(
              e.getValue().label
                  + " lies beneath "
                  + above.label
                  + ", which is "
                  + describe(above.kind)
                  + (above.kind == Kind.SYMLINK
                      ? ": restoring it would write through the link"
                      : ": both cannot exist"));
        }
      }
    }
  }

  /** Resolves every symlink through the recorded ones; each must stay inside its own root. */
  private void checkLinks() {
    for (Map.Entry<Path, Node> e : nodes.entrySet()) {
      Node n = e.getValue();
      if (n.kind != Kind.SYMLINK) {
        continue;
      }
      int[] hops = {0};
      Path end = resolve(e.getKey().getParent(), n.target, hops, n);
      if (end == null || !end.startsWith(n.root)) {
        throw bad(
            n.label
                + " points to \""
                + n.target
                + "\", which (following the MANIFEST's other symlinks) resolves to "
                + (end == null ? "above /" : end)
                + ", outside the target "
                + n.root
                + "; refusing this MANIFEST");
      }
    }
  }

  /**
   * Where {@code target}, read in directory {@code dir}, leads; null above the file system root.
   */
  private Path resolve(Path dir, String target, int[] hops, Node link) {
    Path cur = dir;
    for (String part : target.split("/")) {
      if (part.isEmpty() || part.equals(".")) {
        continue;
      }
      if (part.equals("..")) {
        cur = cur.getParent();
        if (cur == null) {
          return null;
        }
        continue;
      }
      Path next = cur.resolve(part);
      Node n = nodes.get(next);
      if (n != null && n.kind == Kind.SYMLINK) {
        if (++hops[0] > MAX_LINKS) {
          throw bad(link.label + " is part of a symlink loop; refusing this MANIFEST");
        }
        next = resolve(cur, n.target, hops, link);
        if (next == null) {
          return null;
        }
      }
      cur = next;
    }
    return cur;
  }

  private static String describe(Kind k) {
    return switch (k) {
      case FILE -> "a file";
      case DIRECTORY -> "a directory";
      case SYMLINK -> "a symlink";
    };
  }

  private EngineException bad(String problem) {
    return EngineException.integrity(where, "invalid MANIFEST " + where + ": " + problem);
  }
}
