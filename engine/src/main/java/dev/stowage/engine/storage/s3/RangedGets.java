package dev.stowage.engine.storage.s3;

import dev.stowage.engine.error.EngineException;

/**
 * How large objects are downloaded: with {@code enabled}, an object longer than {@code threshold}
 * bytes is read as ranged GETs of {@code rangeSize} bytes, at most {@code inFlight} of them fetched
 * or buffered at once for the whole storage (so memory stays at most {@code inFlight x rangeSize},
 * whatever the object sizes), and handed to the reader in order.
 */
public record RangedGets(boolean enabled, long threshold, int rangeSize, int inFlight) {
  /**
   * Above the 64 MiB default chunk size: chunks are already fetched in parallel, one per worker.
   */
  public static final long DEFAULT_THRESHOLD = 128L << 20;

  public static final int DEFAULT_RANGE_SIZE = 8 << 20;
  public static final int DEFAULT_IN_FLIGHT = 8;
  public static final int MIN_RANGE_SIZE = 1 << 20;
  public static final int MAX_RANGE_SIZE = 256 << 20;
  public static final int MAX_IN_FLIGHT = 64;

  public static final RangedGets DEFAULTS =
      new RangedGets(true, DEFAULT_THRESHOLD, DEFAULT_RANGE_SIZE, DEFAULT_IN_FLIGHT);

  /** One GET per object, as before ranged GETs existed. */
  public static final RangedGets OFF =
      new RangedGets(false, DEFAULT_THRESHOLD, DEFAULT_RANGE_SIZE, DEFAULT_IN_FLIGHT);

  public RangedGets {
    if (rangeSize < MIN_RANGE_SIZE || rangeSize > MAX_RANGE_SIZE) {
      throw EngineException.invalid(
          "--s3-range-size must be between 1Mi and 256Mi (it is held in memory "
              + "--s3-ranges-in-flight times)");
    }
    if (inFlight < 1 || inFlight > MAX_IN_FLIGHT) {
      throw EngineException.invalid("--s3-ranges-in-flight must be between 1 and 64");
    }
    if (threshold < rangeSize) {
      throw EngineException.invalid(
          "--s3-ranged-get-threshold must be at least --s3-range-size (a smaller object is one"
              + " range anyway)");
    }
  }

  /** Whether an object of {@code length} stored bytes is read with ranged GETs. */
  public boolean applies(long length) {
    return enabled && length > threshold;
  }
}
