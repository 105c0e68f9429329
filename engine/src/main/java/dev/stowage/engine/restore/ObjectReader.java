package dev.stowage.engine.restore;

import dev.stowage.engine.compress.Codec;
import dev.stowage.engine.compress.CorruptStreamException;
import dev.stowage.engine.compress.Decompressor;
import dev.stowage.engine.core.ChecksumChannels;
import dev.stowage.engine.core.MemoryBudget;
import dev.stowage.engine.core.Progress;
import dev.stowage.engine.core.Retrier;
import dev.stowage.engine.core.Retrier.RetryableException;
import dev.stowage.engine.crypto.BackupEncryption;
import dev.stowage.engine.crypto.ObjectAuthenticationException;
import dev.stowage.engine.crypto.ObjectCipher;
import dev.stowage.engine.crypto.ObjectPlace;
import dev.stowage.engine.error.EngineException;
import dev.stowage.engine.error.ServerText;
import dev.stowage.engine.error.StorageException;
import dev.stowage.engine.storage.BackupLocation;
import dev.stowage.engine.storage.BackupStorage;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.util.zip.CRC32C;

/**
 * Downloads one object and proves it: CRC-32 of the stored bytes against Hash (a mismatch is
 * retryable: the transfer may have been cut), then the raw length and the raw-bytes checksum (a
 * mismatch after a good CRC means the MANIFEST is wrong: fatal).
 */
public final class ObjectReader implements AutoCloseable {
  /** What the MANIFEST promises about one object. */
  public record Expected(
      String object, String label, String hash, Long rawSize, String rawCrc32c, ObjectPlace place) {
    public Expected(String object, String label, String hash, Long rawSize, String rawCrc32c) {
      this(object, label, hash, rawSize, rawCrc32c, null);
    }
  }

  /** Receives raw bytes at their position relative to the object's start. */
  public interface PositionalSink {
    void write(ByteBuffer raw, long position) throws IOException;
  }

  private final BackupStorage storage;
  private final BackupLocation location;
  private final Decompressor decompressor;

  /** The reader's own direct buffer, its codec's and cipher's aside (MemoryBudget). */
  static final int DIRECT_BYTES = 1 << 16;

  private final ByteBuffer scratch = ByteBuffer.allocateDirect(DIRECT_BYTES);
  private final CRC32C rawCrc = new CRC32C();

  private final long maxUnsizedBytes;
  private final ObjectCipher cipher; // null for a plain backup

  /**
   * What one reader holds with its decompressor, its cipher (null: a plain backup) and its storage
   * connection, for MemoryBudget.
   */
  public static MemoryBudget.Need memory(
      Codec codec, BackupEncryption encryption, BackupStorage storage) {
    MemoryBudget.Need need =
        MemoryBudget.Need.perWorker(
                codec.decompressorDirectBytes() + DIRECT_BYTES, codec.decompressorHeapBytes())
            .plus(storage.workerBuffers(false));
    return encryption == null ? need : need.plus(encryption.cipherMemory());
  }

  /**
   * The workers that read the plan's objects, each holding {@code need}: as many as asked for that
   * fit ({@link MemoryBudget#workers}), then the storage's shared read buffers fitted into what
   * they leave of the heap for the plan's largest object. Restore and verify both size themselves
   * here.
   */
  public static int workers(
      String operation,
      int requested,
      MemoryBudget.Need need,
      BackupStorage storage,
      RestorePlan plan) {
    MemoryBudget.Limits limits = MemoryBudget.Limits.ofThisJvm();
    int workers = MemoryBudget.workers(operation, requested, need, limits);
    storage.fitSharedReadBuffers(
        MemoryBudget.heapLeft(workers, need, limits), plan.largestObjectBound());
    return workers;
  }

  /** One per worker thread: it owns a reusable decompressor and buffers. */
  public ObjectReader(BackupStorage storage, BackupLocation location, Decompressor decompressor) {
    this(storage, location, decompressor, Long.MAX_VALUE);
  }

