package dev.stowage.engine.compress;

import com.github.luben.zstd.EndDirective;
import com.github.luben.zstd.Zstd;
import com.github.luben.zstd.ZstdCompressCtx;
import com.github.luben.zstd.ZstdDecompressCtx;
import com.github.luben.zstd.ZstdException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;

/** zstd through zstd-jni's streaming API on direct buffers: one reused context per worker. */
public final class ZstdCodec implements Codec {
  /**
   * The largest window (log2) a restore accepts by default: 32 MiB. Each worker's decoder holds one
   * window, so this bounds a restore's memory whatever a bucket holds. Every legitimate writer
   * fits: Vitess (klauspost/compress) uses at most 32 MiB (its best level), Stowage caps its own
   * frames at {@link #WRITER_MAX_WINDOW_LOG}, and zstd's levels 1 to 20 stay at or below it.
   */
  public static final int DEFAULT_MAX_WINDOW_LOG = 25;

  /** What Stowage's writer may use at most (levels 21 and 22 would otherwise use 64/128 MiB). */
  public static final int WRITER_MAX_WINDOW_LOG = 25;

  /**
   * The window a backup written at levels 21 and 22 by a Stowage before the cap may need (zstd's
   * own default limit): granted only when the MANIFEST says so, and still bounded.
   */
  public static final int LEGACY_HIGH_LEVEL_WINDOW_LOG = 27;

  private final int maxWindowLog;

  /** Reads frames with windows up to {@link #DEFAULT_MAX_WINDOW_LOG}. */
  public ZstdCodec() {
    this(DEFAULT_MAX_WINDOW_LOG);
  }

  /** Reads frames with windows up to {@code 2^maxWindowLog} bytes; larger ones are refused. */
  public ZstdCodec(int maxWindowLog) {
    this.maxWindowLog = maxWindowLog;
  }

  public int maxWindowLog() {
    return maxWindowLog;
  }

  @Override
  public String engineName() {
    return "zstd";
  }

  @Override
  public Compressor newCompressor(int level) {
    return new ZstdCompressor(level);
  }

  @Override
  public long compressorDirectBytes() {
    // out, and the piece gathered from small writes
    return Buffers.reserved(compressBound(FRAME), Buffers.ALIGNMENT)
        + Buffers.reserved(FRAME, Buffers.ALIGNMENT);
  }

  @Override
  public long decompressorDirectBytes() {
    return Buffers.reserved(IN_BUFFER, Buffers.ALIGNMENT)
        + Buffers.reserved(Buffers.CODEC_BUFFER, Buffers.ALIGNMENT);
  }

  @Override
  public Decompressor newDecompressor() {
    return new ZstdDecompressor(maxWindowLog);
  }

  /**
   * Raw bytes per frame at {@link #FRAMED_MAX_LEVEL} and below: each such piece is compressed in
   * one call into a frame of its own, the object a sequence of frames (FORMAT.md). zstd's streaming
   * mode copies input into a ring of one window plus one block, so most blocks are matched against
   * a window split in two (its "extDict" match finder); a whole piece in one call keeps the window
   * in one piece, the faster finder. Level 1 on the 2 GiB benchmark file: about 400 MB/s a core
   * streaming, 500 in 1 MiB frames, for 0.1% more bytes (its window is 512 KiB, so a frame loses
   * little history). Above that level windows grow, and streaming keeps them.
   */
  static final int FRAME = Buffers.CODEC_BUFFER;

  /** The highest level written in {@link #FRAME}-sized frames. */
  static final int FRAMED_MAX_LEVEL = 1;

  /** No input: what ends a stream; duplicated for each use, as zstd-jni moves its position. */
  private static final ByteBuffer EMPTY = ByteBuffer.allocateDirect(0);

  private static final class ZstdCompressor implements Compressor {
    private final ZstdCompressCtx ctx = new ZstdCompressCtx();
    private final int level;
    private final boolean framed;
    private final ByteBuffer out;
    private WritableByteChannel sink;
    // Framed: the object's raw length (-1 unknown), the raw bytes in its frames so far, and a piece
    // gathered from writes smaller than a frame (made on first need: the backup's reads are
    // frame-sized).
    private long announced;
    private long framedBytes;
    private ByteBuffer gathered;
    private boolean frameWritten;

