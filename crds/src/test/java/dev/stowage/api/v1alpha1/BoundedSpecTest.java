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
          // Refused by CEL rules whatever their length (finding 5): never stored.
          "spec.target.volumeClaimTemplate.spec.dataSource",
          "spec.target.volumeClaimTemplate.spec.dataSourceRef",
          "spec.target.volumeClaimTemplate.spec.volumeName",
          "spec.target.volumeClaimTemplate.spec.volumeMode",
          "spec.target.volumeClaimTemplate.spec.volumeAttributesClassName",
          // Bounded by a CEL size() rule (a Kubernetes type cannot carry maxLength here).
          "spec.target.volumeClaimTemplate.spec.storageClassName",
          "spec.target.volumeClaimTemplate.spec.selector",
          "spec.target.volumeClaimTemplate.spec.resources");

  /** The check itself: a list of strings whose items have no maxLength is found. */
  @org.junit.jupiter.api.Test
  void aListOfUnboundedStringsIsFound() {
    var crd =
        new io.fabric8.kubernetes.client.utils.KubernetesSerialization()
            .unmarshal(
                """
                apiVersion: apiextensions.k8s.io/v1
                kind: CustomResourceDefinition
                metadata: {name: things.example.dev}
                spec:
                  group: example.dev
                  names: {kind: Thing, plural: things}
                  scope: Namespaced
                  versions:
                  - name: v1
                    served: true
                    storage: true
                    schema:
                      openAPIV3Schema:
                        type: object
                        properties:
                          spec:
                            type: object
                            properties:
                              names:
                                type: array
                                maxItems: 10
                                items: {type: string}
                """,
                io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition.class);

    assertThat(Schemas.unbounded(crd, Set.of()))
        .containsExactly("spec.names[] (string without maxLength)");
  }

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
