package dev.stowage.engine.storage;

import dev.stowage.engine.error.StorageException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Wraps a real storage and fails on purpose: transient errors when an object is created or opened,
 * a write cut in the middle, or a download with a flipped byte, each a set number of times.
 */
public class FaultyStorage implements BackupStorage {
  private final BackupStorage inner;
  private final Map<String, AtomicInteger> failCreate = new ConcurrentHashMap<>();
  private final Map<String, AtomicInteger> failMidWrite = new ConcurrentHashMap<>();
  private final Map<String, AtomicInteger> failOpen = new ConcurrentHashMap<>();
  private final Map<String, AtomicInteger> corruptRead = new ConcurrentHashMap<>();
  public final Map<String, AtomicInteger> opens = new ConcurrentHashMap<>();

  public FaultyStorage(BackupStorage inner) {
    this.inner = inner;
  }

  public FaultyStorage failCreate(String object, int times) {
    failCreate.put(object, new AtomicInteger(times));
    return this;
  }

  public FaultyStorage failMidWrite(String object, int times) {
    failMidWrite.put(object, new AtomicInteger(times));
    return this;
  }

  public FaultyStorage failOpen(String object, int times) {
    failOpen.put(object, new AtomicInteger(times));
    return this;
  }

  public FaultyStorage corruptRead(String object, int times) {
    corruptRead.put(object, new AtomicInteger(times));
    return this;
  }

  private static boolean take(Map<String, AtomicInteger> m, String object) {
    AtomicInteger n = m.get(object);
    return n != null && n.getAndDecrement() > 0;
  }

  @Override
  public String describe(BackupLocation location, String object) {
    return inner.describe(location, object);
  }

  @Override
  public List<String> listBackupNames(String directory) {
    return inner.listBackupNames(directory);
  }

  @Override
  public List<String> listObjects(BackupLocation location) {
    return inner.listObjects(location);
  }

  @Override
  public boolean exists(BackupLocation location, String object) {
    return inner.exists(location, object);
  }

  @Override
  public long size(BackupLocation location, String object) {
    return inner.size(location, object);
  }

  @Override
  public ObjectWriter create(BackupLocation location, String object, boolean replace) {
    if (take(failCreate, object)) {
      throw new StorageException(
          StorageException.Kind.TRANSIENT, object, "injected: 503 SlowDown on " + object);
    }
    ObjectWriter w = inner.create(location, object, replace);
    if (!take(failMidWrite, object)) {
      return w;
    }
    return new ObjectWriter() {
      long written;

      @Override
      public int write(ByteBuffer src) throws IOException {
        if (written > 0) {
          throw new IOException("injected: connection reset while writing " + object);
        }
        int n = w.write(src);
        written += n;
        return n;
      }

      @Override
      public boolean isOpen() {
        return w.isOpen();
      }

      @Override
      public void commit() throws IOException {
        throw new IOException("injected: connection reset while writing " + object);
      }

      @Override
      public void abort() {
        w.abort();
      }

      @Override
      public void close() {
        w.close();
      }
    };
  }

  @Override
  public ReadableByteChannel open(BackupLocation location, String object) {
    opens.computeIfAbsent(object, k -> new AtomicInteger()).incrementAndGet();
    if (take(failOpen, object)) {
      throw new StorageException(
          StorageException.Kind.TRANSIENT, object, "injected: 500 on " + object);
    }
    ReadableByteChannel in = inner.open(location, object);
    if (!take(corruptRead, object)) {
      return in;
    }
    return new ReadableByteChannel() {
      long pos;

      @Override
      public int read(ByteBuffer dst) throws IOException {
        int start = dst.position();
        int n = in.read(dst);
        if (n > 0 && pos == 0) {
          int at = start + Math.min(n - 1, 20);
          dst.put(at, (byte) (dst.get(at) ^ 0x40));
        }
        if (n > 0) {
          pos += n;
        }
        return n;
      }

      @Override
      public boolean isOpen() {
        return in.isOpen();
      }

      @Override
      public void close() throws IOException {
        in.close();
      }
    };
  }

  @Override
  public boolean createExclusive(BackupLocation location, String object, byte[] content) {
    return inner.createExclusive(location, object, content);
  }

  @Override
  public void replaceSmall(BackupLocation location, String object, byte[] content) {
    inner.replaceSmall(location, object, content);
  }

  @Override
  public byte[] readSmall(BackupLocation location, String object) {
    return inner.readSmall(location, object);
  }

  @Override
  public java.util.Map<String, Long> objectSizes(BackupLocation location) {
    return inner.objectSizes(location);
  }

  @Override
  public void delete(BackupLocation location, String object) {
    inner.delete(location, object);
  }

  @Override
  public void removeEmptyBackup(BackupLocation location) {
    inner.removeEmptyBackup(location);
  }

  @Override
  public void sync(BackupLocation location) {
    inner.sync(location);
  }

  @Override
  public void close() {
    inner.close();
  }
}
