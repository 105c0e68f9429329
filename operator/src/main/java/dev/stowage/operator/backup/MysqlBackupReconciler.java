package dev.stowage.operator.backup;

import dev.stowage.api.v1alpha1.ConditionStatus;
import dev.stowage.api.v1alpha1.MysqlBackup;
import dev.stowage.api.v1alpha1.MysqlBackupStatus;
import dev.stowage.api.v1alpha1.Phase;
import dev.stowage.operator.cluster.Cluster;
import dev.stowage.operator.cluster.EngineJobInformer;
import dev.stowage.operator.cluster.EngineJobWatch;
import dev.stowage.operator.job.BackupLocations;
import dev.stowage.operator.job.EncryptionKeys;
import dev.stowage.operator.job.EngineJobFactory;
import dev.stowage.operator.job.EngineStorage;
import dev.stowage.operator.job.EngineTimeouts;
import dev.stowage.operator.job.JobOwnership;
import dev.stowage.operator.job.StatusMismatchException;
import dev.stowage.operator.job.StoredBackup;
import dev.stowage.operator.metrics.OperatorMetrics;
import dev.stowage.operator.mysql.JdbcReadLocks;
import dev.stowage.operator.mysql.ReadLocks;
import dev.stowage.operator.snapshot.SnapshotClassChoice;
import dev.stowage.operator.status.ApiErrors;
import dev.stowage.operator.status.Conditions;
import dev.stowage.operator.status.EventRecorder;
import dev.stowage.operator.status.EventRecorder.Type;
import dev.stowage.operator.status.InsecureEndpoint;
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
 *
 * <p>This class is the flow (record, validate, observe or start); the work is done by its
 * collaborators, each seeing the reconcile as a {@link BackupRun}: {@link BackupOutcome}, {@link
 * Preflight}, {@link ClaimLocking}, {@link Quiescer}, {@link PartialBackupRemoval}, {@link
 * BackupDeletion} and {@link GiveUp}.
 */
// About 4 minutes of retries for errors from the API server before giving up (see
// updateErrorStatus).
@GradualRetry(
    maxAttempts = 10,
    initialInterval = 2000,
    intervalMultiplier = 1.5,
    maxInterval = 60000)
@ControllerConfiguration(
    name = MysqlBackupReconciler.NAME,
    finalizerName = MysqlBackupReconciler.FINALIZER)
public final class MysqlBackupReconciler implements Reconciler<MysqlBackup>, Cleaner<MysqlBackup> {

  public static final String NAME = "mysqlbackup";

  /**
   * The finalizer through which a deleted MysqlBackup gives back what it took and deletes its data
   * (JOSDK's default name for the resource). A schedule creates its backups with it already set.
   */
  public static final String FINALIZER = "mysqlbackups.stowage.dev/finalizer";

  private static final Logger log = LoggerFactory.getLogger(MysqlBackupReconciler.class);

  /** How often a waiting backup looks again at what it waits for. */
  static final Duration WAIT = Duration.ofSeconds(5);

  /** How often a backup looks again while the pods of a quiesced StatefulSet stop. */
  static final Duration QUIESCE_POLL = Duration.ofSeconds(2);

  /** How often a backup whose retries ran out looks again at its still-running Job. */
  static final Duration GIVE_UP_POLL = Duration.ofMinutes(1);

  /**
   * Annotation: when the backup must have started (RFC 3339), set by a MysqlBackupSchedule on its
   * children. Past it, a backup that has no engine Job yet fails with NotStartedInTime and gives
   * back what it took.
   */
  public static final String START_DEADLINE = "stowage.dev/start-deadline";

