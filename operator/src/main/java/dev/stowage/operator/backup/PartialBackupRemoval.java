package dev.stowage.operator.backup;

import static dev.stowage.api.v1alpha1.ConditionStatus.False;
import static dev.stowage.api.v1alpha1.ConditionStatus.True;
import static dev.stowage.operator.backup.MysqlBackupReconciler.WAIT;

import dev.stowage.api.v1alpha1.MysqlBackup;
import dev.stowage.api.v1alpha1.MysqlBackupStatus;
import dev.stowage.api.v1alpha1.Phase;
import dev.stowage.operator.cluster.Cluster;
import dev.stowage.operator.cluster.EngineJobWatch;
import dev.stowage.operator.job.CrdTerms;
import dev.stowage.operator.job.EngineJobFactory;
import dev.stowage.operator.job.EngineRun;
import dev.stowage.operator.job.EngineStart;
import dev.stowage.operator.job.JobOwnership;
import dev.stowage.operator.job.StatusMismatchException;
import dev.stowage.operator.status.Conditions;
import dev.stowage.operator.status.EventRecorder;
import dev.stowage.operator.status.EventRecorder.Type;
import dev.stowage.operator.status.Reason;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import java.time.Duration;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Removes what a failed backup stored, with the engine's rm Job, whatever the deletionPolicy. */
final class PartialBackupRemoval {
  // The reconciler's logger: the log reads as before this had a class of its own.
  private static final Logger log = LoggerFactory.getLogger(MysqlBackupReconciler.class);

  private final EngineJobFactory jobs;
  private final Cluster cluster;
  private final EventRecorder events;
  private final Conditions conditions;
  private final EngineJobWatch watch;

  PartialBackupRemoval(
      EngineJobFactory jobs,
      Cluster cluster,
      EventRecorder events,
      Conditions conditions,
      EngineJobWatch watch) {
    this.jobs = jobs;
    this.cluster = cluster;
    this.events = events;
    this.conditions = conditions;
    this.watch = watch;
  }

  /** Notes that the failed engine may have stored objects, for {@link #remove}. */
  void noteStored(BackupRun run) {
    MysqlBackupStatus status = run.status();
    conditions.set(
        status.getConditions(),
        Conditions.PARTIAL_REMOVED,
        False,
        Reason.RemovingPartialBackup.name(),
        "removing what the failed backup stored in " + run.where(),
        run.generation());
  }

  /**
   * Removes what a failed backup stored with the engine's rm, whatever the deletionPolicy: a failed
   * backup is never restorable. Returns when to look again, or null when nothing is left to do.
   */
  Duration remove(BackupRun run) {
    MysqlBackup backup = run.backup();
    MysqlBackupStatus status = run.status();
    String ns = run.namespace();
    var pending =
        Conditions.find(status.getConditions(), Conditions.PARTIAL_REMOVED)
            .filter(
                c ->
                    c.getStatus() == False
                        && Reason.RemovingPartialBackup.name().equals(c.getReason()));
    if (status.getPhase() != Phase.Failed || pending.isEmpty()) {
      return null;
    }
    String rmName = EngineJobFactory.deleteJobName(backup);
    Optional<Job> rm = cluster.job(ns, rmName);
    if (rm.isEmpty()) {
      try {
        jobs.locations().requireStatusAgrees(backup);
      } catch (StatusMismatchException e) {
        // Status is not an input: never remove what a status that disagrees names.
        String msg = "nothing was removed: " + e.getMessage();
        conditions.set(
            status.getConditions(),
            Conditions.PARTIAL_REMOVED,
            False,
            Reason.PartialBackupNotRemoved.name(),
            msg,
            run.generation());
        events.record(backup, Type.Warning, Reason.StatusMismatch, msg);
        return null;
      }
      cluster.createJob(jobs.deleteJob(backup));
      log.info("created Job {} to remove what the failed backup stored", rmName);
      return WAIT;
    }
    if (!JobOwnership.rmFor(rm.get(), backup)) {
      conditions.set(
          status.getConditions(),
          Conditions.PARTIAL_REMOVED,
          False,
          Reason.RemovingPartialBackup.name(),
          "cannot remove what the failed backup stored in "
              + run.where()
              + " yet: "
              + JobOwnership.foreign(rm.get(), backup),
          run.generation());
      return WAIT;
    }
    EngineJobWatch.Look look = watch.look(ns, rm.get());
    EngineRun rmRun = look.engine();
    switch (rmRun.state()) {
      case SUCCEEDED -> {
        String msg = "removed what the failed backup stored in " + run.where();
        conditions.set(
            status.getConditions(),
            Conditions.PARTIAL_REMOVED,
            True,
            Reason.PartialBackupRemoved.name(),
            msg,
            run.generation());
        events.record(backup, Type.Normal, Reason.PartialBackupRemoved, msg);
        cluster.deleteJob(ns, rmName);
        return null;
      }
      case FAILED -> {
        String msg =
            "could not remove what the failed backup stored in "
                + run.where()
                + ": "
                + CrdTerms.translate(rmRun.failureMessage(), null, backup.getSpec().getStorage())
                + "; remove it with stowage rm, or leave it (stowage ls shows it as"
                + " incomplete, and it is never restored)";
        conditions.set(
            status.getConditions(),
            Conditions.PARTIAL_REMOVED,
            False,
            Reason.PartialBackupNotRemoved.name(),
            msg,
            run.generation());
        events.record(backup, Type.Warning, Reason.PartialBackupNotRemoved, msg);
        return null;
      }
      default -> {
        Optional<EngineStart.Stuck> stuck = look.stuck();
        if (stuck.isPresent()) {
          cluster.deleteJob(ns, rmName);
          conditions.set(
              status.getConditions(),
              Conditions.PARTIAL_REMOVED,
              False,
              Reason.PartialBackupNotRemoved.name(),
              "the rm pod could not start: " + stuck.get().why(),
              run.generation());
          return null;
        }
        return WAIT;
      }
    }
  }
}
