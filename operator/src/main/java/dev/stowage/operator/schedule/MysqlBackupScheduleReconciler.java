package dev.stowage.operator.schedule;

import static dev.stowage.api.v1alpha1.ConditionStatus.False;
import static dev.stowage.api.v1alpha1.ConditionStatus.True;

import dev.stowage.api.v1alpha1.DeletionPolicy;
import dev.stowage.api.v1alpha1.MissedRuns;
import dev.stowage.api.v1alpha1.MysqlBackup;
import dev.stowage.api.v1alpha1.MysqlBackupSchedule;
import dev.stowage.api.v1alpha1.MysqlBackupScheduleStatus;
import dev.stowage.api.v1alpha1.Phase;
import dev.stowage.api.v1alpha1.RecoveryWindow;
import dev.stowage.operator.cluster.ClaimLocks;
import dev.stowage.operator.cluster.Cluster;
import dev.stowage.operator.job.BackupLocations;
import dev.stowage.operator.job.EngineStorage;
import dev.stowage.operator.job.PodAllowlist;
import dev.stowage.operator.job.Stores;
import dev.stowage.operator.metrics.ScheduleMetrics;
import dev.stowage.operator.schedule.SlotPlanner.MissedReason;
import dev.stowage.operator.status.ApiErrors;
import dev.stowage.operator.status.Conditions;
import dev.stowage.operator.status.EventRecorder;
import dev.stowage.operator.status.EventRecorder.Type;
import dev.stowage.operator.status.Reason;
import dev.stowage.operator.status.StatusSession;
import dev.stowage.operator.status.StatusWriter;
import dev.stowage.operator.validation.InvalidSpecException;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Cleaner;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.DeleteControl;
import io.javaoperatorsdk.operator.api.reconciler.ErrorStatusUpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import io.javaoperatorsdk.operator.processing.retry.GradualRetry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reconciles a MysqlBackupSchedule: creates one MysqlBackup per due slot (or trigger), records the
 * slots it missed and why, prunes its backups by the retention rules, and says in status and
 * metrics whether the schedule is healthy.
 *
 * <p>Each reconcile observes the schedule's children, validates the spec, then acts: plan the slot
 * (from {@code status.lastScheduleTime}, the only memory, and the injected clock), create or adopt
 * the child, run retention, and project the conditions. The requeue at the next slot is only a
 * hint: due-ness is recomputed from status every time.
 */
@GradualRetry(
    maxAttempts = 10,
    initialInterval = 2000,
    intervalMultiplier = 1.5,
    maxInterval = 60000)
