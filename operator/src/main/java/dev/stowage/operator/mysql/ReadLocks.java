package dev.stowage.operator.mysql;

import java.time.Duration;

/** Takes global read locks (FLUSH TABLES WITH READ LOCK), each on a connection of its own. */
public interface ReadLocks {

  /**
   * Connects and runs FLUSH TABLES WITH READ LOCK; returns once the lock is held. Whatever happens
   * next, the lock is gone at the latest {@code limit} after this call began: the connection is
   * killed then unless {@link HeldLock#release()} came first.
   *
   * @throws ReadLockException with the server's or the driver's words when the lock was not taken
   *     (nothing is held then)
   */
  HeldLock lock(MysqlEndpoint endpoint, Duration limit) throws ReadLockException;

  /** A global read lock held over one connection. */
  interface HeldLock extends AutoCloseable {

    /**
     * Runs UNLOCK TABLES and closes the connection; returns how long writes were blocked (from the
     * FLUSH statement to now).
     *
     * @throws ReadLockException when the lock was not held until this call: the limit killed it, or
     *     the connection died (then the server had released it earlier, at an unknown time)
     */
    Duration release() throws ReadLockException;

    /** Gives the lock up without asking whether it was held throughout; for every other end. */
    @Override
    void close();
  }
}
