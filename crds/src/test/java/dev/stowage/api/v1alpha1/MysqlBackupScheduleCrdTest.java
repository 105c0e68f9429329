package dev.stowage.api.v1alpha1;

import static dev.stowage.api.v1alpha1.Schemas.at;
import static dev.stowage.api.v1alpha1.Schemas.enumValues;
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

/** What the generated MysqlBackupSchedule CRD must say; its rules run in CrdValidationIT. */
class MysqlBackupScheduleCrdTest {
  private final CustomResourceDefinition crd = CrdFiles.generated(CrdFiles.SCHEDULE);
  private final CustomResourceDefinition backupCrd = CrdFiles.generated(CrdFiles.BACKUP);

  @Test
  void namesTheKindWithShortNameMbs() {
    assertThat(crd.getMetadata().getName()).isEqualTo("mysqlbackupschedules.stowage.dev");
    assertThat(crd.getSpec().getScope()).isEqualTo("Namespaced");
    assertThat(crd.getSpec().getNames().getKind()).isEqualTo("MysqlBackupSchedule");
    assertThat(crd.getSpec().getNames().getShortNames()).containsExactly("mbs");
    assertThat(crd.getSpec().getNames().getCategories()).containsExactly("stowage");
    assertThat(Schemas.onlyVersion(crd).getSubresources().getStatus()).isNotNull();
  }

  @Test
  void printsScheduleZoneSuspendLastSuccessNextOverdueAndAge() {
    Map<String, String> columns = new LinkedHashMap<>();
    for (CustomResourceColumnDefinition c :
        Schemas.onlyVersion(crd).getAdditionalPrinterColumns()) {
      columns.put(c.getName(), c.getJsonPath() + " " + c.getType());
    }
    // The generator orders the columns itself (as for MysqlBackup).
    assertThat(columns)
        .containsOnly(
            entry("Schedule", ".spec.schedule string"),
            entry("TimeZone", ".spec.timeZone string"),
            entry("Suspend", ".spec.suspend boolean"),
            entry("LastSuccess", ".status.lastSuccessfulTime date"),
            entry("Next", ".status.nextScheduleTime string"),
            entry("Overdue", ".status.conditions[?(@.type==\"Overdue\")].status string"),
            entry("Age", ".metadata.creationTimestamp date"));
  }

  @Test
  void defaultsAreThoseOfTheIssue() {
    assertThat(at(crd, "spec.timeZone").getDefault().asText()).isEqualTo("Etc/UTC");
    assertThat(at(crd, "spec.startingDeadlineSeconds").getDefault().asLong()).isEqualTo(3600);
    assertThat(at(crd, "spec.startingDeadlineSeconds").getMinimum()).isEqualTo(60.0);
    assertThat(at(crd, "spec.suspend").getDefault().asBoolean()).isFalse();
    assertThat(at(crd, "spec.immediate").getDefault().asBoolean()).isFalse();
    assertThat(enumValues(at(crd, "spec.concurrencyPolicy"))).containsExactly("Forbid");
    assertThat(at(crd, "spec.deletionPolicy").getDefault().asText()).isEqualTo("Retain");
    assertThat(at(crd, "spec.retention.minSucceeded").getDefault().asInt()).isEqualTo(1);
    assertThat(at(crd, "spec.retention.minSucceeded").getMinimum()).isEqualTo(1.0);
    assertThat(at(crd, "spec.retention.failedHistoryLimit").getDefault().asInt()).isEqualTo(3);
    assertThat(at(crd, "spec.retention.dryRun").getDefault().asBoolean()).isFalse();
    assertThat(at(crd, "spec").getRequired())
        .containsExactlyInAnyOrder("schedule", "backupTemplate");
  }

  /**
   * The template is a full MysqlBackupSpec with its rules, except immutability: a schedule's
   * template must stay editable.
   */
  @Test
  void templateSpecIsTheBackupSpecButEditable() {
    JSONSchemaProps template = at(crd, "spec.backupTemplate.spec");
    JSONSchemaProps backupSpec = at(backupCrd, "spec");
    assertThat(template.getProperties().keySet())
        .containsExactlyInAnyOrderElementsOf(backupSpec.getProperties().keySet());
    assertThat(rules(backupSpec)).contains("self == oldSelf");
    assertThat(rules(template))
        .containsExactlyInAnyOrderElementsOf(
            rules(backupSpec).stream().filter(r -> !r.equals("self == oldSelf")).toList());
    assertThat(template.getProperties().get("storage"))
        .isEqualTo(backupSpec.getProperties().get("storage"));
  }

  @Test
  void everyFieldHasADescriptionForKubectlExplain() {
    assertThat(
            Schemas.undescribed(
                crd,
                Set.of(
                    "spec.backupTemplate.spec.pod.resources",
                    "spec.backupTemplate.spec.pod.tolerations")))
        .isEmpty();
  }
}
