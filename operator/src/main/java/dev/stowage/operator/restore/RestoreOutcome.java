package dev.stowage.operator.restore;

import static dev.stowage.operator.restore.MysqlRestoreReconciler.COMPLETE;
import static dev.stowage.operator.restore.MysqlRestoreReconciler.WAIT;

import dev.stowage.api.v1alpha1.BackupStorage;
import dev.stowage.api.v1alpha1.MysqlRestore;
import dev.stowage.api.v1alpha1.MysqlRestoreStatus;
import dev.stowage.api.v1alpha1.Phase;
import dev.stowage.operator.backup.MysqlBackupReconciler;
import dev.stowage.operator.cluster.Cluster;
import dev.stowage.operator.cluster.EngineJobWatch;
import dev.stowage.operator.job.CrdTerms;
import dev.stowage.operator.job.EncryptionKeys;
import dev.stowage.operator.job.EngineRun;
import dev.stowage.operator.job.EngineStart;
import dev.stowage.operator.metrics.OperatorMetrics;
import dev.stowage.operator.status.Display;
import dev.stowage.operator.status.EventRecorder;
import dev.stowage.operator.status.EventRecorder.Type;
import dev.stowage.operator.status.Reason;
import dev.stowage.operator.status.StatusProjector;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A restore's engine Job observed: running, unable to start, or finished with its result projected
 * onto the status and the target labelled accordingly; and a finished restore reported (metrics,
 * event, log) once.
 */
final class RestoreOutcome {
  // The reconciler's logger: the log reads as before this had a class of its own.
  private static final Logger log = LoggerFactory.getLogger(MysqlRestoreReconciler.class);

  private final Cluster cluster;
  private final EventRecorder events;
  private final OperatorMetrics metrics;
  private final StatusProjector statuses;
  private final EngineJobWatch watch;
  private final RestoreStateLabel labels;

  RestoreOutcome(
      Cluster cluster,
      EventRecorder events,
      OperatorMetrics metrics,
      StatusProjector statuses,
      EngineJobWatch watch,
      RestoreStateLabel labels) {
    this.cluster = cluster;
    this.events = events;
    this.metrics = metrics;
    this.statuses = statuses;
    this.watch = watch;
    this.labels = labels;
  }

