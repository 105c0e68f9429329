package dev.stowage.engine.core;

import dev.stowage.engine.error.EngineException;

/** The range of --concurrency, the same for backup, restore and verify. */
public final class Concurrency {
  public static final int MAX = 64;

  private Concurrency() {}

  /** Exit 2 for a worker count outside 1..{@value #MAX}. */
  public static void check(int concurrency) {
    if (concurrency < 1 || concurrency > MAX) {
      throw EngineException.invalid("--concurrency " + concurrency + " is out of range 1.." + MAX);
    }
  }
}
