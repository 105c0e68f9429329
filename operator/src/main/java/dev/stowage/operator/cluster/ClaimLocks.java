package dev.stowage.operator.cluster;

import dev.stowage.operator.job.KubernetesNames;
import io.fabric8.kubernetes.api.model.HasMetadata;

/** Names and holder identities of the Leases that lock a claim or a StatefulSet. */
public final class ClaimLocks {

  private ClaimLocks() {}

  /** The lock of a claim: one backup or restore on it at a time. */
  public static String claimLease(String claim) {
    return KubernetesNames.fit("stowage-claim-" + claim, "", 253);
  }

  /** The lock of a StatefulSet: one backup scales it down at a time. */
  public static String statefulSetLease(String statefulSet) {
    return KubernetesNames.fit("stowage-statefulset-" + statefulSet, "", 253);
  }

  /** How a lock holder is written in the Lease: {@code MysqlBackup/name}. */
  public static String holderIdentity(HasMetadata holder) {
    return holder.getKind() + "/" + holder.getMetadata().getName();
  }
}
