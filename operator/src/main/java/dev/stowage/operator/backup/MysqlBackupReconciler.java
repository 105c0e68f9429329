package dev.stowage.operator.backup;

import static dev.stowage.api.v1alpha1.ConditionStatus.True;

import dev.stowage.api.v1alpha1.MysqlBackup;
import dev.stowage.api.v1alpha1.MysqlBackupStatus;
import dev.stowage.api.v1alpha1.Phase;
import dev.stowage.operator.cluster.Cluster;
import dev.stowage.operator.cluster.EngineJobInformer;
import dev.stowage.operator.job.BackupLocations;
import dev.stowage.operator.job.EngineJobFactory;
import dev.stowage.operator.job.EngineTimeouts;
import dev.stowage.operator.job.StoredBackup;
import dev.stowage.operator.metrics.OperatorMetrics;
import dev.stowage.operator.status.ApiErrors;
import dev.stowage.operator.status.Conditions;
import dev.stowage.operator.status.EventRecorder;
import dev.stowage.operator.status.EventRecorder.Type;
import dev.stowage.operator.status.Reason;
import dev.stowage.operator.status.StatusProjector;
import dev.stowage.operator.status.StatusSession;
import dev.stowage.operator.status.StatusWriter;
import dev.stowage.operator.validation.InvalidSpecException;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.javaoperatorsdk.operator.api.reconciler.Cleaner;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.DeleteControl;
import io.javaoperatorsdk.operator.api.reconciler.ErrorStatusUpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.retry.GradualRetry;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reconciles a MysqlBackup into one engine backup Job on its source claim.
 *
 * <p>Each reconcile: record where the backup goes, observe the Job, and either project its outcome
 * (scaling the StatefulSet back and unlocking the claim once it is done) or work towards starting
 * it: lock the claim, quiesce, wait for every pod on the claim to stop, create the Job. Deleting
 * the resource cancels a running Job, scales the StatefulSet back and, with {@code deletionPolicy:
 * Delete}, deletes the stored backup with an engine {@code rm} Job.
 */
// About 4 minutes of retries for errors from the API server before giving up (see
// updateErrorStatus).
@GradualRetry(
    maxAttempts = 10,
    initialInterval = 2000,
    intervalMultiplier = 1.5,
    maxInterval = 60000)
@ControllerConfiguration(name = MysqlBackupReconciler.NAME)
public final class MysqlBackupReconciler implements Reconciler<MysqlBackup>, Cleaner<MysqlBackup> {

  public static final String NAME = "mysqlbackup";

  private static final Logger log = LoggerFactory.getLogger(MysqlBackupReconciler.class);

  /** How often a waiting backup looks again at what it waits for. */
  static final Duration WAIT = Duration.ofSeconds(5);

  /** How often a backup looks again while the pods of a quiesced StatefulSet stop. */
  static final Duration QUIESCE_POLL = Duration.ofSeconds(2);

  /** How often a backup whose retries ran out looks again at its still-running Job. */
  static final Duration GIVE_UP_POLL = Duration.ofMinutes(1);

  /** The pass after a cleanup that wrote status, which then removes the finalizer. */
  static final Duration FINALIZER_PASS = Duration.ofSeconds(1);

  /** Waits that need a person: a Warning event; the others (another backup, a check) are Normal. */
  static final java.util.Set<Reason> WARN_WHEN_BLOCKED =
      java.util.EnumSet.of(
          Reason.ClaimInUse,
          Reason.ClaimNotFound,
          Reason.StorageClaimNotFound,
          Reason.StatefulSetNotFound,
          Reason.StatefulSetDoesNotMountClaim);

  /**
   * Seconds a finished engine Job (and its pod's logs) stays once its outcome is in status; the TTL
   * controller then collects it.
   */
  public static final int FINISHED_JOB_TTL_SECONDS = 3600;

  /** How long a failed rm waits before it is tried again. */
  static final Duration DELETE_RETRY = Duration.ofMinutes(5);

  private final EngineJobFactory jobs;
  private final Cluster cluster;
  private final StatusWriter statusWriter;
  private final EventRecorder events;
  private final OperatorMetrics metrics;
  private final StatusProjector statuses;
  private final Preflight preflight;
  private final PartialBackupRemoval partialRemoval;
  private final BackupDeletion deletion;
  private final Quiescer quiescer;
  private final ClaimLocking locking;
  private final BackupOutcome outcome;
  private final GiveUp giveUp;

