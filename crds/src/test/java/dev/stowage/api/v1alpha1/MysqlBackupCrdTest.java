package dev.stowage.api.v1alpha1;

import static dev.stowage.api.v1alpha1.Schemas.at;
import static dev.stowage.api.v1alpha1.Schemas.enumValues;
import static dev.stowage.api.v1alpha1.Schemas.rule;
import static dev.stowage.api.v1alpha1.Schemas.rules;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceColumnDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionVersion;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * What the generated MysqlBackup CRD must say; the rules' behaviour is checked on an API server.
 */
class MysqlBackupCrdTest {
  private final CustomResourceDefinition crd = CrdFiles.generated(CrdFiles.BACKUP);

  @Test
  void namesTheKindInGroupStowageDev() {
    assertThat(crd.getMetadata().getName()).isEqualTo("mysqlbackups.stowage.dev");
    assertThat(crd.getSpec().getGroup()).isEqualTo("stowage.dev");
    assertThat(crd.getSpec().getScope()).isEqualTo("Namespaced");
    assertThat(crd.getSpec().getNames().getKind()).isEqualTo("MysqlBackup");
    assertThat(crd.getSpec().getNames().getShortNames()).containsExactly("mbk");
    assertThat(crd.getSpec().getNames().getCategories()).containsExactly("stowage");
    CustomResourceDefinitionVersion v = Schemas.onlyVersion(crd);
    assertThat(v.getName()).isEqualTo("v1alpha1");
    assertThat(v.getServed()).isTrue();
    assertThat(v.getStorage()).isTrue();
    assertThat(v.getSubresources().getStatus()).as("status subresource").isNotNull();
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
            entry("Source", ".spec.source.persistentVolumeClaim string"),
            // Issue 13: progress, and sizes and durations for people.
            entry("Progress", ".status.progress.display string"),
            entry("Size", ".status.size string"),
            entry("Duration", ".status.duration string"),
            // Issue 17, item 7: a short reason in kubectl get.
            entry("Reason", ".status.conditions[?(@.type==\"Ready\")].reason string"),
            entry("Age", ".metadata.creationTimestamp date"));
  }

  @Test
  void specIsRequiredAndImmutable() {
    JSONSchemaProps root = Schemas.onlyVersion(crd).getSchema().getOpenAPIV3Schema();
    assertThat(root.getRequired()).contains("spec");
    JSONSchemaProps spec = at(crd, "spec");
    assertThat(rule(spec, "self == oldSelf").getMessage()).contains("immutable");
    assertThat(spec.getRequired()).containsExactlyInAnyOrder("source", "storage");
    assertThat(rules(at(crd, "status"))).as("status may change").isEmpty();
  }

  static final String STORAGE_RULE =
      "(has(self.s3) ? 1 : 0) + (has(self.persistentVolumeClaim) ? 1 : 0) + (has(self.storeRef) ? 1 : 0) == 1";

  @Test
  void storageIsExactlyOneOfAStoreS3OrAPersistentVolumeClaim() {
    JSONSchemaProps storage = at(crd, "spec.storage");
    assertThat(storage.getProperties()).containsOnlyKeys("storeRef", "s3", "persistentVolumeClaim");
    assertThat(rule(storage, STORAGE_RULE).getMessage())
        .isEqualTo("set exactly one storage kind: storeRef, s3 or persistentVolumeClaim");
    assertThat(at(crd, "spec.storage.s3").getProperties())
        .containsOnlyKeys(
            "bucket",
            "prefix",
            "endpoint",
            "region",
            "pathStyle",
            "insecure",
            "serverSideEncryption",
            "credentialsSecretRef",
            "caBundleRef");
    assertThat(at(crd, "spec.storage.s3").getRequired()).containsExactly("bucket");
    assertThat(at(crd, "spec.storage.s3.pathStyle").getType()).isEqualTo("boolean");
    assertThat(at(crd, "spec.storage.s3.credentialsSecretRef.accessKeyIdKey").getDefault().asText())
        .isEqualTo("AWS_ACCESS_KEY_ID");
    assertThat(enumValues(at(crd, "spec.storage.s3.caBundleRef.kind")))
        .containsExactly("ConfigMap", "Secret");
    assertThat(at(crd, "spec.storage.persistentVolumeClaim").getRequired())
        .containsExactly("claimName");
    assertThat(at(crd, "spec.storage.storeRef").getRequired()).containsExactly("name");
    assertThat(enumValues(at(crd, "spec.storage.storeRef.kind")))
        .containsExactly("BackupStore", "ClusterBackupStore");
    assertThat(rules(at(crd, "spec.storage.persistentVolumeClaim.path")))
        .containsExactly(ApiPatterns.RELATIVE_PATH_RULE);
  }

  @Test
  void chunkSizesAreQuantitiesWithTheVitessLimits() {
    for (String field : new String[] {"threshold", "size"}) {
      JSONSchemaProps q = at(crd, "spec.chunking." + field);
      assertThat(q.getXKubernetesIntOrString()).as(field + " is int-or-string").isTrue();
      assertThat(q.getDefault().asText()).isEqualTo("64Mi");
      assertThat(rules(q))
          .containsExactly(
              "type(self) == int ? self >= 0 : type(self) == string &&"
                  + " self.matches('^[0-9]+(Ki|Mi|Gi|Ti)?$')");
    }
    JSONSchemaProps chunking = at(crd, "spec.chunking");
    assertThat(rules(chunking))
        .containsExactly(Chunking.SIZE_AT_LEAST_4MI, Chunking.THRESHOLD_AT_LEAST_SIZE);
    assertThat(Chunking.SIZE_AT_LEAST_4MI)
        .contains("quantity(string(self.size)).compareTo(quantity('4Mi')) >= 0")
        .contains("quantity(string(self.threshold)).compareTo(quantity('0')) == 0");
    assertThat(Chunking.THRESHOLD_AT_LEAST_SIZE)
        .contains("quantity(string(self.threshold)).compareTo(quantity(string(self.size))) >= 0");
    assertThat(rule(chunking, Chunking.SIZE_AT_LEAST_4MI).getMessageExpression()).contains("4Mi");
  }

  @Test
  void compressionConcurrencyAndDeletionPolicyAreBounded() {
    JSONSchemaProps engine = at(crd, "spec.compression.engine");
    assertThat(enumValues(engine)).containsExactly("gzip", "none", "zstd");
    assertThat(engine.getDefault().asText()).isEqualTo("zstd");
    assertThat(rules(at(crd, "spec.compression")).get(0))
        .contains("self.level >= 1 && self.level <= 22")
        .contains("self.level >= 1 && self.level <= 9");

    JSONSchemaProps concurrency = at(crd, "spec.concurrency");
    assertThat(concurrency.getMinimum()).isEqualTo(1.0);
    assertThat(concurrency.getMaximum()).isEqualTo(64.0);

    JSONSchemaProps policy = at(crd, "spec.deletionPolicy");
    assertThat(enumValues(policy)).containsExactly("Delete", "Retain");
    // Unset means Retain; no schema default, so a schedule's template can tell unset apart.
    assertThat(policy.getDefault()).isNull();

    assertThat(at(crd, "spec.backoffLimit").getMinimum()).isEqualTo(0.0);
    assertThat(at(crd, "spec.activeDeadlineSeconds").getMinimum()).isEqualTo(1.0);
  }

  @Test
  void sourceNamesThePvcAndTheStatefulSetToQuiesce() {
    assertThat(at(crd, "spec.source").getRequired()).containsExactly("persistentVolumeClaim");
    assertThat(at(crd, "spec.source.persistentVolumeClaim").getPattern())
        .isEqualTo(ApiPatterns.DNS_SUBDOMAIN);
    assertThat(rules(at(crd, "spec.source.subPath")))
        .containsExactly(ApiPatterns.RELATIVE_PATH_RULE);
    assertThat(at(crd, "spec.source.quiesce").getRequired()).containsExactly("statefulSet");
  }

  /** Issue 15, finding 1: a tenant gets resources, non-root ids and allowlisted scheduling. */
  @Test
  void podSettingsKeepOnlyWhatIsSafe() {
    JSONSchemaProps pod = at(crd, "spec.pod");
    assertThat(pod.getProperties())
        .containsOnlyKeys("resources", "nodeSelector", "tolerations", "securityContext");
    assertThat(at(crd, "spec.pod.resources").getProperties()).containsKeys("limits", "requests");
    assertThat(at(crd, "spec.pod.securityContext").getProperties())
        .containsOnlyKeys("runAsUser", "runAsGroup", "fsGroup");
    for (String id : List.of("runAsUser", "runAsGroup", "fsGroup")) {
      assertThat(rules(at(crd, "spec.pod.securityContext." + id))).containsExactly("self >= 1");
    }
    assertThat(at(crd, "spec.pod.tolerations").getMaxItems()).isEqualTo(64L);
    assertThat(at(crd, "spec.pod.nodeSelector").getMaxProperties()).isEqualTo(64L);
  }

  @Test
  void statusCarriesPhaseConditionsResultAndTheRecordedReplicas() {
    assertThat(enumValues(at(crd, "status.phase")))
        .containsExactly("Failed", "Pending", "Running", "Succeeded");
    JSONSchemaProps condition = at(crd, "status.conditions").getItems().getSchema();
    assertThat(condition.getProperties())
        .containsOnlyKeys(
            "type", "status", "reason", "message", "lastTransitionTime", "observedGeneration");
    assertThat(condition.getRequired()).containsExactlyInAnyOrder("type", "status");
    assertThat(enumValues(condition.getProperties().get("status")))
        .containsExactly("False", "True", "Unknown");
    assertThat(at(crd, "status").getProperties())
        .containsKeys(
            "observedGeneration",
            "location",
            "directory",
            "backupName",
            "startTime",
            "completionTime",
            "files",
            "chunks",
            "bytesRead",
            "bytesStored",
            "durationSeconds",
            "engineVersion",
            "message",
            "quiesce");
    assertThat(at(crd, "status.quiesce.originalReplicas").getType()).isEqualTo("integer");
    assertThat(at(crd, "status.durationSeconds").getType()).isEqualTo("number");
  }

  @Test
  void everyFieldHasADescriptionForKubectlExplain() {
    assertThat(Schemas.undescribed(crd, Set.of("spec.pod.resources", "spec.pod.tolerations")))
        .isEmpty();
  }
}
