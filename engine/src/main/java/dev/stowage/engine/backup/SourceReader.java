package dev.stowage.engine.backup;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/** Positional reads of one source file. */
interface SourceReader extends AutoCloseable {
  int read(ByteBuffer dst, long position) throws IOException;

  @Override
  void close() throws IOException;

  /** Reads through a channel this reader owns and closes. */
  static SourceReader owning(FileChannel channel) {
    return new SourceReader() {
      @Override
      public int read(ByteBuffer dst, long position) throws IOException {
        return channel.read(dst, position);
      }

      @Override
      public void close() throws IOException {
        channel.close();
      }
    };
  }

  /** Reads through someone else's channel and leaves it open. */
  static SourceReader borrowing(FileChannel channel) {
    return new SourceReader() {
      @Override
      public int read(ByteBuffer dst, long position) throws IOException {
        return channel.read(dst, position);
      }

      @Override
      public void close() {}
    };
  }
}
