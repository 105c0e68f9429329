package dev.stowage.operator.schedule;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class TemplateMetadataTest {
  @Test
  void argoFluxHelmAndKubectlTrackingKeysAreStrippedAndNamed() {
    Map<String, String> labels =
        Map.of(
            "app.kubernetes.io/instance", "prod-db",
            "app.kubernetes.io/name", "mysql",
            "argocd.argoproj.io/instance", "prod-db",
            "kustomize.toolkit.fluxcd.io/name", "apps",
            "helm.sh/chart", "db-1.0.0",
            "team", "payments");
    Map<String, String> annotations =
        Map.of(
            "argocd.argoproj.io/tracking-id", "prod:stowage.dev/MysqlBackupSchedule:db/nightly",
            "meta.helm.sh/release-name", "db",
            "kubectl.kubernetes.io/last-applied-configuration", "{}",
            "myhelm.sh/keep", "yes",
            "note", "keep me");
    TemplateMetadata.Stripped s = TemplateMetadata.strip(labels, annotations);
    assertThat(s.labels())
        .containsOnly(Map.entry("app.kubernetes.io/name", "mysql"), Map.entry("team", "payments"));
    assertThat(s.annotations())
        .containsOnly(Map.entry("myhelm.sh/keep", "yes"), Map.entry("note", "keep me"));
    assertThat(s.strippedLabels())
        .containsExactly(
            "app.kubernetes.io/instance",
            "argocd.argoproj.io/instance",
            "helm.sh/chart",
            "kustomize.toolkit.fluxcd.io/name");
    assertThat(s.strippedAnnotations())
        .containsExactly(
            "argocd.argoproj.io/tracking-id",
            "kubectl.kubernetes.io/last-applied-configuration",
            "meta.helm.sh/release-name");
    assertThat(s.anythingStripped()).isTrue();
  }

  @Test
  void cleanOrAbsentMetadataIsCopiedAsItIs() {
    TemplateMetadata.Stripped s = TemplateMetadata.strip(Map.of("team", "payments"), null);
    assertThat(s.labels()).containsOnly(Map.entry("team", "payments"));
    assertThat(s.annotations()).isEmpty();
    assertThat(s.anythingStripped()).isFalse();
  }
}
