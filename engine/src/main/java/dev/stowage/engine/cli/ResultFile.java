package dev.stowage.engine.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.stowage.engine.core.RunSummary;
import dev.stowage.engine.core.Version;
import dev.stowage.engine.error.EngineException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The JSON summary written for the caller (the operator reads it as a pod termination message, so
 * it must stay within 4 KiB).
 */
final class ResultFile {
  static final int MAX_BYTES = 4096;
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

  static void write(Path file, ObjectNode n) throws IOException {
    Files.write(file, render(n));
  }
}
