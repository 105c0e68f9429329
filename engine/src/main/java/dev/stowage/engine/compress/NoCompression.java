package dev.stowage.engine.compress;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;

/** Objects stored as the raw bytes (SkipCompress). */
public final class NoCompression implements Codec {
  @Override
  public String engineName() {
    return "";
  }

  @Override
  public Compressor newCompressor(int level) {
    return new Compressor() {
      private WritableByteChannel out;

      @Override
      public void begin(WritableByteChannel out, long rawLength) {
        this.out = out;
      }

      @Override
      public void write(ByteBuffer raw) throws IOException {
        while (raw.hasRemaining()) {
          out.write(raw);
        }
      }

      @Override
      public void finish() {
        out = null;
      }

      @Override
      public void close() {}
    };
  }

  @Override
  public long decompressorDirectBytes() {
    return Buffers.reserved(Buffers.CODEC_BUFFER, Buffers.ALIGNMENT);
  }

  @Override
  public Decompressor newDecompressor() {
    ByteBuffer buf = Buffers.direct(Buffers.CODEC_BUFFER);
    return new Decompressor() {
      @Override
      public void decompress(ReadableByteChannel in, RawSink sink) throws IOException {
        buf.clear();
        while (in.read(buf) >= 0) {
          if (buf.position() > 0) {
            buf.flip();
            sink.accept(buf);
            buf.clear();
          }
        }
        if (buf.position() > 0) {
          buf.flip();
          sink.accept(buf);
        }
      }

      @Override
      public void close() {}
    };
  }
}
