package dev.stowage.operator.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stowage.api.v1alpha1.MysqlBackup;
import dev.stowage.api.v1alpha1.MysqlRestore;
import dev.stowage.api.v1alpha1.PodSecurity;
import dev.stowage.api.v1alpha1.PodSettings;
import dev.stowage.api.v1alpha1.testing.LocalApiServer;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The golden files on a real Kubernetes 1.34 API server: every input resource passes the committed
 * CRDs' validation, and every expected Job is accepted as it is, without the server dropping a
 * field it does not know (podFailurePolicy, podReplacementPolicy, the security contexts). Every
 * Job's pod, and those of hostile specs, pass the restricted Pod Security Standard.
 */
class EngineJobApiServerIT {
  private static final KubernetesSerialization YAML = new KubernetesSerialization();
  private static LocalApiServer server;
  private static KubernetesClient client;

  @BeforeAll
  static void start() throws Exception {
    server = LocalApiServer.start(Path.of("target", "jobs-it"));
    client = server.client();
    server.installCommittedCrds();
    for (String ns : List.of("shop", "wiki", "staging", "analytics")) {
      client
          .namespaces()
          .resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build())
          .create();
    }
    client
        .namespaces()
        .resource(
            new NamespaceBuilder()
                .withNewMetadata()
                .withName(RESTRICTED)
                .addToLabels("pod-security.kubernetes.io/enforce", "restricted")
                .addToLabels("pod-security.kubernetes.io/enforce-version", "latest")
                .endMetadata()
                .build())
        .create();
    // No controller-manager here: the ServiceAccount admission of a pod needs it made by hand.
    // "default", and the ServiceAccount of the store of store-backup (EngineJobGoldenTest.store).
    for (String account : List.of("default", "backup-writer")) {
      client
          .serviceAccounts()
          .inNamespace(RESTRICTED)
          .resource(
              new ServiceAccountBuilder().withNewMetadata().withName(account).endMetadata().build())
          .create();
    }
  }

  /** A namespace that enforces the restricted Pod Security Standard. */
  static final String RESTRICTED = "restricted";

  @AfterAll
  static void stop() {
    if (server != null) {
      server.close();
    }
  }

  static Stream<String> cases() throws Exception {
    try (Stream<Path> files = Files.list(GoldenFiles.dir())) {
      return files
          .map(p -> p.getFileName().toString())
          .filter(n -> n.endsWith(".job.yaml"))
          .map(n -> n.substring(0, n.length() - ".job.yaml".length()))
          .sorted()
          .toList()
          .stream();
    }
  }

  @ParameterizedTest
  @MethodSource("cases")
  void inputResourcesPassTheCrdValidation(String name) {
    String[] docs = GoldenFiles.read(name + ".input.yaml").split("(?m)^---$");
    List<String> resources =
        Arrays.stream(docs).filter(d -> d.lines().anyMatch(l -> l.startsWith("kind:"))).toList();
    assertThat(resources).isNotEmpty();
    for (String doc : resources) {
      GenericKubernetesResource r = YAML.unmarshal(doc, GenericKubernetesResource.class);
      // Dry run: the inputs share names, and the spec of a stored one cannot change.
      HasMetadata accepted = client.resource(r).dryRun().create();
      assertThat(accepted.getMetadata().getName()).isEqualTo(r.getMetadata().getName());
    }
  }

  @ParameterizedTest
  @MethodSource("cases")
  void expectedJobsAreAcceptedWithEveryField(String name) {
    Job expected = YAML.unmarshal(GoldenFiles.read(name + ".job.yaml"), Job.class);
    Job stored = client.resource(expected).create();

    assertThat(stored.getMetadata().getName()).isEqualTo(expected.getMetadata().getName());
    assertThat(stored.getMetadata().getLabels()).isEqualTo(expected.getMetadata().getLabels());
    assertThat(emptyIfNull(stored.getMetadata().getOwnerReferences()))
        .isEqualTo(emptyIfNull(expected.getMetadata().getOwnerReferences()));
    assertThat(stored.getSpec().getBackoffLimit()).isEqualTo(expected.getSpec().getBackoffLimit());
    assertThat(stored.getSpec().getActiveDeadlineSeconds())
        .isEqualTo(expected.getSpec().getActiveDeadlineSeconds());
    assertThat(stored.getSpec().getPodFailurePolicy())
        .isEqualTo(expected.getSpec().getPodFailurePolicy());
    assertThat(stored.getSpec().getPodReplacementPolicy()).isEqualTo("Failed");
    assertThat(stored.getSpec().getTemplate().getMetadata().getLabels())
        .containsAllEntriesOf(expected.getSpec().getTemplate().getMetadata().getLabels());

    PodSpec want = expected.getSpec().getTemplate().getSpec();
    PodSpec got = stored.getSpec().getTemplate().getSpec();
    assertThat(got.getSecurityContext()).isEqualTo(want.getSecurityContext());
    assertThat(got.getAutomountServiceAccountToken()).isFalse();
    assertThat(got.getEnableServiceLinks()).isFalse();
    assertThat(got.getNodeSelector()).isEqualTo(want.getNodeSelector());
    assertThat(got.getTolerations()).isEqualTo(want.getTolerations());
    var wantC = want.getContainers().get(0);
    var gotC = got.getContainers().get(0);
    assertThat(gotC.getArgs()).isEqualTo(wantC.getArgs());
    assertThat(gotC.getEnv()).isEqualTo(wantC.getEnv());
    assertThat(gotC.getVolumeMounts()).isEqualTo(wantC.getVolumeMounts());
    assertThat(gotC.getSecurityContext()).isEqualTo(wantC.getSecurityContext());
    assertThat(gotC.getTerminationMessagePolicy()).isEqualTo("File");
    assertThat(got.getVolumes()).hasSameSizeAs(want.getVolumes());
  }

  /**
   * Issue 15, finding 1: the pod of every golden Job passes the restricted Pod Security Standard,
   * enforced by the API server's PodSecurity admission.
   */
  @ParameterizedTest
  @MethodSource("cases")
  void everyGoldenPodMeetsTheRestrictedPodSecurityStandard(String name) {
    Job job = YAML.unmarshal(GoldenFiles.read(name + ".job.yaml"), Job.class);
    assertAcceptedInRestrictedNamespace(job);
  }

  /** The most a tenant can still ask for, through every Job kind, stays restricted. */
  static Stream<Job> jobsOfHostileSpecs() {
    EngineJobFactory f = EngineJobGoldenTest.FACTORY;
    MysqlBackup hostile = EngineJobGoldenTest.backup("hostile-pod-settings", 0);
    MysqlRestore restore = EngineJobGoldenTest.restore("restore-from-source-template", 0);
    restore.getSpec().setPod(hostile.getSpec().getPod());
    MysqlBackup emptyIds = EngineJobGoldenTest.backup("pvc-backup-subpath", 0);
    PodSettings unset = new PodSettings();
    unset.setSecurityContext(new PodSecurity());
    emptyIds.getSpec().setPod(unset);
    return Stream.of(
        f.backupJob(hostile),
        f.checkJob(hostile),
        f.deleteJob(hostile),
        f.restoreJob(restore, null),
        f.backupJob(emptyIds));
  }

  @ParameterizedTest
  @MethodSource("jobsOfHostileSpecs")
  void hostileSpecsStillGiveRestrictedPods(Job job) {
    assertAcceptedInRestrictedNamespace(job);
  }

  /** The namespace does enforce: a golden pod without its seccomp profile is refused. */
  @Test
  void aPodBelowTheRestrictedLevelIsRefused() {
    Job job = YAML.unmarshal(GoldenFiles.read("pvc-backup-subpath.job.yaml"), Job.class);
    job.getSpec().getTemplate().getSpec().getSecurityContext().setSeccompProfile(null);
    assertThatThrownBy(() -> assertAcceptedInRestrictedNamespace(job))
        .isInstanceOf(KubernetesClientException.class)
        .hasMessageContaining("violates PodSecurity \"restricted:latest\"")
        .hasMessageContaining("seccompProfile");
  }

  /** A server-side dry run of the Job's pod, as the Job controller would create it. */
  private static void assertAcceptedInRestrictedNamespace(Job job) {
    Pod pod =
        new PodBuilder()
            .withNewMetadata()
            .withName(job.getMetadata().getName())
            .withNamespace(RESTRICTED)
            .withLabels(job.getSpec().getTemplate().getMetadata().getLabels())
            .endMetadata()
            .withSpec(job.getSpec().getTemplate().getSpec())
            .build();
    Pod accepted = client.pods().inNamespace(RESTRICTED).resource(pod).dryRun().create();
    assertThat(accepted.getSpec().getSecurityContext().getRunAsNonRoot()).isTrue();
  }

  private static <T> java.util.List<T> emptyIfNull(java.util.List<T> list) {
    return list == null ? java.util.List.of() : list;
  }
}
