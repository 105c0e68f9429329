package dev.stowage.operator.schedule;

import dev.stowage.api.v1alpha1.MysqlBackup;
import dev.stowage.api.v1alpha1.MysqlBackupSchedule;
import dev.stowage.api.v1alpha1.MysqlBackupScheduleStatus;
import dev.stowage.api.v1alpha1.Phase;
import dev.stowage.api.v1alpha1.Retention;
import dev.stowage.api.v1alpha1.RetentionStatus;
import dev.stowage.operator.cluster.Cluster;
import dev.stowage.operator.metrics.ScheduleMetrics;
import dev.stowage.operator.status.EventRecorder;
import dev.stowage.operator.status.EventRecorder.Type;
import dev.stowage.operator.status.Reason;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One retention pass of a schedule: plans with {@link RetentionPlanner} over the schedule's own
 * finished children in its current storage location, deletes the MysqlBackups it does not keep
 * (their finalizer deletes the data), and says in status what it did or would do.
 */
final class ScheduleRetention {
  /** Retention runs after a child finishes, when the spec changed, and at least this often. */
  static final Duration INTERVAL = Duration.ofHours(1);

  /** A retention deletion whose MysqlBackup is still there after this long is failing. */
  static final Duration STUCK_AFTER = Duration.ofMinutes(10);

  /** The newest deletions status keeps. */
  static final int LAST_DELETED = 10;

  private final Cluster cluster;
  private final EventRecorder events;
  private final ScheduleMetrics metrics;

  ScheduleRetention(Cluster cluster, EventRecorder events, ScheduleMetrics metrics) {
    this.cluster = cluster;
    this.events = events;
    this.metrics = metrics;
  }

  /** What a pass found wrong, or null: the RetentionFailing condition's message. */
  record Outcome(String failing) {}

  /** Whether a pass is due now. */
  static boolean due(
      MysqlBackupScheduleStatus status,
      List<MysqlBackup> children,
      boolean specChanged,
      Instant now) {
    RetentionStatus r = status.getRetention();
    if (r == null || r.getLastRunTime() == null || specChanged) {
      return true;
    }
    Instant last = Instant.parse(r.getLastRunTime());
    if (!now.isBefore(last.plus(INTERVAL))) {
      return true;
    }
    return children.stream()
        .map(b -> b.getStatus() == null ? null : b.getStatus().getCompletionTime())
        .filter(Objects::nonNull)
        .anyMatch(t -> !Instant.parse(t).isBefore(last));
  }

