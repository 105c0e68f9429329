package dev.stowage.operator.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Issue 15, finding 12: which Leases of a lock's name count as Stowage's: a Stowage label and a
 * MysqlBackup or MysqlRestore (stowage.dev) owner, both; anything else is someone else's.
 */
class ForeignLeaseTest {

  static Lease lease(Map<String, String> labels, String apiVersion, String kind) {
    var b =
        new LeaseBuilder()
            .withNewMetadata()
            .withName("stowage-claim-data-db-0")
            .withNamespace("prod")
            .withLabels(labels)
            .endMetadata();
    if (kind != null) {
      b.editMetadata()
          .addToOwnerReferences(
              new OwnerReferenceBuilder()
                  .withApiVersion(apiVersion)
                  .withKind(kind)
                  .withName("nightly")
                  .withUid("uid-1")
                  .build())
          .endMetadata();
    }
    return b.build();
  }

  static final Map<String, String> OURS =
      Map.of("app.kubernetes.io/managed-by", "stowage-operator");

  @Test
  void aLeaseWithTheLabelAndABackupOrRestoreOwnerIsStowages() {
    assertThat(KubernetesCluster.foreignWhy(lease(OURS, "stowage.dev/v1alpha1", "MysqlBackup")))
        .isEmpty();
    assertThat(KubernetesCluster.foreignWhy(lease(OURS, "stowage.dev/v1alpha1", "MysqlRestore")))
        .isEmpty();
  }

  @Test
  void aLeaseWithoutAnOwnerIsForeignEvenWithTheLabel() {
    assertThat(KubernetesCluster.foreignWhy(lease(OURS, null, null)).orElseThrow())
        .contains("it has no owner");
    assertThat(KubernetesCluster.foreignWhy(lease(Map.of(), null, null)).orElseThrow())
        .contains("it has no owner and no app.kubernetes.io/managed-by=stowage-operator label");
  }

  @Test
  void aLeaseOwnedBySomethingElseIsForeign() {
    assertThat(KubernetesCluster.foreignWhy(lease(OURS, "v1", "ConfigMap")).orElseThrow())
        .contains(
            "its owner is ConfigMap/nightly (v1), not a stowage.dev MysqlBackup or MysqlRestore");
    assertThat(
            KubernetesCluster.foreignWhy(lease(OURS, "example.com/v1", "MysqlBackup"))
                .orElseThrow())
        .contains(
            "its owner is MysqlBackup/nightly (example.com/v1), not a stowage.dev MysqlBackup");
  }

  @Test
  void aLeaseOwnedByABackupWithoutTheLabelIsForeign() {
    assertThat(
            KubernetesCluster.foreignWhy(
                    lease(Map.of("team", "db"), "stowage.dev/v1alpha1", "MysqlBackup"))
                .orElseThrow())
        .contains("it has no app.kubernetes.io/managed-by=stowage-operator label");
  }
}
