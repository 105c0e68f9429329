package dev.stowage.engine.manifest;

import dev.stowage.engine.core.FileAttributes;
import dev.stowage.engine.error.EngineException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Checks a whole MANIFEST before anything is written: known Bases, names that cannot escape their
 * root, chunks that tile each file exactly, object names as Vitess writes them. Every error names
 * the file or chunk concerned.
 */
public final class ManifestValidator {
  private static final Pattern HASH = Pattern.compile("[0-9a-fA-F]{8}");
  private static final Pattern MODE = Pattern.compile("[0-7]{3,4}");
  private static final Instant MIN_TIME = Instant.parse("0001-01-01T00:00:00Z");
  private static final Instant MAX_TIME = Instant.parse("9999-12-31T23:59:59.999999999Z");

  /** Linux limits: NAME_MAX for one element, PATH_MAX (less the root) for a whole name. */
  static final int MAX_NAME_BYTES = 255;

  static final int MAX_PATH_BYTES = 4000;

  /**
   * Top-level names a MANIFEST may not use: the restore's own marker, and lost+found, which
   * --overwrite keeps (so an entry there could collide with what fsck left) and backups never hold.
   */
  private static final Set<String> RESERVED_TOP =
      Set.of(".stowage-restore-in-progress", "lost+found");

  private ManifestValidator() {}

  /** Throws an integrity error (exit 4) for the first problem found. */
  public static void validate(Manifest m, String where) {
    if (!Manifest.BUILTIN.equals(m.backupMethod)) {
      throw bad(
          where,
          null,
          "BackupMethod is \""
              + m.backupMethod
              + "\", not \"builtin\": this is not"
              + " a builtin backup (an xtrabackup or mysqlshell backup needs its own tool)");
    }
    if (m.incremental || (m.incrementalDetails != null && !m.incrementalDetails.isNull())) {
      throw bad(
          where,
          null,
          "this is an incremental backup (FromPosition \""
              + m.fromPosition
              + "\"); Stowage restores full backups only: restore the full backup it is based on");
    }
    if (m.fileEntries == null) {
      throw bad(where, null, "FileEntries is missing");
    }
    if (m.fileEntries.isEmpty()) {
      // Stowage never writes one (an empty data directory is refused at backup); restoring it
      // would wipe a target with --overwrite and leave nothing.
      throw bad(where, null, "it has no FileEntries: a backup of no files cannot be restored");
    }
    Set<String> seen = new HashSet<>();
    long totalSize = 0;
    for (int i = 0; i < m.fileEntries.size(); i++) {
      FileEntry fe = m.fileEntries.get(i);
      if (fe == null) {
        throw bad(where, "FileEntries[" + i + "]", "entry is null");
      }
      String label = "FileEntries[" + i + "] (" + fe.base + "/" + fe.name + ")";
      Base base = checkBase(where, label, fe.base);
      checkName(where, label, fe.name);
      if (fe.parentPath != null && !fe.parentPath.isEmpty()) {
        throw bad(
            where,
            label,
            "ParentPath is \""
                + fe.parentPath
                + "\"; only an empty ParentPath is supported, so files land under the target's roots");
      }
      if (!seen.add(base.vitessName() + "/" + fe.name)) {
        throw bad(where, label, "the same file appears twice");
      }
      if (fe.size != null && fe.size < 0) {
        throw bad(where, label, "StowageSize is negative");
      }
      if (fe.storedSize != null && fe.storedSize < 0) {
        throw bad(where, label, "StowageStoredSize is negative");
      }
      checkMode(where, label, "StowageMode", fe.mode);
      checkTime(where, label, "StowageMTime", fe.mtime);
      checkOptionalHash(where, label, "StowageRawCRC32C", fe.rawCrc32c);
      long size;
      if (fe.isChunked()) {
        size = checkChunks(where, label, i, fe);
      } else {
        checkHash(where, label + " object \"" + i + "\"", "Hash", fe.hash);
        size = fe.size == null ? 0 : fe.size;
      }
      try {
        totalSize = Math.addExact(totalSize, size);
      } catch (ArithmeticException e) {
        throw bad(
            where, label, "the file sizes add up to more than 2^63 bytes (overflow): not a backup");
      }
    }
    checkPathEntries(where, "StowageDirectories", m.stowageDirectories, false);
    checkPathEntries(where, "StowageSymlinks", m.stowageSymlinks, true);
  }

  /** Checks the chunks and returns the file size they cover. */
  private static long checkChunks(String where, String label, int fileIndex, FileEntry fe) {
    List<Chunk> sorted = new ArrayList<>(fe.chunks);
    for (Chunk c : sorted) {
      if (c == null) {
        throw bad(where, label, "a chunk entry is null");
      }
    }
    sorted.sort(Comparator.comparingLong(c -> c.offset));
    long expectedOffset = 0;
    for (int j = 0; j < sorted.size(); j++) {
      Chunk c = sorted.get(j);
      String chunkLabel = label + " chunk \"" + c.storageName + "\"";
      String expectedName = Manifest.chunkName(fileIndex, j);
      if (!expectedName.equals(c.storageName)) {
        throw bad(
            where,
            chunkLabel,
            "chunk at offset "
                + c.offset
                + " is named \""
                + c.storageName
                + "\" but must be \""
                + expectedName
                + "\" (chunks are named <file>-<index> in offset order)");
      }
      if (c.size <= 0) {
        throw bad(where, chunkLabel, "Size is " + c.size + "; chunk sizes must be > 0");
      }
      if (c.offset != expectedOffset) {
        throw bad(
            where,
            chunkLabel,
            (c.offset < expectedOffset ? "overlaps" : "leaves a gap after")
                + " the previous chunk: Offset is "
                + c.offset
                + ", expected "
                + expectedOffset);
      }
      if (Long.MAX_VALUE - c.offset < c.size) {
        throw bad(where, chunkLabel, "Offset + Size overflows a 64-bit file size");
      }
      expectedOffset = c.offset + c.size;
      checkHash(where, chunkLabel, "Hash", c.hash);
      checkOptionalHash(where, chunkLabel, "StowageRawCRC32C", c.rawCrc32c);
    }
    if (fe.size != null && fe.size != expectedOffset) {
      throw bad(
          where, label, "chunks cover " + expectedOffset + " bytes but StowageSize is " + fe.size);
    }
    return expectedOffset;
  }