    ZstdCompressor(int level) {
      this.level = level;
      this.framed = level <= FRAMED_MAX_LEVEL;
      this.out = Buffers.direct(framed ? (int) Zstd.compressBound(FRAME) : Buffers.CODEC_BUFFER);
    }

    @Override
    public void begin(WritableByteChannel out, long rawLength) {
      // reset() also clears the parameters, so they are set again for every object.
      ctx.reset();
      ctx.setLevel(level);
      ctx.setChecksum(true);
      if (level > 20) {
        // Levels 21 and 22 want 64/128 MiB windows; a restore accepts 32 MiB by default.
        ctx.setWindowLog(WRITER_MAX_WINDOW_LOG);
      }
      if (rawLength >= 0 && !framed) {
        ctx.setPledgedSrcSize(
            rawLength); // small objects get small tables; the size goes in the header
      }
      this.out.clear();
      this.sink = out;
      this.announced = rawLength;
      this.framedBytes = 0;
      this.frameWritten = false;
      if (gathered != null) {
        gathered.clear();
      }
    }

    @Override
    public void write(ByteBuffer raw) throws IOException {
      if (framed) {
        writeFrames(raw);
        return;
      }
      while (raw.hasRemaining()) {
        ctx.compressDirectByteBufferStream(out, raw, EndDirective.CONTINUE);
        if (!out.hasRemaining() || raw.hasRemaining()) {
          Buffers.drain(out, sink);
        }
      }
      if (out.position() > out.capacity() / 2) {
        Buffers.drain(out, sink);
      }
    }

    private void writeFrames(ByteBuffer raw) throws IOException {
      while (raw.hasRemaining()) {
        // A whole frame, or the whole rest of an object of known size, goes straight from the
        // caller's buffer; anything shorter is gathered first.
        long rawLeft = announced - framedBytes; // meaningless when announced < 0
        int whole = announced >= 0 && rawLeft > 0 ? (int) Math.min(FRAME, rawLeft) : FRAME;
        if ((gathered == null || gathered.position() == 0) && raw.remaining() >= whole) {
          int end = raw.position() + whole;
          ByteBuffer piece = raw.duplicate().limit(end);
          raw.position(end);
          frame(piece);
          continue;
        }
        if (gathered == null) {
          gathered = Buffers.direct(FRAME);
        }
        int n = Math.min(whole - gathered.position(), raw.remaining());
        gathered.put(raw.duplicate().limit(raw.position() + n));
        raw.position(raw.position() + n);
        if (gathered.position() == whole) {
          gathered.flip();
          frame(gathered);
          gathered.clear();
        }
      }
    }

    /** Compresses all of {@code piece} into one frame and hands it on. */
    private void frame(ByteBuffer piece) throws IOException {
      framedBytes += piece.remaining();
      out.clear();
      ctx.compress(out, piece); // one call: level and checksum from the context
      Buffers.drain(out, sink);
      frameWritten = true;
    }

    @Override
    public void finish() throws IOException {
      if (framed) {
        long taken = framedBytes + (gathered != null ? gathered.position() : 0);
        if (announced >= 0 && taken != announced) {
          // What the streaming mode's pledged size makes zstd refuse.
          throw new IllegalStateException(
              "zstd: the object was announced as "
                  + announced
                  + " raw bytes but "
                  + taken
                  + " were written");
        }
        // What is gathered, or for an empty object one empty frame: a stream is never empty.
        if ((gathered != null && gathered.position() > 0) || !frameWritten) {
          ByteBuffer rest = gathered != null ? gathered.flip() : EMPTY.duplicate();
          frame(rest);
          rest.clear();
        }
        sink = null;
        return;
      }
      ByteBuffer empty = EMPTY.duplicate();
      boolean done;
      do {
        done = ctx.compressDirectByteBufferStream(out, empty, EndDirective.END);
        Buffers.drain(out, sink);
      } while (!done);
      sink = null;
    }

    @Override
    public void close() {
      ctx.close();
    }
  }

  /**
   * The decoder's input is topped up whenever less than this is left: the largest a {@link #FRAME}
   * of raw bytes can be stored as, so a whole frame is in the input whenever the object has one.
   * zstd then decodes the frame in one pass straight into the output (its single-pass path: the
   * frame's content size is in its header and the 1 MiB output buffer, emptied after every frame,
   * has room for it), instead of copying input and output through its own buffers as it does for a
   * frame that arrives in pieces. An S3 body arrives a TLS record at a time: a 2 GiB restore from
   * S3 took about 0.4 CPU-s less (engine/README, "Restore").
   */
  static final int REFILL_BELOW = (int) compressBound(FRAME) + 64;

