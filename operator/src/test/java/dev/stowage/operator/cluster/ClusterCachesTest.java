package dev.stowage.operator.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import org.junit.jupiter.api.Test;

class ClusterCachesTest {
  static PersistentVolumeClaim at(String resourceVersion) {
    return new PersistentVolumeClaimBuilder()
        .withNewMetadata()
        .withName("data")
        .withResourceVersion(resourceVersion)
        .endMetadata()
        .build();
  }

  @Test
  void ourWriteReplacesTheCachedObjectOnlyWhenItIsNewer() {
    assertThat(ClusterCaches.newer(at("120"), at("99"))).isTrue();
    assertThat(ClusterCaches.newer(at("99"), at("120")))
        .as("someone changed it after us")
        .isFalse();
    assertThat(ClusterCaches.newer(at("120"), at("120"))).isFalse();
  }

  @Test
  void versionsThatAreNotNumbersAreNeverTakenAsNewer() {
    assertThat(ClusterCaches.newer(at("abc"), at("1"))).isFalse();
    assertThat(ClusterCaches.newer(at(null), at("1"))).isFalse();
  }
}
