package dev.stowage.engine.restore;

import com.sun.nio.file.ExtendedOpenOption;
import dev.stowage.engine.compress.Buffers;
import dev.stowage.engine.core.DirectIo;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * One worker's writer of objects with O_DIRECT (the chunks of big files, and whole files of 8 MiB
 * or more): whole aligned blocks go from the decompressor's memory to the device, past the page
 * cache; only an unaligned tail (the file's last partial block, or the end of a chunk of a size
 * that is not a multiple of the block) goes through it.
 *
 * <p>Why: ext4 takes a file's inode lock for every buffered write, so the workers writing the
 * chunks of one big file wait for each other, spinning on the lock (perf: {@code
 * rwsem_spin_on_owner} 7-11% of a 2 GiB restore), and every byte is copied into the page cache to
 * be written back later. Two `dd`s writing halves of one 2 GiB file took 8 CPU-s buffered, 0.3 with
 * O_DIRECT (engine/README.md, "Direct I/O").
 *
 * <p>Durability is unchanged: the file is fsynced after its last object as before, which commits
 * the block allocations and flushes the device's cache. A file system that refuses O_DIRECT gets
 * the page cache, as before; so does a chunk whose offset is not aligned.
 */
final class DirectWriter {
  /** Bytes gathered before one direct write: the size of the decompressor's output buffer. */
  static final int STAGING = Buffers.CODEC_BUFFER;

  private ByteBuffer staging; // allocated for the worker's first direct object

  /** Opens a file for direct writes; the restore's, or a test's that refuses. */
  interface Opener {
    FileChannel open(Path file) throws IOException;
  }

  static final Opener O_DIRECT =
      file -> FileChannel.open(file, StandardOpenOption.WRITE, ExtendedOpenOption.DIRECT);

  /**
   * Opens {@code file} with {@code opener} and writes one block of zeros at its start, before any
   * object is written into it (the object at offset 0 overwrites it): a file system that takes
   * O_DIRECT at open but refuses the writes themselves is found here, not in the middle of a chunk.
   */
  static void probe(Opener opener, Path file, int alignment) throws IOException {
    try (FileChannel ch = opener.open(file)) {
      ByteBuffer zeros = Buffers.aligned(alignment, alignment);
      while (zeros.hasRemaining()) {
        ch.write(zeros, zeros.position());
      }
    }
  }

  /**
   * A sink for one object whose raw bytes start at {@code base} in {@code file} (created already: a
   * chunked file at its final size, a whole file empty); {@code direct} is the file opened by
   * {@link #O_DIRECT}. Call {@link Chunk#finish} after the object's last byte, then close it.
   */
  Chunk chunk(Path file, FileChannel direct, long base, int alignment) {
    if (base % alignment != 0) {
      throw new IllegalArgumentException("offset " + base + " is not aligned to " + alignment);
    }
    if (staging == null) {
      staging = Buffers.aligned(STAGING, DirectIo.MAX_ALIGNMENT);
    }
    staging.clear();
    return new Chunk(file, direct, base, alignment);
  }

  /** One object being written; its bytes wait in the worker's staging buffer between writes. */
  final class Chunk implements ObjectReader.PositionalSink, AutoCloseable {
    private final Path file;
    private final FileChannel direct;
    private final long base;
    private final int alignment;
    private long stagedAt; // the object-relative position of staging's first byte
    private long directBytes;

    private Chunk(Path file, FileChannel direct, long base, int alignment) {
      this.file = file;
      this.direct = direct;
      this.base = base;
      this.alignment = alignment;
    }

    @Override
    public void write(ByteBuffer raw, long position) throws IOException {
      if (staging.position() > 0 && position != stagedAt + staging.position()) {
        staging.clear(); // a retry starts the object again: what was staged is written again
      }
      if (staging.position() == 0) {
        stagedAt = position;
        if ((base + position) % alignment != 0) {
          throw new IllegalStateException(
              "direct write of " + file + " at unaligned offset " + (base + position));
        }
        // The decompressor's buffers are page-aligned: most of the bytes go out without a copy.
        if (raw.isDirect() && raw.alignmentOffset(raw.position(), alignment) == 0) {
          int whole = raw.remaining() / alignment * alignment;
          if (whole > 0) {
            int limit = raw.limit();
            raw.limit(raw.position() + whole);
            writeDirect(raw, base + position);
            raw.limit(limit);
            stagedAt = position + whole;
          }
        }
      }
      while (raw.hasRemaining()) {
        int n = Math.min(raw.remaining(), staging.remaining());
        int limit = raw.limit();
        raw.limit(raw.position() + n);
        staging.put(raw);
        raw.limit(limit);
        if (!staging.hasRemaining()) {
          staging.flip();
          writeDirect(staging, base + stagedAt);
          stagedAt += STAGING;
          staging.clear();
        }
      }
    }

    /** Writes what is staged: its aligned part directly, the tail through the page cache. */
    void finish() throws IOException {
      staging.flip();
      int staged = staging.remaining();
      int whole = staged / alignment * alignment;
      if (whole > 0) {
        staging.limit(whole);
        writeDirect(staging, base + stagedAt);
        staging.limit(staged);
      }
      if (staging.hasRemaining()) {
        try (FileChannel buffered = FileChannel.open(file, StandardOpenOption.WRITE)) {
          long at = base + stagedAt + whole;
          while (staging.hasRemaining()) {
            at += buffered.write(staging, at);
          }
        }
      }
      staging.clear();
    }

    /** Bytes that went out with O_DIRECT. */
    long directBytes() {
      return directBytes;
    }

    private void writeDirect(ByteBuffer buf, long at) throws IOException {
      while (buf.hasRemaining()) {
        int n = direct.write(buf, at);
        at += n;
        directBytes += n;
      }
    }

    @Override
    public void close() throws IOException {
      direct.close();
    }
  }
}