  private static void checkPathEntries(
      String where, String key, List<PathEntry> entries, boolean links) {
    if (entries == null) {
      return;
    }
    for (int i = 0; i < entries.size(); i++) {
      PathEntry e = entries.get(i);
      if (e == null) {
        throw bad(where, key + "[" + i + "]", "entry is null");
      }
      String label = key + "[" + i + "] (" + e.base + "/" + e.name + ")";
      checkBase(where, label, e.base);
      checkName(where, label, e.name);
      checkMode(where, label, "Mode", e.mode);
      checkTime(where, label, "MTime", e.mtime);
      if (links) {
        checkLinkTarget(where, label, e.name, e.target);
      }
    }
  }

  /** A symlink target must be relative and resolve inside the link's own root. */
  public static void checkLinkTarget(String where, String label, String name, String target) {
    if (target == null || target.isEmpty() || target.startsWith("/") || target.indexOf('\0') >= 0) {
      throw bad(
          where,
          label,
          "symlink target \"" + target + "\" must be a relative path inside the tree");
    }
    int depth = name.split("/").length - 1; // directories above the link, inside the root
    for (String part : target.split("/")) {
      if (part.equals("..")) {
        depth--;
      } else if (!part.isEmpty() && !part.equals(".")) {
        depth++;
      }
      if (depth < 0) {
        throw bad(where, label, "symlink target \"" + target + "\" leaves the tree");
      }
    }
  }

  private static Base checkBase(String where, String label, String base) {
    Base b = Base.fromVitessName(base);
    if (b == null) {
      throw bad(
          where,
          label,
          "unknown Base \"" + base + "\" (known: Data, InnoDBData, InnoDBLog, BinLog)");
    }
    return b;
  }

  /** Rejects anything that could resolve outside its root: absolute, "..", ".", empty segments. */
  public static void checkName(String where, String label, String name) {
    if (name == null || name.isEmpty()) {
      throw bad(where, label, "Name is empty");
    }
    if (name.startsWith("/") || name.indexOf('\0') >= 0) {
      throw bad(
          where,
          label,
          "Name \""
              + name
              + "\" is absolute or contains NUL; names must be"
              + " relative to their root");
    }
    if (name.getBytes(StandardCharsets.UTF_8).length > MAX_PATH_BYTES) {
      throw bad(
          where,
          label,
          "Name is longer than "
              + MAX_PATH_BYTES
              + " bytes, more than a Linux path can hold; refusing this MANIFEST");
    }
    String top = name.split("/", 2)[0];
    if (RESERVED_TOP.contains(top)) {
      throw bad(
          where,
          label,
          "Name \""
              + name
              + "\" is reserved in a target ("
              + top
              + " belongs to the file system or to the restore itself); refusing this MANIFEST");
    }
    for (String part : name.split("/", -1)) {
      if (part.getBytes(StandardCharsets.UTF_8).length > MAX_NAME_BYTES) {
        throw bad(
            where,
            label,
            "Name has an element longer than "
                + MAX_NAME_BYTES
                + " bytes, more than a file system allows; refusing this MANIFEST");
      }
      if (part.isEmpty() || part.equals(".") || part.equals("..")) {
        throw bad(
            where,
            label,
            "Name \""
                + name
                + "\" has a \""
                + part
                + "\" path element and could escape the target directory; refusing this MANIFEST");
      }
    }
  }

  /** Permission bits as the backup writes them: 3 or 4 octal digits. */
  private static void checkMode(String where, String label, String key, String mode) {
    if (mode != null && !MODE.matcher(mode).matches()) {
      throw bad(where, label, key + " \"" + mode + "\" is not an octal mode such as \"0660\"");
    }
  }

  /** An RFC 3339 time a file system can hold (years 1..9999). */
  private static void checkTime(String where, String label, String key, String time) {
    if (time == null) {
      return;
    }
    try {
      Instant t = FileAttributes.parseInstant(time);
      if (t.isBefore(MIN_TIME) || t.isAfter(MAX_TIME)) {
        throw new DateTimeParseException("out of range", time, 0);
      }
    } catch (DateTimeParseException e) {
      throw bad(
          where,
          label,
          key + " \"" + time + "\" is not an RFC 3339 time such as \"2024-02-03T04:05:06.123Z\"");
    }
  }

  private static void checkHash(String where, String label, String key, String hash) {
    if (hash == null || !HASH.matcher(hash).matches()) {
      throw bad(where, label, key + " \"" + hash + "\" is not 8 hex digits");
    }
  }

  private static void checkOptionalHash(String where, String label, String key, String hash) {
    if (hash != null) {
      checkHash(where, label, key, hash);
    }
  }

  private static EngineException bad(String where, String subject, String problem) {
    String s = subject == null ? "" : subject + ": ";
    return EngineException.integrity(
        subject == null ? where : subject, "invalid MANIFEST " + where + ": " + s + problem);
  }
}
