package dev.stowage.engine.lock;

import dev.stowage.engine.core.Retrier;
import dev.stowage.engine.error.EngineException;
import dev.stowage.engine.error.StorageException;
import dev.stowage.engine.storage.BackupLocation;
import dev.stowage.engine.storage.BackupStorage;
import dev.stowage.engine.storage.ObjectWriter;
import java.nio.channels.ReadableByteChannel;
import java.util.List;
import java.util.function.Supplier;

/** The lock's view of a storage: each small request retried like an object transfer. */
final class RetryingStorage implements BackupStorage {
  private final BackupStorage inner;
  private final Retrier retrier;

  RetryingStorage(BackupStorage inner, Retrier retrier) {
    this.inner = inner;
    this.retrier = retrier;
  }

  private <T> T retry(String what, Supplier<T> call) {
    try {
      return retrier.run(what, attempt -> call.get());
    } catch (EngineException e) {
      throw e;
    } catch (Exception e) {
      throw new StorageException(StorageException.Kind.OTHER, what, what + ": " + e, e);
    }
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
    return retry(describe(location, null), () -> inner.listObjects(location));
  }

  @Override
  public boolean exists(BackupLocation location, String object) {
    return retry(describe(location, object), () -> inner.exists(location, object));
  }

  @Override
  public long size(BackupLocation location, String object) {
    return retry(describe(location, object), () -> inner.size(location, object));
  }

  @Override
  public ObjectWriter create(BackupLocation location, String object, boolean replace) {
    return inner.create(location, object, replace);
  }

  @Override
  public ReadableByteChannel open(BackupLocation location, String object) {
    return inner.open(location, object);
  }

  @Override
  public boolean createExclusive(BackupLocation location, String object, byte[] content) {
    return retry(
        describe(location, object), () -> inner.createExclusive(location, object, content));
  }

  @Override
  public void replaceSmall(BackupLocation location, String object, byte[] content) {
    retry(
        describe(location, object),
        () -> {
          inner.replaceSmall(location, object, content);
          return null;
        });
  }

  @Override
  public byte[] readSmall(BackupLocation location, String object) {
    return retry(describe(location, object), () -> inner.readSmall(location, object));
  }

  @Override
  public void delete(BackupLocation location, String object) {
    retry(
        describe(location, object),
        () -> {
          inner.delete(location, object);
          return null;
        });
  }

  @Override
  public void sync(BackupLocation location) {
    inner.sync(location);
  }

  @Override
  public void close() {
    // the caller owns the inner storage
  }
}
