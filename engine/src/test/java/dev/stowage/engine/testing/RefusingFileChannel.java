package dev.stowage.engine.testing;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;

/**
 * A real file's channel whose positional reads and writes fail with EINVAL, as on a file system
 * that takes O_DIRECT when a file is opened but refuses the I/O itself.
 */
public final class RefusingFileChannel extends FileChannel {
  private final FileChannel inner;

  public RefusingFileChannel(FileChannel inner) {
    this.inner = inner;
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
  public long position() throws IOException {
    return inner.position();
  }

  @Override
  public FileChannel position(long newPosition) throws IOException {
    inner.position(newPosition);
    return this;
  }

  @Override
  public long size() throws IOException {
    return inner.size();
  }

  @Override
  public FileChannel truncate(long size) throws IOException {
    inner.truncate(size);
    return this;
  }

  @Override
  public void force(boolean metaData) throws IOException {
    inner.force(metaData);
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

  @Override
  public FileLock lock(long position, long size, boolean shared) throws IOException {
    return inner.lock(position, size, shared);
  }

  @Override
  public FileLock tryLock(long position, long size, boolean shared) throws IOException {
    return inner.tryLock(position, size, shared);
  }

  @Override
  protected void implCloseChannel() throws IOException {
    inner.close();
  }
}
