package dev.stowage.api.v1alpha1;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Issue 15, finding 8: every string, list and map a tenant writes into a spec has an upper bound,
 * so one resource cannot hold megabytes in etcd or make the API server's CEL rules expensive.
 */
class BoundedSpecTest {
  /**
   * Kubernetes' own types, bounded by Kubernetes' validation where they are used; the lists that
   * hold them (tolerations) are checked.
   */
  static final Set<String> KUBERNETES_TYPES =
      Set.of(
          "spec.pod.resources",
          "spec.pod.tolerations[]",
          "spec.backupTemplate.spec.pod.resources",
          "spec.backupTemplate.spec.pod.tolerations[]",
          // A PersistentVolumeClaimSpec: CEL refuses all but modes, class and size (finding 5).
          "spec.target.volumeClaimTemplate.spec.accessModes",
          "spec.target.volumeClaimTemplate.spec.selector",
          "spec.target.volumeClaimTemplate.spec.resources");

  @ParameterizedTest
  @ValueSource(
      strings = {
        CrdFiles.BACKUP,
        CrdFiles.RESTORE,
        CrdFiles.SCHEDULE,
        CrdFiles.CLUSTER_STORE,
        CrdFiles.STORE
      })
  void everySpecStringListAndMapIsBounded(String crd) {
    assertThat(Schemas.unbounded(CrdFiles.generated(crd), KUBERNETES_TYPES)).isEmpty();
  }
}
