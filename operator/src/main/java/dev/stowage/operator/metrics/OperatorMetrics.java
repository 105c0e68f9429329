package dev.stowage.operator.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The operator's Prometheus metrics: backups and restores by result, their durations and bytes, and
 * the time of the last successful backup of each source claim (for "too old" alerts).
 */
public final class OperatorMetrics {

  /** What a finished backup or restore ended as. */
  public enum Result {
    succeeded,
    failed
  }

  private final MeterRegistry registry;
  private final Map<String, AtomicLong> lastSuccess = new ConcurrentHashMap<>();

  /** Blocked backups: uid -> namespace. */
  private final Map<String, String> blocked = new ConcurrentHashMap<>();

  private final Set<String> blockedGauges = ConcurrentHashMap.newKeySet();

  public OperatorMetrics(MeterRegistry registry) {
    this.registry = registry;
  }

  /** Counts a backup that just finished; a backup is counted once, when it is first seen done. */
  public void backupFinished(
      String namespace, Result result, Double seconds, Long bytesRead, Long bytesStored) {
    Tags tags = Tags.of("namespace", namespace);
    Counter.builder("stowage.backups")
        .description("Backups finished, by result")
        .tags(tags.and("result", result.name()))
        .register(registry)
        .increment();
    if (result == Result.succeeded) {
      record(
          "stowage.backup.duration", "Seconds each successful backup's engine ran", tags, seconds);
      add(
          "stowage.backup.read",
          "Bytes read from source volumes by successful backups",
          tags,
          bytesRead);
      add(
          "stowage.backup.stored",
          "Bytes stored, after compression, by successful backups",
          tags,
          bytesStored);
    }
  }

  /** Counts a restore that just finished. */
  public void restoreFinished(String namespace, Result result, Double seconds, Long bytesWritten) {
    Tags tags = Tags.of("namespace", namespace);
    Counter.builder("stowage.restores")
        .description("Restores finished, by result")
        .tags(tags.and("result", result.name()))
        .register(registry)
        .increment();
    if (result == Result.succeeded) {
      record(
          "stowage.restore.duration",
          "Seconds each successful restore's engine ran",
          tags,
          seconds);
      add(
          "stowage.restore.written",
          "Bytes written to target volumes by successful restores",
          tags,
          bytesWritten);
    }
  }

  /**
   * The completion time of a successful backup of {@code claim}; the gauge keeps the latest, so
   * every successful backup can be reported on every reconcile (and after a restart).
   */
  public void backupSucceededAt(String namespace, String claim, Instant completion) {
    AtomicLong value =
        lastSuccess.computeIfAbsent(
            namespace + "/" + claim,
            key -> {
              AtomicLong v = new AtomicLong();
              Gauge.builder("stowage.backup.last.success.timestamp", v, AtomicLong::doubleValue)
                  .description("Unix time of the last successful backup of a source claim")
                  .baseUnit("seconds")
                  .tags("namespace", namespace, "persistentvolumeclaim", claim)
                  .register(registry);
              return v;
            });
    value.accumulateAndGet(completion.getEpochSecond(), Math::max);
  }

  /**
   * Whether a backup is Pending with Blocked=True (waiting for a claim, a pod, a StatefulSet...);
   * the gauge {@code stowage_backups_blocked{namespace}} counts them, so that an alert can fire on
   * a backup that waits for too long.
   */
  public void backupBlocked(String namespace, String uid, boolean isBlocked) {
    if (blockedGauges.add(namespace)) {
      Gauge.builder(
              "stowage.backups.blocked",
              blocked,
              m -> m.values().stream().filter(namespace::equals).count())
          .description("Backups waiting (Pending, Blocked=True), by namespace")
          .tags("namespace", namespace)
          .register(registry);
    }
    if (isBlocked) {
      blocked.put(uid, namespace);
    } else {
      blocked.remove(uid);
    }
  }

  private void record(String name, String description, Tags tags, Double seconds) {
    if (seconds != null) {
      DistributionSummary.builder(name)
          .description(description)
          .baseUnit("seconds")
          .tags(tags)
          .register(registry)
          .record(seconds);
    }
  }

  private void add(String name, String description, Tags tags, Long bytes) {
    if (bytes != null) {
      Counter.builder(name)
          .description(description)
          .baseUnit("bytes")
          .tags(tags)
          .register(registry)
          .increment(bytes);
    }
  }
}
