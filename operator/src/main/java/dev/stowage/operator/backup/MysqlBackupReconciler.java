package dev.stowage.operator.backup;

import static dev.stowage.api.v1alpha1.ConditionStatus.True;

import dev.stowage.api.v1alpha1.MysqlBackup;
import dev.stowage.api.v1alpha1.MysqlBackupStatus;
import dev.stowage.api.v1alpha1.Phase;
import dev.stowage.api.v1alpha1.QuiesceStatus;
import dev.stowage.operator.cluster.ClaimLocks;
import dev.stowage.operator.cluster.Cluster;
import dev.stowage.operator.cluster.EngineJobInformer;
import dev.stowage.operator.job.BackupLocations;
import dev.stowage.operator.job.CrdTerms;
import dev.stowage.operator.job.EngineJobFactory;
import dev.stowage.operator.job.EngineRun;
import dev.stowage.operator.job.EngineStart;
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
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
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
import java.time.Instant;
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

  /**
   * How long a backup waits for the pod on its claim to stop after quiescing before it fails and
   * scales the StatefulSet back (a pod stuck terminating on a lost node, a pod of something else).
   */
  /** The pass after a cleanup that wrote status, which then removes the finalizer. */
  static final Duration FINALIZER_PASS = Duration.ofSeconds(1);

  static final Duration QUIESCE_TIMEOUT = Duration.ofMinutes(10);

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
  private final Conditions conditions;
  private final StatusProjector statuses;
  private final EngineTimeouts timeouts;
  private final Preflight preflight;
  private final PartialBackupRemoval partialRemoval;
  private final BackupDeletion deletion;
  private final Quiescer quiescer;

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
    this.timeouts = timeouts;
    this.jobs = jobs;
    this.cluster = cluster;
    this.statusWriter = statusWriter;
    this.events = events;
    this.metrics = metrics;
    this.conditions = conditions;
    this.statuses = new StatusProjector(conditions);
    this.preflight = new Preflight(jobs, cluster, conditions, timeouts);
    this.partialRemoval = new PartialBackupRemoval(jobs, cluster, events, conditions, timeouts);
    this.deletion = new BackupDeletion(jobs, cluster, events);
    this.quiescer = new Quiescer(cluster, events, conditions);
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
        step.status.setMessage("retrying after an error from the Kubernetes API: " + why);
        step.save();
        return ErrorStatusUpdateControl.noStatusUpdate();
      }
      Optional<Job> job = cluster.job(step.ns, EngineJobFactory.backupJobName(backup));
      if (job.isPresent() && !EngineRun.observe(job.get(), List.of()).finished()) {
        // The engine still runs on the volume: scaling the database back now would start it
        // under the copy. Keep watching the Job instead of giving up.
        step.status.setMessage(
            "errors from the Kubernetes API ("
                + why
                + "); the engine Job"
                + " still runs and is watched until it finishes");
        step.save();
        return ErrorStatusUpdateControl.<MysqlBackup>noStatusUpdate().rescheduleAfter(GIVE_UP_POLL);
      }
      step.fail(Reason.Failed, "gave up after repeated errors from the Kubernetes API: " + why);
      step.settle();
      step.save();
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
        reportLastSuccess();
        return partialRemoval.remove(this);
      }
      Optional<Job> job = cluster.job(ns, EngineJobFactory.backupJobName(backup));
      if (job.isPresent()) {
        return observe(job.get());
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

    /** Projects a Job onto the status; once it has finished, gives back what was taken. */
    Duration observe(Job job) {
      List<Pod> pods = cluster.jobPods(ns, job.getMetadata().getName());
      EngineRun run = EngineRun.observe(job, pods);
      status.setStartTime(run.startTime());
      if (!run.finished()) {
        Optional<EngineStart.Stuck> stuck =
            EngineStart.cannotStart(
                job, pods, Instant.parse(conditions.now()), timeouts.podStart());
        if (stuck.isPresent()) {
          return cannotStart(job, stuck.get());
        }
        statuses.running(
            status,
            job.getMetadata().getName(),
            "backing up " + claim() + " to " + where(),
            generation);
        // Pods send no events here: look again until the engine has started.
        return pods.stream().anyMatch(EngineStart::engineStarted) ? null : WAIT;
      }
      Long files = run.result().files();
      statuses.finished(
          status,
          run,
          "backed up "
              + (files == null ? "the" : files)
              + " files of "
              + claim()
              + " to "
              + where(),
          generation);
      if (run.state() == EngineRun.State.SUCCEEDED) {
        status.setBytesStored(run.result().bytesStored());
      } else {
        status.setMessage(
            CrdTerms.translate(status.getMessage(), claim(), backup.getSpec().getStorage()));
        Integer code = run.result().exitCode();
        if (code == null || (code != 2 && code != 5)) {
          // Exit 2 and 5 stop before storing anything (and 5 may be someone else's backup).
          partialRemoval.noteStored(this);
        }
      }
      settle();
      // The outcome is recorded before the Job may go; the operator never reads it again.
      saveNow();
      cluster.expireJob(ns, job.getMetadata().getName(), FINISHED_JOB_TTL_SECONDS);
      return settled() ? null : WAIT;
    }

    /**
     * The engine cannot start: no engine container has run in this pod, so the volume is untouched
     * by it; delete the Job, fail, and give the database back at once.
     */
    Duration cannotStart(Job job, EngineStart.Stuck stuck) {
      cluster.deleteJob(ns, job.getMetadata().getName());
      String sts = status.getQuiesce() == null ? null : status.getQuiesce().getStatefulSet();
      fail(
          Reason.EnginePodCannotStart,
          "the engine pod could not start: "
              + stuck.why()
              + (stuck.engineRan()
                  ? "; an earlier engine pod ran, so the stored backup is incomplete"
                  : "; nothing was copied")
              + "; deleted Job "
              + job.getMetadata().getName()
              + (sts == null ? "" : " and gave StatefulSet " + sts + " its replicas back")
              + ". Fix the cause and create a new MysqlBackup");
      if (stuck.engineRan()) {
        partialRemoval.noteStored(this);
      }
      settle();
      return null;
    }

    /** Works towards creating the Job: claim, lock, quiesce, no pod on the claim. */
    Duration start() {
      var storageClaim = backup.getSpec().getStorage().getPersistentVolumeClaim();
      if (cluster.claim(ns, claim()).isEmpty()) {
        return block(
            Reason.ClaimNotFound,
            "PersistentVolumeClaim " + claim() + " does not exist in " + ns + "; waiting for it");
      }
      if (storageClaim != null) {
        Optional<PersistentVolumeClaim> stored = cluster.claim(ns, storageClaim.getClaimName());
        if (stored.isEmpty()) {
          return block(
              Reason.StorageClaimNotFound,
              "PersistentVolumeClaim "
                  + storageClaim.getClaimName()
                  + " (spec.storage.persistentVolumeClaim.claimName) does not exist in "
                  + ns
                  + "; waiting for it, nothing was stopped");
        }
        String phase =
            stored.get().getStatus() == null ? null : stored.get().getStatus().getPhase();
        if ("Lost".equals(phase)) {
          fail(
              Reason.PreflightFailed,
              "PersistentVolumeClaim "
                  + storageClaim.getClaimName()
                  + " (spec.storage.persistentVolumeClaim.claimName) has lost its volume; nothing"
                  + " was stopped: store the backup elsewhere with a new MysqlBackup");
          return null;
        }
      }
      String holder = cluster.lock(ns, ClaimLocks.claimLease(claim()), backup);
      if (!holder.equals(me())) {
        return block(
            Reason.WaitingForClaim,
            "waiting for "
                + holder
                + ", which is using PersistentVolumeClaim "
                + claim()
                + "; one backup or restore runs on a claim at a time");
      }
      String sts = statefulSetName();
      if (sts != null) {
        String stsHolder = cluster.lock(ns, ClaimLocks.statefulSetLease(sts), backup);
        if (!stsHolder.equals(me())) {
          cluster.unlock(ns, ClaimLocks.claimLease(claim()), backup);
          return block(
              Reason.WaitingForStatefulSet,
              "waiting for "
                  + stsHolder
                  + ", which has StatefulSet "
                  + sts
                  + " scaled down; one backup quiesces a"
                  + " StatefulSet at a time");
        }
        Duration invalid = quiescer.target(this, sts, cluster.statefulSet(ns, sts));
        if (invalid != null) {
          return invalid;
        }
        Duration checking = preflight.check(this);
        if (checking != null || status.getPhase() == Phase.Failed) {
          return checking;
        }
        Duration wait = quiescer.scaleDown(this, sts);
        if (wait != null) {
          return wait;
        }
      }
      List<Pod> onClaim = mounting();
      if (!onClaim.isEmpty()) {
        String pods = Cluster.podNames(onClaim);
        if (sts != null) {
          Duration waited =
              Duration.between(
                  Instant.parse(status.getQuiesce().getScaledDownTime()),
                  Instant.parse(conditions.now()));
          if (waited.compareTo(QUIESCE_TIMEOUT) > 0) {
            fail(
                Reason.Failed,
                "pod "
                    + pods
                    + " still mounts PersistentVolumeClaim "
                    + claim()
                    + " "
                    + QUIESCE_TIMEOUT.toMinutes()
                    + " minutes after StatefulSet "
                    + sts
                    + " was scaled down; check that spec.source.quiesce.statefulSet is the one whose"
                    + " pod mounts the claim, and why the pod does not stop; StatefulSet "
                    + sts
                    + " gets its replicas back");
            settle();
            return null;
          }
          return block(
              Reason.ClaimInUse,
              "waiting for pod "
                  + pods
                  + " to stop (StatefulSet "
                  + sts
                  + " scaled from "
                  + status.getQuiesce().getOriginalReplicas()
                  + " to "
                  + QuiesceArithmetic.replicasText(quiescedTo)
                  + ")",
              QUIESCE_POLL);
        }
        cluster.unlock(ns, ClaimLocks.claimLease(claim()), backup);
        return block(
            Reason.ClaimInUse,
            "pod "
                + pods
                + " is running with PersistentVolumeClaim "
                + claim()
                + " mounted; a live database is never copied: stop it, or set"
                + " spec.source.quiesce.statefulSet and create a new MysqlBackup");
      }
      if (sts == null) {
        Duration checking = preflight.check(this);
        if (checking != null || status.getPhase() == Phase.Failed) {
          return checking;
        }
      }
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
      return null;
    }

    /** The unfinished pods that mount the claim, listed once per reconcile. */
    @Override
    public List<Pod> mounting() {
      if (mounting == null) {
        mounting = cluster.podsMounting(ns, claim());
      }
      return mounting;
    }

    String me() {
      return ClaimLocks.holderIdentity(backup);
    }

    @Override
    public void unlockAll() {
      cluster.unlock(ns, ClaimLocks.claimLease(claim()), backup);
      String sts = statefulSetName();
      if (sts != null) {
        cluster.unlock(ns, ClaimLocks.statefulSetLease(sts), backup);
      }
    }

    /** Scales the StatefulSet back and unlocks the claim, once; both survive a restart. */
    @Override
    public void settle() {
      quiescer.scaleBack(this);
      unlockAll();
      Conditions.remove(status.getConditions(), Conditions.BLOCKED);
    }

    boolean settled() {
      QuiesceStatus q = status.getQuiesce();
      return q == null || q.getOriginalReplicas() == null || q.getRestoredTime() != null;
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

    String statefulSetName() {
      var q = backup.getSpec().getSource().getQuiesce();
      return q == null ? null : q.getStatefulSet();
    }

    void reportLastSuccess() {
      if (status.getPhase() == Phase.Succeeded && status.getCompletionTime() != null) {
        metrics.backupSucceededAt(ns, claim(), Instant.parse(status.getCompletionTime()));
      }
    }

    /** Writes the status now, before acting on what it records. */
    @Override
    public void saveNow() {
      session.saveNow();
    }

    /** Writes the status if it changed, with the events and metrics of a transition. */
    void save() {
      if (session.finishing()) {
        finished();
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

    void finished() {
      boolean ok = status.getPhase() == Phase.Succeeded;
      metrics.backupFinished(
          ns,
          ok ? OperatorMetrics.Result.succeeded : OperatorMetrics.Result.failed,
          status.getDurationSeconds(),
          status.getBytesRead(),
          status.getBytesStored());
      reportLastSuccess();
      if (ok) {
        events.record(backup, Type.Normal, Reason.Succeeded, status.getMessage());
        log.info("backup succeeded: {}", status.getMessage());
      } else {
        events.record(backup, Type.Warning, Reason.Failed, status.getMessage());
        log.warn("backup failed: {}", status.getMessage());
      }
    }
  }

  /** Why a pod's engine container waits, when it is not just starting (a missing Secret...). */
  static String stuck(List<Pod> pods) {
    for (Pod p : pods) {
      if (p.getStatus() == null || p.getStatus().getContainerStatuses() == null) {
        continue;
      }
      for (var c : p.getStatus().getContainerStatuses()) {
        var waiting = c.getState() == null ? null : c.getState().getWaiting();
        if (waiting != null
            && waiting.getReason() != null
            && !List.of("ContainerCreating", "PodInitializing").contains(waiting.getReason())) {
          return "pod "
              + p.getMetadata().getName()
              + ": "
              + waiting.getReason()
              + (waiting.getMessage() == null ? "" : " (" + waiting.getMessage() + ")");
        }
      }
    }
    return null;
  }
}