  /** Projects a Job onto the status; once it has finished, labels the target and unlocks it. */
  Duration observe(RestoreRun run, Job job) {
    MysqlRestoreStatus status = run.status();
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
          "restoring " + run.where() + " into " + run.claim(),
          run.generation());
      // Pods send no events here: look again until the engine has started, then for progress.
      return look.engineStarted() ? watch.progress(status, ns, look) : WAIT;
    }
    String resolved = engine.result().name();
    if (resolved != null
        && !resolved.isEmpty()
        && !resolved.equals(status.getBackupName())
        && "latest".equals(status.getBackupName())) {
      // "latest" names whatever was newest when the engine looked: record which one it was.
      status.setBackupName(resolved);
    }
    Long files = engine.result().files();
    statuses.finished(
        status,
        engine,
        "restored "
            + (files == null ? "the" : files)
            + " files of "
            + run.where()
            + " into "
            + run.claim(),
        run.generation());
    EncryptionKeys keys = EncryptionKeys.of(run.restore().getSpec().getEncryption());
    if (engine.state() == EngineRun.State.FAILED) {
      status.setMessage(
          CrdTerms.translate(status.getMessage(), run.claim(), sourceStorage(run), keys));
    }
    if (keys != null && engine.result().encryptionKeyId() != null) {
      status.setEncryption(
          keys.status(engine.result().encryptionKeyId(), engine.result().encryptionKeyForm()));
    }
    if (engine.state() == EngineRun.State.SUCCEEDED) {
      Long written = engine.result().bytesWritten();
      status.setBytesWritten(written);
      status.setSize(written == null ? null : Display.size(written));
      status.setTimeToRestore(timeToRestore(run.restore(), engine.completionTime()));
      watch.succeeded(status, ns, look);
      labels.markClaim(run, COMPLETE, null);
    } else if (refusedBeforeWriting(engine)) {
      status.setMessage(
          status.getMessage()
              + "; the engine refused before writing, so PersistentVolumeClaim "
              + run.claim()
              + " is untouched");
      labels.markUntouched(run);
    } else {
      labels.markFailed(run);
    }
    run.settle();
    // The outcome is recorded before the Job may go; the operator never reads it again.
    run.saveNow();
    cluster.expireJob(
        ns, job.getMetadata().getName(), MysqlBackupReconciler.FINISHED_JOB_TTL_SECONDS);
    return null;
  }

  /**
   * The engine cannot start: delete the Job and fail, saying whether an earlier engine pod may have
   * written to the target.
   */
  private Duration cannotStart(RestoreRun run, Job job, EngineStart.Stuck stuck) {
    cluster.deleteJob(run.namespace(), job.getMetadata().getName());
    run.fail(
        Reason.EnginePodCannotStart,
        "the engine pod could not start: "
            + stuck.why()
            + "; deleted Job "
            + job.getMetadata().getName()
            + (stuck.engineRan()
                ? "; an earlier engine pod ran, so PersistentVolumeClaim "
                    + run.claim()
                    + " may hold a partial restore (the engine's marker file"
                    + " .stowage-restore-in-progress says so): restore it again with a new"
                    + " MysqlRestore and spec.overwrite: true"
                : "; PersistentVolumeClaim "
                    + run.claim()
                    + " is untouched. Fix the cause and create a new MysqlRestore"));
    if (stuck.engineRan()) {
      labels.markFailed(run);
    } else {
      labels.markUntouched(run);
    }
    run.settle();
    return null;
  }

  /** The storage the backup is read from, for messages; null when it cannot be read. */
  private BackupStorage sourceStorage(RestoreRun run) {
    MysqlRestore restore = run.restore();
    if (restore.getSpec().getSource() != null) {
      return restore.getSpec().getSource().getStorage();
    }
    return cluster
        .backup(run.namespace(), restore.getSpec().getBackup().getName())
        .map(b -> b.getSpec().getStorage())
        .orElse(null);
  }

  /**
   * Whether a failed engine stopped before writing anything: invalid settings (2) and an unsafe
   * target (5: not empty, no space) are refused before the marker is written. Never when the engine
   * says the target already held the restore marker as it started: an earlier pod of the Job
   * (evicted, killed) wrote into it, and the refusal of the next one leaves that half-written.
   */
  static boolean refusedBeforeWriting(EngineRun engine) {
    Integer code = engine.result().exitCode();
    return code != null
        && !Boolean.TRUE.equals(engine.result().targetHeldMarker())
        && (code == 2
            || code == 5
            // Integrity: a refusal of the MANIFEST (a missing or wrong key, an edited or replaced
            // MANIFEST) comes before any write, as the restore reads and checks it first; an
            // object that fails later (a damaged or swapped object) comes after writes. Decided by
            // the object the engine names, not by its text, which may quote file names.
            || (code == 4 && refusedTheManifest(engine.result().object())));
  }

  private static boolean refusedTheManifest(String object) {
    return object != null && object.endsWith("/MANIFEST");
  }

  /** The metrics, event and log line of a restore that finished in this reconcile. */
  void reportFinished(RestoreRun run) {
    MysqlRestoreStatus status = run.status();
    boolean ok = status.getPhase() == Phase.Succeeded;
    metrics.restoreFinished(
        run.namespace(),
        ok ? OperatorMetrics.Result.succeeded : OperatorMetrics.Result.failed,
        status.getDurationSeconds(),
        status.getBytesWritten());
    events.record(
        run.restore(),
        ok ? Type.Normal : Type.Warning,
        ok ? Reason.Succeeded : Reason.Failed,
        status.getMessage());
    if (ok) {
      log.info("restore succeeded: {}", status.getMessage());
    } else {
      log.warn("restore failed: {}", status.getMessage());
    }
  }

  /** From the restore's creation to its data on disk: what the database's users waited. */
  static String timeToRestore(MysqlRestore restore, String completionTime) {
    String created = restore.getMetadata().getCreationTimestamp();
    if (created == null || completionTime == null) {
      return null;
    }
    java.time.Duration d =
        java.time.Duration.between(
            java.time.Instant.parse(created), java.time.Instant.parse(completionTime));
    return Display.duration(Math.max(0, d.toMillis()) / 1000.0);
  }
}
