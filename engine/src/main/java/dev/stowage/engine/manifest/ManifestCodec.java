package dev.stowage.engine.manifest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.stowage.engine.error.EngineException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/** Reads and writes MANIFEST JSON; parse failures become integrity errors naming the backup. */
public final class ManifestCodec {
  private static final ObjectMapper MAPPER =
      JsonMapper.builder()
          .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
          .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .build();

  static {
    MAPPER
        .getFactory()
        .setStreamReadConstraints(
            StreamReadConstraints.builder().maxStringLength(64 * 1024 * 1024).build());
  }

  // Two-space indentation, as Vitess writes it.
  private static final ObjectWriter WRITER =
      MAPPER.writer(
          new DefaultPrettyPrinter()
              .withObjectIndenter(new DefaultIndenter("  ", "\n"))
              .withArrayIndenter(new DefaultIndenter("  ", "\n"))
              .withoutSpacesInObjectEntries());

  private ManifestCodec() {}

  public static byte[] write(Manifest manifest) {
    try {
      return WRITER.writeValueAsBytes(manifest);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot serialise MANIFEST", e);
    }
  }

  /** Parses a MANIFEST; {@code where} names it (storage location) in errors. */
  public static Manifest read(byte[] json, String where) {
    if (json.length == 0) {
      throw EngineException.integrity(
          where, "MANIFEST " + where + " is empty: the backup is damaged; restore another backup");
    }
    try {
      Manifest m = MAPPER.readValue(json, Manifest.class);
      if (m == null) {
        throw EngineException.integrity(where, "MANIFEST " + where + " is JSON null");
      }
      return m;
    } catch (IOException e) {
      String text = new String(json, 0, Math.min(json.length, 40), StandardCharsets.UTF_8);
      throw EngineException.integrity(
          where,
          "MANIFEST "
              + where
              + " is not valid JSON ("
              + firstLine(e.getMessage())
              + "; it starts with \""
              + text.replaceAll("\\s+", " ")
              + "\"): the backup is damaged or truncated; restore another backup");
    }
  }

  private static String firstLine(String s) {
    if (s == null) {
      return "parse error";
    }
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }

  public static ObjectMapper mapper() {
    return MAPPER;
  }
}
