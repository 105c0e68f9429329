package dev.stowage.engine.backup;

import com.sun.nio.file.ExtendedOpenOption;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** Positional reads of one source file. */
interface SourceReader extends AutoCloseable {
  int read(ByteBuffer dst, long position) throws IOException;

  @Override
  void close() throws IOException;

  /** Bytes this reader got with O_DIRECT. */
  default long directBytes() {
    return 0;
  }

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

  /**
   * Reads {@code file} with O_DIRECT: aligned blocks straight from the device into the caller's
   * page-aligned buffer, past the page cache (on these VMs a buffered read of 2 GiB cost 2-3.5
   * CPU-s of the kernel's, a direct one 0.1-0.2; engine/README.md, "Direct I/O"). Each read asks
   * for whole blocks, so a read may fill the buffer past its limit (never past its capacity); only
   * the bytes up to the limit are counted. A read the device cannot take as it is (an unaligned
   * position or buffer, no room to round up) goes through the page cache instead.
   *
   * @throws IOException also when the file system refuses O_DIRECT: the caller reads buffered
   */
  static SourceReader direct(Path file, int alignment) throws IOException {
    return direct(
        file,
        FileChannel.open(file, StandardOpenOption.READ, ExtendedOpenOption.DIRECT),
        alignment);
  }

  /**
   * As {@link #direct(Path, int)}, on {@code direct}, the file already opened with O_DIRECT. If the
   * first direct read fails (a file system that takes O_DIRECT at open but not the reads), that
   * read and all after it go through the page cache, which reports a real read error anew.
   */
  static SourceReader direct(Path file, FileChannel direct, int alignment) {
    return new SourceReader() {
      private boolean directFailed;
      private FileChannel buffered;
      private long directBytes;

      @Override
      public long directBytes() {
        return directBytes;
      }

      @Override
      public int read(ByteBuffer dst, long position) throws IOException {
        int want = dst.remaining();
        int ask = (want + alignment - 1) / alignment * alignment;
        int start = dst.position();
        if (directFailed
            || position % alignment != 0
            || !dst.isDirect()
            || dst.alignmentOffset(start, alignment) != 0
            || start + ask > dst.capacity()) {
          if (buffered == null) {
            buffered = FileChannel.open(file, StandardOpenOption.READ);
          }
          return buffered.read(dst, position);
        }
        int limit = dst.limit();
        dst.limit(start + ask);
        int n;
        try {
          n = direct.read(dst, position);
        } catch (IOException e) {
          if (directBytes > 0) {
            throw e; // direct reads worked before: a real read error
          }
          directFailed = true;
          dst.limit(limit).position(start);
          return read(dst, position);
        } finally {
          dst.limit(limit);
        }
        if (n > want) {
          dst.position(start + want);
          n = want;
        }
        if (n > 0) {
          directBytes += n;
        }
        return n;
      }

      @Override
      public void close() throws IOException {
        try {
          direct.close();
        } finally {
          if (buffered != null) {
            buffered.close();
          }
        }
      }
    };
  }
}
