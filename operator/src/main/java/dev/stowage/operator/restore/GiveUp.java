package dev.stowage.operator.restore;

import static dev.stowage.operator.restore.MysqlRestoreReconciler.GIVE_UP_POLL;

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
 * What a restore does about errors from the Kubernetes API that JOSDK retries: says so meanwhile,
 * and on the last attempt fails and unlocks its claim; unless its engine Job still runs.
 */
final class GiveUp {
  private final Cluster cluster;

  GiveUp(Cluster cluster) {
    this.cluster = cluster;
  }

  /** Not the last attempt yet: said in status.message. */
  void retrying(RestoreRun run, String why) {
    run.status().setMessage(retryingMessage(why, engineRunning(run)));
  }

  /**
   * The last attempt: fails the restore and unlocks the claim; returns when to look again when the
   * engine Job still runs instead, and then nothing is given back.
   */
  Optional<Duration> lastAttempt(RestoreRun run, String why) {
    if (engineRunning(run)) {
      run.status().setMessage(retryingMessage(why, true));
      return Optional.of(GIVE_UP_POLL);
    }
    run.fail(Reason.Failed, "gave up after repeated errors from the Kubernetes API: " + why);
    run.settle();
    return Optional.empty();
  }

  private static String retryingMessage(String why, boolean running) {
    return "retrying after an error from the Kubernetes API: "
        + why
        + (running ? "; the engine Job still runs and is watched until it finishes" : "");
  }

  /** Whether the engine Job exists and has not finished: then the restore never gives up. */
  private boolean engineRunning(RestoreRun run) {
    Optional<Job> job =
        cluster
            .job(run.namespace(), EngineJobFactory.restoreJobName(run.restore()))
            .filter(j -> JobOwnership.ownedBy(j, run.restore()));
    return job.isPresent() && !EngineRun.observe(job.get(), List.of()).finished();
  }
}
