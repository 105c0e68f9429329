package dev.stowage.engine.compress;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ReadableByteChannel;

/** Adapts an InputStream-based decoder (gzip, lz4) to {@link Decompressor}. */
final class StreamDecompressor implements Decompressor {
  /** Opens a decoder over the stored stream. */
  interface StreamOpener {
    InputStream open(InputStream stored) throws IOException;
  }

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
      if (e instanceof CorruptStreamException) {
        throw e; // e.g. an encrypted object that does not authenticate: said as it is
      }
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
        throw new CorruptStreamException(
            "damaged or truncated " + format + " stream: " + e.getMessage(), e);
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
