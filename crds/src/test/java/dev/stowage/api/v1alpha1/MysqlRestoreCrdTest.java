package dev.stowage.api.v1alpha1;

import static dev.stowage.api.v1alpha1.Schemas.at;
import static dev.stowage.api.v1alpha1.Schemas.rule;
import static dev.stowage.api.v1alpha1.Schemas.rules;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceColumnDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * What the generated MysqlRestore CRD must say; the rules' behaviour is checked on an API server.
 */
class MysqlRestoreCrdTest {
  private final CustomResourceDefinition crd = CrdFiles.generated(CrdFiles.RESTORE);

  @Test
  void namesTheKindInGroupStowageDev() {
    assertThat(crd.getMetadata().getName()).isEqualTo("mysqlrestores.stowage.dev");
    assertThat(crd.getSpec().getScope()).isEqualTo("Namespaced");
    assertThat(crd.getSpec().getNames().getKind()).isEqualTo("MysqlRestore");
    assertThat(crd.getSpec().getNames().getShortNames()).containsExactly("mrs");
    assertThat(Schemas.onlyVersion(crd).getName()).isEqualTo("v1alpha1");
    assertThat(Schemas.onlyVersion(crd).getSubresources().getStatus()).isNotNull();
  }

  @Test
  void printsPhaseSourceSizeDurationAndAge() {
    Map<String, String> columns = new LinkedHashMap<>();
    for (CustomResourceColumnDefinition c :
        Schemas.onlyVersion(crd).getAdditionalPrinterColumns()) {
      columns.put(c.getName(), c.getJsonPath() + " " + c.getType());
    }
    assertThat(columns)
        .containsOnly(
            entry("Phase", ".status.phase string"),
            entry("Source", ".status.backupName string"),
            // Issue 13: progress, sizes and durations for people, the measured RTO.
            entry("Progress", ".status.progress.display string"),
            entry("Size", ".status.size string"),
            entry("Duration", ".status.duration string"),
            entry("RTO", ".status.timeToRestore string"),
            // Issue 17, item 7: a short reason in kubectl get.
            entry("Reason", ".status.conditions[?(@.type==\"Ready\")].reason string"),
            entry("Age", ".metadata.creationTimestamp date"));
  }

  @Test
  void specIsImmutableWithExactlyOneSource() {
    JSONSchemaProps spec = at(crd, "spec");
    assertThat(rule(spec, "self == oldSelf").getMessage()).contains("immutable");
    assertThat(rule(spec, "has(self.backup) != has(self.source)").getMessage())
        .startsWith("set exactly one restore source");
    assertThat(spec.getRequired()).containsExactly("target");
    assertThat(at(crd, "spec.backup").getRequired()).containsExactly("name");
    assertThat(at(crd, "spec.source").getRequired())
        .containsExactlyInAnyOrder("storage", "directory", "backupName");
    assertThat(rules(at(crd, "spec.source.storage")))
        .containsExactly(MysqlBackupCrdTest.STORAGE_RULE);
  }

  @Test
  void targetIsExactlyOneOfAClaimOrATemplate() {
    JSONSchemaProps target = at(crd, "spec.target");
    assertThat(
            rule(target, "has(self.persistentVolumeClaim) != has(self.volumeClaimTemplate)")
                .getMessage())
        .startsWith("set exactly one restore target");
    assertThat(at(crd, "spec.target.volumeClaimTemplate").getRequired())
        .containsExactlyInAnyOrder("metadata", "spec");
    assertThat(at(crd, "spec.target.volumeClaimTemplate.spec").getProperties())
        .containsKeys("accessModes", "storageClassName", "resources");
    assertThat(at(crd, "spec.target.volumeClaimTemplate.metadata").getRequired())
        .containsExactly("name");
  }

  @Test
  void keepServerUuidIsOffByDefaultAndExplained() {
    // Issue 17, item 7: kubectl explain says what the flag does.
    assertThat(at(crd, "spec.keepServerUuid").getDefault().asBoolean()).isFalse();
    assertThat(at(crd, "spec.keepServerUuid").getDescription())
        .contains("auto.cnf")
        .contains("server_uuid");
  }

  @Test
  void overwriteIsOffByDefaultAndConcurrencyBounded() {
    assertThat(at(crd, "spec.overwrite").getDefault().asBoolean()).isFalse();
    assertThat(at(crd, "spec.overwrite").getDefault().isBoolean()).isTrue();
    assertThat(at(crd, "spec.concurrency").getMinimum()).isEqualTo(1.0);
    assertThat(at(crd, "spec.concurrency").getMaximum()).isEqualTo(64.0);
    assertThat(at(crd, "spec.pod").getProperties())
        .containsOnlyKeys("resources", "nodeSelector", "tolerations", "securityContext");
  }

  @Test
  void statusCarriesTheResult() {
    assertThat(Schemas.enumValues(at(crd, "status.phase")))
        .containsExactly("Failed", "Pending", "Running", "Succeeded");
    assertThat(at(crd, "status").getProperties())
        .containsKeys(
            "conditions",
            "observedGeneration",
            "location",
            "directory",
            "backupName",
            "startTime",
            "completionTime",
            "files",
            "chunks",
            "bytesRead",
            "bytesWritten",
            "durationSeconds",
            "engineVersion",
            "message",
            "targetPersistentVolumeClaim");
    assertThat(at(crd, "status").getProperties()).doesNotContainKeys("bytesStored", "quiesce");
  }

  /**
   * Issue 15, finding 5: every field a claim spec has in the schema is either one a template may
   * set or one a CEL rule refuses; a field a newer model adds fails here until it is sorted.
   */
  @Test
  void everyClaimSpecFieldOfATemplateIsAllowedOrRefused() {
    JSONSchemaProps spec = at(crd, "spec.target.volumeClaimTemplate.spec");
    Set<String> allowed = Set.of("accessModes", "storageClassName", "resources");
    Set<String> refused =
        Set.of(
            "volumeName",
            "dataSource",
            "dataSourceRef",
            "selector",
            "volumeMode",
            "volumeAttributesClassName");
    assertThat(spec.getProperties().keySet())
        .containsExactlyInAnyOrderElementsOf(
            java.util.stream.Stream.concat(allowed.stream(), refused.stream()).toList());
    String allRules = String.join(" ", rules(spec));
    for (String field : refused) {
      assertThat(allRules).as(field).contains("!has(self." + field + ")");
    }
    assertThat(allRules).contains("!has(self.resources.limits)");
    assertThat(rules(at(crd, "spec.target.volumeClaimTemplate.metadata")))
        .contains("!has(self.annotations)");
  }

  @Test
  void everyFieldHasADescriptionForKubectlExplain() {
    assertThat(
            Schemas.undescribed(
                crd,
                Set.of(
                    "spec.pod.resources",
                    "spec.pod.tolerations",
                    "spec.target.volumeClaimTemplate.spec")))
        .isEmpty();
  }
}
