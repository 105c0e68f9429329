package dev.stowage.engine.compress;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;

/**
 * gzip, as Vitess's pgzip and pargzip: writes one gzip member; reads through any number of
 * concatenated members (pargzip writes many).
 */
public final class GzipCodec implements Codec {
  private final String engineName;

  /** {@code engineName} is what a MANIFEST calls it: pgzip or pargzip. */
  public GzipCodec(String engineName) {
    this.engineName = engineName;
  }

  @Override
  public String engineName() {
    return engineName;
  }

  @Override
  public Compressor newCompressor(int level) {
    return new GzipCompressor(level);
  }

  @Override
  public Decompressor newDecompressor() {
    return new StreamDecompressor(in -> GzipCompressorInputStream.builder()
        .setInputStream(new BufferedInputStream(in, 1 << 16))
        .setDecompressConcatenated(true)
        .get(), "gzip");
  }

  private static final class GzipCompressor implements Compressor {
    private final int level;
    private final byte[] heap = new byte[1 << 16];
    private OutputStream gzip;

    GzipCompressor(int level) {
      this.level = level;
    }

    @Override
    public void begin(WritableByteChannel out) throws IOException {
      OutputStream raw = Channels.newOutputStream(out);
      gzip = new GZIPOutputStream(raw, 1 << 16) {
        {
          def.setLevel(level == 0 ? Deflater.DEFAULT_COMPRESSION : level);
        }
      };
    }

    @Override
    public void write(ByteBuffer raw) throws IOException {
      while (raw.hasRemaining()) {
        int n = Math.min(heap.length, raw.remaining());
        raw.get(heap, 0, n);
        gzip.write(heap, 0, n);
      }
    }

    @Override
    public void finish() throws IOException {
      // finish() writes the trailer without closing the storage channel, which the caller owns.
      ((GZIPOutputStream) gzip).finish();
      gzip.flush();
      gzip = null;
    }

    @Override
    public void close() {}
  }

  /** Opens an InputStream-based decoder over the stored stream. */
  interface StreamOpener {
    InputStream open(InputStream stored) throws IOException;
  }

  /** Adapts an InputStream decoder to {@link Decompressor}; used by gzip and lz4. */
  static final class StreamDecompressor implements Decompressor {
    private final StreamOpener opener;
    private final String format;
    private final byte[] heap = new byte[1 << 16];

    StreamDecompressor(StreamOpener opener, String format) {
      this.opener = opener;
      this.format = format;
    }

    @Override
    public void decompress(ReadableByteChannel in, RawSink sink) throws IOException {
      InputStream stored = Channels.newInputStream(in);
      InputStream decoded;
      try {
        decoded = opener.open(stored);
      } catch (IOException e) {
        throw new CorruptStreamException("not a valid " + format + " stream: " + e.getMessage(), e);
      }
      ByteBuffer wrap = ByteBuffer.wrap(heap);
      while (true) {
        int n;
        try {
          n = decoded.read(heap);
        } catch (IOException e) {
          if (e instanceof CorruptStreamException) {
            throw e;
          }
          throw new CorruptStreamException("damaged or truncated " + format + " stream: " + e.getMessage(), e);
        }
        if (n < 0) {
          return;
        }
        wrap.clear().limit(n);
        sink.accept(wrap);
      }
    }

    @Override
    public void close() {}
  }
}
