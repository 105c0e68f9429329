package dev.stowage.engine.testing;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;

/**
 * A real file's channel whose reads and writes fail with EINVAL, as on a file system that takes
 * O_DIRECT when a file is opened but refuses the I/O itself.
 */
public final class RefusingFileChannel extends DelegatingFileChannel {
  public RefusingFileChannel(FileChannel inner) {
    super(inner);
  }

  private static IOException refused() {
    return new IOException("Invalid argument (direct I/O refused, injected)");
  }

  @Override
  public int read(ByteBuffer dst, long position) throws IOException {
    throw refused();
  }

  @Override
  public int write(ByteBuffer src, long position) throws IOException {
    throw refused();
  }

  @Override
  public int read(ByteBuffer dst) throws IOException {
    throw refused();
  }

  @Override
  public int write(ByteBuffer src) throws IOException {
    throw refused();
  }

  @Override
  public long read(ByteBuffer[] dsts, int offset, int length) throws IOException {
    throw refused();
  }

  @Override
  public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
    throw refused();
  }

  @Override
  public long transferTo(long position, long count, WritableByteChannel target) throws IOException {
    throw refused();
  }

  @Override
  public long transferFrom(ReadableByteChannel src, long position, long count) throws IOException {
    throw refused();
  }

  @Override
  public MappedByteBuffer map(MapMode mode, long position, long size) throws IOException {
    throw refused();
  }
}
