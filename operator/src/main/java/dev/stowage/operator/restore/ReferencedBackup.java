package dev.stowage.operator.restore;

import dev.stowage.api.v1alpha1.DeletionPolicy;
import dev.stowage.api.v1alpha1.MysqlBackup;
import dev.stowage.api.v1alpha1.MysqlRestore;
import dev.stowage.api.v1alpha1.Phase;
import dev.stowage.operator.cluster.Cluster;
import dev.stowage.operator.job.BackupLocations;
import dev.stowage.operator.job.EngineJobFactory;
import dev.stowage.operator.status.Reason;
import java.util.Optional;

/** The MysqlBackup a restore names in spec.backup: waited for until it succeeded. */
final class ReferencedBackup {
  private final EngineJobFactory jobs;
  private final Cluster cluster;

  ReferencedBackup(EngineJobFactory jobs, Cluster cluster) {
    this.jobs = jobs;
    this.cluster = cluster;
  }

  /**
   * The MysqlBackup named by spec.backup, once it succeeded, kept in {@link RestoreRun#referenced};
   * a halt while it is missing, unfinished, failed or being deleted.
   */
  Halt await(RestoreRun run) {
    MysqlRestore restore = run.restore();
    String ns = run.namespace();
    if (restore.getSpec().getBackup() != null) {
      String name = restore.getSpec().getBackup().getName();
      Optional<MysqlBackup> backup = cluster.backup(ns, name);
      if (backup.isEmpty()) {
        return new Halt(
            run.block(
                Reason.WaitingForBackup,
                "MysqlBackup " + name + " does not exist in " + ns + "; waiting for it"));
      }
      MysqlBackup referenced = backup.get();
      run.referenced(referenced);
      Phase phase = referenced.getStatus() == null ? null : referenced.getStatus().getPhase();
      if (referenced.getMetadata().getDeletionTimestamp() != null) {
        run.fail(
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
        run.fail(
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
            run.block(
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
}
