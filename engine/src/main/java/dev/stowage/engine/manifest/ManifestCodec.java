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
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
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

  /**
   * Parses a MANIFEST as it streams in, reading at most {@code maxBytes}: a larger one is an
   * integrity error (exit 4) naming it. Other read failures are thrown as IOException (storage).
   */
  public static Manifest read(InputStream in, long maxBytes, String where) throws IOException {
    CappedInput capped = new CappedInput(in, maxBytes);
    try {
      Manifest m = MAPPER.readValue(capped, Manifest.class);
      if (m == null) {
        throw EngineException.integrity(where, "MANIFEST " + where + " is JSON null");
      }
      return m;
    } catch (IOException e) {
      if (capped.exceeded) {
        throw EngineException.integrity(
            where,
            "MANIFEST "
                + where
                + " is larger than "
                + maxBytes
                + " bytes, the most Stowage reads (a million files make about 300 MB): refused"
                + " before it could exhaust memory. The backup is damaged or was not written by"
                + " Vitess or Stowage; restore another backup");
      }
      if (!(e instanceof JsonProcessingException)) {
        throw e; // the download failed: a storage error, retried by the caller
      }
      if (capped.count == 0) {
        throw EngineException.integrity(
            where,
            "MANIFEST " + where + " is empty: the backup is damaged; restore another backup");
      }
      String text = new String(capped.head, 0, capped.headLength, StandardCharsets.UTF_8);
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

  /** Counts what is read, keeps the first 40 bytes for messages, and stops at a cap. */
  private static final class CappedInput extends FilterInputStream {
    final byte[] head = new byte[40];
    int headLength;
    long count;
    boolean exceeded;
    private final long max;

    CappedInput(InputStream in, long max) {
      super(in);
      this.max = max;
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      int n = read(one, 0, 1);
      return n < 0 ? -1 : one[0] & 0xFF;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (count >= max) {
        // One byte more tells a MANIFEST of exactly max bytes from a larger one.
        int n = super.read(b, off, 1);
        if (n > 0) {
          exceeded = true;
          throw new IOException("MANIFEST larger than " + max + " bytes");
        }
        return n;
      }
      int n = super.read(b, off, (int) Math.min(len, max - count));
      if (n > 0) {
        int h = Math.min(n, head.length - headLength);
        if (h > 0) {
          System.arraycopy(b, off, head, headLength, h);
          headLength += h;
        }
        count += n;
      }
      return n;
    }

    @Override
    public long skip(long n) throws IOException {
      if (n <= 0) {
        return 0;
      }
      int r = read(new byte[(int) Math.min(n, 8192)]); // counted like any other read
      return r < 0 ? 0 : r;
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
