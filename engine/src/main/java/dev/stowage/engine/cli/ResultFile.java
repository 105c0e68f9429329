package dev.stowage.engine.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.stowage.engine.core.RunSummary;
import dev.stowage.engine.core.Version;
import dev.stowage.engine.crypto.BackupEncryption;
import dev.stowage.engine.error.EngineException;
import dev.stowage.engine.error.ExitCode;
import dev.stowage.engine.redact.Redactor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Locale;

/**
 * The JSON summary written for the caller (the operator reads it as a pod termination message, so
 * it must stay within 4 KiB).
 */
final class ResultFile {
  static final int MAX_BYTES = 4096;
  static final String OPTION = "--result-file";
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private ResultFile() {}

  static ObjectNode success(String command, RunSummary s) {
    ObjectNode n = base(command, "Succeeded");
    n.put("name", s.name());
    n.put("location", s.location());
    n.put("files", s.files());
    n.put("chunks", s.chunks());
    n.put("objects", s.objects());
    n.put("bytesRead", s.bytesRead());
    n.put("bytesStored", s.bytesStored());
    n.put("bytesWritten", s.bytesWritten());
    n.put("durationSeconds", round(s.durationSeconds()));
    long moved = Math.max(s.bytesRead(), s.bytesWritten());
    n.put("throughputMBps", round(s.durationSeconds() > 0 ? moved / s.durationSeconds() / 1e6 : 0));
    if (!s.skipped().isEmpty()) {
      n.put("skippedCount", s.skipped().size());
      var arr = n.putArray("skipped");
      s.skipped().stream().limit(10).forEach(arr::add);
    }
    return n;
  }

  /**
   * Names the key an encrypted backup was written or restored with by its key id (a one-way
   * fingerprint, not secret), so the operator can show it in status.
   */
  static void addEncryption(ObjectNode n, BackupEncryption used) {
    if (used != null) {
      addEncryptionKeyId(n, used.keyId(), used.form());
    }
  }

  /** As {@link #addEncryption}, from a key id and form known without a run. */
  static void addEncryptionKeyId(ObjectNode n, String keyId, String form) {
    if (keyId != null) {
      n.put("encryptionKeyId", keyId);
    }
    if (form != null) {
      // "Key" or "Passphrase": which form of secret the key came from (never the secret).
      n.put("encryptionKeyForm", form);
    }
  }

  /**
   * For a restore: whether its target already held the restore-in-progress marker when it started
   * (an earlier run wrote into it), so that a refusal is not taken for "target untouched".
   */
  static void addTargetHeldMarker(ObjectNode n, Boolean held) {
    if (held != null) {
      n.put("targetHeldMarker", held);
    }
  }

  static ObjectNode failure(String command, String name, EngineException e, double seconds) {
    ObjectNode n = base(command, "Failed");
    if (name != null) {
      n.put("name", name);
    }
    n.put("exitCode", e.exitCode().code());
    n.put("error", e.getMessage());
    if (e.subject() != null) {
      n.put("object", e.subject());
    }
    n.put("durationSeconds", round(seconds));
    return n;
  }

  private static ObjectNode base(String command, String status) {
    ObjectNode n = MAPPER.createObjectNode();
    n.put("command", command);
    n.put("status", status);
    n.put("engineVersion", Version.get());
    return n;
  }

  private static double round(double v) {
    return Double.parseDouble(String.format(Locale.ROOT, "%.3f", v));
  }

  /**
   * Serialises within {@link #MAX_BYTES}: long names are capped first, then the error shortened.
   */
  static byte[] render(ObjectNode n) {
    redact(n);
    byte[] out = bytes(n);
    if (out.length <= MAX_BYTES) {
      return out;
    }
    n.remove("skipped");
    for (String key : new String[] {"object", "location", "name"}) {
      cap(n, key, 512);
    }
    out = bytes(n);
    if (out.length > MAX_BYTES && n.hasNonNull("error")) {
      String error = n.get("error").asText();
      int keep = Math.max(0, error.length() - (out.length - MAX_BYTES) - 16);
      n.put("error", error.substring(0, keep) + "...");
      out = bytes(n);
    }
    return out;
  }

  /** Every text value passes the one Redactor: errors can quote what an endpoint echoed. */
  private static void redact(ObjectNode n) {
    Redactor r = Redactor.standard();
    var fields = n.fields();
    while (fields.hasNext()) {
      var f = fields.next();
      if (f.getValue().isTextual()) {
        f.setValue(TextNode.valueOf(r.redact(f.getValue().asText())));
      } else if (f.getValue().isArray()) {
        ArrayNode a = (ArrayNode) f.getValue();
        for (int i = 0; i < a.size(); i++) {
          if (a.get(i).isTextual()) {
            a.set(i, TextNode.valueOf(r.redact(a.get(i).asText())));
          }
        }
      }
    }
  }

  private static void cap(ObjectNode n, String key, int max) {
    if (n.hasNonNull(key) && n.get(key).asText().length() > max) {
      n.put(key, n.get(key).asText().substring(0, max) + "...");
    }
  }