  public MysqlBackupReconciler(
      EngineJobFactory jobs,
      Cluster cluster,
      StatusWriter statusWriter,
      EventRecorder events,
      OperatorMetrics metrics,
      Conditions conditions) {
    this(jobs, cluster, statusWriter, events, metrics, conditions, EngineTimeouts.DEFAULTS);
  }

  public MysqlBackupReconciler(
      EngineJobFactory jobs,
      Cluster cluster,
      StatusWriter statusWriter,
      EventRecorder events,
      OperatorMetrics metrics,
      Conditions conditions,
      EngineTimeouts timeouts) {
    this.jobs = jobs;
    this.cluster = cluster;
    this.statusWriter = statusWriter;
    this.events = events;
    this.metrics = metrics;
    this.statuses = new StatusProjector(conditions);
    this.preflight = new Preflight(jobs, cluster, conditions, timeouts);
    this.partialRemoval = new PartialBackupRemoval(jobs, cluster, events, conditions, timeouts);
    this.deletion = new BackupDeletion(jobs, cluster, events);
    this.quiescer = new Quiescer(cluster, events, conditions);
    this.locking = new ClaimLocking(cluster);
    this.outcome =
        new BackupOutcome(cluster, events, metrics, conditions, statuses, timeouts, partialRemoval);
    this.giveUp = new GiveUp(cluster);
  }

  /** The engine Jobs, mapped to their MysqlBackup through the owner reference. */
  @Override
  public List<EventSource<?, MysqlBackup>> prepareEventSources(
      EventSourceContext<MysqlBackup> context) {
    return List.of(EngineJobInformer.of(MysqlBackup.class, context));
  }

  @Override
  public UpdateControl<MysqlBackup> reconcile(MysqlBackup backup, Context<MysqlBackup> context) {
    Step step = new Step(backup, context);
    Duration again;
    try {
      step.record();
      step.validate();
      again = step.advance();
    } catch (InvalidSpecException e) {
      again = step.refuse(e);
    }
    step.save();
    UpdateControl<MysqlBackup> control = UpdateControl.noUpdate();
    return again == null ? control : control.rescheduleAfter(again);
  }

  @Override
  public DeleteControl cleanup(MysqlBackup backup, Context<MysqlBackup> context) {
    Step step = new Step(backup, context);
    Optional<Duration> again = deletion.cleanup(step);
    step.save();
    if (again.isEmpty() && step.session.written()) {
      // JOSDK removes the finalizer with a patch based on the resource it handed us, which this
      // status write has just made stale: every attempt would conflict. The next pass writes
      // nothing, and removes it.
      again = Optional.of(FINALIZER_PASS);
    }
    return again
        .map(d -> DeleteControl.noFinalizerRemoval().rescheduleAfter(d))
        .orElseGet(DeleteControl::defaultDelete);
  }

  /**
   * An error JOSDK retries (the API server refused or failed a request): said in status.message
   * meanwhile; on the last attempt the MysqlBackup fails, and what it took (replicas, the claim) is
   * given back, so a database is never left scaled down by an operator that gave up.
   */
  @Override
  public ErrorStatusUpdateControl<MysqlBackup> updateErrorStatus(
      MysqlBackup backup, Context<MysqlBackup> context, Exception e) {
    boolean last = ApiErrors.lastAttempt(context);
    String why = ApiErrors.why(e);
    try {
      // Read afresh: the resource handed over may predate what this reconcile already wrote
      // (the replicas before a scale-down), and that must never be written over.
      Optional<MysqlBackup> fresh =
          cluster.backup(backup.getMetadata().getNamespace(), backup.getMetadata().getName());
      if (fresh.isEmpty() || fresh.get().getMetadata().getDeletionTimestamp() != null) {
        return ErrorStatusUpdateControl.noStatusUpdate();
      }
      Step step = new Step(fresh.get(), context);
      if (StatusProjector.isDone(step.status.getPhase())) {
        return ErrorStatusUpdateControl.noStatusUpdate();
      }
      if (!last) {
        giveUp.retrying(step, why);
        step.save();
        return ErrorStatusUpdateControl.noStatusUpdate();
      }
      Optional<Duration> again = giveUp.lastAttempt(step, why);
      step.save();
      if (again.isPresent()) {
        return ErrorStatusUpdateControl.<MysqlBackup>noStatusUpdate().rescheduleAfter(again.get());
      }
    } catch (RuntimeException again) {
      log.error(
          "could not record the error or give back what the backup took: {}", again.getMessage());
    }
    return ErrorStatusUpdateControl.noStatusUpdate();
  }

