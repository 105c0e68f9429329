package dev.stowage.operator.backup;

import static dev.stowage.operator.backup.MysqlBackupReconciler.DELETE_RETRY;
import static dev.stowage.operator.backup.MysqlBackupReconciler.QUIESCE_POLL;
import static dev.stowage.operator.backup.MysqlBackupReconciler.WAIT;

import dev.stowage.api.v1alpha1.DeletionPolicy;
import dev.stowage.api.v1alpha1.MysqlBackup;
import dev.stowage.api.v1alpha1.MysqlBackupStatus;
import dev.stowage.api.v1alpha1.Phase;
import dev.stowage.operator.cluster.Cluster;
import dev.stowage.operator.job.EngineJobFactory;
import dev.stowage.operator.job.EngineRun;
import dev.stowage.operator.job.JobOwnership;
import dev.stowage.operator.job.StatusMismatchException;
import dev.stowage.operator.status.EventRecorder;
import dev.stowage.operator.status.EventRecorder.Type;
import dev.stowage.operator.status.Reason;
import dev.stowage.operator.validation.InvalidSpecException;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A MysqlBackup being deleted: its engine cancelled, the database given back, its data removed. */
final class BackupDeletion {
  // The reconciler's logger: the log reads as before this had a class of its own.
  private static final Logger log = LoggerFactory.getLogger(MysqlBackupReconciler.class);

  private final EngineJobFactory jobs;
  private final Cluster cluster;
  private final EventRecorder events;

  BackupDeletion(EngineJobFactory jobs, Cluster cluster, EventRecorder events) {
    this.jobs = jobs;
    this.cluster = cluster;
    this.events = events;
  }

  /** Deletion: cancel, scale back, and delete the stored backup when asked to. */
  Optional<Duration> cleanup(BackupRun run) {
    MysqlBackup backup = run.backup();
    MysqlBackupStatus status = run.status();
    String ns = run.namespace();
    // Only its own Job: one of that name made by someone else is neither cancelled nor waited for.
    Optional<Job> job =
        cluster
            .job(ns, EngineJobFactory.backupJobName(backup))
            .filter(j -> JobOwnership.ownedBy(j, backup));
    if (job.isPresent() && !EngineRun.observe(job.get(), List.of()).finished()) {
      if (job.get().getMetadata().getDeletionTimestamp() == null) {
        cluster.deleteJob(ns, job.get().getMetadata().getName());
        status.setMessage("cancelling the running backup: its resource is being deleted");
        events.record(
            backup,
            Type.Normal,
            Reason.Cancelled,
            "deleted the running engine Job " + job.get().getMetadata().getName());
      }
      return Optional.of(QUIESCE_POLL);
    }
    if (!job.map(j -> cluster.jobPods(ns, j)).orElse(List.of()).stream()
        .allMatch(
            p ->
                p.getStatus() != null
                    && ("Succeeded".equals(p.getStatus().getPhase())
                        || "Failed".equals(p.getStatus().getPhase())))) {
      return Optional.of(QUIESCE_POLL); // a cancelled engine is still stopping
    }
    run.settle();
    boolean stored =
        job.isPresent()
            || status.getStartTime() != null
            || status.getPhase() == Phase.Running
            || status.getPhase() == Phase.Succeeded;
    if (backup.getSpec().getDeletionPolicy() != DeletionPolicy.Delete || !stored) {
      return Optional.empty();
    }
    List<String> readers =
        cluster.restoresOf(ns, backup.getMetadata().getName()).stream()
            .filter(r -> r.getStatus() != null && r.getStatus().getPhase() == Phase.Running)
            .map(r -> r.getMetadata().getName())
            .toList();
    if (!readers.isEmpty()) {
      status.setMessage(
          "waiting for MysqlRestore "
              + String.join(", ", readers)
              + " to finish reading this backup before deleting it from storage");
      return Optional.of(WAIT);
    }
    return deleteStored(run);
  }

  /** Runs the engine's rm Job; the finalizer goes only once it succeeded. */
  private Optional<Duration> deleteStored(BackupRun run) {
    MysqlBackup backup = run.backup();
    MysqlBackupStatus status = run.status();
    String ns = run.namespace();
    String rmName = EngineJobFactory.deleteJobName(backup);
    Optional<Job> rm = cluster.job(ns, rmName);
    if (rm.isEmpty()) {
      Job rmJob;
      try {
        jobs.locations().requireStatusAgrees(backup);
      } catch (StatusMismatchException e) {
        // Status is not an input: never delete what a status that disagrees names.
        status.setMessage("the stored backup is not deleted: " + e.getMessage());
        events.record(backup, Type.Warning, Reason.StatusMismatch, status.getMessage());
        return Optional.of(DELETE_RETRY);
      }
      try {
        rmJob = jobs.deleteJob(backup);
      } catch (InvalidSpecException e) {
        // The operator's allowlist was narrowed since the backup ran: no rm pod may run with
        // its spec.pod any more. Said, and retried, rather than thrown at every pass.
        status.setMessage(
            "cannot delete the stored backup "
                + run.where()
                + ": "
                + e.getMessage()
                + ". Allow it again in the operator's configuration, or delete the backup from"
                + " storage yourself and remove the finalizer from this MysqlBackup");
        events.record(backup, Type.Warning, Reason.DeleteFailed, status.getMessage());
        return Optional.of(DELETE_RETRY);
      }
      try {
        cluster.createJob(rmJob);
      } catch (KubernetesClientException e) {
        if (e.getCode() == 403 && String.valueOf(e.getMessage()).contains("being terminated")) {
          // The namespace goes, and no Job can run in it any more: keeping the finalizer
          // would only keep the namespace Terminating forever.
          log.warn(
              "namespace {} is being deleted: the stored backup {} cannot be deleted by an"
                  + " engine Job and stays in storage; delete it there yourself",
              ns,
              run.where());
          return Optional.empty();
        }
        throw e;
      }
      status.setMessage("deleting the stored backup " + run.where());
      events.record(backup, Type.Normal, Reason.Deleting, status.getMessage());
      return Optional.of(WAIT);
    }
    if (!JobOwnership.rmFor(rm.get(), backup)) {
      status.setMessage(
          "the stored backup "
              + run.where()
              + " is not deleted yet: "
              + JobOwnership.foreign(rm.get(), backup));
      return Optional.of(WAIT);
    }
    List<Pod> pods = cluster.jobPods(ns, rm.get());
    EngineRun rmRun = EngineRun.observe(rm.get(), pods);
    switch (rmRun.state()) {
      case SUCCEEDED -> {
        events.record(
            backup, Type.Normal, Reason.Deleted, "deleted the stored backup " + run.where());
        cluster.deleteJob(ns, rmName);
        return Optional.empty();
      }
      case FAILED -> {
        status.setMessage(
            "could not delete the stored backup "
                + run.where()
                + ": "
                + rmRun.failureMessage()
                + ". Fix the cause and delete Job "
                + rmName
                + " to try again, or delete the backup from storage yourself and remove the"
                + " finalizer from this MysqlBackup");
        events.record(backup, Type.Warning, Reason.DeleteFailed, status.getMessage());
        return Optional.of(DELETE_RETRY);
      }
      default -> {
        String stuck = stuck(pods);
        status.setMessage(
            "deleting the stored backup "
                + run.where()
                + (stuck == null
                    ? ""
                    : "; the rm pod cannot start: "
                        + stuck
                        + ". Fix it (for"
                        + " example the storage Secret), or delete the backup from storage yourself and"
                        + " remove the finalizer from this MysqlBackup"));
        return Optional.of(WAIT);
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
