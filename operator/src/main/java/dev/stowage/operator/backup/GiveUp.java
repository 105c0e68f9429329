package dev.stowage.operator.backup;

import static dev.stowage.operator.backup.MysqlBackupReconciler.GIVE_UP_POLL;

import dev.stowage.operator.cluster.Cluster;
import dev.stowage.operator.job.EngineJobFactory;
import dev.stowage.operator.job.EngineRun;
import dev.stowage.operator.job.JobOwnership;
import dev.stowage.operator.status.Reason;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * What a backup does about errors from the Kubernetes API that JOSDK retries: says so meanwhile,
 * and on the last attempt fails and gives back what it took (replicas, the claim), so a database is
 * never left scaled down by an operator that gave up; unless its engine Job still runs.
 */
final class GiveUp {
  private final Cluster cluster;

  GiveUp(Cluster cluster) {
    this.cluster = cluster;
  }

  /** Not the last attempt yet: said in status.message. */
  void retrying(BackupRun run, String why) {
    run.status().setMessage("retrying after an error from the Kubernetes API: " + why);
  }

  /**
   * The last attempt: fails the backup and gives back what it took; returns when to look again when
   * the engine Job still runs instead, and then nothing is given back.
   */
  Optional<Duration> lastAttempt(BackupRun run, String why) {
    Optional<Job> job =
        cluster
            .job(run.namespace(), EngineJobFactory.backupJobName(run.backup()))
            .filter(j -> JobOwnership.ownedBy(j, run.backup()));
    if (job.isPresent() && !EngineRun.observe(job.get(), List.of()).finished()) {
      // The engine still runs on the volume: scaling the database back now would start it
      // under the copy. Keep watching the Job instead of giving up.
      run.status()
          .setMessage(
              "errors from the Kubernetes API ("
                  + why
                  + "); the engine Job"
                  + " still runs and is watched until it finishes");
      return Optional.of(GIVE_UP_POLL);
    }
    run.fail(Reason.Failed, "gave up after repeated errors from the Kubernetes API: " + why);
    run.settle();
    return Optional.empty();
  }
}