  /** One reconcile of one backup: the resource, the status being built, and the steps. */
  private final class Step implements BackupRun {
    private final MysqlBackup backup;
    private final StatusSession<MysqlBackupStatus, MysqlBackup> session;
    private final MysqlBackupStatus status;
    private final String ns;
    private final Long generation;
    private List<Pod> mounting;
    private int quiescedTo;

    Step(MysqlBackup backup, Context<MysqlBackup> context) {
      this.backup = backup;
      this.session =
          new StatusSession<>(
              backup, context, statusWriter, MysqlBackupStatus.class, MysqlBackupStatus::new);
      this.status = session.status();
      this.ns = backup.getMetadata().getNamespace();
      this.generation = backup.getMetadata().getGeneration();
    }

    @Override
    public void quiescedTo(int replicas) {
      quiescedTo = replicas;
    }

    @Override
    public int quiescedTo() {
      return quiescedTo;
    }

    @Override
    public String claim() {
      return backup.getSpec().getSource().getPersistentVolumeClaim();
    }

    @Override
    public MysqlBackup backup() {
      return backup;
    }

    @Override
    public MysqlBackupStatus status() {
      return status;
    }

    @Override
    public String namespace() {
      return ns;
    }

    @Override
    public Long generation() {
      return generation;
    }

    /** Where the backup goes, written once and before anything else, so it never changes. */
    void record() {
      if (status.getPhase() == null) {
        status.setPhase(Phase.Pending);
      }
      if (status.getBackupName() == null) {
        status.setDirectory(BackupLocations.backupDirectory(backup));
        status.setBackupName(jobs.locations().backupName(backup));
        status.setLocation(
            new StoredBackup(
                    backup.getSpec().getStorage(), status.getDirectory(), status.getBackupName())
                .location());
        saveNow();
      }
    }

    /**
     * Refuses, before anything is taken, a spec the Job factory accepts but no backup can run with.
     * The factory's own refusals come as the same {@link InvalidSpecException} from any step.
     */
    void validate() {
      if (StatusProjector.isDone(status.getPhase())) {
        return;
      }
      var storageClaim = backup.getSpec().getStorage().getPersistentVolumeClaim();
      if (storageClaim != null && claim().equals(storageClaim.getClaimName())) {
        // Refused at apply by a CEL rule; checked again for resources stored before it.
        throw new InvalidSpecException(
            "spec.storage.persistentVolumeClaim.claimName is "
                + claim()
                + ", the claim being backed up (spec.source.persistentVolumeClaim): a backup"
                + " cannot be stored on the volume it copies; create a new MysqlBackup with"
                + " another storage claim");
      }
    }

    /** Fails an invalid spec and gives back what was taken: permanent until a new resource. */
    Duration refuse(InvalidSpecException e) {
      fail(Reason.InvalidSpec, e.getMessage());
      settle();
      return null;
    }

    /** Moves the backup on; returns when to look again, or null when only an event can help. */
    Duration advance() {
      if (StatusProjector.isDone(status.getPhase()) && settled()) {
        // Again on every reconcile of a finished backup: an unlock that failed before is retried.
        unlockAll();
        outcome.reportLastSuccess(this);
        return partialRemoval.remove(this);
      }
      Optional<Job> job = cluster.job(ns, EngineJobFactory.backupJobName(backup));
      if (job.isPresent()) {
        return outcome.observe(this, job.get());
      }
      if (StatusProjector.isDone(status.getPhase())) {
        // The outcome was recorded before the Job was let go (TTL): only giving back is left.
        settle();
        return settled() ? null : WAIT;
      }
      if (status.getPhase() == Phase.Running) {
        fail(
            Reason.Failed,
            "the engine Job "
                + EngineJobFactory.backupJobName(backup)
                + " was deleted before its result was read; the backup may be incomplete:"
                + " create a new MysqlBackup");
        settle();
        return null;
      }
      return start();
    }