  /**
   * {@code maxUnsizedBytes}: how far an object whose MANIFEST entry gives no size may decompress
   * (the restore's stated cap); nothing past it is handed to the sink.
   */
  public ObjectReader(
      BackupStorage storage,
      BackupLocation location,
      Decompressor decompressor,
      long maxUnsizedBytes) {
    this(storage, location, decompressor, maxUnsizedBytes, null);
  }

  /** With {@code cipher} (an encrypted backup) every object is opened and authenticated. */
  public ObjectReader(
      BackupStorage storage,
      BackupLocation location,
      Decompressor decompressor,
      long maxUnsizedBytes,
      ObjectCipher cipher) {
    this.storage = storage;
    this.location = location;
    this.decompressor = decompressor;
    this.maxUnsizedBytes = maxUnsizedBytes;
    this.cipher = cipher;
  }

  /**
   * Reads one object with retries; a retry starts the object over (the sink must accept the same
   * positions again) and takes back the progress the failed attempt reported.
   */
  public Transfer readWithRetries(
      Retrier retrier, Expected e, PositionalSink sink, Progress progress) throws Exception {
    long[] counted = {0};
    return retrier.run(
        e.object() + " (" + e.label() + ")",
        attempt -> {
          progress.add(-counted[0]);
          counted[0] = 0;
          return read(
              e,
              (buf, pos) -> {
                int len = buf.remaining();
                sink.write(buf, pos);
                counted[0] += len;
                progress.add(len);
              });
        });
  }

  @Override
  public void close() {
    decompressor.close();
  }

  /** Bytes of one object: raw (decompressed) and as stored. */
  public record Transfer(long raw, long stored) {}

