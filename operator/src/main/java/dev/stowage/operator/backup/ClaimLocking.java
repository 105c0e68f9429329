package dev.stowage.operator.backup;

import static dev.stowage.operator.backup.MysqlBackupReconciler.WAIT;

import dev.stowage.api.v1alpha1.MysqlBackup;
import dev.stowage.operator.cluster.ClaimLocks;
import dev.stowage.operator.cluster.Cluster;
import dev.stowage.operator.cluster.ForeignLeaseException;
import dev.stowage.operator.status.Reason;
import java.time.Duration;

/**
 * The locks a backup holds while it works: its source claim's Lease (one backup or restore on a
 * claim at a time) and, with quiesce, its StatefulSet's (one backup scales a StatefulSet at a
 * time).
 */
final class ClaimLocking {
  private final Cluster cluster;

  ClaimLocking(Cluster cluster) {
    this.cluster = cluster;
  }

  /**
   * Takes the claim's lock, then the StatefulSet's; returns when to look again (Blocked, naming the
   * holder, nothing held) or null when this backup holds both.
   */
  Duration lock(BackupRun run) {
    MysqlBackup backup = run.backup();
    String ns = run.namespace();
    String me = ClaimLocks.holderIdentity(backup);
    String holder;
    try {
      holder = cluster.lock(ns, ClaimLocks.claimLease(run.claim()), backup);
    } catch (ForeignLeaseException e) {
      return run.block(
          Reason.ForeignLease, e.blockedMessage("PersistentVolumeClaim " + run.claim()), WAIT);
    }
    if (!holder.equals(me)) {
      return run.block(
          Reason.WaitingForClaim,
          "waiting for "
              + holder
              + ", which is using PersistentVolumeClaim "
              + run.claim()
              + "; one backup or restore runs on a claim at a time",
          WAIT);
    }
    String sts = run.statefulSetName();
    if (sts != null) {
      String stsHolder;
      try {
        stsHolder = cluster.lock(ns, ClaimLocks.statefulSetLease(sts), backup);
      } catch (ForeignLeaseException e) {
        unlockClaim(run);
        return run.block(Reason.ForeignLease, e.blockedMessage("StatefulSet " + sts), WAIT);
      }
      if (!stsHolder.equals(me)) {
        unlockClaim(run);
        return run.block(
            Reason.WaitingForStatefulSet,
            "waiting for "
                + stsHolder
                + ", which has StatefulSet "
                + sts
                + " scaled down; one backup quiesces a"
                + " StatefulSet at a time",
            WAIT);
      }
    }
    return null;
  }

  /** Releases the claim's lock. */
  void unlockClaim(BackupRun run) {
    cluster.unlock(run.namespace(), ClaimLocks.claimLease(run.claim()), run.backup());
  }

  /** Releases the claim's and the StatefulSet's locks held by this backup. */
  void unlockAll(BackupRun run) {
    unlockClaim(run);
    String sts = run.statefulSetName();
    if (sts != null) {
      cluster.unlock(run.namespace(), ClaimLocks.statefulSetLease(sts), run.backup());
    }
  }
}
