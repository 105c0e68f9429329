package dev.stowage.operator.backup;

import static dev.stowage.api.v1alpha1.ConditionStatus.True;
import static dev.stowage.operator.backup.MysqlBackupReconciler.FINISHED_JOB_TTL_SECONDS;
import static dev.stowage.operator.backup.MysqlBackupReconciler.WAIT;

import dev.stowage.api.v1alpha1.MysqlBackup;
import dev.stowage.api.v1alpha1.MysqlBackupStatus;
import dev.stowage.api.v1alpha1.Phase;
import dev.stowage.operator.cluster.Cluster;
import dev.stowage.operator.cluster.EngineJobWatch;
import dev.stowage.operator.job.CrdTerms;
import dev.stowage.operator.job.EncryptionKeys;
import dev.stowage.operator.job.EngineRun;
import dev.stowage.operator.job.EngineStart;
import dev.stowage.operator.metrics.OperatorMetrics;
import dev.stowage.operator.status.Conditions;
import dev.stowage.operator.status.Display;
import dev.stowage.operator.status.EventRecorder;
import dev.stowage.operator.status.EventRecorder.Type;
import dev.stowage.operator.status.Reason;
import dev.stowage.operator.status.StatusProjector;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import java.time.Duration;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A backup's engine Job observed: running, unable to start, or finished with its result projected
 * onto the status; and what the status means for metrics and events: a finished backup reported
 * once, its last success, whether it is blocked.
 */
final class BackupOutcome {
  // The reconciler's logger: the log reads as before this had a class of its own.
  private static final Logger log = LoggerFactory.getLogger(MysqlBackupReconciler.class);

  private final Cluster cluster;
  private final EventRecorder events;
  private final OperatorMetrics metrics;
  private final StatusProjector statuses;
  private final EngineJobWatch watch;
  private final PartialBackupRemoval partialRemoval;
  private final Snapshotter snapshotter;

  BackupOutcome(
      Cluster cluster,
      EventRecorder events,
      OperatorMetrics metrics,
      StatusProjector statuses,
      EngineJobWatch watch,
      PartialBackupRemoval partialRemoval,
      Snapshotter snapshotter) {
    this.cluster = cluster;
    this.events = events;
    this.metrics = metrics;
    this.statuses = statuses;
    this.watch = watch;
    this.partialRemoval = partialRemoval;
    this.snapshotter = snapshotter;
  }

  /** Projects a Job onto the status; once it has finished, gives back what was taken. */
  Duration observe(BackupRun run, Job job) {
    MysqlBackupStatus status = run.status();
    String ns = run.namespace();
    EngineJobWatch.Look look = watch.look(ns, job);
    EngineRun engine = look.engine();
    status.setStartTime(engine.startTime());
    if (look.stuck().isPresent()) {
      return cannotStart(run, job, look.stuck().get());
    }
    if (!engine.finished()) {
      statuses.running(
          status,
          job.getMetadata().getName(),
          "backing up " + run.claim() + " to " + run.where(),
          run.generation());
      // Pods send no events here: look again until the engine has started, then for progress.
      return look.engineStarted() ? watch.progress(status, ns, look) : WAIT;
    }
    Long files = engine.result().files();
    statuses.finished(
        status,
        engine,
        "backed up "
            + (files == null ? "the" : files)
            + " files of "
            + run.claim()
            + " to "
            + run.where(),
        run.generation());
    EncryptionKeys keys = EncryptionKeys.of(run.backup().getSpec().getEncryption());
    if (engine.state() == EngineRun.State.SUCCEEDED) {
      Long stored = engine.result().bytesStored();
      status.setBytesStored(stored);
      status.setSize(stored == null ? null : Display.size(stored));
      if (keys != null) {
        status.setEncryption(
            keys.status(engine.result().encryptionKeyId(), engine.result().encryptionKeyForm()));
      }
      watch.succeeded(status, ns, look);
    } else {
      status.setMessage(
          CrdTerms.translate(
              status.getMessage(), run.claim(), run.backup().getSpec().getStorage(), keys));
      Integer code = engine.result().exitCode();
      if (code == null || (code != 2 && code != 5)) {
        // Exit 2 and 5 stop before storing anything (and 5 may be someone else's backup).
        partialRemoval.noteStored(run);
      }
    }
    run.settle();
    // The outcome is recorded before the Job may go; the operator never reads it again.
    run.saveNow();
    cluster.expireJob(ns, job.getMetadata().getName(), FINISHED_JOB_TTL_SECONDS);
    // Snapshot mode: the next pass, with the outcome stored, lets the clone go
    // (releaseAfterOutcome).
    return run.settled() && !Snapshotter.snapshotMode(run.backup()) ? null : WAIT;
  }

  /**
   * The engine cannot start: no engine container has run in this pod, so the volume is untouched by
   * it; delete the Job, fail, and give the database back at once.
   */
  private Duration cannotStart(BackupRun run, Job job, EngineStart.Stuck stuck) {
    MysqlBackupStatus status = run.status();
    cluster.deleteJob(run.namespace(), job.getMetadata().getName());
    String sts = status.getQuiesce() == null ? null : status.getQuiesce().getStatefulSet();
    var clone = snapshotter.cloneProblem(run);
    if (clone.isPresent()) {
      // The pod waits for its volume: the driver's words say why, the pod's would not.
      run.fail(
          Reason.CloneNotProvisioned,
          clone.get()
              + "; deleted Job "
              + job.getMetadata().getName()
              + ". Fix the cause and create a new MysqlBackup");
      run.settle();
      return null;
    }
    run.fail(
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
      partialRemoval.noteStored(run);
    }
    run.settle();
    return null;
  }

  /** The metrics, event and log line of a backup that finished in this reconcile. */
  void reportFinished(BackupRun run) {
    MysqlBackup backup = run.backup();
    MysqlBackupStatus status = run.status();
    boolean ok = status.getPhase() == Phase.Succeeded;
    metrics.backupFinished(
        run.namespace(),
        ok ? OperatorMetrics.Result.succeeded : OperatorMetrics.Result.failed,
        status.getDurationSeconds(),
        status.getBytesRead(),
        status.getBytesStored());
    reportLastSuccess(run);
    if (ok) {
      events.record(backup, Type.Normal, Reason.Succeeded, status.getMessage());
      log.info("backup succeeded: {}", status.getMessage());
    } else {
      events.record(backup, Type.Warning, Reason.Failed, status.getMessage());
      log.warn("backup failed: {}", status.getMessage());
    }
  }

  /** The last-success gauge of the source claim, from a succeeded backup's completion time. */
  void reportLastSuccess(BackupRun run) {
    MysqlBackupStatus status = run.status();
    if (status.getPhase() == Phase.Succeeded && status.getCompletionTime() != null) {
      metrics.backupSucceededAt(
          run.namespace(), run.claim(), Instant.parse(status.getCompletionTime()));
    }
  }

  /** The blocked-backups gauge: Pending with Blocked=True, and not being deleted. */
  void reportBlocked(BackupRun run) {
    MysqlBackup backup = run.backup();
    MysqlBackupStatus status = run.status();
    metrics.backupBlocked(
        run.namespace(),
        backup.getMetadata().getUid(),
        status.getPhase() == Phase.Pending
            && Conditions.find(status.getConditions(), Conditions.BLOCKED)
                .filter(c -> c.getStatus() == True)
                .isPresent()
            && backup.getMetadata().getDeletionTimestamp() == null);
  }
}
