package dev.stowage.engine.compress;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;

/** Small helpers for direct buffers used by the codecs. */
public final class Buffers {
  /** Size of each codec's staging buffers: large enough for few JNI calls, small for RSS. */
  public static final int CODEC_BUFFER = 1 << 20;

  private Buffers() {}

  /** The alignment of {@link #direct} buffers: a page, what O_DIRECT writes ask of memory. */
  public static final int ALIGNMENT = 4096;

  /**
   * A page-aligned direct buffer whose pages are touched now, so the first object does not pay for
   * faults. Aligned so that a restore can hand the decompressor's output to O_DIRECT as it is.
   */
  public static ByteBuffer direct(int size) {
    ByteBuffer b = aligned(size, ALIGNMENT);
    for (int i = 0; i < size; i += 4096) {
      b.put(i, (byte) 0);
    }
    return b;
  }

  /** The direct memory that {@link #direct} or {@link #aligned} reserves for {@code size} bytes. */
  public static long reserved(long size, int unit) {
    return size + 2L * unit;
  }

  /** A direct buffer of exactly {@code size} bytes whose address is a multiple of {@code unit}. */
  public static ByteBuffer aligned(int size, int unit) {
    // alignedSlice moves the start up and the end down to multiples of unit: room for both.
    return ByteBuffer.allocateDirect(size + 2 * unit).alignedSlice(unit).limit(size).slice();
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
