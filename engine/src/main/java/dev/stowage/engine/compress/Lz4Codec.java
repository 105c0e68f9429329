package dev.stowage.engine.compress;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.WritableByteChannel;
import net.jpountz.lz4.LZ4FrameInputStream;
import net.jpountz.lz4.LZ4FrameOutputStream;

/** LZ4 frame format (what Vitess's lz4 engine writes); reads concatenated frames too. */
public final class Lz4Codec implements Codec {
  @Override
  public String engineName() {
    return "lz4";
  }

  @Override
  public Compressor newCompressor(int level) {
    return new Lz4Compressor();
  }

  @Override
  public Decompressor newDecompressor() {
    return new GzipCodec.StreamDecompressor(
        in -> new LZ4FrameInputStream(new BufferedInputStream(in, 1 << 16)), "lz4 frame");
  }

  private static final class Lz4Compressor implements Compressor {
    private final byte[] heap = new byte[1 << 16];
    private LZ4FrameOutputStream lz4;

    @Override
    public void begin(WritableByteChannel out) throws IOException {
      // The frame writer closes its stream to write the end mark; the caller owns the channel.
      WritableByteChannel keepOpen = new WritableByteChannel() {
        @Override
        public int write(ByteBuffer src) throws IOException {
          return out.write(src);
        }

        @Override
        public boolean isOpen() {
          return true;
        }

        @Override
        public void close() {}
      };
      lz4 = new LZ4FrameOutputStream(Channels.newOutputStream(keepOpen));
    }

    @Override
    public void write(ByteBuffer raw) throws IOException {
      while (raw.hasRemaining()) {
        int n = Math.min(heap.length, raw.remaining());
        raw.get(heap, 0, n);
        lz4.write(heap, 0, n);
      }
    }

    @Override
    public void finish() throws IOException {
      // close() writes the end mark.
      lz4.close();
      lz4 = null;
    }

    @Override
    public void close() {}
  }
}
