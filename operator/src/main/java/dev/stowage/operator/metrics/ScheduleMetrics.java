package dev.stowage.operator.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The metrics of MysqlBackupSchedules, labelled {@code namespace} and {@code schedule}: what the
 * shipped alerts (deploy/components/prometheus-rules) and the Grafana dashboard
 * (deploy/components/grafana-dashboard) read. A gauge appears once it has a value, so a schedule
 * that never succeeded has no last-success sample at all. The counters of runs by result and of
 * retention start at 0 with the schedule's first gauges: {@code increase()} then sees the first
 * run, and a healthy schedule's panels show 0 rather than no data.
 */
public final class ScheduleMetrics {

  /** How a slot of a schedule ended. */
  public enum Run {
    succeeded,
    failed,
    missed,
    skipped
  }

  /** The gauges of one schedule, as a plain record the reconciler fills. */
  public record Snapshot(
      Instant created,
      Instant lastSuccess,
      Instant lastFailure,
      Instant nextRun,
      Long overdueAfterSeconds,
      boolean suspended,
      Instant oldestRestorable,
      Long bytesStored) {}

  private final MeterRegistry registry;
  private final Map<String, Map<String, AtomicReference<Double>>> gauges =
      new ConcurrentHashMap<>();
  private final Map<String, List<Meter.Id>> meters = new ConcurrentHashMap<>();
  private final Set<String> countersStarted = ConcurrentHashMap.newKeySet();

  public ScheduleMetrics(MeterRegistry registry) {
    this.registry = registry;
  }

  /** Sets the gauges of one schedule (and starts its counters at 0, the first time). */
  public void update(String namespace, String schedule, Snapshot s) {
    if (countersStarted.add(namespace + "/" + schedule)) {
      for (Run r : Run.values()) {
        runs(namespace, schedule, r, 0);
      }
      retentionDeleted(namespace, schedule, 0);
      retentionErrors(namespace, schedule);
    }
    set(
        namespace,
        schedule,
        "stowage.schedule.created.timestamp",
        "seconds",
        "Unix time the schedule was created",
        seconds(s.created()));
    set(
        namespace,
        schedule,
        "stowage.schedule.last.success.timestamp",
        "seconds",
        "Unix time the newest succeeded backup of the schedule finished",
        seconds(s.lastSuccess()));
    set(
        namespace,
        schedule,
        "stowage.schedule.last.failure.timestamp",
        "seconds",
        "Unix time the newest failed backup of the schedule failed",
        seconds(s.lastFailure()));
    set(
        namespace,
        schedule,
        "stowage.schedule.next.run.timestamp",
        "seconds",
        "Unix time of the schedule's next slot",
        seconds(s.nextRun()));
    set(
        namespace,
        schedule,
        "stowage.schedule.overdue.after",
        "seconds",
        "The schedule's overdueAfter: how old its last success may be",
        toDouble(s.overdueAfterSeconds()));
    set(
        namespace,
        schedule,
        "stowage.schedule.suspended",
        null,
        "1 while the schedule is suspended",
        s.suspended() ? 1.0 : 0.0);
    set(
        namespace,
        schedule,
        "stowage.schedule.oldest.restorable.timestamp",
        "seconds",
        "Unix time the oldest succeeded backup of the schedule was taken",
        seconds(s.oldestRestorable()));
    set(
        namespace,
        schedule,
        "stowage.schedule.bytes.stored",
        null,
        "Bytes stored by the schedule's succeeded backups, after compression",
        toDouble(s.bytesStored()));
  }

  /** Counts slots by how they ended ({@code count} 0 only registers the counter). */
  public void runs(String namespace, String schedule, Run run, long count) {
    if (count >= 0) {
      counter(
              namespace,
              schedule,
              "stowage.schedule.runs",
              "Slots of the schedule, by result",
              Tags.of("result", run.name()))
          .increment(count);
    }
  }

  /**
   * Counts slots that got no backup, by the reason of {@code status.missedRuns.lastMissedReason}
   * (OperatorDown, DeadlineExceeded, ConcurrencyForbid, Suspended, SourceBusy,
   * BackupNameCollision). Every slot counted here is also counted in {@code
   * stowage_schedule_runs_total}: as result "skipped" when the reason is Suspended, else as
   * "missed".
   */
  public void missedRuns(String namespace, String schedule, String reason, long count) {
    if (count > 0) {
      counter(
              namespace,
              schedule,
              "stowage.schedule.missed.runs",
              "Slots of the schedule that got no backup, by reason",
              Tags.of("reason", reason))
          .increment(count);
    }
  }

