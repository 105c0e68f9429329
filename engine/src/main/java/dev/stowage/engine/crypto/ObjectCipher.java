package dev.stowage.engine.crypto;

import dev.stowage.engine.compress.Buffers;
import dev.stowage.engine.core.MemoryBudget;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.security.GeneralSecurityException;
import java.security.Provider;
import java.security.SecureRandom;
import java.util.Arrays;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;

/**
 * Seals and opens stored objects with AES-256-GCM, one worker's cipher and buffers (not
 * thread-safe). An object is a header (magic {@code STWE}, version 1, a random 96-bit nonce)
 * followed by segments of {@code segmentSize} plaintext bytes (the last one shorter, never empty
 * unless the object is), each sealed separately with its own 128-bit tag, so neither side holds an
 * object whole and no byte of a segment is handed on before its tag is verified. Segment {@code i}
 * uses the object nonce with its last 4 bytes XOR {@code i}, and its associated data is the
 * object's place, the header, {@code i} and whether it is the last segment: segments cannot be
 * reordered, dropped, or cut off at a segment boundary unnoticed.
 */
public final class ObjectCipher {
  static final byte[] MAGIC = {'S', 'T', 'W', 'E'};
  static final byte VERSION = 1;
  static final int NONCE_BYTES = 12;
  public static final int HEADER_BYTES = MAGIC.length + 1 + NONCE_BYTES;
  public static final int TAG_BYTES = 16;
  private static final SecureRandom RANDOM = new SecureRandom();

  /**
   * Sealed bytes moved to and from storage at a time: many segments per read or write, so the
   * segments (64 KiB by default, 4 KiB at least) do not become as many system calls and channel
   * hops. A MiB, as a plain object is read (the decompressor's input buffer).
   */
  static final int IO_BATCH = 1 << 20;

  private final SecretKey key;
  private final int segmentSize;
  private final Cipher cipher;
  private final byte[] plain;
  private final byte[] sealed;
  // Where a file's reads land before `sealed` (Opening's stagedReads): a page-aligned direct
  // buffer of the worker's own. A FileChannel read into a heap array goes through a temporary
  // direct buffer of the JDK's, and the kernel's copy into that one cost an encrypted 2 GiB restore
  // twice the CPU of the same copy into an aligned buffer (async-profiler: 279 against 149 ms). An
  // S3 body copies from its own arrays, so it reads straight into `sealed`. Made at the first
  // staged read.
  private ByteBuffer staging;

  ObjectCipher(SecretKey key, int segmentSize) {
    this(key, segmentSize, null);
  }

  /** With the cipher of one {@code provider} (null: the first that has it); for tests. */
  ObjectCipher(SecretKey key, int segmentSize, Provider provider) {
    this.key = key;
    this.segmentSize = segmentSize;
    try {
      this.cipher =
          provider == null
              ? Cipher.getInstance("AES/GCM/NoPadding")
              : Cipher.getInstance("AES/GCM/NoPadding", provider);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("the JDK lacks AES/GCM/NoPadding", e);
    }
    this.plain = new byte[segmentSize];
    this.sealed = new byte[sealedBuffer(segmentSize)];
  }

  /**
   * Room for the header, whole segments, and one byte more that tells whether a segment follows.
   */
  private static int sealedBuffer(int segmentSize) {
    int segments = Math.max(1, IO_BATCH / segmentSize);
    return HEADER_BYTES + segments * (segmentSize + TAG_BYTES) + 1;
  }

  /**
   * What one cipher holds: its staging buffer for file reads (direct), and a segment of plaintext
   * and a batch of sealed bytes (heap).
   */
  static MemoryBudget.Need memory(int segmentSize) {
    return MemoryBudget.Need.perWorker(
        Buffers.reserved(IO_BATCH, Buffers.ALIGNMENT),
        (long) segmentSize + sealedBuffer(segmentSize));
  }

  /** Stored size of an object of {@code n} compressed bytes. */
  public static long sealedSize(long n, int segmentSize) {
    long segments = Math.max(1, (n + segmentSize - 1) / segmentSize);
    return HEADER_BYTES + n + segments * TAG_BYTES;
  }

  /** Starts sealing one object into {@code out}; call {@link Sealing#finish()} at its end. */
  public Sealing sealing(WritableByteChannel out, ObjectPlace place) {
    byte[] header = new byte[HEADER_BYTES];
    System.arraycopy(MAGIC, 0, header, 0, MAGIC.length);
    header[MAGIC.length] = VERSION;
    byte[] nonce = new byte[NONCE_BYTES];
    RANDOM.nextBytes(nonce);
    System.arraycopy(nonce, 0, header, MAGIC.length + 1, NONCE_BYTES);
    return new Sealing(out, place.associatedData(), header, nonce);
  }

