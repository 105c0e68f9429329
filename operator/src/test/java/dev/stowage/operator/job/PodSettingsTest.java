package dev.stowage.operator.job;

import static dev.stowage.operator.job.EngineJobGoldenTest.CLOCK;
import static dev.stowage.operator.job.EngineJobGoldenTest.YAML;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.stowage.api.v1alpha1.MysqlBackup;
import dev.stowage.api.v1alpha1.MysqlRestore;
import dev.stowage.api.v1alpha1.PodSecurity;
import dev.stowage.api.v1alpha1.PodSettings;
import dev.stowage.operator.validation.InvalidSpecException;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.TolerationBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Issue 15, finding 1: what a resource's {@code spec.pod} can and cannot change in its engine Job.
 * The inputs are YAML as a tenant writes it: the Job must come out hardened whatever it says.
 */
class PodSettingsTest {
  /** The operator as installed by default: nothing allowed. */
  static final EngineJobFactory DEFAULT =
      new EngineJobFactory(EngineJobConfig.withImage("stowage/engine:dev"), CLOCK);

  static final PodAllowlist ALLOWLIST =
      PodAllowlist.parse(
          "pool=backup, topology.kubernetes.io/zone=*",
          "dedicated=databases:NoSchedule, spot, maintenance:NoExecute");

  static final EngineJobFactory ALLOWING =
      new EngineJobFactory(
          new EngineJobConfig(
              "registry.example/stowage/engine:1.0", "IfNotPresent", 1, 999, 999, ALLOWLIST),
          CLOCK);

  static MysqlBackup backupWithPod(String podYaml) {
    String yaml =
        """
        apiVersion: stowage.dev/v1alpha1
        kind: MysqlBackup
        metadata: {name: nightly, namespace: shop, uid: uid-b, creationTimestamp: "2030-01-01T00:00:00Z"}
        spec:
          source: {persistentVolumeClaim: data-db-0}
          storage: {s3: {bucket: backups, credentialsSecretRef: {name: s3}}}
          pod:
        %s
        """
            .formatted(podYaml.indent(4));
    return YAML.unmarshal(yaml, MysqlBackup.class);
  }

  static PodSpec pod(Job job) {
    return job.getSpec().getTemplate().getSpec();
  }

  static Container engine(Job job) {
    return pod(job).getContainers().get(0);
  }

  /**
   * No field of spec.pod can name an image, a pull policy, privileges, capabilities, host
   * namespaces or volumes: the API has only resources, scheduling and three ids.
   */
  @Test
  void theImageComesOnlyFromTheOperator() {
    ObjectMapper json = new ObjectMapper();
    assertThat(properties(json, PodSettings.class))
        .containsExactlyInAnyOrder("resources", "nodeSelector", "tolerations", "securityContext");
    assertThat(properties(json, PodSecurity.class))
        .containsExactlyInAnyOrder("runAsUser", "runAsGroup", "fsGroup");

    MysqlBackup b = backupWithPod("resources: {limits: {memory: 1Gi}}");
    for (Job job : List.of(DEFAULT.backupJob(b), DEFAULT.checkJob(b), DEFAULT.deleteJob(b))) {
      assertThat(engine(job).getImage()).isEqualTo("stowage/engine:dev");
      assertThat(engine(job).getImagePullPolicy()).isNull();
    }
    Job configured = ALLOWING.backupJob(b);
    assertThat(engine(configured).getImage()).isEqualTo("registry.example/stowage/engine:1.0");
    assertThat(engine(configured).getImagePullPolicy()).isEqualTo("IfNotPresent");
    assertThat(pod(configured).getContainers()).hasSize(1);
    assertThat(pod(configured).getInitContainers()).isNullOrEmpty();
  }

  static List<String> properties(ObjectMapper json, Class<?> type) {
    return json
        .getSerializationConfig()
        .introspect(json.constructType(type))
        .findProperties()
        .stream()
        .map(p -> p.getName())
        .toList();
  }

