package dev.stowage.engine.storage;

import java.io.IOException;
import java.nio.channels.WritableByteChannel;

/**
 * A storage object being written. Nothing is visible under the object's name until {@link
 * #commit()} returns; it is durable once {@link BackupStorage#sync} has returned for its backup.
 * {@link #abort()} (or close without commit) discards it.
 */
public interface ObjectWriter extends WritableByteChannel {
  void commit() throws IOException;

  void abort();

  /** Same as {@link #abort()} unless committed. */
  @Override
  void close();
}