  /**
   * zstd's ZSTD_COMPRESSBOUND, the most {@code n} bytes can be stored as, worked out here rather
   * than by {@code Zstd.compressBound}: that call loads zstd's native library, and the sizes are
   * needed before it (MemoryBudget, on the command's own thread, while the warm-up thread loads the
   * library). ZstdFramesTest checks it against zstd's.
   */
  static long compressBound(long n) {
    return n + (n >> 8) + (n < (128 << 10) ? ((128 << 10) - n) >> 11 : 0);
  }

  /** Room for two frames more than a refill keeps, so a refill reads at least 2 MiB. */
  static final int IN_BUFFER = 2 * FRAME + REFILL_BELOW;

  private static final class ZstdDecompressor implements Decompressor {
    private final ZstdDecompressCtx ctx = new ZstdDecompressCtx();
    private final int maxWindowLog;

    ZstdDecompressor(int maxWindowLog) {
      this.maxWindowLog = maxWindowLog;
    }

    private final ByteBuffer in = Buffers.direct(IN_BUFFER);
    private final ByteBuffer out = Buffers.direct(Buffers.CODEC_BUFFER);

    @Override
    public void decompress(ReadableByteChannel channel, RawSink sink) throws IOException {
      ctx.reset(); // clears the parameters too, so the limit is set for every object
      ctx.setLongMax(maxWindowLog);
      in.clear().flip();
      out.clear();
      boolean frameDone = true;
      long totalIn = 0;
      boolean eof = false;
      while (true) {
        if (!eof && in.remaining() < REFILL_BELOW) {
          in.compact();
          while (in.hasRemaining()) { // a TLS record or a file's read at a time, until full
            int n = channel.read(in);
            if (n < 0) {
              eof = true;
              break;
            }
            totalIn += n;
          }
          in.flip();
        }
        // Run the context until it neither consumes input nor produces output, or a whole frame
        // may no longer be in the input.
        boolean idle = true;
        while (true) {
          int before = in.position();
          int outBefore = out.position();
          boolean ended;
          try {
            ended = ctx.decompressDirectByteBufferStream(out, in);
          } catch (ZstdException e) {
            if (Math.abs(e.getErrorCode()) == Zstd.errFrameParameterWindowTooLarge()
                || String.valueOf(e.getMessage()).contains("too much memory")) {
              throw new CorruptStreamException(
                  "a zstd frame asks for a window larger than "
                      + ((1L << maxWindowLog) >> 20)
                      + " MiB, more than any backup writer Stowage reads uses (Vitess at most 32"
                      + " MiB); refused so a crafted object cannot make the restore allocate"
                      + " without bound",
                  e);
            }
            throw new CorruptStreamException("not a valid zstd stream: " + e.getMessage(), e);
          }
          if (out.position() == outBefore && in.position() == before) {
            break; // an idle call says nothing about frames (after a frame it asks for the next)
          }
          idle = false;
          frameDone = ended;
          // Only full buffers go out before the end: whole pages, which a restore writes with
          // O_DIRECT without copying them (restore/DirectWriter).
          if (!out.hasRemaining()) {
            out.flip();
            sink.accept(out);
            out.clear();
          }
          if (!eof && in.remaining() < REFILL_BELOW) {
            break;
          }
        }
        if (idle && !eof && in.remaining() >= REFILL_BELOW) {
          // Cannot happen: with a whole frame's worth of input and room for output zstd moves.
          throw new CorruptStreamException(
              "the zstd decoder stopped with " + in.remaining() + " bytes of input left");
        }
        if (eof && idle) {
          if (totalIn == 0) {
            throw new CorruptStreamException("object is empty: not a zstd stream");
          }
          if (!frameDone || in.hasRemaining()) {
            throw new CorruptStreamException(
                "zstd stream ends in the middle of a frame (the object is truncated)");
          }
          if (out.position() > 0) {
            out.flip();
            sink.accept(out);
            out.clear();
          }
          return;
        }
      }
    }

    @Override
    public void close() {
      ctx.close();
    }
  }
}
