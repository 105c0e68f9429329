package dev.stowage.engine.storage.s3;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The range buffers of one storage: at most {@code count} exist, each {@code size} bytes, shared by
 * every object read with ranged GETs. A permit is a buffer; the semaphore is fair, so two large
 * objects read at once share the budget instead of one starving the other.
 */
final class RangeBuffers {
  private final int size;
  private final Permits permits;
  private final ConcurrentLinkedQueue<byte[]> free = new ConcurrentLinkedQueue<>();
  private final AtomicInteger allocated = new AtomicInteger();
  private final AtomicInteger made = new AtomicInteger();
  private final AtomicInteger inUse = new AtomicInteger();
  private final AtomicInteger maxInUse = new AtomicInteger();

  private volatile int count;

  RangeBuffers(int count, int size) {
    this.size = size;
    this.count = count;
    this.permits = new Permits(count);
  }

  /** A fair semaphore whose permits can be taken away without waiting for them. */
  private static final class Permits extends Semaphore {
    Permits(int count) {
      super(count, true);
    }

    void reduce(int n) {
      reducePermits(n);
    }
  }

  /**
   * Lowers the number of buffers to {@code fewer} (at least 1) without waiting: buffers out now
   * come back as usual and the count only binds new takes; spare buffers beyond it, made before or
   * given back after, are dropped, so the heap keeps at most {@code fewer}.
   */
  synchronized void limit(int fewer) {
    int keep = Math.max(1, fewer);
    if (keep < count) {
      permits.reduce(count - keep);
      count = keep;
    }
    dropSpares();
  }

  /** Drops spare buffers while more exist than the count allows. */
  private void dropSpares() {
    while (allocated.get() > count && free.poll() != null) {
      allocated.decrementAndGet();
    }
  }

  /** How many buffers may exist at once. */
  synchronized int count() {
    return count;
  }

  /** Waits for a buffer (only for the range a reader needs next, which always gets one). */
  byte[] take() throws InterruptedException {
    permits.acquire();
    return buffer();
  }

  /** A buffer for reading ahead if one is free now, else null (honours the fair order). */
  byte[] tryTake() throws InterruptedException {
    return permits.tryAcquire(0, TimeUnit.SECONDS) ? buffer() : null;
  }

  private byte[] buffer() {
    maxInUse.accumulateAndGet(inUse.incrementAndGet(), Math::max);
    byte[] b = free.poll();
    if (b == null) {
      allocated.incrementAndGet();
      made.incrementAndGet();
      b = new byte[size];
    }
    return b;
  }

  void give(byte[] b) {
    free.offer(b);
    inUse.decrementAndGet();
    dropSpares();
    permits.release();
  }

  /** Buffers the heap holds: made and not dropped (tests check the bound). */
  int allocated() {
    return allocated.get();
  }

  /** Buffers ever made, dropped ones included (tests check the bound). */
  int made() {
    return made.get();
  }

  /** The most buffers held at once (tests check the bound). */
  int maxInUse() {
    return maxInUse.get();
  }
}
