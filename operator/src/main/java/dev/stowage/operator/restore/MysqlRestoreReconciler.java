package dev.stowage.operator.restore;

import dev.stowage.api.v1alpha1.DeletionPolicy;
import dev.stowage.api.v1alpha1.MysqlBackup;
import dev.stowage.api.v1alpha1.MysqlRestore;
import dev.stowage.api.v1alpha1.MysqlRestoreStatus;
import dev.stowage.api.v1alpha1.Phase;
import dev.stowage.api.v1alpha1.VolumeClaimTemplate;
import dev.stowage.operator.cluster.ClaimLocks;
import dev.stowage.operator.cluster.Cluster;
import dev.stowage.operator.cluster.EngineJobInformer;
import dev.stowage.operator.job.BackupLocations;
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
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.ErrorStatusUpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.retry.GradualRetry;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reconciles a MysqlRestore into one engine restore Job on its target claim.
 *
 * <p>Each reconcile: find the backup (waiting until a referenced MysqlBackup has succeeded), record
 * where it reads from, observe the Job, and either project its outcome or work towards starting it:
 * create the target claim from its template, lock it, wait until no pod mounts it, create the Job.
 * The restore never stops a pod: a database running on the target is the user's to stop.
 */
// About 4 minutes of retries for errors from the API server before giving up (see
// updateErrorStatus).
@GradualRetry(
    maxAttempts = 10,
    initialInterval = 2000,
    intervalMultiplier = 1.5,
    maxInterval = 60000)
@ControllerConfiguration(name = MysqlRestoreReconciler.NAME)
public final class MysqlRestoreReconciler implements Reconciler<MysqlRestore> {

  public static final String NAME = "mysqlrestore";

  private static final Logger log = LoggerFactory.getLogger(MysqlRestoreReconciler.class);

  /** How often a waiting restore looks again at what it waits for. */
  static final Duration WAIT = Duration.ofSeconds(5);

  /** How often a restore whose retries ran out looks again at its still-running Job. */
  static final Duration GIVE_UP_POLL = Duration.ofMinutes(1);

  /** Label on a claim created from a volumeClaimTemplate: the restore that created it. */
  public static final String LABEL_RESTORED_BY = "stowage.dev/restored-by";

  /**
   * Label on a restore's target claim: {@code in-progress} from before its Job is created, then
   * {@code complete} or {@code failed}. A claim labelled otherwise than complete may hold a partial
   * restore (the engine's marker file .stowage-restore-in-progress says so inside it too).
   */
  public static final String LABEL_RESTORE_STATE = "stowage.dev/restore-state";

  /** The restore-state label's value before this restore began, to give back when untouched. */
  public static final String ANNOTATION_STATE_BEFORE = "stowage.dev/restore-state-before";

  public static final String IN_PROGRESS = "in-progress";
  public static final String COMPLETE = "complete";
  public static final String FAILED = "failed";

  /**
   * Annotation on a claim created from a volumeClaimTemplate: the uid of the restore that created
   * it, so that a template never takes over a claim someone else made.
   */
  public static final String ANNOTATION_RESTORE_UID = "stowage.dev/created-by-restore-uid";

  private final EngineJobFactory jobs;
  private final Cluster cluster;
  private final StatusWriter statusWriter;
  private final EventRecorder events;
  private final Conditions conditions;
  private final StatusProjector statuses;
  private final EngineTimeouts timeouts;
  private final RestoreStateLabel stateLabel;
  private final RestoreOutcome outcome;

  public MysqlRestoreReconciler(
      EngineJobFactory jobs,
      Cluster cluster,
      StatusWriter statusWriter,
      EventRecorder events,
      OperatorMetrics metrics,
      Conditions conditions) {
    this(jobs, cluster, statusWriter, events, metrics, conditions, EngineTimeouts.DEFAULTS);
  }

  public MysqlRestoreReconciler(
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
    this.conditions = conditions;
    this.statuses = new StatusProjector(conditions);
    this.stateLabel = new RestoreStateLabel(cluster, events);
    this.outcome =
        new RestoreOutcome(cluster, events, metrics, conditions, statuses, timeouts, stateLabel);
  }

  @Override
  public List<EventSource<?, MysqlRestore>> prepareEventSources(
      EventSourceContext<MysqlRestore> context) {
    return List.of(EngineJobInformer.of(MysqlRestore.class, context));
  }

