package dev.stowage.operator.cluster;

import dev.stowage.operator.job.KubernetesNames;
import io.fabric8.kubernetes.api.model.HasMetadata;

/** Names and holder identities of the Leases that lock a claim (see {@link Cluster#lockClaim}). */
public final class ClaimLocks {

  private ClaimLocks() {}

  /** The Lease name for a claim: {@code stowage-claim-<claim>}. */
  public static String leaseName(String claim) {
    return KubernetesNames.fit("stowage-claim-" + claim, "", 253);
  }

  /** How a lock holder is written in the Lease: {@code MysqlBackup/name}. */
  public static String holderIdentity(HasMetadata holder) {
    return holder.getKind() + "/" + holder.getMetadata().getName();
  }
}
