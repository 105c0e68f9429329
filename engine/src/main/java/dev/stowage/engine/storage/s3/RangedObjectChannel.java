package dev.stowage.engine.storage.s3;

import dev.stowage.engine.core.Retrier;
import dev.stowage.engine.error.EngineException;
import dev.stowage.engine.error.ExitCode;
import dev.stowage.engine.error.ServerText;
import dev.stowage.engine.error.StorageException;
import dev.stowage.engine.error.StorageException.Kind;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ReadableByteChannel;
import java.util.ArrayDeque;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.ResponseTransformer;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * One large object read as parallel ranged GETs and handed on strictly in order, each byte once.
 *
 * <p>Ranges are fetched ahead of the reader into buffers of the storage's {@link RangeBuffers}: the
 * range the reader needs next always waits for a buffer, ranges after it are started only when a
 * buffer is free at once, so memory never grows with the object and two large objects read at once
 * cannot deadlock (each holds buffers only for a window that starts at the range its reader needs).
 * A range is handed on only once all its bytes are in; a failed range is fetched again (its own
 * retries) into the same buffer before the reader sees any of it. Every range GET carries {@code
 * If-Match} with the ETag of the first answer, and the answer's ETag and total length are checked
 * as well (for stores that ignore the condition), so an object replaced mid-read fails instead of
 * mixing two versions. The whole-object CRC-32 and size checks stay with the caller, which reads
 * this channel like any other.
 */
final class RangedObjectChannel implements ReadableByteChannel {
  private static final int PENDING = 0;
  private static final int RUNNING = 1;
  private static final int DONE = 2;
  private static final int CANCELLED = 3;

  private final S3Client client;
  private final S3Options options;
  private final RangeBuffers buffers;
  private final ExecutorService fetchers;
  private final Retrier retrier;
  private final String key;
  private final String etag;
  private final long size;
  private final int rangeSize;
  private final int window;
  private final long ranges;
  private final ArrayDeque<Slot> ahead = new ArrayDeque<>();
  private volatile ResponseInputStream<GetObjectResponse> first;
  private volatile boolean closed;
  private long nextToStart;
  private long nextToRead;
  private Slot current;
  private int pos;

  RangedObjectChannel(
      S3Client client,
      S3Options options,
      RangedGets settings,
      RangeBuffers buffers,
      ExecutorService fetchers,
      Retrier retrier,
      String key,
      ResponseInputStream<GetObjectResponse> first) {
    this.client = client;
    this.options = options;
    this.buffers = buffers;
    this.fetchers = fetchers;
    this.retrier = retrier;
    this.key = key;
    this.first = first;
    this.etag = first.response().eTag();
    this.size = first.response().contentLength();
    this.rangeSize = settings.rangeSize();
    this.window = settings.inFlight();
    this.ranges = (size + rangeSize - 1) / rangeSize;
  }

  long ranges() {
    return ranges;
  }

  @Override
  public int read(ByteBuffer dst) throws IOException {
    if (closed) {
      throw new ClosedChannelException();
    }
    if (!dst.hasRemaining()) {
      return 0;
    }
    while (current == null || pos == current.length) {
      if (current != null) {
        current.release();
        current = null;
      }
      if (nextToRead == ranges) {
        return -1;
      }
      startAhead();
      Slot s = ahead.peek();
      s.await(); // on failure the slot stays in ahead, so close() gives its buffer back
      ahead.poll();
      nextToRead++;
      current = s;
      pos = 0;
    }
    int n = Math.min(dst.remaining(), current.length - pos);
    dst.put(current.buffer, pos, n);
    pos += n;
    return n;
  }