  @Override
  public UpdateControl<MysqlRestore> reconcile(
      MysqlRestore restore, Context<MysqlRestore> context) {
    Step step = new Step(restore, context);
    Duration again;
    try {
      again = step.advance();
    } catch (InvalidSpecException e) {
      again = step.refuse(e);
    }
    step.save();
    UpdateControl<MysqlRestore> control = UpdateControl.noUpdate();
    return again == null ? control : control.rescheduleAfter(again);
  }

  /**
   * An error JOSDK retries (the API server refused or failed a request): said in status.message
   * meanwhile; on the last attempt the MysqlRestore fails, and what it took (replicas, the claim)
   * is given back, so a database is never left scaled down by an operator that gave up.
   */
  @Override
  public ErrorStatusUpdateControl<MysqlRestore> updateErrorStatus(
      MysqlRestore restore, Context<MysqlRestore> context, Exception e) {
    return ApiErrors.updateErrorStatus(
        context,
        e,
        () ->
            cluster
                .restore(restore.getMetadata().getNamespace(), restore.getMetadata().getName())
                .map(fresh -> new Step(fresh, context))
                .filter(step -> !StatusProjector.isDone(step.status.getPhase())),
        log,
        "give back the claim");
  }

  private final class Step implements RestoreRun, ApiErrors.FreshRun {
    private final MysqlRestore restore;
    private final StatusSession<MysqlRestoreStatus, MysqlRestore> session;
    private final MysqlRestoreStatus status;
    private final String ns;
    private final Long generation;

    /** The MysqlBackup named by spec.backup, once found; null when spec.source names the backup. */
    private MysqlBackup referenced;

    /** Stops start(): when to look again, or null when only an event can help. */
    private record Halt(Duration again) {}

    Step(MysqlRestore restore, Context<MysqlRestore> context) {
      this.restore = restore;
      this.session =
          new StatusSession<>(
              restore, context, statusWriter, MysqlRestoreStatus.class, MysqlRestoreStatus::new);
      this.status = session.status();
      this.ns = restore.getMetadata().getNamespace();
      this.generation = restore.getMetadata().getGeneration();
    }

    @Override
    public MysqlRestore restore() {
      return restore;
    }

