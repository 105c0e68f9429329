package dev.stowage.engine.compress;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.WritableByteChannel;

/** Adapts an OutputStream-based encoder (gzip, lz4) to {@link Compressor}. */
final class StreamCompressor implements Compressor {
  /** Wraps the stored stream in an encoder; closing the encoder ends the compressed stream. */
  interface Encoder {
    OutputStream open(OutputStream stored) throws IOException;
  }

  private final Encoder encoder;
  private final byte[] heap = new byte[1 << 16];
  private OutputStream out;

  StreamCompressor(Encoder encoder) {
    this.encoder = encoder;
  }

  @Override
  public void begin(WritableByteChannel sink, long rawLength) throws IOException {
    // Encoders close their stream to write trailers; the channel belongs to the caller.
    WritableByteChannel keepOpen =
        new WritableByteChannel() {
          @Override
          public int write(ByteBuffer src) throws IOException {
            return sink.write(src);
          }

          @Override
          public boolean isOpen() {
            return true;
          }

          @Override
          public void close() {}
        };
    out = encoder.open(Channels.newOutputStream(keepOpen));
  }

  @Override
  public void write(ByteBuffer raw) throws IOException {
    while (raw.hasRemaining()) {
      int n = Math.min(heap.length, raw.remaining());
      raw.get(heap, 0, n);
      out.write(heap, 0, n);
    }
  }

  @Override
  public void finish() throws IOException {
    out.close();
    out = null;
  }

  @Override
  public void close() {}
}