  /** Starts the range needed next (waiting for a buffer) and as many after it as buffers allow. */
  private void startAhead() throws IOException {
    try {
      if (ahead.isEmpty()) {
        start(buffers.take());
      }
      while (ahead.size() < window && nextToStart < ranges) {
        byte[] b = buffers.tryTake();
        if (b == null) {
          break;
        }
        start(b);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while reading " + options.describe(key));
    }
  }

  private void start(byte[] buffer) {
    long index = nextToStart++;
    long offset = index * rangeSize;
    Slot s = new Slot(index, offset, (int) Math.min(rangeSize, size - offset), buffer);
    ahead.add(s);
    s.future = fetchers.submit(s::fetch);
  }

  @Override
  public boolean isOpen() {
    return !closed;
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    abort(first);
    if (current != null) {
      current.release();
      current = null;
    }
    for (Slot s : ahead) {
      s.cancel();
    }
    ahead.clear();
  }

  private static void abort(ResponseInputStream<?> in) {
    if (in != null) {
      in.abort();
    }
  }

  private String describeRange(long offset, int length) {
    return options.describe(key) + " bytes " + offset + "-" + (offset + length - 1);
  }

  /** One range: its buffer, its fetch, and who gives the buffer back (exactly once). */
  private final class Slot {
    final long index;
    final long offset;
    final int length;
    final byte[] buffer;
    final AtomicInteger state = new AtomicInteger(PENDING);
    final AtomicBoolean released = new AtomicBoolean();
    final CountDownLatch done = new CountDownLatch(1);
    volatile Future<?> future;
    volatile ResponseInputStream<GetObjectResponse> stream;
    volatile Throwable error;

    Slot(long index, long offset, int length, byte[] buffer) {
      this.index = index;
      this.offset = offset;
      this.length = length;
      this.buffer = buffer;
    }

    void fetch() {
      if (!state.compareAndSet(PENDING, RUNNING)) {
        return;
      }
      try {
        retrier.run(
            describeRange(offset, length),
            attempt -> {
              fetchOnce(attempt);
              return null;
            });
      } catch (Throwable t) {
        error = t;
      } finally {
        state.set(DONE);
        done.countDown();
        if (closed) {
          release();
        }
      }
    }

    /** Fills the whole buffer or throws; the reader never sees a partly filled range. */
    private void fetchOnce(int attempt) {
      if (closed) {
        throw EngineException.integrity(key, "read of " + options.describe(key) + " was closed");
      }
      String where = describeRange(offset, length);
      ResponseInputStream<GetObjectResponse> in = null;
      try {
        if (index == 0 && attempt == 1 && first != null) {
          in = first; // the first GET's body starts with range 0: no second request for it
          first = null;
        } else {
          in =
              client.getObject(
                  r -> {
                    r.bucket(options.bucket())
                        .key(key)
                        .range("bytes=" + offset + "-" + (offset + length - 1))
                        .ifMatch(etag);
                    // An SSE-C object needs its key on every range, as on the first GET.
                    options.encryption().apply(r);
                  },
                  ResponseTransformer.toInputStream());
          checkAnswer(in.response(), where);
        }
        stream = in;
        if (closed) {
          throw EngineException.integrity(key, "read of " + options.describe(key) + " was closed");
        }
        int off = 0;
        while (off < length) {
          int n = in.read(buffer, off, length - off);
          if (n < 0) {
            throw new StorageException(
                Kind.TRANSIENT,
                key,
                "reading "
                    + where
                    + " failed: the answer ended after "
                    + off
                    + " of "
                    + length
                    + " bytes");
          }
          off += n;
        }
      } catch (S3Exception e) {
        if (e.statusCode() == 412) {
          throw changed(where, "the store refuses If-Match " + etag + " (HTTP 412)");
        }
        throw S3Errors.translate(e, options, where, "download");
      } catch (SdkException e) {
        throw S3Errors.translate(e, options, where, "download");
      } catch (IOException e) {
        throw new StorageException(
            Kind.TRANSIENT,
            key,
            "reading "
                + where
                + " failed: "
                + ServerText.quote(e.getMessage(), ServerText.MAX_MESSAGE),
            e);
      } finally {
        stream = null;
        abort(in); // a range read to its end leaves nothing; an early stop frees the connection
      }
    }

    /** For stores that accept If-Match and ignore it: the answer itself must be the same object. */
    private void checkAnswer(GetObjectResponse r, String where) {
      if (r.eTag() != null && !r.eTag().equals(etag)) {
        throw changed(where, "its ETag is now " + r.eTag() + ", it was " + etag);
      }
      String total = r.contentRange() == null ? null : r.contentRange().replaceAll(".*/", "");
      if (total != null && !total.equals(Long.toString(size))) {
        throw changed(where, "its length is now " + total + ", it was " + size);
      }
      if (r.contentLength() != null && r.contentLength() != length) {
        // A store that ignores Range answers the same way every time: not retried.
        throw new EngineException(
            ExitCode.STORAGE,
            key,
            "reading "
                + where
                + " failed: the store answered with "
                + r.contentLength()
                + " bytes instead of "
                + length
                + " (does it support ranged GETs? --s3-ranged-get=false reads each object in"
                + " one GET)");
      }
    }

    void await() throws IOException {
      try {
        done.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("interrupted while reading " + options.describe(key));
      }
      Throwable t = error;
      if (t instanceof RuntimeException re) {
        throw re;
      }
      if (t instanceof Error err) {
        throw err;
      }
      if (t != null) {
        throw new StorageException(
            Kind.TRANSIENT, key, "reading " + describeRange(offset, length) + " failed: " + t, t);
      }
    }

    /** After close: a fetch not yet started never starts; a running one is cut short. */
    void cancel() {
      if (state.compareAndSet(PENDING, CANCELLED) || state.get() == DONE) {
        release();
        Future<?> f = future;
        if (f != null) {
          f.cancel(false);
        }
        return;
      }
      abort(stream);
      Future<?> f = future;
      if (f != null) {
        f.cancel(true); // wakes a fetch waiting between retries; it gives its buffer back
      }
    }

    void release() {
      if (released.compareAndSet(false, true)) {
        buffers.give(buffer);
      }
    }
  }

  private EngineException changed(String where, String why) {
    return EngineException.integrity(
        key,
        options.describe(key)
            + " changed while it was being read ("
            + where
            + ": "
            + why
            + "): it was overwritten during the restore; no bytes of the new version were"
            + " written. Find out what replaced it, then restore again");
  }
}
