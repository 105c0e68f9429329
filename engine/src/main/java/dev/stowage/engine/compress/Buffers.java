package dev.stowage.engine.compress;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;

/** Small helpers for direct buffers used by the codecs. */
public final class Buffers {
  /** Size of each codec's staging buffers: large enough for few JNI calls, small for RSS. */
  public static final int CODEC_BUFFER = 1 << 20;

  private Buffers() {}

  /** A direct buffer whose pages are touched now, so the first object does not pay for faults. */
  public static ByteBuffer direct(int size) {
    ByteBuffer b = ByteBuffer.allocateDirect(size);
    for (int i = 0; i < size; i += 4096) {
      b.put(i, (byte) 0);
    }
    return b;
  }

  /** Writes the flipped buffer fully, then clears it. */
  public static void drain(ByteBuffer buf, WritableByteChannel out) throws IOException {
    buf.flip();
    while (buf.hasRemaining()) {
      out.write(buf);
    }
    buf.clear();
  }
}
