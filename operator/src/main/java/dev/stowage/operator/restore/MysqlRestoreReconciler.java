package dev.stowage.operator.restore;

import dev.stowage.api.v1alpha1.MysqlBackup;
import dev.stowage.api.v1alpha1.MysqlRestore;
import dev.stowage.api.v1alpha1.MysqlRestoreStatus;
import dev.stowage.api.v1alpha1.Phase;
import dev.stowage.api.v1alpha1.SecretKeyRef;
import dev.stowage.operator.cluster.ClaimLocks;
import dev.stowage.operator.cluster.Cluster;
import dev.stowage.operator.cluster.EngineJobInformer;
import dev.stowage.operator.cluster.EngineJobWatch;
import dev.stowage.operator.job.EncryptionKeys;
import dev.stowage.operator.job.EngineJobFactory;
import dev.stowage.operator.job.EngineStorage;
import dev.stowage.operator.job.EngineTimeouts;
import dev.stowage.operator.job.JobOwnership;
import dev.stowage.operator.job.StatusMismatchException;
import dev.stowage.operator.job.StoredBackup;
import dev.stowage.operator.metrics.OperatorMetrics;
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
import java.util.List;
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
 *
 * <p>This class is the flow (observe, or validate and start); the work is done by its
 * collaborators, each seeing the reconcile as a {@link RestoreRun}: {@link RestoreOutcome}, {@link
 * RestoreStateLabel}, {@link ReferencedBackup}, {@link RestoreTarget} and {@link GiveUp}.
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
  private final RestoreTarget target;
  private final ReferencedBackup referencedBackup;
  private final GiveUp giveUp;

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
    this.target = new RestoreTarget(cluster, events);
    this.referencedBackup = new ReferencedBackup(jobs, cluster);
    this.giveUp = new GiveUp(cluster);
    this.outcome =
        new RestoreOutcome(
            cluster,
            events,
            metrics,
            statuses,
            new EngineJobWatch(cluster, () -> Instant.parse(conditions.now()), timeouts.podStart()),
            stateLabel);
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
    } catch (StatusMismatchException e) {
      again = step.refuse(Reason.StatusMismatch, e.getMessage());
    }
    step.save();
    UpdateControl<MysqlRestore> control = UpdateControl.noUpdate();
    return again == null ? control : control.rescheduleAfter(again);
  }

  /**
   * An error JOSDK retries (the API server refused or failed a request): said in status.message
   * meanwhile; on the last attempt the MysqlRestore fails and unlocks its claim, unless its engine
   * Job still runs (see {@link GiveUp}).
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

  /** One reconcile of one restore, as its steps: observe, or validate and start. */
  private final class Step implements ApiErrors.FreshRun {
    private final RestorePass run;
    private final MysqlRestore restore;
    private final MysqlRestoreStatus status;
    private final String ns;

    /** The source storage as validate() resolved it: a store is read once per reconcile. */
    private EngineStorage storage;

    Step(MysqlRestore restore, Context<MysqlRestore> context) {
      this.run =
          new RestorePass(
              new StatusSession<>(
                  restore,
                  context,
                  statusWriter,
                  MysqlRestoreStatus.class,
                  MysqlRestoreStatus::new),
              restore,
              cluster,
              statuses,
              conditions,
              timeouts);
      this.restore = restore;
      this.status = run.status();
      this.ns = run.namespace();
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
      Optional<Job> found = cluster.job(ns, EngineJobFactory.restoreJobName(restore));
      // Only the Job this very restore created (by owner uid) is observed.
      Optional<Job> job = found.filter(j -> JobOwnership.ownedBy(j, restore));
      Optional<Job> foreign = found.filter(j -> !JobOwnership.ownedBy(j, restore));
      if (job.isPresent()) {
        return outcome.observe(run, job.get());
      }
      if (status.getPhase() == Phase.Running) {
        run.fail(
            Reason.Failed,
            "the engine Job "
                + EngineJobFactory.restoreJobName(restore)
                + " was deleted before its result was read"
                + foreign.map(j -> " and replaced: " + JobOwnership.foreign(j, restore)).orElse("")
                + "; the target claim "
                + run.claim()
                + " may hold a partial restore (the engine's marker file says so): create a new"
                + " MysqlRestore with overwrite: true");
        stateLabel.markFailed(run);
        run.settle();
        return null;
      }
      if (foreign.isPresent()) {
        // Nothing is taken before the Job is created, so there is nothing to give back.
        return run.block(Reason.ForeignJob, JobOwnership.foreign(foreign.get(), restore));
      }
      return start();
    }

    /**
     * The restore's source and target, once the referenced backup (if any) succeeded; a spec that
     * names neither is refused with {@link InvalidSpecException}.
     */
    StoredBackup validate(MysqlBackup referenced) {
      StoredBackup source = jobs.locations().restoreSource(restore, referenced);
      // A store that is missing or not for this namespace is refused before the claim is taken.
      storage = jobs.storage(restore, source.storage(), true);
      EncryptionKeys keys = EncryptionKeys.of(restore.getSpec().getEncryption());
      if (keys == null
          && referenced != null
          && referenced.getSpec() != null
          && referenced.getSpec().getEncryption() != null) {
        // The engine would refuse it too (exit 4), but only once a claim was taken and a Job ran.
        SecretKeyRef used = referenced.getSpec().getEncryption().getKeySecretRef();
        SecretKeyRef passphrase = referenced.getSpec().getEncryption().getPassphraseSecretRef();
        String field = passphrase != null ? "passphraseSecretRef" : "keySecretRef";
        throw new InvalidSpecException(
            "MysqlBackup "
                + referenced.getMetadata().getName()
                + " (spec.backup) is encrypted"
                + (passphrase != null
                    ? " with the passphrase in key "
                        + passphrase.getKey()
                        + " of Secret "
                        + passphrase.getName()
                        + " (its spec.encryption.passphraseSecretRef)"
                    : used == null
                        ? ""
                        : " with key "
                            + used.getKey()
                            + " of Secret "
                            + used.getName()
                            + " (its spec.encryption.keySecretRef)")
                + ": set spec.encryption."
                + field
                + " to that key in a new MysqlRestore. Nothing was written");
      }
      run.claim();
      return source;
    }

    /** Fails an invalid spec and unlocks the claim: permanent until a new resource. */
    Duration refuse(InvalidSpecException e) {
      return refuse(Reason.InvalidSpec, e.getMessage());
    }

    Duration refuse(Reason reason, String message) {
      run.fail(reason, message);
      run.settle();
      return null;
    }

    /** Works towards creating the Job: the backup, where it is, the target claim, its lock. */
    Duration start() {
      // Before waiting for anything or taking the claim: refused at once, not once the backup
      // is done.
      jobs.checkPodSettings(restore, restore.getSpec() == null ? null : restore.getSpec().getPod());
      Halt halt = referencedBackup.await(run);
      if (halt == null) {
        recordSource(validate(run.referenced()));
        halt = target.provide(run);
      }
      if (halt == null) {
        halt = target.lock(run);
      }
      if (halt != null) {
        return halt.again();
      }
      createJob();
      return null;
    }

    /** Where the restore reads from and writes to, written once, before anything is taken. */
    void recordSource(StoredBackup source) {
      if (status.getBackupName() == null) {
        status.setLocation(source.location());
        status.setDirectory(source.directory());
        status.setBackupName(source.name());
        status.setTargetPersistentVolumeClaim(run.claim());
        EncryptionKeys keys = EncryptionKeys.of(restore.getSpec().getEncryption());
        status.setEncryption(keys == null ? null : keys.status(null));
        run.saveNow();
      }
    }

    /** Marks the claim in progress and creates the engine Job. */
    void createJob() {
      stateLabel.markInProgress(run);
      Job job = cluster.createJob(jobs.restoreJob(restore, run.referenced(), storage));
      if (!JobOwnership.ownedBy(job, restore)) {
        // Made by someone else between our read and our create: nothing of ours wrote.
        run.fail(Reason.ForeignJob, JobOwnership.foreign(job, restore));
        stateLabel.markUntouched(run);
        run.settle();
        return;
      }
      log.info("created engine Job {}", job.getMetadata().getName());
      statuses.running(
          status,
          job.getMetadata().getName(),
          "restoring " + run.where() + " into " + run.claim(),
          run.generation());
      events.record(
          restore,
          Type.Normal,
          Reason.JobCreated,
          "created engine Job " + job.getMetadata().getName() + " to restore into " + run.claim());
      InsecureEndpoint.warn(events, restore, storage);
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
    }
  }
}