  @Test
  void podSecurityFieldsMergeIntoTheHardenedDefaults() {
    MysqlBackup b = backupWithPod("securityContext: {runAsUser: 27}");
    for (Job job : List.of(DEFAULT.backupJob(b), DEFAULT.checkJob(b), DEFAULT.deleteJob(b))) {
      var sc = pod(job).getSecurityContext();
      // Only the uid is the resource's; the gid and fsGroup stay the operator's.
      assertThat(List.of(sc.getRunAsUser(), sc.getRunAsGroup(), sc.getFsGroup()))
          .containsExactly(27L, 999L, 999L);
      assertThat(sc.getRunAsNonRoot()).isTrue();
      assertThat(sc.getFsGroupChangePolicy()).isEqualTo("OnRootMismatch");
      assertThat(sc.getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
      var c = engine(job).getSecurityContext();
      assertThat(c.getPrivileged()).isNull();
      assertThat(c.getAllowPrivilegeEscalation()).isFalse();
      assertThat(c.getRunAsNonRoot()).isTrue();
      assertThat(c.getReadOnlyRootFilesystem()).isTrue();
      assertThat(c.getCapabilities().getAdd()).isNullOrEmpty();
      assertThat(c.getCapabilities().getDrop()).containsExactly("ALL");
      assertThat(pod(job).getHostNetwork()).isNull();
      assertThat(pod(job).getHostPID()).isNull();
      assertThat(pod(job).getVolumes()).allMatch(v -> v.getHostPath() == null);
    }

    MysqlBackup all =
        backupWithPod("securityContext: {runAsUser: 1001, runAsGroup: 1002, fsGroup: 1003}");
    var sc = pod(DEFAULT.backupJob(all)).getSecurityContext();
    assertThat(List.of(sc.getRunAsUser(), sc.getRunAsGroup(), sc.getFsGroup()))
        .containsExactly(1001L, 1002L, 1003L);
    assertThat(sc.getRunAsNonRoot()).isTrue();
    assertThat(sc.getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
  }

  /** The CRD refuses these (CEL); a resource stored before that rule is refused here again. */
  @Test
  void aRootIdIsInvalidSpec() {
    for (String field : List.of("runAsUser", "runAsGroup", "fsGroup")) {
      MysqlBackup b = backupWithPod("securityContext: {" + field + ": 0}");
      assertThatThrownBy(() -> DEFAULT.backupJob(b))
          .isInstanceOf(InvalidSpecException.class)
          .hasMessageContaining("spec.pod.securityContext." + field + " is 0: the engine never");
      assertThatThrownBy(() -> DEFAULT.checkPodSettings(b, b.getSpec().getPod()))
          .isInstanceOf(InvalidSpecException.class);
    }
  }

  @Test
  void anIdBeyondWhatKubernetesAcceptsIsInvalidSpec() {
    MysqlBackup b = backupWithPod("securityContext: {fsGroup: 2147483648}");
    assertThatThrownBy(() -> DEFAULT.backupJob(b))
        .isInstanceOf(InvalidSpecException.class)
        .hasMessageContaining("spec.pod.securityContext.fsGroup is 2147483648")
        .hasMessageContaining("set an id from 1 to 2147483647");
  }

  @Test
  void aTolerationOutsideTheAllowlistIsInvalidSpec() {
    MysqlBackup b =
        backupWithPod(
            "tolerations: [{key: dedicated, operator: Equal, value: databases, effect: NoSchedule}]");
    assertThatThrownBy(() -> DEFAULT.backupJob(b))
        .isInstanceOf(InvalidSpecException.class)
        .hasMessage(
            "MysqlBackup nightly: spec.pod.tolerations[0] dedicated=databases:NoSchedule is not"
                + " allowed: the operator allows no toleration (STOWAGE_ALLOWED_TOLERATIONS is"
                + " empty); remove it, or ask the cluster administrator to allow it");

    MysqlBackup other =
        backupWithPod(
            """
            tolerations:
              - {key: dedicated, operator: Equal, value: databases, effect: NoSchedule}
              - {key: dedicated, operator: Equal, value: payments, effect: NoSchedule}
            """);
    assertThatThrownBy(() -> ALLOWING.checkPodSettings(other, other.getSpec().getPod()))
        .isInstanceOf(InvalidSpecException.class)
        .hasMessage(
            "MysqlBackup nightly: spec.pod.tolerations[1] dedicated=payments:NoSchedule is not"
                + " allowed: the operator allows only dedicated=databases:NoSchedule, spot,"
                + " maintenance:NoExecute (STOWAGE_ALLOWED_TOLERATIONS); remove it, or ask the"
                + " cluster administrator to allow it");
    assertThatThrownBy(() -> ALLOWING.backupJob(other)).isInstanceOf(InvalidSpecException.class);
    assertThatThrownBy(() -> ALLOWING.deleteJob(other)).isInstanceOf(InvalidSpecException.class);
  }

  @Test
  void aNodeSelectorOutsideTheAllowlistIsInvalidSpec() {
    MysqlBackup b = backupWithPod("nodeSelector: {node-role.kubernetes.io/control-plane: \"\"}");
    assertThatThrownBy(() -> ALLOWING.backupJob(b))
        .isInstanceOf(InvalidSpecException.class)
        .hasMessage(
            "MysqlBackup nightly: spec.pod.nodeSelector node-role.kubernetes.io/control-plane= is"
                + " not allowed: the operator allows only pool=backup,"
                + " topology.kubernetes.io/zone=* (STOWAGE_ALLOWED_NODE_SELECTORS); remove it, or"
                + " ask the cluster administrator to allow it");
    MysqlBackup otherPool = backupWithPod("nodeSelector: {pool: payments}");
    assertThatThrownBy(() -> ALLOWING.backupJob(otherPool))
        .hasMessageContaining("spec.pod.nodeSelector pool=payments is not allowed");
    MysqlBackup allowed = backupWithPod("nodeSelector: {pool: backup}");
    assertThatThrownBy(() -> DEFAULT.backupJob(allowed))
        .hasMessageContaining(
            "spec.pod.nodeSelector pool=backup is not allowed: the operator allows no node"
                + " selector (STOWAGE_ALLOWED_NODE_SELECTORS is empty)");
  }

  @Test
  void anAllowedNodeSelectorReachesTheJob() {
    MysqlBackup b =
        backupWithPod("nodeSelector: {pool: backup, topology.kubernetes.io/zone: eu-west-1b}");
    Job job = ALLOWING.backupJob(b);
    assertThat(pod(job).getNodeSelector())
        .isEqualTo(Map.of("pool", "backup", "topology.kubernetes.io/zone", "eu-west-1b"));
    MysqlRestore r =
        YAML.unmarshal(
            """
            apiVersion: stowage.dev/v1alpha1
            kind: MysqlRestore
            metadata: {name: r, namespace: shop, uid: uid-r}
            spec:
              source:
                storage: {s3: {bucket: backups, credentialsSecretRef: {name: s3}}}
                directory: shop/data-db-0
                backupName: latest
              target: {persistentVolumeClaim: data-db-1}
              pod: {nodeSelector: {pool: backup}}
            """,
            MysqlRestore.class);
    assertThat(pod(ALLOWING.restoreJob(r, null)).getNodeSelector())
        .isEqualTo(Map.of("pool", "backup"));
  }

  @Test
  void anAllowedTolerationReachesTheJob() {
    MysqlBackup b =
        backupWithPod(
            """
            tolerations:
              - {key: dedicated, value: databases, effect: NoSchedule}
              - {key: spot, operator: Exists}
              - {key: maintenance, operator: Exists, effect: NoExecute, tolerationSeconds: 60}
            """);
    List<Toleration> got = pod(ALLOWING.backupJob(b)).getTolerations();
    assertThat(got)
        .extracting(Toleration::getKey)
        .containsExactly("dedicated", "spot", "maintenance");
    assertThat(got.get(2).getTolerationSeconds()).isEqualTo(60L);
  }

  @Test
  void theAllowlistMatchesKeyValueAndEffectExactly() {
    PodAllowlist.TolerationRule valueAndEffect =
        ALLOWLIST.tolerations().get(0); // dedicated=databases:NoSchedule
    assertThat(valueAndEffect.allows(t("dedicated", "Equal", "databases", "NoSchedule"))).isTrue();
    assertThat(valueAndEffect.allows(t("dedicated", null, "databases", "NoSchedule"))).isTrue();
    // Exists would tolerate every value of the key; an empty effect every effect.
    assertThat(valueAndEffect.allows(t("dedicated", "Exists", null, "NoSchedule"))).isFalse();
    assertThat(valueAndEffect.allows(t("dedicated", "Equal", "databases", null))).isFalse();
    assertThat(valueAndEffect.allows(t("dedicated", "Equal", "databases", "NoExecute"))).isFalse();
    PodAllowlist.TolerationRule anyValue = ALLOWLIST.tolerations().get(1); // spot
    assertThat(anyValue.allows(t("spot", "Exists", null, null))).isTrue();
    assertThat(anyValue.allows(t("spot", "Equal", "yes", "NoExecute"))).isTrue();
    assertThat(anyValue.allows(t("spotty", "Exists", null, null))).isFalse();
    assertThat(anyValue.allows(t("spot", "Lt", "1", null))).isFalse();
  }

  /** {@code operator: Exists} without a key tolerates every taint, control-plane included. */
  @Test
  void toleratingEveryTaintIsNeverAllowed() {
    PodAllowlist everything = PodAllowlist.parse("", "spot, dedicated, maintenance");
    for (Toleration t :
        List.of(t(null, "Exists", null, null), t("", "Exists", null, "NoSchedule"))) {
      assertThat(everything.tolerations()).noneMatch(r -> r.allows(t));
    }
    MysqlBackup b = backupWithPod("tolerations: [{operator: Exists}]");
    assertThatThrownBy(() -> ALLOWING.backupJob(b))
        .hasMessageContaining("spec.pod.tolerations[0] (every taint) (Exists) (every effect)");
  }

  @Test
  void theAllowlistSyntaxIsCheckedAtStartUp() {
    assertThat(PodAllowlist.parse(null, null)).isEqualTo(PodAllowlist.NONE);
    assertThat(PodAllowlist.parse(" ", ",")).isEqualTo(PodAllowlist.NONE);
    assertThatThrownBy(() -> PodAllowlist.parse("pool", null))
        .hasMessageContaining("STOWAGE_ALLOWED_NODE_SELECTORS has 'pool'; write key=value");
    assertThatThrownBy(() -> PodAllowlist.parse("=x", null))
        .hasMessageContaining("STOWAGE_ALLOWED_NODE_SELECTORS has '=x'");
    assertThatThrownBy(() -> PodAllowlist.parse(null, "spot:NoRun"))
        .hasMessageContaining(
            "STOWAGE_ALLOWED_TOLERATIONS has 'spot:NoRun': the effect must be NoSchedule,"
                + " PreferNoSchedule or NoExecute");
    assertThatThrownBy(() -> PodAllowlist.parse(null, "=x:NoSchedule"))
        .hasMessageContaining("STOWAGE_ALLOWED_TOLERATIONS has '=x:NoSchedule'");
  }

  static Toleration t(String key, String operator, String value, String effect) {
    return new TolerationBuilder()
        .withKey(key)
        .withOperator(operator)
        .withValue(value)
        .withEffect(effect)
        .build();
  }
}
