package dev.stowage.engine.testing;

import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;

/**
 * A channel over {@code bytes} that gives at most {@code piece} bytes per read, as a socket gives
 * what has arrived; with {@code stutter}, nothing at all every other read.
 */
public final class PiecewiseChannel implements ReadableByteChannel {
  private final byte[] bytes;
  private final int piece;
  private final boolean stutter;
  private int pos;
  private int reads;

  public PiecewiseChannel(byte[] bytes, int piece, boolean stutter) {
    this.bytes = bytes;
    this.piece = piece;
    this.stutter = stutter;
  }

  @Override
  public int read(ByteBuffer dst) {
    if (pos == bytes.length) {
      return -1;
    }
    if (stutter && reads++ % 2 == 0) {
      return 0;
    }
    int n = Math.min(Math.min(dst.remaining(), piece), bytes.length - pos);
    dst.put(bytes, pos, n);
    pos += n;
    return n;
  }

  @Override
  public boolean isOpen() {
    return true;
  }

  @Override
  public void close() {}
}