  /**
   * Reads one sealed object from {@code in}, handing on only authenticated plaintext; {@code
   * stagedReads} when {@code in} ends in a FileChannel, whose reads into a direct buffer cost less
   * than into an array.
   */
  public Opening opening(ReadableByteChannel in, ObjectPlace place, boolean stagedReads) {
    return new Opening(in, place.associatedData(), stagedReads);
  }

  /**
   * One object's associated data for every segment: its place, its header, and 9 bytes that {@link
   * #init} fills per segment (the index and whether it is the last). GCM reads associated data as
   * one byte string, so one {@code updateAAD} of the three is the same as one call for each, as
   * objects were first sealed, and costs one call into the provider instead of three.
   */
  private static byte[] objectAad(byte[] place, byte[] header) {
    byte[] aad = new byte[place.length + header.length + 9];
    System.arraycopy(place, 0, aad, 0, place.length);
    System.arraycopy(header, 0, aad, place.length, header.length);
    return aad;
  }

  private void init(int mode, byte[] nonce, long segment, byte[] aad, boolean last)
      throws GeneralSecurityException {
    if (segment > 0xffffffffL) {
      throw new GeneralSecurityException("object has more than 2^32 segments");
    }
    byte[] iv = nonce.clone();
    int s = (int) segment;
    iv[8] ^= (byte) (s >>> 24);
    iv[9] ^= (byte) (s >>> 16);
    iv[10] ^= (byte) (s >>> 8);
    iv[11] ^= (byte) s;
    cipher.init(mode, key, new GCMParameterSpec(TAG_BYTES * 8, iv));
    int tail = aad.length - 9;
    for (int i = 0; i < 8; i++) {
      aad[tail + i] = (byte) (segment >>> (56 - 8 * i));
    }
    aad[tail + 8] = (byte) (last ? 1 : 0);
    cipher.updateAAD(aad);
  }

  /** A channel the compressor writes into; sealed segments go to the storage channel. */
  public final class Sealing implements WritableByteChannel {
    private final WritableByteChannel out;
    private final byte[] aad;
    private final byte[] header;
    private final byte[] nonce;
    private int filled;
    private long segment;
    private boolean headerWritten;
    private int outFill; // sealed bytes not yet written to `out`

    private Sealing(WritableByteChannel out, byte[] place, byte[] header, byte[] nonce) {
      this.out = out;
      this.aad = objectAad(place, header);
      this.header = header;
      this.nonce = nonce;
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
      int n = src.remaining();
      while (src.hasRemaining()) {
        if (filled == segmentSize) {
          flush(false); // more follows, so this full segment is not the last
        }
        int k = Math.min(segmentSize - filled, src.remaining());
        src.get(plain, filled, k);
        filled += k;
      }
      return n;
    }

    /** Seals what is buffered as the last segment. */
    public void finish() throws IOException {
      flush(true);
    }

    private void flush(boolean last) throws IOException {
      if (!headerWritten) {
        System.arraycopy(header, 0, sealed, 0, HEADER_BYTES);
        outFill = HEADER_BYTES;
        headerWritten = true;
      }
      if (sealed.length - outFill < filled + TAG_BYTES) {
        writeOut();
      }
      try {
        init(Cipher.ENCRYPT_MODE, nonce, segment, aad, last);
        outFill += cipher.doFinal(plain, 0, filled, sealed, outFill);
      } catch (GeneralSecurityException e) {
        throw new IOException("cannot seal segment " + segment + ": " + e.getMessage(), e);
      }
      segment++;
      filled = 0;
      if (last) {
        writeOut();
      }
    }

    private void writeOut() throws IOException {
      ByteBuffer b = ByteBuffer.wrap(sealed, 0, outFill);
      while (b.hasRemaining()) {
        out.write(b);
      }
      outFill = 0;
    }

    @Override
    public boolean isOpen() {
      return true;
    }

    @Override
    public void close() {}
  }

  /** A channel of authenticated plaintext over a sealed object. */
  public final class Opening implements ReadableByteChannel {
    private final ReadableByteChannel in;
    private final byte[] place;
    private final boolean stagedReads;
    private byte[] aad; // objectAad, once the header is read
    private final byte[] header = new byte[HEADER_BYTES];
    private byte[] nonce;
    private int inPos; // next unread byte of `sealed`
    private int inLim; // end of the bytes read into `sealed`
    private boolean eof;
    private int plainPos;
    private int plainLen;
    private long segment;
    private long storedOffset = HEADER_BYTES;
    private boolean done;
    private IOException failed;

