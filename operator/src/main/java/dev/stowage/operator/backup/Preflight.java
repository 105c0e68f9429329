package dev.stowage.operator.backup;

import static dev.stowage.api.v1alpha1.ConditionStatus.True;
import static dev.stowage.operator.backup.MysqlBackupReconciler.WAIT;

import dev.stowage.api.v1alpha1.MysqlBackup;
import dev.stowage.api.v1alpha1.MysqlBackupStatus;
import dev.stowage.operator.cluster.Cluster;
import dev.stowage.operator.cluster.EngineJobWatch;
import dev.stowage.operator.job.CrdTerms;
import dev.stowage.operator.job.EncryptionKeys;
import dev.stowage.operator.job.EngineJobFactory;
import dev.stowage.operator.job.EngineRun;
import dev.stowage.operator.job.EngineStart;
import dev.stowage.operator.job.JobOwnership;
import dev.stowage.operator.status.Conditions;
import dev.stowage.operator.status.Reason;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import java.time.Duration;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The pre-flight check Job of a backup: its storage proven usable before anything is stopped. */
final class Preflight {
  // The reconciler's logger: the log reads as before the pre-flight had a class of its own.
  private static final Logger log = LoggerFactory.getLogger(MysqlBackupReconciler.class);

  private final EngineJobFactory jobs;
  private final Cluster cluster;
  private final Conditions conditions;
  private final EngineJobWatch watch;

  Preflight(EngineJobFactory jobs, Cluster cluster, Conditions conditions, EngineJobWatch watch) {
    this.jobs = jobs;
    this.cluster = cluster;
    this.conditions = conditions;
    this.watch = watch;
  }

  /**
   * The claims a backup needs, with nothing stopped yet: the source claim exists and so does the
   * storage claim (if any), which has not lost its volume. Returns when to look again (Blocked);
   * null when both are there, or when a lost storage volume failed the backup.
   */
  Duration claims(BackupRun run) {
    String ns = run.namespace();
    var storageClaim = run.backup().getSpec().getStorage().getPersistentVolumeClaim();
    if (cluster.claim(ns, run.claim()).isEmpty()) {
      return run.block(
          Reason.ClaimNotFound,
          "PersistentVolumeClaim " + run.claim() + " does not exist in " + ns + "; waiting for it",
          WAIT);
    }
    if (storageClaim != null) {
      Optional<PersistentVolumeClaim> stored = cluster.claim(ns, storageClaim.getClaimName());
      if (stored.isEmpty()) {
        return run.block(
            Reason.StorageClaimNotFound,
            "PersistentVolumeClaim "
                + storageClaim.getClaimName()
                + " (spec.storage.persistentVolumeClaim.claimName) does not exist in "
                + ns
                + "; waiting for it, nothing was stopped",
            WAIT);
      }
      String phase = stored.get().getStatus() == null ? null : stored.get().getStatus().getPhase();
      if ("Lost".equals(phase)) {
        run.fail(
            Reason.PreflightFailed,
            "PersistentVolumeClaim "
                + storageClaim.getClaimName()
                + " (spec.storage.persistentVolumeClaim.claimName) has lost its volume; nothing"
                + " was stopped: store the backup elsewhere with a new MysqlBackup");
        run.settle(); // clears a Blocked condition left by waiting for the claim
        return null;
      }
    }
    return null;
  }

  /**
   * The pre-flight: an engine {@code check} Job proves the storage reachable, writable and free
   * under the backup's name, before anything is stopped. Returns when to look again; null once it
   * passed (remembered in the StorageChecked condition) or when it failed the backup.
   */
  Duration check(BackupRun run) {
    MysqlBackup backup = run.backup();
    MysqlBackupStatus status = run.status();
    String ns = run.namespace();
    boolean passed =
        Conditions.find(status.getConditions(), Conditions.STORAGE_CHECKED)
            .filter(c -> c.getStatus() == True)
            .isPresent();
    if (passed) {
      return null;
    }
    String checkName = EngineJobFactory.checkJobName(backup);
    // No read before the create (issue 14: one request less per backup on the way to its first
    // Job): a Job of that name that the cache does not hold, ours or someone else's, is what the
    // create answers with (it never replaces one), and is checked below like a cached one.
    Optional<Job> known = cluster.knownJob(ns, checkName);
    Job job = known.isPresent() ? known.get() : cluster.createJob(jobs.checkJob(backup));
    if (!JobOwnership.ownedBy(job, backup)) {
      // Made by someone else: never read, never deleted; nothing was stopped yet.
      run.unlockAll();
      return run.block(Reason.ForeignJob, JobOwnership.foreign(job, backup), WAIT);
    }
    if (known.isEmpty()) {
      log.info("created pre-flight Job {}", checkName);
    }
    EngineJobWatch.Look look = watch.look(ns, job);
    EngineRun check = look.engine();
    switch (check.state()) {
      case SUCCEEDED -> {
        conditions.set(
            status.getConditions(),
            Conditions.STORAGE_CHECKED,
            True,
            Reason.StorageChecked.name(),
            run.where() + " is reachable, writable and free (Job " + checkName + ")",
            run.generation());
        run.saveNow();
        // Its outcome is in status now; the Job is of no further use.
        cluster.deleteJob(ns, checkName);
        return null;
      }
      case FAILED -> {
        Integer code = check.result().exitCode();
        EncryptionKeys keys = EncryptionKeys.of(backup.getSpec().getEncryption());
        String message =
            CrdTerms.translate(check.failureMessage(), null, backup.getSpec().getStorage(), keys);
        // check refuses a malformed key or passphrase file with the backup's exit 2 (issue 16).
        boolean badKey =
            keys != null && code != null && code == 2 && message.contains("spec.encryption");
        String hint =
            code != null && code == 5
                ? "the backup name "
                    + status.getBackupName()
                    + " is taken in "
                    + run.where()
                    + ": create a new MysqlBackup, which gets another name"
                : badKey
                    ? "put a valid one into the Secret "
                        + keys.secretName()
                        + " (spec.encryption) and create a new MysqlBackup"
                    : CrdTerms.storageHint(backup.getSpec().getStorage(), "spec.storage");
        run.fail(
            Reason.PreflightFailed,
            (badKey
                    ? "the pre-flight check of the encryption key (spec.encryption) failed, so"
                    : "the pre-flight check of the storage (spec.storage) failed, so")
                + " nothing was stopped or copied: "
                + message
                + (hint.isEmpty() ? "" : "; " + hint));
        run.settle();
        return null;
      }
      default -> {
        Optional<EngineStart.Stuck> stuck = look.stuck();
        if (stuck.isPresent()) {
          cluster.deleteJob(ns, checkName);
          run.fail(
              Reason.EnginePodCannotStart,
              "the pre-flight check pod could not start, so nothing was stopped or copied: "
                  + stuck.get().why()
                  + "; deleted Job "
                  + checkName
                  + ". Fix the cause and create a new MysqlBackup");
          run.settle();
          return null;
        }
        return run.block(
            Reason.CheckingStorage,
            "checking that "
                + run.where()
                + " is reachable, writable and free before stopping anything (Job "
                + checkName
                + ")",
            // The Job's end is an event (the Job informer reconciles at once); this look only
            // finds a pod that cannot start, whose deadline is minutes: no need for 2 s (issue 14).
            WAIT);
      }
    }
  }
}
