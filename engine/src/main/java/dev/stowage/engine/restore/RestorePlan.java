package dev.stowage.engine.restore;

import dev.stowage.engine.core.Roots;
import dev.stowage.engine.crypto.ObjectPlace;
import dev.stowage.engine.manifest.Base;
import dev.stowage.engine.manifest.Chunk;
import dev.stowage.engine.manifest.FileEntry;
import dev.stowage.engine.manifest.Manifest;
import dev.stowage.engine.manifest.PathEntry;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Predicate;

/** A validated MANIFEST turned into target paths and objects, ready to be read in parallel. */
public record RestorePlan(List<TargetFile> files, List<Item> items) {

  /** One file to create; {@code size} is null when the MANIFEST does not say (plain Vitess). */
  public record TargetFile(int index, FileEntry entry, Path path, Long size) {}

  /** One object and where its raw bytes go. */
  public record Item(TargetFile file, long offset, ObjectReader.Expected expected) {
    long sortSize() {
      return expected.rawSize() == null ? Long.MAX_VALUE : expected.rawSize();
    }
  }

  /** With {@code roots} null the plan has no target paths (verify writes nothing). */
  public static RestorePlan of(Manifest m, Roots roots) {
    return of(m, roots, fe -> true);
  }

  /** A plan of the entries {@code include} accepts; each keeps its index (its object name). */
  public static RestorePlan of(Manifest m, Roots roots, Predicate<FileEntry> include) {
    List<TargetFile> files = new ArrayList<>();
    List<Item> items = new ArrayList<>();
    for (int i = 0; i < m.fileEntries.size(); i++) {
      FileEntry fe = m.fileEntries.get(i);
      if (!include.test(fe)) {
        continue;
      }
      Path p = roots == null ? null : roots.resolve(Base.fromVitessName(fe.base), fe.name);
      String label = fe.base + "/" + fe.name;
      if (fe.isChunked()) {
        List<Chunk> chunks = new ArrayList<>(fe.chunks);
        chunks.sort(Comparator.comparingLong(c -> c.offset));
        Chunk last = chunks.get(chunks.size() - 1);
        TargetFile tf = new TargetFile(i, fe, p, last.offset + last.size);
        files.add(tf);
        for (Chunk c : chunks) {
          items.add(
              new Item(
                  tf,
                  c.offset,
                  new ObjectReader.Expected(
                      c.storageName,
                      label + " chunk " + c.storageName + " at offset " + c.offset,
                      c.hash,
                      c.size,
                      c.rawCrc32c,
                      new ObjectPlace(
                          m.backupName, fe.base, fe.name, c.storageName, c.offset, c.size))));
        }
      } else {
        TargetFile tf = new TargetFile(i, fe, p, fe.size);
        files.add(tf);
        items.add(
            new Item(
                tf,
                0,
                new ObjectReader.Expected(
                    Manifest.objectName(i),
                    label,
                    fe.hash,
                    fe.size,
                    fe.rawCrc32c,
                    new ObjectPlace(
                        m.backupName,
                        fe.base,
                        fe.name,
                        Manifest.objectName(i),
                        0,
                        fe.size == null ? -1 : fe.size))));
      }
    }
    // Largest first (unknown sizes first: they may be large); equal sizes alternate between files.
    items.sort(
        Comparator.comparingLong(Item::sortSize)
            .reversed()
            .thenComparingLong(Item::offset)
            .thenComparingInt(it -> it.file().index()));
    return new RestorePlan(files, items);
  }

  /**
   * An upper bound on the stored size of the plan's largest object: its raw size with room for
   * incompressible data's framing and encryption's tags, or {@code Long.MAX_VALUE} when the
   * MANIFEST gives no size (a plain Vitess backup).
   */
  public long largestObjectBound() {
    long max = 0;
    for (Item it : items) {
      Long raw = it.expected().rawSize();
      if (raw == null) {
        return Long.MAX_VALUE;
      }
      if (raw > Long.MAX_VALUE / 2) {
        return Long.MAX_VALUE; // no real object; the sum below must not wrap
      }
      max = Math.max(max, raw + raw / 64 + (1 << 20));
    }
    return max;
  }

  /** Bytes the restore will write where the MANIFEST says; unknown sizes count as zero. */
  public long knownBytes() {
    long sum = 0;
    for (TargetFile f : files) {
      sum = Math.addExact(sum, f.size() == null ? 0 : f.size()); // validated not to overflow
    }
    return sum;
  }

  public static List<Path> directories(Manifest m, Roots roots) {
    List<Path> dirs = new ArrayList<>();
    if (m.stowageDirectories != null) {
      for (PathEntry d : m.stowageDirectories) {
        dirs.add(roots.resolve(Base.fromVitessName(d.base), d.name));
      }
    }
    return dirs;
  }
}