    private Opening(ReadableByteChannel in, byte[] place, boolean stagedReads) {
      this.in = in;
      this.place = place;
      this.stagedReads = stagedReads;
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
      if (failed != null) {
        throw failed;
      }
      int n = 0;
      while (dst.hasRemaining()) {
        if (plainPos == plainLen) {
          if (done) {
            break;
          }
          try {
            nextSegment();
          } catch (IOException e) {
            if (n == 0) {
              throw e;
            }
            failed = e; // hand on what did authenticate first; the failure comes next read
            break;
          }
          continue;
        }
        int k = Math.min(dst.remaining(), plainLen - plainPos);
        dst.put(plain, plainPos, k);
        plainPos += k;
        n += k;
      }
      return n == 0 && done && dst.hasRemaining() ? -1 : n;
    }

    /** Reads from {@code in} until {@code sealed} is full or the object ends. */
    private void fill() throws IOException {
      if (inPos > 0) {
        System.arraycopy(sealed, inPos, sealed, 0, inLim - inPos);
        inLim -= inPos;
        inPos = 0;
      }
      if (!stagedReads) {
        ByteBuffer b = ByteBuffer.wrap(sealed, inLim, sealed.length - inLim);
        while (b.hasRemaining() && !eof) {
          if (in.read(b) < 0) {
            eof = true;
          }
        }
        inLim = b.position();
        return;
      }
      if (staging == null) {
        staging = Buffers.direct(IO_BATCH);
      }
      while (inLim < sealed.length && !eof) {
        staging.clear().limit(Math.min(staging.capacity(), sealed.length - inLim));
        int r = in.read(staging);
        if (r < 0) {
          eof = true;
        } else {
          staging.flip().get(sealed, inLim, r);
          inLim += r;
        }
      }
    }

    private void nextSegment() throws IOException {
      if (nonce == null) {
        readHeader();
      }
      int whole = segmentSize + TAG_BYTES;
      if (inLim - inPos <= whole && !eof) {
        fill(); // one byte past a whole segment tells whether another follows
      }
      int available = inLim - inPos;
      boolean last = available <= whole; // fill() stops short of that only at the end
      int len = last ? available : whole;
      if (len < TAG_BYTES) {
        throw new ObjectAuthenticationException(
            "object ends inside the tag of segment "
                + segment
                + " (stored offset "
                + storedOffset
                + "): it is truncated");
      }
      try {
        init(Cipher.DECRYPT_MODE, nonce, segment, aad, last);
        plainLen = cipher.doFinal(sealed, inPos, len, plain, 0);
      } catch (AEADBadTagException e) {
        throw new ObjectAuthenticationException(
            "segment "
                + segment
                + " (stored bytes "
                + storedOffset
                + ".."
                + (storedOffset + len)
                + (last ? ", the last" : "")
                + ") does not authenticate (AES-256-GCM tag)");
      } catch (GeneralSecurityException e) {
        throw new ObjectAuthenticationException(
            "segment " + segment + " cannot be opened: " + e.getMessage());
      }
      plainPos = 0;
      inPos += len;
      storedOffset += len;
      segment++;
      done = last;
    }

    /**
     * Reads to the end of the object, so its last segment is authenticated whatever the decoder
     * read; plaintext left after the compressed stream is an error.
     */
    public void finish() throws IOException {
      if (failed != null) {
        throw failed;
      }
      long extra = plainLen - plainPos;
      plainPos = plainLen;
      while (!done) {
        nextSegment();
        extra += plainLen;
        plainPos = plainLen;
      }
      if (extra > 0) {
        throw new dev.stowage.engine.compress.CorruptStreamException(
            extra + " bytes follow the end of the compressed stream");
      }
    }

    private void readHeader() throws IOException {
      fill();
      if (inLim < HEADER_BYTES) {
        throw new ObjectAuthenticationException(
            "object is "
                + inLim
                + " bytes long, shorter than the "
                + HEADER_BYTES
                + "-byte header of an encrypted object: it is truncated or not encrypted");
      }
      System.arraycopy(sealed, 0, header, 0, HEADER_BYTES);
      inPos = HEADER_BYTES;
      if (!Arrays.equals(Arrays.copyOf(header, MAGIC.length), MAGIC)
          || header[MAGIC.length] != VERSION) {
        throw new ObjectAuthenticationException(
            "object does not start with the header of a Stowage encrypted object (STWE, version"
                + " 1): it was replaced by an unencrypted or foreign object");
      }
      nonce = Arrays.copyOfRange(header, MAGIC.length + 1, HEADER_BYTES);
      aad = objectAad(place, header);
    }

    @Override
    public boolean isOpen() {
      return true;
    }

    @Override
    public void close() {}
  }
}