    @Override
    public MysqlRestoreStatus status() {
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

    @Override
    public String claim() {
      return BackupLocations.targetClaim(restore);
    }

    Duration advance() {
      if (status.getPhase() == null) {
        status.setPhase(Phase.Pending);
      }
      if (StatusProjector.isDone(status.getPhase())) {
        // Again on every reconcile of a finished restore: an unlock that failed before is retried.
        if (status.getTargetPersistentVolumeClaim() != null) {
          cluster.unlock(
              ns, ClaimLocks.claimLease(status.getTargetPersistentVolumeClaim()), restore);
        }
        return null;
      }
      Optional<Job> job = cluster.job(ns, EngineJobFactory.restoreJobName(restore));
      if (job.isPresent()) {
        return outcome.observe(this, job.get());
      }
      if (status.getPhase() == Phase.Running) {
        fail(
            Reason.Failed,
            "the engine Job "
                + EngineJobFactory.restoreJobName(restore)
                + " was deleted before its result was read; the target claim "
                + claim()
                + " may hold a partial restore (the engine's marker file says so): create a new"
                + " MysqlRestore with overwrite: true");
        stateLabel.markFailed(this);
        settle();
        return null;
      }
      return start();
    }

    /**
     * The restore's source and target, once the referenced backup (if any) succeeded; a spec that
     * names neither is refused with {@link InvalidSpecException}.
     */
    StoredBackup validate(MysqlBackup referenced) {
      StoredBackup source = jobs.locations().restoreSource(restore, referenced);
      claim();
      return source;
    }

    /** Fails an invalid spec and unlocks the claim: permanent until a new resource. */
    Duration refuse(InvalidSpecException e) {
      fail(Reason.InvalidSpec, e.getMessage());
      settle();
      return null;
    }

    /** Works towards creating the Job: the backup, where it is, the target claim, its lock. */
    Duration start() {
      Halt halt = awaitReferencedBackup();
      if (halt == null) {
        recordSource(validate(referenced));
        halt = provideTarget();
      }
      if (halt == null) {
        halt = lockTarget();
      }
      if (halt != null) {
        return halt.again();
      }
      createJob();
      return null;
    }

    /**
     * The MysqlBackup named by spec.backup, once it succeeded, kept in {@link #referenced}; a halt
     * while it is missing, unfinished, failed or being deleted.
     */
    Halt awaitReferencedBackup() {
      if (restore.getSpec().getBackup() != null) {
        String name = restore.getSpec().getBackup().getName();
        Optional<MysqlBackup> backup = cluster.backup(ns, name);
        if (backup.isEmpty()) {
          return new Halt(
              block(
                  Reason.WaitingForBackup,
                  "MysqlBackup " + name + " does not exist in " + ns + "; waiting for it"));
        }
        referenced = backup.get();
        Phase phase = referenced.getStatus() == null ? null : referenced.getStatus().getPhase();
        if (referenced.getMetadata().getDeletionTimestamp() != null) {
          fail(
              Reason.WaitingForBackup,
              "MysqlBackup "
                  + name
                  + " is being deleted"
                  + (referenced.getSpec().getDeletionPolicy() == DeletionPolicy.Delete
                      ? " with its stored backup"
                      : "")
                  + "; restore from spec.source (storage, directory "
                  + BackupLocations.backupDirectory(referenced)
                  + ", backupName "
                  + jobs.locations().backupName(referenced)
                  + ") if the backup is still in storage");
          return new Halt(null);
        }
        if (phase == Phase.Failed) {
          fail(
              Reason.WaitingForBackup,
              "MysqlBackup "
                  + name
                  + " failed, so there is nothing to"
                  + " restore: "
                  + referenced.getStatus().getMessage());
          return new Halt(null);
        }
        if (phase != Phase.Succeeded) {
          return new Halt(
              block(
                  Reason.WaitingForBackup,
                  "waiting for MysqlBackup "
                      + name
                      + " to succeed (it is "
                      + (phase == null ? "new" : phase)
                      + ")"));
        }
      }
      return null;
    }

    /** Where the restore reads from and writes to, written once, before anything is taken. */
    void recordSource(StoredBackup source) {
      if (status.getBackupName() == null) {
        status.setLocation(source.location());
        status.setDirectory(source.directory());
        status.setBackupName(source.name());
        status.setTargetPersistentVolumeClaim(claim());
        saveNow();
      }
    }

    /** The target claim: the existing one, or created from the template; never another's. */
    Halt provideTarget() {
      VolumeClaimTemplate template = restore.getSpec().getTarget().getVolumeClaimTemplate();
      Optional<PersistentVolumeClaim> existing = cluster.claim(ns, claim());
      if (template != null && existing.isPresent() && !createdByMe(existing.get())) {
        return new Halt(refuseAdoption());
      }
      if (existing.isEmpty()) {
        if (template == null) {
          return new Halt(
              block(
                  Reason.ClaimNotFound,
                  "PersistentVolumeClaim "
                      + claim()
                      + " (spec.target.persistentVolumeClaim) does not exist in "
                      + ns
                      + "; waiting for it"));
        }
        PersistentVolumeClaim created = cluster.createClaim(claimFrom(template));
        if (!createdByMe(created)) {
          return new Halt(refuseAdoption()); // someone created it between our read and create
        }
        events.record(
            restore,
            Type.Normal,
            Reason.ClaimCreated,
            "created PersistentVolumeClaim " + claim() + " from spec.target.volumeClaimTemplate");
      }
      return null;
    }

    /** The claim's lock, and no pod mounting it: a restore never writes under a database. */
    Halt lockTarget() {
      String holder = cluster.lock(ns, ClaimLocks.claimLease(claim()), restore);
      if (!holder.equals(ClaimLocks.holderIdentity(restore))) {
        return new Halt(
            block(
                Reason.WaitingForClaim,
                "waiting for "
                    + holder
                    + ", which is using PersistentVolumeClaim "
                    + claim()
                    + "; one backup or restore runs on a claim at a time"));
      }
      List<Pod> mounting = cluster.podsMounting(ns, claim());
      if (!mounting.isEmpty()) {
        cluster.unlock(ns, ClaimLocks.claimLease(claim()), restore);
        return new Halt(
            block(
                Reason.ClaimInUse,
                "pod "
                    + Cluster.podNames(mounting)
                    + " mounts the target"
                    + " PersistentVolumeClaim "
                    + claim()
                    + "; a restore never writes under a running database: stop it (for a"
                    + " StatefulSet, scale it down) and the restore starts"));
      }
      return null;
    }

    /** Marks the claim in progress and creates the engine Job. */
    void createJob() {
      stateLabel.markInProgress(this);
      Job job = cluster.createJob(jobs.restoreJob(restore, referenced));
      log.info("created engine Job {}", job.getMetadata().getName());
      statuses.running(
          status,
          job.getMetadata().getName(),
          "restoring " + where() + " into " + claim(),
          generation);
      events.record(
          restore,
          Type.Normal,
          Reason.JobCreated,
          "created engine Job " + job.getMetadata().getName() + " to restore into " + claim());
    }

    /** Whether this very restore (by uid) created the claim from its template. */
    boolean createdByMe(PersistentVolumeClaim pvc) {
      var annotations = pvc.getMetadata().getAnnotations();
      return annotations != null
          && restore.getMetadata().getUid() != null
          && restore.getMetadata().getUid().equals(annotations.get(ANNOTATION_RESTORE_UID));
    }

    Duration refuseAdoption() {
      fail(
          Reason.ClaimExists,
          "PersistentVolumeClaim "
              + claim()
              + " already exists and was not created by this MysqlRestore:"
              + " spec.target.volumeClaimTemplate never takes over an existing claim (it may hold"
              + " someone's data). To restore into it, create a new MysqlRestore with"
              + " spec.target.persistentVolumeClaim: "
              + claim()
              + " (and spec.overwrite: true if it is not empty); otherwise give the template"
              + " another name");
      settle();
      return null;
    }

    /**
     * Whether an overwrite restore is past its start deadline: counted from its creation, so that
     * an overwrite never fires long after the person who asked for it has moved on.
     */
    boolean overwriteTooLate() {
      if (!Boolean.TRUE.equals(restore.getSpec().getOverwrite())) {
        return false;
      }
      String created = restore.getMetadata().getCreationTimestamp();
      if (created == null || created.isEmpty()) {
        return false;
      }
      Instant since = java.time.OffsetDateTime.parse(created).toInstant();
      return Duration.between(since, Instant.parse(conditions.now()))
              .compareTo(timeouts.overwriteStart())
          > 0;
    }

    PersistentVolumeClaim claimFrom(VolumeClaimTemplate template) {
      Map<String, String> labels = new HashMap<>();
      if (template.getMetadata().getLabels() != null) {
        labels.putAll(template.getMetadata().getLabels());
      }
      labels.put(LABEL_RESTORED_BY, restore.getMetadata().getName());
      Map<String, String> annotations = new HashMap<>();
      if (template.getMetadata().getAnnotations() != null) {
        annotations.putAll(template.getMetadata().getAnnotations());
      }
      annotations.put(ANNOTATION_RESTORE_UID, restore.getMetadata().getUid());
      // Not owned by the restore: the restored data outlives the MysqlRestore that wrote it.
      return new PersistentVolumeClaimBuilder()
          .withNewMetadata()
          .withName(claim())
          .withNamespace(ns)
          .withLabels(labels)
          .withAnnotations(annotations)
          .endMetadata()
          .withSpec(template.getSpec())
          .build();
    }

    @Override
    public String where() {
      return StoredBackup.describe(
          status.getLocation(), status.getDirectory(), status.getBackupName());
    }

    @Override
    public void settle() {
      cluster.unlock(ns, ClaimLocks.claimLease(claim()), restore);
      Conditions.remove(status.getConditions(), Conditions.BLOCKED);
    }

    Duration block(Reason reason, String message) {
      if (overwriteTooLate()) {
        fail(
            Reason.OverwriteDeadlineExceeded,
            "this restore with spec.overwrite: true could not start within "
                + EngineStart.text(timeouts.overwriteStart())
                + " of its creation ("
                + message
                + "); it fails rather than overwrite the target whenever it happens to become free."
                + " Create a new MysqlRestore when the target is ready");
        settle();
        return null;
      }
      statuses.block(status, reason, message, generation);
      return WAIT;
    }

    @Override
    public void fail(Reason reason, String message) {
      statuses.fail(status, reason, message, generation);
    }

    @Override
    public void saveNow() {
      session.saveNow();
    }

    @Override
    public void retrying(String why) {
      status.setMessage(retryingMessage(why, engineRunning()));
    }

    @Override
    public Optional<Duration> lastAttempt(String why) {
      if (engineRunning()) {
        status.setMessage(retryingMessage(why, true));
        return Optional.of(GIVE_UP_POLL);
      }
      fail(Reason.Failed, "gave up after repeated errors from the Kubernetes API: " + why);
      settle();
      return Optional.empty();
    }

    String retryingMessage(String why, boolean running) {
      return "retrying after an error from the Kubernetes API: "
          + why
          + (running ? "; the engine Job still runs and is watched until it finishes" : "");
    }

    /** Whether the engine Job exists and has not finished: then the restore never gives up. */
    boolean engineRunning() {
      Optional<Job> job = cluster.job(ns, EngineJobFactory.restoreJobName(restore));
      return job.isPresent() && !EngineRun.observe(job.get(), List.of()).finished();
    }

    @Override
    public void save() {
      if (session.finishing()) {
        outcome.reportFinished(this);
      }
      session.saveIfChanged();
    }
  }
}
