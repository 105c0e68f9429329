package dev.stowage.operator.store;

import dev.stowage.api.v1alpha1.BackupStoreSpec;
import dev.stowage.api.v1alpha1.ClusterBackupStore;
import dev.stowage.api.v1alpha1.StoreKind;
import dev.stowage.api.v1alpha1.StoreRef;
import dev.stowage.operator.cluster.Cluster;
import dev.stowage.operator.job.ResolvedStore;
import dev.stowage.operator.job.Stores;
import dev.stowage.operator.validation.InvalidSpecException;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.Objects;

/**
 * Stores read live from the API server. A BackupStore is only ever looked up in the namespace of
 * the resource that names it, and a ClusterBackupStore only serves the namespaces it allows: a
 * tenant can name a store, never reach one meant for others.
 */
public final class ClusterStores implements Stores {
  private final Cluster cluster;

  public ClusterStores(Cluster cluster) {
    this.cluster = Objects.requireNonNull(cluster, "cluster");
  }

  @Override
  public ResolvedStore resolve(String namespace, StoreRef ref) {
    String name = ref.getName();
    if (ref.kindOrDefault() == StoreKind.BackupStore) {
      return resolved(
          cluster
              .backupStore(namespace, name)
              .orElseThrow(
                  () ->
                      missing(
                          "BackupStore "
                              + name
                              + " does not exist in namespace "
                              + namespace
                              + " (kubectl get backupstores -n "
                              + namespace
                              + ")"))
              .getSpec(),
          "BackupStore " + name);
    }
    ClusterBackupStore store =
        readClusterStore(name)
            .orElseThrow(
                () ->
                    missing(
                        "ClusterBackupStore "
                            + name
                            + " does not exist (kubectl get clusterbackupstores)"));
    if (store.getSpec() == null || !store.getSpec().allows(namespace)) {
      throw new InvalidSpecException(
          "spec.storage.storeRef: ClusterBackupStore "
              + name
              + " does not allow namespace "
              + namespace
              + " (its spec.allowedNamespaces); ask the cluster administrator to add the"
              + " namespace, or name a store meant for it, in a new resource");
    }
    return resolved(store.getSpec(), "ClusterBackupStore " + name);
  }

  /** A namespaced install may not read cluster-scoped kinds: said, rather than retried. */
  private java.util.Optional<ClusterBackupStore> readClusterStore(String name) {
    try {
      return cluster.clusterBackupStore(name);
    } catch (KubernetesClientException e) {
      if (e.getCode() != 403) {
        throw e;
      }
      throw new InvalidSpecException(
          "spec.storage.storeRef: this operator may not read ClusterBackupStore "
              + name
              + " (a namespaced install has no cluster-wide permission): name a BackupStore of"
              + " this namespace instead, or ask the administrator to grant the operator get on"
              + " clusterbackupstores (deploy/README.md, Namespaced install)");
    }
  }

  private static ResolvedStore resolved(BackupStoreSpec spec, String what) {
    if (spec == null || spec.getS3() == null) {
      throw new InvalidSpecException(
          "spec.storage.storeRef: "
              + what
              + " has no spec.s3; ask the cluster administrator to fix the store");
    }
    return new ResolvedStore(spec.getS3(), spec.getServiceAccountName());
  }

  private static InvalidSpecException missing(String what) {
    return new InvalidSpecException(
        "spec.storage.storeRef: "
            + what
            + "; check the name with the cluster administrator, then create a new resource"
            + " that names an existing store");
  }
}