  /**
   * Records a child that succeeded (when the schedule first sees it as its newest success): how
   * long its engine ran and how many bytes it read and stored, for the dashboard's duration and
   * throughput, as gauges of the newest success and as a summary and counters over all. A null
   * value (an older engine's report) is left out.
   */
  public void backupSucceeded(
      String namespace, String schedule, Double seconds, Long bytesRead, Long bytesStored) {
    Tags tags = Tags.of("namespace", namespace, "schedule", schedule);
    set(
        namespace,
        schedule,
        "stowage.schedule.last.backup.duration",
        "seconds",
        "Seconds the engine of the schedule's newest succeeded backup ran",
        seconds);
    set(
        namespace,
        schedule,
        "stowage.schedule.last.backup.read",
        "bytes",
        "Bytes the schedule's newest succeeded backup read from the source volume",
        bytesRead == null ? null : bytesRead.doubleValue());
    if (seconds != null) {
      DistributionSummary d =
          DistributionSummary.builder("stowage.schedule.backup.duration")
              .description("Seconds the engine of each succeeded backup of the schedule ran")
              .baseUnit("seconds")
              .tags(tags)
              .register(registry);
      remember(namespace, schedule, d.getId());
      d.record(seconds);
    }
    if (bytesRead != null) {
      counter(
              namespace,
              schedule,
              "stowage.schedule.backup.read",
              "Bytes read from the source volume by the schedule's succeeded backups",
              "bytes",
              Tags.empty())
          .increment(bytesRead);
    }
    if (bytesStored != null) {
      counter(
              namespace,
              schedule,
              "stowage.schedule.backup.stored",
              "Bytes stored, after compression, by the schedule's succeeded backups",
              "bytes",
              Tags.empty())
          .increment(bytesStored);
    }
  }

  /** Counts MysqlBackups deleted by retention ({@code count} 0 only registers the counter). */
  public void retentionDeleted(String namespace, String schedule, long count) {
    if (count >= 0) {
      counter(
              namespace,
              schedule,
              "stowage.retention.deleted",
              "MysqlBackups deleted by the schedule's retention",
              Tags.empty())
          .increment(count);
    }
  }

  /** Counts a retention deletion that failed (the API refused it, or the data stayed). */
  public void retentionError(String namespace, String schedule) {
    retentionErrors(namespace, schedule).increment();
  }

  private Counter retentionErrors(String namespace, String schedule) {
    return counter(
        namespace,
        schedule,
        "stowage.retention.errors",
        "Retention deletions that failed",
        Tags.empty());
  }

  /** Removes every meter of a deleted schedule, so its alerts stop. */
  public void forget(String namespace, String schedule) {
    String key = namespace + "/" + schedule;
    gauges.remove(key);
    countersStarted.remove(key);
    List<Meter.Id> ids = meters.remove(key);
    if (ids != null) {
      ids.forEach(registry::remove);
    }
  }

  private Counter counter(
      String namespace, String schedule, String name, String description, Tags extra) {
    return counter(namespace, schedule, name, description, null, extra);
  }

  private Counter counter(
      String namespace, String schedule, String name, String description, String unit, Tags extra) {
    Counter c =
        Counter.builder(name)
            .description(description)
            .baseUnit(unit)
            .tags(Tags.of("namespace", namespace, "schedule", schedule).and(extra))
            .register(registry);
    remember(namespace, schedule, c.getId());
    return c;
  }

  private void set(
      String namespace,
      String schedule,
      String name,
      String unit,
      String description,
      Double value) {
    if (value == null) {
      return; // no sample until there is a value (see the class comment)
    }
    Map<String, AtomicReference<Double>> mine =
        gauges.computeIfAbsent(namespace + "/" + schedule, k -> new ConcurrentHashMap<>());
    mine.computeIfAbsent(
            name,
            n -> {
              AtomicReference<Double> v = new AtomicReference<>(value);
              Gauge g =
                  Gauge.builder(n, v, AtomicReference::get)
                      .description(description)
                      .baseUnit(unit)
                      .tags("namespace", namespace, "schedule", schedule)
                      .register(registry);
              remember(namespace, schedule, g.getId());
              return v;
            })
        .set(value);
  }

  private void remember(String namespace, String schedule, Meter.Id id) {
    List<Meter.Id> ids = meters.computeIfAbsent(namespace + "/" + schedule, k -> new ArrayList<>());
    synchronized (ids) {
      if (!ids.contains(id)) {
        ids.add(id);
      }
    }
  }

  private static Double seconds(Instant t) {
    return t == null ? null : (double) t.getEpochSecond();
  }

  private static Double toDouble(Long n) {
    return n == null ? null : n.doubleValue();
  }
}
