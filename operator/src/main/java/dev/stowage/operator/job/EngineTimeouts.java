package dev.stowage.operator.job;

import java.time.Duration;
import java.util.Objects;

/**
 * How long the operator waits for things that may never happen, read once at start-up.
 *
 * @param podStart how long an engine pod may stay unstarted (pending, or no pod at all) before its
 *     backup or restore fails and the database gets its replicas back
 * @param overwriteStart how long a restore with {@code spec.overwrite: true} may wait for its
 *     target to become free before it fails, so that an overwrite never fires days later
 */
public record EngineTimeouts(Duration podStart, Duration overwriteStart) {

  public static final Duration DEFAULT_POD_START = Duration.ofMinutes(2);
  public static final Duration DEFAULT_OVERWRITE_START = Duration.ofMinutes(10);

  /** The defaults: 2 minutes to start a pod, 10 minutes for an overwrite to start. */
  public static final EngineTimeouts DEFAULTS =
      new EngineTimeouts(DEFAULT_POD_START, DEFAULT_OVERWRITE_START);

  public EngineTimeouts {
    Objects.requireNonNull(podStart, "podStart");
    Objects.requireNonNull(overwriteStart, "overwriteStart");
    if (podStart.isNegative() || podStart.isZero()) {
      throw new IllegalArgumentException("the engine pod start deadline must be positive");
    }
    if (overwriteStart.isNegative() || overwriteStart.isZero()) {
      throw new IllegalArgumentException("the overwrite start deadline must be positive");
    }
  }
}