  /**
   * Runs one pass over {@code children} (this schedule's, in {@code location}/{@code directory}).
   */
  Outcome run(
      MysqlBackupSchedule schedule,
      MysqlBackupScheduleStatus status,
      List<MysqlBackup> children,
      String location,
      String directory,
      ZoneId zone,
      Instant now) {
    Retention spec = schedule.getSpec().getRetention();
    String ns = schedule.getMetadata().getNamespace();
    String name = schedule.getMetadata().getName();
    RetentionStatus r =
        status.getRetention() == null ? new RetentionStatus() : status.getRetention();
    status.setRetention(r);
    r.setLastRunTime(now.toString());

    List<String> failing = new ArrayList<>();
    List<RetentionPlanner.Child> candidates = new ArrayList<>();
    for (MysqlBackup b : children) {
      if (b.getMetadata().getDeletionTimestamp() != null) {
        stuck(b, now).ifPresent(failing::add);
        continue;
      }
      if (!sameLocation(b, location, directory)) {
        continue; // written under an earlier template's storage: not this repository's
      }
      candidates.add(
          new RetentionPlanner.Child(
              b.getMetadata().getName(),
              retentionPhase(b),
              ScheduleChildren.finishedOrScheduled(b),
              "true".equals(ScheduleChildren.label(b, ScheduleChildren.KEEP_LABEL))));
    }
    RetentionPlanner.Plan plan = RetentionPlanner.plan(candidates, policy(spec, zone));

    if (Boolean.TRUE.equals(spec.getDryRun())) {
      r.setWouldDelete(plan.delete().stream().map(d -> d.child().name()).toList());
      return new Outcome(failing.isEmpty() ? null : String.join("; ", failing));
    }
    r.setWouldDelete(null);
    List<String> deleted = new ArrayList<>();
    for (RetentionPlanner.Deletion d : plan.delete()) {
      String child = d.child().name();
      try {
        cluster.deleteBackup(ns, child);
      } catch (KubernetesClientException e) {
        failing.add("could not delete MysqlBackup " + child + ": " + e.getMessage());
        events.record(
            schedule,
            Type.Warning,
            Reason.RetentionFailed,
            "could not delete MysqlBackup " + child + ": " + e.getMessage());
        continue;
      }
      deleted.add(child);
      events.record(
          schedule,
          Type.Normal,
          Reason.RetentionDeleted,
          "deleted MysqlBackup " + child + " (" + d.child().phase() + "): " + d.reason());
    }
    if (!deleted.isEmpty()) {
      List<String> last = new ArrayList<>(deleted);
      Collections.reverse(last); // newest first
      if (r.getLastDeleted() != null) {
        last.addAll(r.getLastDeleted());
      }
      r.setLastDeleted(List.copyOf(last.subList(0, Math.min(LAST_DELETED, last.size()))));
      r.setDeletedTotal((r.getDeletedTotal() == null ? 0 : r.getDeletedTotal()) + deleted.size());
      metrics.retentionDeleted(ns, name, deleted.size());
    }
    return new Outcome(failing.isEmpty() ? null : String.join("; ", failing));
  }

  /** A child deleted long ago and still there: its data could not be deleted. */
  private Optional<String> stuck(MysqlBackup b, Instant now) {
    Instant since = Instant.parse(b.getMetadata().getDeletionTimestamp());
    if (now.isBefore(since.plus(STUCK_AFTER))) {
      return Optional.empty();
    }
    String why = b.getStatus() == null ? null : b.getStatus().getMessage();
    return Optional.of(
        "MysqlBackup "
            + b.getMetadata().getName()
            + " was deleted at "
            + since
            + " and is still there"
            + (why == null ? "" : ": " + why));
  }

  private static boolean sameLocation(MysqlBackup b, String location, String directory) {
    if (b.getStatus() == null || b.getStatus().getLocation() == null) {
      return true; // not recorded yet: an active child, which is never deleted
    }
    return b.getStatus().getLocation().equals(location)
        && Objects.equals(b.getStatus().getDirectory(), directory);
  }

  private static RetentionPlanner.Phase retentionPhase(MysqlBackup b) {
    Phase p = b.getStatus() == null ? null : b.getStatus().getPhase();
    if (p == Phase.Succeeded) {
      return RetentionPlanner.Phase.Succeeded;
    }
    if (p == Phase.Failed) {
      return RetentionPlanner.Phase.Failed;
    }
    return RetentionPlanner.Phase.Active;
  }

  static RetentionPlanner.Policy policy(Retention r, ZoneId zone) {
    return new RetentionPlanner.Policy(
        n(r.getKeepLast()),
        n(r.getKeepHourly()),
        n(r.getKeepDaily()),
        n(r.getKeepWeekly()),
        n(r.getKeepMonthly()),
        n(r.getKeepYearly()),
        r.getKeepWithin() == null
            ? null
            : DurationText.parse("spec.retention.keepWithin", r.getKeepWithin()),
        r.getMinSucceeded() == null
            ? RetentionPlanner.Policy.DEFAULT_MIN_SUCCEEDED
            : r.getMinSucceeded(),
        r.getFailedHistoryLimit() == null
            ? RetentionPlanner.Policy.DEFAULT_FAILED_HISTORY_LIMIT
            : r.getFailedHistoryLimit(),
        zone);
  }

  private static int n(Integer i) {
    return i == null ? 0 : i;
  }
}