@ControllerConfiguration(name = MysqlBackupScheduleReconciler.NAME)
public final class MysqlBackupScheduleReconciler
    implements Reconciler<MysqlBackupSchedule>, Cleaner<MysqlBackupSchedule> {

  public static final String NAME = "mysqlbackupschedule";

  private static final Logger log = LoggerFactory.getLogger(MysqlBackupScheduleReconciler.class);

  /** Condition types of a schedule (kstatus: Ready, Reconciling, Stalled). */
  public static final String READY = Conditions.READY;

  public static final String RECONCILING = "Reconciling";
  public static final String STALLED = "Stalled";
  public static final String SUSPENDED = "Suspended";
  public static final String LAST_BACKUP_SUCCEEDED = "LastBackupSucceeded";
  public static final String OVERDUE = "Overdue";
  public static final String RETENTION_FAILING = "RetentionFailing";

  /** How soon a schedule whose retries ran out looks again. */
  static final Duration ERROR_POLL = Duration.ofMinutes(1);

  /** A schedule looks at itself at least this often, whatever its cadence. */
  static final Duration MAX_REQUEUE = Duration.ofHours(1);

  private final Cluster cluster;
  private final StatusWriter statusWriter;
  private final EventRecorder events;
  private final ScheduleMetrics metrics;
  private final Conditions conditions;
  private final Clock clock;
  private final ScheduleRetention retention;
  private final Stores stores;
  private final boolean inlineS3;
  private final PodAllowlist podAllowlist;

  /** Allows no node selector and no toleration in the template's pod. */
  public MysqlBackupScheduleReconciler(
      Cluster cluster,
      StatusWriter statusWriter,
      EventRecorder events,
      ScheduleMetrics metrics,
      Conditions conditions,
      Clock clock) {
    this(cluster, statusWriter, events, metrics, conditions, clock, PodAllowlist.NONE);
  }

  /**
   * @param podAllowlist the operator's: a template whose pod asks for more stalls the schedule
   *     instead of creating MysqlBackups that would each fail
   */
  public MysqlBackupScheduleReconciler(
      Cluster cluster,
      StatusWriter statusWriter,
      EventRecorder events,
      ScheduleMetrics metrics,
      Conditions conditions,
      Clock clock,
      PodAllowlist podAllowlist) {
    this(
        cluster, statusWriter, events, metrics, conditions, clock, podAllowlist, Stores.NONE, true);
  }

  /**
   * @param stores resolves the template's storeRef: a store that is missing or does not allow the
   *     namespace stalls the schedule rather than failing one MysqlBackup per slot
   * @param inlineS3 whether the operator allows storage.s3 in resources
   */
  public MysqlBackupScheduleReconciler(
      Cluster cluster,
      StatusWriter statusWriter,
      EventRecorder events,
      ScheduleMetrics metrics,
      Conditions conditions,
      Clock clock,
      PodAllowlist podAllowlist,
      Stores stores,
      boolean inlineS3) {
    this.stores = stores;
    this.inlineS3 = inlineS3;
    this.podAllowlist = podAllowlist;
    this.cluster = cluster;
    this.statusWriter = statusWriter;
    this.events = events;
    this.metrics = metrics;
    this.conditions = conditions;
    this.clock = clock;
    this.retention = new ScheduleRetention(cluster, events, metrics);
  }

  /** The schedule's MysqlBackups, mapped to it through their controller owner reference. */
  @Override
  public List<EventSource<?, MysqlBackupSchedule>> prepareEventSources(
      EventSourceContext<MysqlBackupSchedule> context) {
    var config =
        InformerEventSourceConfiguration.from(MysqlBackup.class, MysqlBackupSchedule.class)
            .withLabelSelector(ScheduleChildren.SCHEDULE_LABEL)
            .withInformerListLimit(dev.stowage.operator.cluster.ClusterCaches.LIST_PAGE)
            // Only the changes a schedule reads (issue 14): not every status write of a child.
            .withOnUpdateFilter(ScheduleChildren::changeSeenBySchedule)
            .build();
    InformerEventSource<MysqlBackup, MysqlBackupSchedule> source =
        new InformerEventSource<>(config, context);
    this.childEvents = source;
    return List.of(source);
  }

  /**
   * The children's event source once registered: a child this reconciler creates is put into its
   * cache, so that the watch event of our own create does not reconcile the schedule again.
   */
  private volatile InformerEventSource<MysqlBackup, MysqlBackupSchedule> childEvents;

  @Override
  public UpdateControl<MysqlBackupSchedule> reconcile(
      MysqlBackupSchedule schedule, Context<MysqlBackupSchedule> context) {
    Pass pass = new Pass(schedule, context);
    Duration again;
    try {
      pass.observe();
      pass.validate();
      again = pass.act();
    } catch (InvalidScheduleException e) {
      again = pass.stall(e);
    }
    pass.save();
    UpdateControl<MysqlBackupSchedule> control = UpdateControl.noUpdate();
    return again == null ? control : control.rescheduleAfter(again);
  }

  /**
   * Deleting the schedule: with {@code Retain} its backups lose their owner reference and stay,
   * data and all; with {@code Delete} they are deleted, each by its own deletionPolicy.
   */
  @Override
  public DeleteControl cleanup(MysqlBackupSchedule schedule, Context<MysqlBackupSchedule> context) {
    String ns = schedule.getMetadata().getNamespace();
    List<MysqlBackup> children = children(schedule);
    boolean delete = schedule.getSpec().getDeletionPolicy() == DeletionPolicy.Delete;
    for (MysqlBackup b : children) {
      if (delete) {
        cluster.deleteBackup(ns, b.getMetadata().getName());
      } else {
        cluster.disownBackup(ns, b.getMetadata().getName(), schedule.getMetadata().getUid());
      }
    }
    if (!children.isEmpty()) {
      events.record(
          schedule,
          Type.Normal,
          delete ? Reason.Deleting : Reason.BackupsRetained,
          (delete ? "deleted " : "left in place, no longer owned by the schedule: ")
              + children.size()
              + " MysqlBackups ("
              + String.join(", ", children.stream().map(b -> b.getMetadata().getName()).toList())
              + ")");
    }
    metrics.forget(ns, schedule.getMetadata().getName());
    return DeleteControl.defaultDelete();
  }

  /**
   * An error JOSDK retries: said in status.message meanwhile; after the last attempt the schedule
   * looks again in a minute, since a schedule must never stop for good.
   */
  @Override
  public ErrorStatusUpdateControl<MysqlBackupSchedule> updateErrorStatus(
      MysqlBackupSchedule schedule, Context<MysqlBackupSchedule> context, Exception e) {
    return ApiErrors.updateErrorStatus(
        context, e, () -> Optional.of(new Pass(schedule, context)), log, "look again in a minute");
  }

  /** This schedule's MysqlBackups: labelled with its name and annotated with its UID. */
  List<MysqlBackup> children(MysqlBackupSchedule schedule) {
    return cluster
        .backupsLabelled(
            schedule.getMetadata().getNamespace(),
            ScheduleChildren.SCHEDULE_LABEL,
            schedule.getMetadata().getName())
        .stream()
        .filter(b -> ScheduleChildren.ownedBy(b, schedule))
        .toList();
  }

  /** One reconcile of one schedule. */
  private final class Pass implements ApiErrors.FreshRun {
    final MysqlBackupSchedule schedule;
    final StatusSession<MysqlBackupScheduleStatus, MysqlBackupSchedule> session;
    final MysqlBackupScheduleStatus status;
    final String ns;
    final String name;
    final Long generation;
    final Instant now;
    List<MysqlBackup> children = List.of();
    CronSchedule cron;
    Duration deadline;
    Duration overdueAfter;
    boolean suspended;

    Pass(MysqlBackupSchedule schedule, Context<MysqlBackupSchedule> context) {
      this.schedule = schedule;
      this.session =
          new StatusSession<>(
              schedule,
              context,
              statusWriter,
              MysqlBackupScheduleStatus.class,
              MysqlBackupScheduleStatus::new);
      this.status = session.status();
      this.ns = schedule.getMetadata().getNamespace();
      this.name = schedule.getMetadata().getName();
      this.generation = schedule.getMetadata().getGeneration();
      this.now = clock.instant();
    }

    /** Reads the children and what they say about the schedule's history. */
    void observe() {
      children = new ArrayList<>(children(schedule));
      status.setActive(activeNames());
      recordOutcomes();
      recordRecoveryWindow();
    }

    /** Parses what the API server cannot check: the cron expression, the zone, the durations. */
    void validate() {
      var spec = schedule.getSpec();
      if (spec.getBackupTemplate() == null || spec.getBackupTemplate().getSpec() == null) {
        throw new InvalidScheduleException("spec.backupTemplate.spec", "is required");
      }
      // Stalls here rather than creating a MysqlBackup per slot that fails the same way.
      var pod =
          podAllowlist.problem(
              "spec.backupTemplate.spec.pod", spec.getBackupTemplate().getSpec().getPod());
      if (pod.isPresent()) {
        throw new InvalidScheduleException(pod.get().field(), pod.get().message());
      }
      try {
        EngineStorage.of(
            spec.getBackupTemplate().getSpec().getStorage(),
            false,
            schedule.getMetadata().getNamespace(),
            stores,
            inlineS3);
      } catch (InvalidSpecException e) {
        throw new InvalidScheduleException("spec.backupTemplate.spec.storage", e.getMessage());
      }
      cron =
          CronSchedule.parse(
              spec.getSchedule(), spec.getTimeZone(), schedule.getMetadata().getUid());
      ChildNames.scheduled(name, now); // refuses a name its children cannot carry
      deadline =
          Duration.ofSeconds(
              spec.getStartingDeadlineSeconds() == null ? 3600 : spec.getStartingDeadlineSeconds());
      overdueAfter =
          spec.getOverdueAfter() == null
              ? OverdueRule.defaultOverdueAfter(cron, now, deadline)
              : DurationText.parse("spec.overdueAfter", spec.getOverdueAfter());
      if (spec.getRetention() != null) {
        ScheduleRetention.policy(spec.getRetention(), cron.zone());
      }
      suspended = Boolean.TRUE.equals(spec.getSuspend());
      status.setEffectiveSchedule(cron.effectiveExpression());
    }

    /** Creates what is due, prunes, and projects the conditions; returns when to look again. */
    Duration act() {
      Instant cursor =
          status.getLastScheduleTime() != null
              ? Instant.parse(status.getLastScheduleTime())
              : Instant.parse(schedule.getMetadata().getCreationTimestamp());
      // The child of the latest slot may exist already (the status write after its create was
      // lost): it is the slot's own, not a reason to miss it; the create below adopts it.
      String ownChild =
          cron.latestAtOrBefore(now).map(slot -> ChildNames.scheduled(name, slot)).orElse(null);
      boolean otherActive = status.getActive().stream().anyMatch(n -> !n.equals(ownChild));
      SlotPlanner.Decision d =
          SlotPlanner.plan(
              cron, new SlotPlanner.Input(cursor, now, deadline, otherActive, suspended));
      if (d.missedCount() > 0) {
        missed(d.missedCount(), d.missedCountCapped(), d.missedReason(), d.lastMissed());
      }
      if (d.createFor().isPresent()) {
        runSlot(d.createFor().get());
      } else if (d.slotDue(cursor)) {
        status.setLastScheduleTime(d.newCursor().toString());
      }
      runManual();
      status.setNextScheduleTime(d.requeueAt().map(Instant::toString).orElse(null));

      String retentionFailing = null;
      if (schedule.getSpec().getRetention() != null
          && ScheduleRetention.due(status, children, specChanged(), now)) {
        retentionFailing =
            retention
                .run(schedule, status, children, location(), directory(), cron.zone(), now)
                .failing();
      } else if (schedule.getSpec().getRetention() == null) {
        status.setRetention(null);
      } else {
        retentionFailing =
            Conditions.find(status.getConditions(), RETENTION_FAILING)
                .filter(c -> c.getStatus() == True)
                .map(c -> c.getMessage())
                .orElse(null);
      }
      OverdueRule.Verdict overdue = project(retentionFailing);
      publish();

      Instant wake = now.plus(MAX_REQUEUE);
      if (d.requeueAt().isPresent() && d.requeueAt().get().isBefore(wake)) {
        wake = d.requeueAt().get();
      }
      if (overdue.overdueAt().isAfter(now) && overdue.overdueAt().isBefore(wake)) {
        wake = overdue.overdueAt().plusSeconds(1);
      }
      Duration again = Duration.between(now, wake);
      return again.compareTo(Duration.ofSeconds(1)) < 0 ? Duration.ofSeconds(1) : again;
    }

    /** A slot is due: create its child, unless the source is busy or the name is taken. */
    void runSlot(Instant slot) {
      String child = ChildNames.scheduled(name, slot);
      Optional<String> busy = sourceBusy();
      if (busy.isPresent()) {
        missed(1, false, MissedReason.SourceBusy, slot);
        events.record(
            schedule,
            Type.Warning,
            Reason.MissedSchedule,
            "slot " + slot + " missed (SourceBusy): " + busy.get());
        status.setLastScheduleTime(slot.toString());
        return;
      }
      Optional<MysqlBackup> made =
          create(
              child,
              ScheduleChildren.Trigger.scheduled,
              slot,
              SlotPlanner.defaultActiveDeadline(cron, slot));
      if (made.isPresent()) {
        status.setLastScheduledBackup(child);
      } else {
        missed(1, false, MissedReason.BackupNameCollision, slot);
      }
      // The cursor moves only after the create: a lost create is retried, a lost status write
      // adopts the child it made.
      status.setLastScheduleTime(slot.toString());
    }

    /** A changed trigger or {@code immediate}: one child now, or once the active one finishes. */
    void runManual() {
      var spec = schedule.getSpec();
      boolean neverRun =
          status.getLastScheduleTime() == null && status.getLastScheduledBackup() == null;
      Optional<MysqlBackup> lost = manualChildOfLostWrite(neverRun);
      if (lost.isPresent()) {
        adoptManual(lost.get());
        return;
      }
      ManualRun.Decision d =
          ManualRun.decide(
              new ManualRun.Input(
                  spec.getTrigger(),
                  status.getLastTrigger(),
                  Boolean.TRUE.equals(spec.getImmediate()),
                  neverRun,
                  !status.getActive().isEmpty(),
                  suspended));
      if (d.action() != ManualRun.Action.Create) {
        return;
      }
      ScheduleChildren.Trigger trigger =
          d.kind() == ManualRun.Kind.manual
              ? ScheduleChildren.Trigger.manual
              : ScheduleChildren.Trigger.immediate;
      String child = ChildNames.manual(name, now);
      // The length of a whole interval between slots, as a scheduled child gets: never the
      // seconds left until the next slot, which would fail a backup asked for just before one.
      Duration activeDeadline =
          cron.nextAfter(now)
              .map(next -> SlotPlanner.defaultActiveDeadline(cron, next))
              .orElse(SlotPlanner.MAX_DEFAULT_ACTIVE_DEADLINE);
      Optional<MysqlBackup> made = create(child, trigger, now, activeDeadline);
      if (made.isPresent()) {
        adoptManual(made.get());
      } // else a foreign object has the name: the next second gives another one
    }

    /**
     * A child already made for the pending trigger (or immediate) whose status write was lost: it
     * is adopted, never made a second time.
     */
    Optional<MysqlBackup> manualChildOfLostWrite(boolean neverRun) {
      String trigger = schedule.getSpec().getTrigger();
      boolean triggerPending =
          trigger != null && !trigger.isEmpty() && !trigger.equals(status.getLastTrigger());
      return children.stream()
          .filter(
              b -> {
                String kind = ScheduleChildren.label(b, ScheduleChildren.TRIGGER_LABEL);
                if (triggerPending && "manual".equals(kind)) {
                  return trigger.equals(
                      ScheduleChildren.annotation(b, ScheduleChildren.TRIGGER_VALUE));
                }
                return neverRun && "immediate".equals(kind);
              })
          .findFirst();
    }

    void adoptManual(MysqlBackup child) {
      status.setLastScheduledBackup(child.getMetadata().getName());
      if ("manual".equals(ScheduleChildren.label(child, ScheduleChildren.TRIGGER_LABEL))) {
        status.setLastTrigger(ScheduleChildren.annotation(child, ScheduleChildren.TRIGGER_VALUE));
      }
    }

    /** Creates (or adopts) a child; empty when a foreign object has the name. */
    Optional<MysqlBackup> create(
        String child, ScheduleChildren.Trigger trigger, Instant at, Duration activeDeadline) {
      TemplateMetadata.Stripped meta = strippedTemplateMetadata();
      MysqlBackup made =
          ScheduleChildren.build(schedule, child, trigger, at, deadline, activeDeadline, meta);
      var source = childEvents;
      if (source != null) {
        // JOSDK's mark of a create of ours (annotation javaoperatorsdk.io/previous): the watch
        // event of this create, which usually arrives before the create's answer, then does not
        // reconcile the schedule again (issue 14: 457 of 957 schedule reconciles in the bench).
        made = source.addPreviousAnnotation(null, made);
      }
      Optional<MysqlBackup> created = cluster.createBackup(made);
      if (created.isEmpty()) {
        Optional<MysqlBackup> existing = cluster.backup(ns, child);
        if (existing.isPresent() && ScheduleChildren.ownedBy(existing.get(), schedule)) {
          log.info("adopted MysqlBackup {} of schedule {}/{}", child, ns, name);
          remember(existing.get());
          return existing;
        }
        events.record(
            schedule,
            Type.Warning,
            Reason.BackupNameCollision,
            "MysqlBackup "
                + child
                + " exists and was not created by this schedule; the "
                + trigger
                + " run at "
                + at
                + " is skipped. Rename or delete that MysqlBackup");
        return Optional.empty();
      }
      remember(created.get());
      if (source != null) {
        source.handleRecentResourceCreate(
            io.javaoperatorsdk.operator.processing.event.ResourceID.fromResource(created.get()),
            created.get());
      }
      String note =
          schedule.getSpec().getBackupTemplate().getSpec().getActiveDeadlineSeconds() == null
              ? " with activeDeadlineSeconds "
                  + activeDeadline.toSeconds()
                  + " (the template sets none: the smaller of 6 hours and the interval to the next"
                  + " slot)"
              : "";
      events.record(
          schedule,
          Type.Normal,
          Reason.BackupCreated,
          "created MysqlBackup " + child + " (" + trigger + ", " + at + ")" + note);
      return created;
    }

    void remember(MysqlBackup child) {
      children.removeIf(b -> b.getMetadata().getName().equals(child.getMetadata().getName()));
      children.add(child);
      status.setActive(activeNames());
    }

    TemplateMetadata.Stripped strippedTemplateMetadata() {
      var m = schedule.getSpec().getBackupTemplate().getMetadata();
      TemplateMetadata.Stripped s =
          TemplateMetadata.strip(
              m == null ? null : m.getLabels(), m == null ? null : m.getAnnotations());
      if (s.anythingStripped()) {
        List<String> keys = new ArrayList<>(s.strippedLabels());
        keys.addAll(s.strippedAnnotations());
        events.record(
            schedule,
            Type.Warning,
            Reason.TemplateMetadataStripped,
            "not copied to backups (GitOps tracking keys would make Argo CD or Flux prune them): "
                + String.join(", ", keys));
      }
      return s;
    }

    /** Another backup or restore holds the claim the template backs up. */
    Optional<String> sourceBusy() {
      String claim =
          schedule.getSpec().getBackupTemplate().getSpec().getSource().getPersistentVolumeClaim();
      return cluster
          .lockHolder(ns, ClaimLocks.claimLease(claim))
          .map(holder -> holder + " is using PersistentVolumeClaim " + claim);
    }

    void missed(long count, boolean capped, MissedReason reason, Instant last) {
      MissedRuns m = status.getMissedRuns() == null ? new MissedRuns() : status.getMissedRuns();
      m.setTotal((m.getTotal() == null ? 0 : m.getTotal()) + count);
      m.setLastMissedTime(last.toString());
      m.setLastMissedReason(reason.name());
      status.setMissedRuns(m);
      // Suspended slots were skipped on purpose; every other miss is something to look at.
      metrics.runs(
          ns,
          name,
          reason == MissedReason.Suspended
              ? ScheduleMetrics.Run.skipped
              : ScheduleMetrics.Run.missed,
          count);
      metrics.missedRuns(ns, name, reason.name(), count);
      // SourceBusy and BackupNameCollision have their own, more specific Warning event.
      if (reason != MissedReason.SourceBusy && reason != MissedReason.BackupNameCollision) {
        events.record(
            schedule,
            Type.Warning,
            Reason.MissedSchedule,
            (capped ? "at least " : "")
                + count
                + " slot"
                + (count == 1 ? "" : "s")
                + " missed ("
                + reason
                + "), the latest "
                + last
                + ": "
                + explain(reason));
      }
    }

    String explain(MissedReason reason) {
      return switch (reason) {
        case OperatorDown ->
            "the operator did not run at those slots; only the latest, still within"
                + " startingDeadlineSeconds, runs";
        case DeadlineExceeded ->
            "the slot is older than startingDeadlineSeconds ("
                + deadline.toSeconds()
                + " s); a backup stops the database, so it never runs late";
        case ConcurrencyForbid ->
            "a backup of this schedule is still running ("
                + String.join(", ", status.getActive())
                + ")";
        case Suspended -> "the schedule is suspended; suspended slots are not caught up";
        case SourceBusy, BackupNameCollision -> reason.name();
      };
    }

    /** Newest success and failure among the children: what Overdue and the metrics read. */
    void recordOutcomes() {
      Optional<MysqlBackup> success = newest(Phase.Succeeded);
      if (success.isPresent() && newer(success.get(), status.getLastSuccessfulTime())) {
        metrics.runs(ns, name, ScheduleMetrics.Run.succeeded, 1);
        var done = success.get().getStatus();
        metrics.backupSucceeded(
            ns, name, done.getDurationSeconds(), done.getBytesRead(), done.getBytesStored());
        status.setLastSuccessfulBackup(success.get().getMetadata().getName());
        status.setLastSuccessfulTime(success.get().getStatus().getCompletionTime());
      }
      Optional<MysqlBackup> failure = newest(Phase.Failed);
      if (failure.isPresent() && newer(failure.get(), status.getLastFailedTime())) {
        metrics.runs(ns, name, ScheduleMetrics.Run.failed, 1);
        status.setLastFailedBackup(failure.get().getMetadata().getName());
        status.setLastFailedTime(finishedAt(failure.get()));
      }
    }

    /**
     * Whether a child finished after what status recorded: a deleted newest backup must never move
     * the record back in time, nor count a run twice.
     */
    boolean newer(MysqlBackup child, String recorded) {
      return recorded == null || Instant.parse(finishedAt(child)).isAfter(Instant.parse(recorded));
    }

    /**
     * When a finished child finished: its completionTime (the operator records one on every failure
     * too, StatusProjector.fail), or, for a child an older operator failed before its engine ran
     * without one, the time its Stalled condition became True. Null while neither is known.
     */
    static String finishedAt(MysqlBackup b) {
      if (b.getStatus().getCompletionTime() != null) {
        return b.getStatus().getCompletionTime();
      }
      if (b.getStatus().getPhase() != Phase.Failed) {
        return null;
      }
      return Conditions.find(b.getStatus().getConditions(), STALLED)
          .filter(c -> c.getStatus() == True && c.getLastTransitionTime() != null)
          .map(c -> c.getLastTransitionTime())
          .orElse(null);
    }

    Optional<MysqlBackup> newest(Phase phase) {
      return children.stream()
          .filter(b -> b.getStatus() != null && b.getStatus().getPhase() == phase)
          .filter(b -> finishedAt(b) != null)
          .max(Comparator.comparing(b -> Instant.parse(finishedAt(b))));
    }

    void recordRecoveryWindow() {
      List<MysqlBackup> ok =
          children.stream()
              .filter(b -> b.getStatus() != null && b.getStatus().getPhase() == Phase.Succeeded)
              .filter(b -> b.getMetadata().getDeletionTimestamp() == null)
              .toList();
      if (ok.isEmpty()) {
        status.setRecoveryWindow(null);
        return;
      }
      RecoveryWindow w = new RecoveryWindow();
      w.setOldestRestorableTime(
          ok.stream()
              .map(ScheduleChildren::scheduledTime)
              .min(Comparator.naturalOrder())
              .get()
              .toString());
      w.setNewestRestorableTime(
          ok.stream()
              .map(ScheduleChildren::scheduledTime)
              .max(Comparator.naturalOrder())
              .get()
              .toString());
      w.setSucceededBackups(ok.size());
      w.setBytesStored(
          ok.stream()
              .map(b -> b.getStatus().getBytesStored())
              .filter(Objects::nonNull)
              .mapToLong(Long::longValue)
              .sum());
      status.setRecoveryWindow(w);
    }

    List<String> activeNames() {
      return children.stream()
          .filter(ScheduleChildren::active)
          .map(b -> b.getMetadata().getName())
          .sorted()
          .toList();
    }

    /** The conditions: kstatus, then the schedule's own health. */
    OverdueRule.Verdict project(String retentionFailing) {
      var c = status.getConditions();
      conditions.set(
          c,
          READY,
          True,
          suspended ? "Suspended" : "Scheduling",
          suspended
              ? "suspended: no new backups; retention keeps running"
              : "next backup at " + status.getNextScheduleTime(),
          generation);
      conditions.set(c, RECONCILING, False, "Reconciled", "the spec is in effect", generation);
      conditions.set(c, STALLED, False, "Valid", "the spec is valid", generation);
      conditions.set(
          c,
          SUSPENDED,
          suspended ? True : False,
          suspended ? "Suspended" : "Scheduling",
          suspended ? "spec.suspend is true" : "spec.suspend is false",
          generation);
      Optional<MysqlBackup> lastFinished =
          children.stream()
              .filter(b -> b.getStatus() != null && finishedAt(b) != null)
              .max(Comparator.comparing(b -> Instant.parse(finishedAt(b))));
      if (lastFinished.isPresent()) {
        boolean ok = lastFinished.get().getStatus().getPhase() == Phase.Succeeded;
        conditions.set(
            c,
            LAST_BACKUP_SUCCEEDED,
            ok ? True : False,
            ok ? "Succeeded" : "Failed",
            "MysqlBackup "
                + lastFinished.get().getMetadata().getName()
                + ": "
                + lastFinished.get().getStatus().getMessage(),
            generation);
      }
      OverdueRule.Verdict v =
          OverdueRule.judge(
              new OverdueRule.Input(
                  now,
                  Instant.parse(schedule.getMetadata().getCreationTimestamp()),
                  instant(status.getLastSuccessfulTime()),
                  instant(status.getLastFailedTime()),
                  overdueAfter,
                  suspended));
      conditions.set(
          c,
          OVERDUE,
          v.overdue() ? True : False,
          v.overdue() ? v.reason().name() : "OnSchedule",
          v.overdue()
              ? v.message()
              : "the newest success is within overdueAfter (" + overdueAfter + ")",
          generation);
      if (retentionFailing != null) {
        boolean wasFailing =
            Conditions.find(c, RETENTION_FAILING).filter(x -> x.getStatus() == True).isPresent();
        if (!wasFailing) {
          metrics.retentionError(ns, name); // once per episode of RetentionFailing
        }
        conditions.set(c, RETENTION_FAILING, True, "DeleteFailed", retentionFailing, generation);
      } else if (schedule.getSpec().getRetention() != null) {
        conditions.set(
            c,
            RETENTION_FAILING,
            False,
            "Deleting",
            "retention deletes what it should",
            generation);
      } else {
        Conditions.remove(c, RETENTION_FAILING);
      }
      status.setMessage(
          suspended
              ? "suspended"
              : (v.overdue()
                  ? "overdue: " + v.message()
                  : "next backup at " + status.getNextScheduleTime()));
      return v;
    }

    void publish() {
      metrics.update(
          ns,
          name,
          new ScheduleMetrics.Snapshot(
              Instant.parse(schedule.getMetadata().getCreationTimestamp()),
              instant(status.getLastSuccessfulTime()),
              instant(status.getLastFailedTime()),
              instant(status.getNextScheduleTime()),
              overdueAfter.toSeconds(),
              suspended,
              status.getRecoveryWindow() == null
                  ? null
                  : instant(status.getRecoveryWindow().getOldestRestorableTime()),
              status.getRecoveryWindow() == null
                  ? 0L
                  : status.getRecoveryWindow().getBytesStored()));
    }

    /** An invalid spec: Stalled until a person changes it; nothing is created or deleted. */
    Duration stall(InvalidScheduleException e) {
      var c = status.getConditions();
      String message = e.getMessage();
      conditions.set(c, READY, False, Reason.InvalidSpec.name(), message, generation);
      conditions.set(c, STALLED, True, Reason.InvalidSpec.name(), message, generation);
      conditions.set(
          c,
          RECONCILING,
          False,
          Reason.InvalidSpec.name(),
          "waiting for a spec change",
          generation);
      status.setMessage(message);
      status.setNextScheduleTime(null);
      return null;
    }

    boolean specChanged() {
      return !Objects.equals(status.getObservedGeneration(), generation);
    }

    String location() {
      return EngineStorage.url(schedule.getSpec().getBackupTemplate().getSpec().getStorage());
    }

    String directory() {
      return BackupLocations.directory(
          ns,
          schedule.getSpec().getBackupTemplate().getSpec().getSource().getPersistentVolumeClaim());
    }

    @Override
    public void retrying(String why) {
      status.setMessage("retrying after an error from the Kubernetes API: " + why);
    }

    @Override
    public Optional<Duration> lastAttempt(String why) {
      status.setMessage(
          "errors from the Kubernetes API (" + why + "); looking again in " + ERROR_POLL);
      return Optional.of(ERROR_POLL);
    }

    @Override
    public void save() {
      session.saveIfChanged();
    }
  }

  private static Instant instant(String t) {
    return t == null ? null : Instant.parse(t);
  }
}