  /** One attempt. Sink failures propagate as {@link SinkException}. */
  public Transfer read(Expected e, PositionalSink sink) {
    String where = storage.describe(location, e.object()) + " (" + e.label() + ")";
    long[] written = {0};
    long limit = e.rawSize() != null ? e.rawSize() : maxUnsizedBytes;
    rawCrc.reset();
    try (ReadableByteChannel raw = storage.open(location, e.object())) {
      ChecksumChannels.Reading in = new ChecksumChannels.Reading(labelled(raw, e));
      CorruptStreamException corrupt = null;
      ObjectCipher.Opening opened =
          cipher == null
              ? null
              : cipher.opening(in, e.place(), raw instanceof java.nio.channels.FileChannel);
      try {
        decompressor.decompress(
            opened != null ? opened : in,
            buf -> {
              int n = buf.remaining();
              if (written[0] + n > limit) { // checked before a byte past the limit is written
                throw new SizeException();
              }
              rawCrc.update(buf.duplicate());
              try {
                sink.write(buf, written[0]);
              } catch (IOException ioe) {
                throw new SinkException(ioe);
              }
              written[0] += n;
            });
        if (opened != null) {
          opened.finish(); // authenticates the last segment even if the decoder stopped early
        }
      } catch (ObjectAuthenticationException ae) {
        in.drain(scratch);
        if (!in.hash().equals(e.hash())) {
          // Also damaged for the CRC: the download may have been cut, so it is retried.
          throw new RetryableException(
              EngineException.integrity(
                  e.object(),
                  where
                      + " does not authenticate: "
                      + ae.getMessage()
                      + ", and the CRC-32 of its stored bytes is "
                      + in.hash()
                      + " where the MANIFEST says "
                      + e.hash()
                      + " ("
                      + in.bytes()
                      + " bytes read). The object was altered, swapped, truncated or damaged;"
                      + " no byte of a segment that failed was written. Restore another"
                      + " backup"));
        }
        throw EngineException.integrity(
            e.object(),
            where
                + " does not authenticate: "
                + ae.getMessage()
                + ", though its CRC-32 matches the MANIFEST: it is not the object sealed for"
                + " this place (swapped, moved or forged). No byte of a segment that failed was"
                + " written; restore another backup");
      } catch (CorruptStreamException ce) {
        corrupt = ce;
        in.drain(scratch);
      } catch (SizeException se) {
        in.drain(scratch);
        if (in.hash().equals(e.hash()) && e.rawSize() == null) {
          throw EngineException.integrity(
              e.object(),
              where
                  + " decompresses to more than "
                  + limit
                  + " bytes, the cap for a file whose MANIFEST entry gives no size"
                  + " (--max-unsized-file-size; by default the free space left for it), though"
                  + " it matches its Hash: nothing past the cap was written. If the backup is"
                  + " genuine, give a larger --max-unsized-file-size or a larger volume;"
                  + " otherwise restore another backup");
        }
        if (in.hash().equals(e.hash())) {
          throw EngineException.integrity(
              e.object(),
              where
                  + " decompresses to more than the "
                  + e.rawSize()
                  + " bytes the MANIFEST gives, though it matches its Hash: the MANIFEST"
                  + " is wrong; restore another backup");
        }
        corrupt = new CorruptStreamException("object is longer than expected");
      }
      if (!in.hash().equals(e.hash())) {
        throw new RetryableException(
            EngineException.integrity(
                e.object(),
                "checksum mismatch in "
                    + where
                    + ": CRC-32 of the stored bytes is "
                    + in.hash()
                    + ", the MANIFEST says "
                    + e.hash()
                    + " ("
                    + in.bytes()
                    + " bytes read). The object is damaged; restore another"
                    + " backup"));
      }
      if (corrupt != null) {
        throw EngineException.integrity(
            e.object(),
            where
                + " matches its Hash but cannot be"
                + " decompressed ("
                + corrupt.getMessage()
                + "): the backup was written damaged");
      }
      if (e.rawSize() != null && written[0] != e.rawSize()) {
        throw EngineException.integrity(
            e.object(),
            where
                + " decompresses to "
                + written[0]
                + " bytes, the MANIFEST says "
                + e.rawSize()
                + ": the MANIFEST is wrong; restore"
                + " another backup");
      }
      if (e.rawCrc32c() != null) {
        String got = ChecksumChannels.hex(rawCrc.getValue());
        if (!got.equalsIgnoreCase(e.rawCrc32c())) {
          throw EngineException.integrity(
              e.object(),
              where
                  + " decompresses to bytes whose CRC-32C"
                  + " is "
                  + got
                  + ", the MANIFEST says "
                  + e.rawCrc32c()
                  + ": the data is not what was"
                  + " backed up; restore another backup");
        }
      }
      return new Transfer(written[0], in.bytes());
    } catch (SinkException se) {
      throw se;
    } catch (IOException ioe) {
      throw new StorageException(
          StorageException.Kind.TRANSIENT,
          e.object(),
          "reading "
              + where
              + " failed: "
              + ServerText.quote(ioe.getMessage(), ServerText.MAX_MESSAGE),
          ioe);
    }
  }

  /**
   * Storage errors in the middle of a download (a ranged GET that failed, an object replaced
   * mid-read) name the S3 object; this adds which file or chunk of the backup it holds.
   */
  private static ReadableByteChannel labelled(ReadableByteChannel raw, Expected e) {
    return new ReadableByteChannel() {
      @Override
      public int read(ByteBuffer dst) throws IOException {
        try {
          return raw.read(dst);
        } catch (StorageException x) {
          throw new StorageException(
              x.kind(), e.object(), x.getMessage() + " (" + e.label() + ")", x);
        } catch (RetryableException x) {
          throw x;
        } catch (EngineException x) {
          throw new EngineException(
              x.exitCode(), e.object(), x.getMessage() + " (" + e.label() + ")", x);
        }
      }

      @Override
      public boolean isOpen() {
        return raw.isOpen();
      }

      @Override
      public void close() throws IOException {
        raw.close();
      }
    };
  }

  /** Writing the raw bytes failed: a target problem, never retried as a download problem. */
  public static final class SinkException extends RuntimeException {
    SinkException(IOException cause) {
      super(cause);
    }

    public IOException io() {
      return (IOException) getCause();
    }
  }

  private static final class SizeException extends RuntimeException {
    SizeException() {
      super(null, null, false, false);
    }
  }
}