  /** The pass after a cleanup that wrote status, which then removes the finalizer. */
  static final Duration FINALIZER_PASS = Duration.ofSeconds(1);

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
  private final StatusProjector statuses;
  private final Conditions conditions;
  private final Preflight preflight;
  private final PartialBackupRemoval partialRemoval;
  private final BackupDeletion deletion;
  private final Quiescer quiescer;
  private final ClaimLocking locking;
  private final Snapshotter snapshotter;
  private final ReadLockStep readLock;
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
    this(jobs, cluster, statusWriter, events, metrics, conditions, timeouts, new JdbcReadLocks());
  }

  public MysqlBackupReconciler(
      EngineJobFactory jobs,
      Cluster cluster,
      StatusWriter statusWriter,
      EventRecorder events,
      OperatorMetrics metrics,
      Conditions conditions,
      EngineTimeouts timeouts,
      ReadLocks readLocks) {
    this.jobs = jobs;
    this.cluster = cluster;
    this.statusWriter = statusWriter;
    this.events = events;
    this.conditions = conditions;
    this.statuses = new StatusProjector(conditions);
    EngineJobWatch watch =
        new EngineJobWatch(cluster, () -> Instant.parse(conditions.now()), timeouts.podStart());
    this.preflight = new Preflight(jobs, cluster, conditions, watch);
    this.partialRemoval = new PartialBackupRemoval(jobs, cluster, events, conditions, watch);
    this.deletion = new BackupDeletion(jobs, cluster, events);
    this.quiescer = new Quiescer(cluster, events, conditions);
    this.locking = new ClaimLocking(cluster);
    this.readLock = new ReadLockStep(cluster, readLocks, events, conditions);
    this.snapshotter = new Snapshotter(cluster, events, conditions, readLock);
    this.outcome =
        new BackupOutcome(cluster, events, metrics, statuses, watch, partialRemoval, snapshotter);
    this.giveUp = new GiveUp(cluster);
  }

  /**
   * The engine Jobs, mapped to their MysqlBackup through the owner reference, and the cluster's
   * read caches (Jobs, engine pods, claims, StatefulSets), which this controller runs for all.
   */
  @Override
  public List<EventSource<?, MysqlBackup>> prepareEventSources(
      EventSourceContext<MysqlBackup> context) {
    var engineJobs = EngineJobInformer.of(MysqlBackup.class, context);
    List<EventSource<?, MysqlBackup>> sources = new java.util.ArrayList<>();
    sources.add(engineJobs);
    sources.addAll(cluster.readCaches(context, engineJobs));
    return sources;
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
    } catch (StatusMismatchException e) {
      again = step.refuse(Reason.StatusMismatch, e.getMessage());
    }
    step.save();
    UpdateControl<MysqlBackup> control = UpdateControl.noUpdate();
    return again == null ? control : control.rescheduleAfter(again);
  }

  @Override
  public DeleteControl cleanup(MysqlBackup backup, Context<MysqlBackup> context) {
    Step step = new Step(backup, context);
    Optional<Duration> again = deletion.cleanup(step.run);
    step.save();
    if (again.isEmpty() && step.run.session().written()) {
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
    return ApiErrors.updateErrorStatus(
        context,
        e,
        () ->
            cluster
                .backup(backup.getMetadata().getNamespace(), backup.getMetadata().getName())
                .filter(fresh -> fresh.getMetadata().getDeletionTimestamp() == null)
                .map(fresh -> new Step(fresh, context))
                .filter(step -> !StatusProjector.isDone(step.status.getPhase())),
        log,
        "give back what the backup took");
  }

  /** One reconcile of one backup, as its steps: record, validate, advance (observe or start). */
  private final class Step implements ApiErrors.FreshRun {
    private final BackupPass run;
    private final MysqlBackup backup;
    private final MysqlBackupStatus status;
    private final String ns;

    /** The storage as validate() resolved it: a store is read once per reconcile. */
    private EngineStorage storage;

    Step(MysqlBackup backup, Context<MysqlBackup> context) {
      this.run =
          new BackupPass(
              new StatusSession<>(
                  backup, context, statusWriter, MysqlBackupStatus.class, MysqlBackupStatus::new),
              backup,
              cluster,
              statuses,
              events,
              quiescer,
              locking,
              snapshotter);
      this.backup = backup;
      this.status = run.status();
      this.ns = run.namespace();
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
        EncryptionKeys keys = EncryptionKeys.of(backup.getSpec().getEncryption());
        status.setEncryption(keys == null ? null : keys.status(null));
        run.saveNow();
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
      // Status is not an input: one that names another stored backup is refused.
      jobs.locations().requireStatusAgrees(backup);
      // Before anything is taken: a pod outside the operator's allowlist is refused here, and so
      // is a store that is missing or not for this namespace.
      jobs.checkPodSettings(backup, backup.getSpec().getPod());
      storage = jobs.storage(backup, backup.getSpec().getStorage(), false);
      var storageClaim = backup.getSpec().getStorage().getPersistentVolumeClaim();
      if (storageClaim != null && run.claim().equals(storageClaim.getClaimName())) {
        // Refused at apply by a CEL rule; checked again for resources stored before it.
        throw new InvalidSpecException(
            "spec.storage.persistentVolumeClaim.claimName is "
                + run.claim()
                + ", the claim being backed up (spec.source.persistentVolumeClaim): a backup"
                + " cannot be stored on the volume it copies; create a new MysqlBackup with"
                + " another storage claim");
      }
    }

    /** Fails an invalid spec and gives back what was taken: permanent until a new resource. */
    Duration refuse(InvalidSpecException e) {
      return refuse(Reason.InvalidSpec, e.getMessage());
    }

    Duration refuse(Reason reason, String message) {
      run.fail(reason, message);
      run.settle();
      return null;
    }

    /** Moves the backup on; returns when to look again, or null when only an event can help. */
    Duration advance() {
      if (StatusProjector.isDone(status.getPhase()) && run.settled()) {
        // Again on every reconcile of a finished backup: an unlock, or a clone or snapshot delete,
        // that failed before is retried.
        snapshotter.releaseAfterOutcome(run);
        run.unlockAll();
        outcome.reportLastSuccess(run);
        return partialRemoval.remove(run);
      }
      Optional<Job> found = cluster.job(ns, EngineJobFactory.backupJobName(backup));
      // Only the Job this very backup created (by owner uid) is observed: one of its name made by
      // someone else could carry any result.
      Optional<Job> job = found.filter(j -> JobOwnership.ownedBy(j, backup));
      Optional<Job> foreign = found.filter(j -> !JobOwnership.ownedBy(j, backup));
      if (job.isPresent()) {
        return outcome.observe(run, job.get());
      }
      if (StatusProjector.isDone(status.getPhase())) {
        // The outcome was recorded before the Job was let go (TTL): only giving back is left.
        run.settle();
        return run.settled() ? null : WAIT;
      }
      if (status.getPhase() == Phase.Running) {
        run.fail(
            foreign.isPresent() ? Reason.ForeignJob : Reason.Failed,
            "the engine Job "
                + EngineJobFactory.backupJobName(backup)
                + " was deleted before its result was read"
                + foreign.map(j -> " and replaced: " + JobOwnership.foreign(j, backup)).orElse("")
                + "; the backup may be incomplete: create a new MysqlBackup");
        run.settle();
        return null;
      }
      if (foreign.isPresent()) {
        return refuseForeign(foreign.get());
      }
      return start();
    }

    /**
     * Works towards creating the Job: the claims there, both locks held, the StatefulSet quiesced,
     * the storage checked, no pod on the claim.
     */
    Duration start() {
      Optional<Instant> deadline = startDeadline();
      Instant now = Instant.parse(conditions.now());
      if (deadline.isPresent() && now.isAfter(deadline.get())) {
        return notStartedInTime(deadline.get());
      }
      Duration wait = startSteps();
      if (wait != null && deadline.isPresent() && status.getPhase() == Phase.Pending) {
        // Look again by the deadline, whatever the step waits for.
        Duration left = Duration.between(now, deadline.get()).plusSeconds(1);
        return left.compareTo(wait) < 0 ? left : wait;
      }
      return wait;
    }

    /** When a schedule's backup must have started (annotation), if it is one. */
    Optional<Instant> startDeadline() {
      var a = backup.getMetadata().getAnnotations();
      String t = a == null ? null : a.get(START_DEADLINE);
      return t == null ? Optional.empty() : Optional.of(Instant.parse(t));
    }

    /**
     * A schedule's backup that has not started by its slot plus startingDeadlineSeconds: it fails,
     * and what it took (replicas, locks) is given back, as for a deletion; the next slot runs.
     */
    Duration notStartedInTime(Instant deadline) {
      String sts = run.statefulSetName();
      boolean scaled =
          status.getQuiesce() != null && status.getQuiesce().getScaledDownTime() != null;
      String waited =
          Conditions.find(status.getConditions(), Conditions.BLOCKED)
              .filter(c -> c.getStatus() == ConditionStatus.True)
              .map(c -> "; it was waiting: " + c.getMessage())
              .orElse("");
      run.fail(
          Reason.NotStartedInTime,
          "not started by "
              + deadline
              + " (its schedule's slot plus startingDeadlineSeconds)"
              + waited
              + (scaled ? "; StatefulSet " + sts + " gets its replicas back" : "")
              + ". The schedule's next slot runs as usual");
      run.settle();
      return null;
    }

    Duration startSteps() {
      Duration wait = preflight.claims(run);
      if (wait != null || status.getPhase() == Phase.Failed) {
        return wait;
      }
      wait = locking.lock(run);
      if (wait != null) {
        return wait;
      }
      if (Snapshotter.snapshotMode(backup)) {
        return snapshotSteps();
      }
      String sts = run.statefulSetName();
      if (sts != null) {
        wait = quiescer.target(run, sts, cluster.statefulSet(ns, sts));
        if (wait != null) {
          return wait;
        }
        wait = preflight.check(run);
        if (wait != null || status.getPhase() == Phase.Failed) {
          return wait;
        }
        wait = quiescer.scaleDown(run, sts);
        if (wait != null) {
          return wait;
        }
      }
      List<Pod> onClaim = run.mounting();
      if (!onClaim.isEmpty()) {
        return sts != null ? quiescer.awaitStopped(run, sts, onClaim) : refuseLive(onClaim);
      }
      if (sts == null) {
        wait = preflight.check(run);
        if (wait != null || status.getPhase() == Phase.Failed) {
          return wait;
        }
      }
      return createJob();
    }

    /**
     * Snapshot mode, with the claim locked: the snapshot class found (else Blocked, nothing made),
     * the storage checked, the names recorded, the VolumeSnapshot taken and ready, its clone
     * provided, then the Job on the clone. The database keeps running: no pod is stopped or waited
     * for.
     */
    Duration snapshotSteps() {
      boolean underLock = ReadLockStep.wanted(backup);
      if (underLock) {
        Duration wait = readLock.failIfLost(run);
        if (wait != null || status.getPhase() == Phase.Failed) {
          return wait;
        }
      }
      if (snapshotter.toCreate(run)) {
        SnapshotClassChoice choice = snapshotter.chooseClass(run);
        if (!choice.found()) {
          return snapshotter.refuse(run, choice, locking);
        }
        Duration wait = preflight.check(run);
        if (wait != null || status.getPhase() == Phase.Failed) {
          return wait;
        }
        snapshotter.record(run);
        if (underLock) {
          wait = readLock.lock(run, locking);
          if (wait != null || status.getPhase() == Phase.Failed) {
            return wait;
          }
        }
        snapshotter.take(run, choice.className());
      }
      if (underLock) {
        Duration wait = readLock.releaseOnceCut(run);
        if (wait != null || status.getPhase() == Phase.Failed) {
          return wait;
        }
      }
      Duration wait = snapshotter.awaitReady(run);
      if (wait != null || status.getPhase() == Phase.Failed) {
        return wait;
      }
      wait = snapshotter.provideClone(run);
      if (wait != null || status.getPhase() == Phase.Failed) {
        return wait;
      }
      return createJob();
    }

    /**
     * A Job of this backup's Job name that it did not create: Blocked until someone deletes it,
     * with nothing held; if the StatefulSet was scaled down already, the backup fails and gives it
     * back rather than keep the database down while a person looks.
     */
    Duration refuseForeign(Job foreign) {
      String why = JobOwnership.foreign(foreign, backup);
      if (status.getQuiesce() != null && status.getQuiesce().getScaledDownTime() != null) {
        run.fail(Reason.ForeignJob, why);
        run.settle();
        return null;
      }
      run.unlockAll();
      return run.block(Reason.ForeignJob, why);
    }

    /** Without quiesce, a pod on the claim is a live database: nothing runs, the claim is free. */
    Duration refuseLive(List<Pod> onClaim) {
      locking.unlockClaim(run);
      return run.block(
          Reason.ClaimInUse,
          "pod "
              + Cluster.podNames(onClaim)
              + " is running with PersistentVolumeClaim "
              + run.claim()
              + " mounted; a live database is never copied: stop it, or set"
              + " spec.source.quiesce.statefulSet and create a new MysqlBackup");
    }

    /** Creates the engine Job; returns when to look again, or null. */
    Duration createJob() {
      Job job = cluster.createJob(jobs.backupJob(backup, storage));
      if (!JobOwnership.ownedBy(job, backup)) {
        return refuseForeign(job); // made by someone else between our read and our create
      }
      log.info("created engine Job {}", job.getMetadata().getName());
      statuses.running(
          status,
          job.getMetadata().getName(),
          "backing up " + source() + " to " + run.where(),
          run.generation());
      events.record(
          backup,
          Type.Normal,
          Reason.JobCreated,
          "created engine Job " + job.getMetadata().getName() + " to back up " + source());
      InsecureEndpoint.warn(events, backup, storage);
      return null;
    }

    /** What the Job copies, for people: the claim, or the clone of its snapshot. */
    String source() {
      var s = status.getSnapshot();
      return Snapshotter.snapshotMode(backup) && s != null
          ? run.claim()
              + " (from its VolumeSnapshot "
              + s.getName()
              + ", clone "
              + s.getCloneClaim()
              + ")"
          : run.claim();
    }

    @Override
    public void retrying(String why) {
      giveUp.retrying(run, why);
    }

    @Override
    public Optional<Duration> lastAttempt(String why) {
      return giveUp.lastAttempt(run, why);
    }

    /** Writes the status if it changed, with the events and metrics of a transition. */
    @Override
    public void save() {
      if (run.session().finishing()) {
        outcome.reportFinished(run);
      }
      run.session().saveIfChanged();
      outcome.reportBlocked(run);
    }
  }
}
