package dev.stowage.engine.restore;

import com.sun.nio.file.ExtendedOpenOption;
import dev.stowage.engine.compress.Buffers;
import dev.stowage.engine.core.DirectIo;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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
  private static final Logger LOG = LoggerFactory.getLogger(DirectWriter.class);

  /** Bytes gathered before one direct write: the size of the decompressor's output buffer. */
  static final int STAGING = Buffers.CODEC_BUFFER;

  /** The most one writer holds in direct buffers: two staging buffers (MemoryBudget). */
  static final long DIRECT_BYTES = 2 * Buffers.reserved(STAGING, DirectIo.MAX_ALIGNMENT);

  private ByteBuffer staging; // allocated for the worker's first direct object
  private ByteBuffer other; // the second buffer of an overlapped object: free, or being written
  private ExecutorService writer; // writes an overlapped object's buffers, one at a time
  private Future<Integer> inFlight; // the write of `other`, if one is in flight

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
    return chunk(file, direct, base, alignment, false);
  }

  /**
   * As {@link #chunk(Path, FileChannel, long, int)}; {@code overlapped}: each full buffer is
   * written by the worker's writer thread while the worker decompresses the next (from a copy when
   * it is the decompressor's), at most one write in flight. For an object that one worker streams
   * alone, a whole file: otherwise it waits for the device at every write, a third of the time of a
   * 2 GiB file's restore here. Chunks are not overlapped: other workers fill those waits.
   */
  Chunk chunk(Path file, FileChannel direct, long base, int alignment, boolean overlapped) {
    if (base % alignment != 0) {
      throw new IllegalArgumentException("offset " + base + " is not aligned to " + alignment);
    }
    if (staging == null) {
      staging = Buffers.aligned(STAGING, DirectIo.MAX_ALIGNMENT);
    }
    settleInFlight(); // an earlier object's last write, had it not been closed
    if (overlapped && writer == null) {
      other = Buffers.aligned(STAGING, DirectIo.MAX_ALIGNMENT);
      writer =
          Executors.newSingleThreadExecutor(
              r -> {
                Thread t = new Thread(r, Thread.currentThread().getName() + "-direct-writer");
                t.setDaemon(true);
                return t;
              });
    }
    staging.clear();
    return new Chunk(file, direct, base, alignment, overlapped);
  }

  /** Stops the writer thread, if the worker had one, once no write is in flight. */
  void shutdown() {
    settleInFlight();
    if (writer != null) {
      writer.shutdownNow();
    }
  }

  /** Waits for a write in flight whose object is over; it failed already if this one did. */
  private void settleInFlight() {
    Future<Integer> f = inFlight;
    inFlight = null;
    if (f != null) {
      try {
        getUninterruptibly(f);
      } catch (ExecutionException e) {
        LOG.warn("a direct write of an abandoned object failed too: {}", e.getCause().toString());
      }
    }
  }

  /** Waits for the write even if the worker is interrupted: none may land after its file closes. */
  private static int getUninterruptibly(Future<Integer> f) throws ExecutionException {
    boolean interrupted = false;
    try {
      while (true) {
        try {
          return f.get();
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** One object being written; its bytes wait in the worker's staging buffer between writes. */
  final class Chunk implements ObjectReader.PositionalSink, AutoCloseable {
    private final Path file;
    private final FileChannel direct;
    private final long base;
    private final int alignment;
    private final boolean overlapped;
    private long stagedAt; // the object-relative position of staging's first byte
    private long directBytes;

    private Chunk(Path file, FileChannel direct, long base, int alignment, boolean overlapped) {
      this.file = file;
      this.direct = direct;
      this.base = base;
      this.alignment = alignment;
      this.overlapped = overlapped;
    }

    @Override
    public void write(ByteBuffer raw, long position) throws IOException {
      if (position != stagedAt + staging.position()) {
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
      awaitInFlight();
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

    /**
     * Writes all of {@code buf} at {@code at}: at once, or when overlapped, by the writer thread
     * (staging is swapped for the free buffer, the decompressor's buffer is copied into it), so it
     * can be refilled on return. Every write, and finish, first waits for the one in flight: writes
     * land in order, a retry's after those of the attempt that failed (whose bytes may be the
     * damaged ones). A failed overlapped write is thrown by the next call, or by finish.
     */
    private void writeDirect(ByteBuffer buf, long at) throws IOException {
      if (!overlapped || buf.remaining() != STAGING) {
        awaitInFlight();
        directBytes += writeFully(buf, at);
        return;
      }
      awaitInFlight(); // `other` is free from here
      ByteBuffer out;
      if (buf == staging) {
        out = staging;
        staging = other;
        staging.clear();
      } else {
        out = other;
        out.clear();
        out.put(buf);
        out.flip();
      }
      other = out;
      inFlight = writer.submit(() -> writeFully(out, at));
    }

    private int writeFully(ByteBuffer buf, long at) throws IOException {
      int total = 0;
      while (buf.hasRemaining()) {
        total += direct.write(buf, at + total);
      }
      return total;
    }

    private void awaitInFlight() throws IOException {
      Future<Integer> f = inFlight;
      if (f == null) {
        return;
      }
      inFlight = null;
      try {
        directBytes += getUninterruptibly(f);
      } catch (ExecutionException e) {
        Throwable c = e.getCause();
        if (c instanceof IOException io) {
          throw io;
        }
        throw new IOException("direct write of " + file + " failed: " + c, c);
      }
    }

    @Override
    public void close() throws IOException {
      try {
        awaitInFlight(); // a successful object has none left: finish waited for it
      } catch (IOException e) {
        // The object failed before finish, for this or another reason; say that this write did.
        LOG.warn("a direct write of {} failed too: {}", file, e.toString());
      } finally {
        direct.close();
      }
    }
  }
}
