package dev.stowage.engine.backup;

import dev.stowage.engine.error.EngineException;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Refuses names that would not come back exactly: a MANIFEST holds names as UTF-8 text, so a name
 * that is not valid UTF-8 on disk, or any non-ASCII name read by a JVM whose file-name encoding
 * ({@code sun.jnu.encoding}) is not UTF-8, would be restored under another name or not at all.
 */
final class FileNames {
  private FileNames() {}

  static boolean jvmUsesUtf8() {
    return "UTF-8".equalsIgnoreCase(System.getProperty("sun.jnu.encoding"));
  }

  /** Throws exit 5 unless {@code rel} (the name of {@code path} under {@code root}) survives. */
  static void requireRoundTrip(Path root, Path path, String rel) {
    if (isAscii(rel)) {
      return; // decoded from the same ASCII bytes in every encoding the JVM can run with
    }
    byte[] raw = rawBytes(path);
    boolean exact =
        jvmUsesUtf8()
            && Arrays.equals(
                raw, path.toAbsolutePath().toString().getBytes(StandardCharsets.UTF_8));
    if (exact) {
      return;
    }
    String shown = escape(relativeBytes(root, raw, rel));
    if (!jvmUsesUtf8()) {
      throw EngineException.unsafe(
          root + "/" + shown,
          "file name \""
              + shown
              + "\" in "
              + root
              + " is not ASCII and this engine runs with the file-name encoding "
              + System.getProperty("sun.jnu.encoding")
              + ", not UTF-8, so the name would be stored mangled: run the engine with"
              + " LANG=C.UTF-8 (the Stowage image does); nothing was stored");
    }
    throw EngineException.unsafe(
        root + "/" + shown,
        "file name \""
            + shown
            + "\" in "
            + root
            + " is not valid UTF-8 (bytes shown as \\xNN), so it cannot be stored in a MANIFEST and"
            + " restored under the same name; rename it to a UTF-8 name (or drop the object that"
            + " uses it) and back up again; nothing was stored");
  }

  /** A symlink target is stored as text too. */
  static void requireRoundTripTarget(Path link, String rel, String target) {
    if (isAscii(target)) {
      return;
    }
    if (!jvmUsesUtf8() || target.indexOf('\uFFFD') >= 0) {
      throw EngineException.unsafe(
          link.toString(),
          "symlink "
              + rel
              + " has a target that is not ASCII and cannot be stored exactly (file-name encoding "
              + System.getProperty("sun.jnu.encoding")
              + "); run the engine with LANG=C.UTF-8 and give links UTF-8 targets");
    }
  }

  private static boolean isAscii(String s) {
    for (int i = 0; i < s.length(); i++) {
      if (s.charAt(i) >= 0x80) {
        return false;
      }
    }
    return true;
  }

  /** The bytes of the name on disk: the JDK's file URI percent-encodes them unchanged. */
  static byte[] rawBytes(Path path) {
    String enc = path.toAbsolutePath().toUri().getRawPath();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (int i = 0; i < enc.length(); i++) {
      char c = enc.charAt(i);
      if (c == '%' && i + 2 < enc.length()) {
        out.write(Integer.parseInt(enc.substring(i + 1, i + 3), 16));
        i += 2;
      } else {
        out.write(c);
      }
    }
    byte[] b = out.toByteArray();
    if (b.length > 1 && b[b.length - 1] == '/') {
      b = Arrays.copyOf(b, b.length - 1); // toUri() marks directories with a trailing slash
    }
    return b;
  }

  private static byte[] relativeBytes(Path root, byte[] raw, String rel) {
    byte[] r = rawBytes(root);
    if (raw.length > r.length + 1
        && Arrays.equals(Arrays.copyOf(raw, r.length), r)
        && raw[r.length] == '/') {
      return Arrays.copyOfRange(raw, r.length + 1, raw.length);
    }
    return rel.getBytes(StandardCharsets.UTF_8);
  }

  /** Printable ASCII as is, every other byte as {@code \xNN}. */
  static String escape(byte[] b) {
    StringBuilder s = new StringBuilder();
    for (byte x : b) {
      int v = x & 0xff;
      if (v >= 0x20 && v < 0x7f && v != '\\') {
        s.append((char) v);
      } else {
        s.append(String.format("\\x%02x", v));
      }
    }
    return s.toString();
  }
}
