package dev.stowage.engine.testing;

import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.util.function.IntSupplier;

/**
 * A channel over {@code bytes} that gives at most a piece of them per read, as a socket gives what
 * has arrived; with {@code stutter}, nothing at all every other read.
 */
public final class PiecewiseChannel implements ReadableByteChannel {
  private final byte[] bytes;
  private final IntSupplier piece;
  private final boolean stutter;
  private int pos;
  private int reads;

  /** Pieces of {@code piece} bytes at most. */
  public PiecewiseChannel(byte[] bytes, int piece, boolean stutter) {
    this(bytes, () -> piece, stutter);
  }

  /** Pieces of at most as many bytes as {@code piece} says for each read. */
  public PiecewiseChannel(byte[] bytes, IntSupplier piece, boolean stutter) {
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
    int n = Math.min(Math.min(dst.remaining(), piece.getAsInt()), bytes.length - pos);
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