    /**
     * Works towards creating the Job: the claims there, both locks held, the StatefulSet quiesced,
     * the storage checked, no pod on the claim.
     */
    Duration start() {
      Duration wait = preflight.claims(this);
      if (wait != null || status.getPhase() == Phase.Failed) {
        return wait;
      }
      wait = locking.lock(this);
      if (wait != null) {
        return wait;
      }
      String sts = statefulSetName();
      if (sts != null) {
        wait = quiescer.target(this, sts, cluster.statefulSet(ns, sts));
        if (wait != null) {
          return wait;
        }
        wait = preflight.check(this);
        if (wait != null || status.getPhase() == Phase.Failed) {
          return wait;
        }
        wait = quiescer.scaleDown(this, sts);
        if (wait != null) {
          return wait;
        }
      }
      List<Pod> onClaim = mounting();
      if (!onClaim.isEmpty()) {
        return sts != null ? quiescer.awaitStopped(this, sts, onClaim) : refuseLive(onClaim);
      }
      if (sts == null) {
        wait = preflight.check(this);
        if (wait != null || status.getPhase() == Phase.Failed) {
          return wait;
        }
      }
      createJob();
      return null;
    }

    /** Without quiesce, a pod on the claim is a live database: nothing runs, the claim is free. */
    Duration refuseLive(List<Pod> onClaim) {
      locking.unlockClaim(this);
      return block(
          Reason.ClaimInUse,
          "pod "
              + Cluster.podNames(onClaim)
              + " is running with PersistentVolumeClaim "
              + claim()
              + " mounted; a live database is never copied: stop it, or set"
              + " spec.source.quiesce.statefulSet and create a new MysqlBackup");
    }

    void createJob() {
      Job job = cluster.createJob(jobs.backupJob(backup));
      log.info("created engine Job {}", job.getMetadata().getName());
      statuses.running(
          status,
          job.getMetadata().getName(),
          "backing up " + claim() + " to " + where(),
          generation);
      events.record(
          backup,
          Type.Normal,
          Reason.JobCreated,
          "created engine Job " + job.getMetadata().getName() + " to back up " + claim());
    }

    /** The unfinished pods that mount the claim, listed once per reconcile. */
    @Override
    public List<Pod> mounting() {
      if (mounting == null) {
        mounting = cluster.podsMounting(ns, claim());
      }
      return mounting;
    }

    @Override
    public void unlockAll() {
      locking.unlockAll(this);
    }

    /** Scales the StatefulSet back and unlocks the claim, once; both survive a restart. */
    @Override
    public void settle() {
      quiescer.scaleBack(this);
      unlockAll();
      Conditions.remove(status.getConditions(), Conditions.BLOCKED);
    }

    Duration block(Reason reason, String message) {
      return block(reason, message, WAIT);
    }

    @Override
    public Duration block(Reason reason, String message, Duration again) {
      String was =
          Conditions.find(status.getConditions(), Conditions.BLOCKED)
              .filter(c -> c.getStatus() == True)
              .map(c -> c.getReason())
              .orElse(null);
      statuses.block(status, reason, message, generation);
      if (!reason.name().equals(was)) {
        // One event when a backup starts waiting for something else; the message says what.
        events.record(
            backup,
            WARN_WHEN_BLOCKED.contains(reason) ? Type.Warning : Type.Normal,
            reason,
            message);
      }
      return again;
    }

    @Override
    public void fail(Reason reason, String message) {
      statuses.fail(status, reason, message, generation);
    }

    /** The stored backup for people: the storage without its options, directory and name. */
    @Override
    public String where() {
      return StoredBackup.describe(
          status.getLocation(), status.getDirectory(), status.getBackupName());
    }

    /** Writes the status now, before acting on what it records. */
    @Override
    public void saveNow() {
      session.saveNow();
    }

    /** Writes the status if it changed, with the events and metrics of a transition. */
    void save() {
      if (session.finishing()) {
        outcome.reportFinished(this);
      }
      session.saveIfChanged();
      metrics.backupBlocked(
          ns,
          backup.getMetadata().getUid(),
          status.getPhase() == Phase.Pending
              && Conditions.find(status.getConditions(), Conditions.BLOCKED)
                  .filter(c -> c.getStatus() == True)
                  .isPresent()
              && backup.getMetadata().getDeletionTimestamp() == null);
    }
  }
}