  private static byte[] bytes(ObjectNode n) {
    try {
      return MAPPER.writeValueAsString(n).getBytes(StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The result of a command line that could not be parsed (exit 2, nothing was done). */
  static ObjectNode parseFailure(String command, String message) {
    ObjectNode n = base(command, "Failed");
    n.put("exitCode", ExitCode.INVALID_ARGUMENTS.code());
    n.put("error", message);
    n.put("durationSeconds", 0.0);
    return n;
  }

  /**
   * The {@code --result-file} value found in raw arguments, for when picocli could not parse them;
   * null when there is none, it has no value, or the value looks like an option (starts with '-').
   * Arguments after {@code --} are not options. With several, the last one counts.
   */
  static Path findInArgs(String... args) {
    String found = null;
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      if (a == null || a.equals("--")) {
        break;
      }
      if (a.equals(OPTION)) {
        found = i + 1 < args.length ? args[++i] : null;
      } else if (a.startsWith(OPTION + "=")) {
        found = a.substring(OPTION.length() + 1);
      }
    }
    if (found == null || found.isEmpty() || found.startsWith("-")) {
      return null;
    }
    try {
      return Path.of(found);
    } catch (InvalidPathException e) {
      return null;
    }
  }

  /**
   * Writes the result and returns null, or returns the line to print on stderr saying why it could
   * not be written and that {@code exitCode} stands. Never throws.
   */
  static String writeOrExplain(Path file, ObjectNode n, int exitCode) {
    try {
      write(file, n);
      return null;
    } catch (IOException | RuntimeException e) {
      String why = e.getMessage() == null ? e.toString() : e.getMessage();
      if (e instanceof FileSystemException fse) {
        String reason =
            fse.getReason() != null
                ? fse.getReason()
                : fse instanceof AccessDeniedException
                    ? "permission denied"
                    : fse instanceof NoSuchFileException
                        ? "no such file or directory"
                        : fse.getClass().getSimpleName();
        boolean other = fse.getFile() != null && !fse.getFile().equals(file.toString());
        why = reason + (other ? " (" + fse.getFile() + ")" : "");
      }
      return "cannot write "
          + OPTION
          + " "
          + file
          + ": "
          + why
          + "; the command's exit code ("
          + exitCode
          + ") is kept";
    }
  }

  /**
   * Writes the whole result, or throws saying why not; never leaves a partial file behind without
   * an exception that says so.
   *
   * <p>A regular file is replaced atomically: the JSON goes to a temporary file in the same
   * directory, is fsynced and renamed over the target, so a reader sees the old file or the new
   * one, never a cut one. That is impossible where the target is not a regular file (a device such
   * as {@code /dev/full}, a pipe), is a mount point (Kubernetes bind-mounts {@code
   * /dev/termination-log}; a rename onto it fails with EBUSY), or the directory cannot take a new
   * file: then the file is truncated and written in place, and if that fails it is truncated to
   * empty (a reader sees no result rather than half a JSON object) and the exception says so.
   */
  static void write(Path file, ObjectNode n) throws IOException {
    byte[] bytes = render(n);
    Path target = file;
    if (Files.isSymbolicLink(file)) {
      try {
        target = file.toRealPath();
      } catch (IOException dangling) {
        writeInPlace(file, bytes); // creates the link's target
        return;
      }
    }
    if (Files.exists(target) && (!Files.isRegularFile(target) || isMountPoint(target))) {
      writeInPlace(target, bytes);
      return;
    }
    Path dir = target.toAbsolutePath().getParent();
    if (dir == null || !Files.isDirectory(dir)) {
      throw new IOException("its directory " + dir + " does not exist");
    }
    try {
      writeViaTemporaryFile(dir, target, bytes);
    } catch (IOException | RuntimeException atomic) {
      try {
        writeInPlace(target, bytes);
      } catch (IOException inPlace) {
        inPlace.addSuppressed(atomic);
        throw inPlace;
      }
    }
  }

  private static void writeViaTemporaryFile(Path dir, Path target, byte[] bytes)
      throws IOException {
    Path tmp = Files.createTempFile(dir, "." + target.getFileName() + ".", ".tmp");
    try {
      Files.setPosixFilePermissions(
          tmp,
          Files.exists(target)
              ? Files.getPosixFilePermissions(target)
              : PosixFilePermissions.fromString("rw-r--r--"));
      try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
        writeFully(ch, bytes);
        ch.force(true);
      }
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException | RuntimeException e) {
      Files.deleteIfExists(tmp);
      throw e;
    }
  }

  private static void writeInPlace(Path target, byte[] bytes) throws IOException {
    boolean regular = !Files.exists(target) || Files.isRegularFile(target);
    try (FileChannel ch =
        FileChannel.open(
            target,
            StandardOpenOption.WRITE,
            StandardOpenOption.CREATE,
            StandardOpenOption.TRUNCATE_EXISTING)) {
      try {
        writeFully(ch, bytes);
        if (regular) {
          ch.force(true);
        }
      } catch (IOException e) {
        if (!regular) {
          throw e;
        }
        String left;
        try {
          ch.truncate(0);
          left = "the file was left empty";
        } catch (IOException truncate) {
          left = "the file may hold part of the result";
        }
        throw new IOException(e.getMessage() + " (" + left + ")", e);
      }
    }
  }

  private static void writeFully(FileChannel ch, byte[] bytes) throws IOException {
    ByteBuffer buf = ByteBuffer.wrap(bytes);
    while (buf.hasRemaining()) {
      ch.write(buf);
    }
  }

  /** A file on another device than its directory is a mount point (a bind-mounted file). */
  private static boolean isMountPoint(Path file) {
    Path dir = file.toAbsolutePath().getParent();
    if (dir == null) {
      return false;
    }
    try {
      return !Files.getAttribute(file, "unix:dev").equals(Files.getAttribute(dir, "unix:dev"));
    } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
      return false; // then the rename is tried, and a failure falls back to writing in place
    }
  }
}
