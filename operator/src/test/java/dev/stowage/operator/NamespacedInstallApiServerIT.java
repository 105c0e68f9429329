package dev.stowage.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.stowage.api.v1alpha1.MysqlBackup;
import dev.stowage.api.v1alpha1.Phase;
import dev.stowage.api.v1alpha1.testing.LocalApiServer;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.authorization.v1.SubjectAccessReview;
import io.fabric8.kubernetes.api.model.authorization.v1.SubjectAccessReviewBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobConditionBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobStatusBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.javaoperatorsdk.operator.Operator;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The namespaced install mode (deploy/namespaced/, issue 15 finding 3) on a real Kubernetes 1.34
 * API server: the overlay that deploy/README.md shows ("Namespaced install") is rendered by kubectl
 * kustomize and applied; the operator runs in-process with the Deployment's environment,
 * impersonating its ServiceAccount, so it has exactly the rendered RBAC. It must start and run a
 * backup to its Job in a watched namespace, with no cluster-wide permission at all, and be refused
 * (403) in a namespace it does not watch.
 */
class NamespacedInstallApiServerIT {

  static final String SERVICE_ACCOUNT = "system:serviceaccount:stowage-system:stowage-operator";
  static final String WATCHED = "team-a";

  /** Added as deploy/README.md shows: one RoleBinding and one more name in STOWAGE_NAMESPACES. */
  static final String ADDED = "team-c";

  static final String UNWATCHED = "other";
  static final KubernetesSerialization YAML = new KubernetesSerialization();
  static final ObjectMapper JSON = new ObjectMapper();
  static final Duration WAIT = Duration.ofSeconds(60);
  static final Path REPO =
      Path.of(System.getProperty("stowage.e2e.dir", "../e2e"))
          .toAbsolutePath()
          .normalize()
          .getParent();

  static LocalApiServer server;
  static KubernetesClient admin;
  static KubernetesClient asOperator;
  static Operator operator;
  static List<JsonNode> rendered;
  static Map<String, String> operatorEnv;

  @BeforeAll
  static void start() throws Exception {
    server = LocalApiServer.start(Path.of("target", "namespaced-it"));
    admin = server.client();
    server.installCommittedCrds();
    // The platform team's namespaces exist before the install (RoleBindings live in them).
    for (String ns : List.of(WATCHED, "team-b", ADDED, UNWATCHED, "team-x")) {
      admin
          .namespaces()
          .resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build())
          .create();
      // No controller-manager here: the ServiceAccount admission of test pods needs it.
      admin
          .serviceAccounts()
          .inNamespace(ns)
          .resource(
              new ServiceAccountBuilder()
                  .withNewMetadata()
                  .withName("default")
                  .endMetadata()
                  .build())
          .create();
    }

    rendered = documents(kustomize(overlay(Path.of("target", "namespaced-it-overlay"))));
    for (JsonNode doc : rendered) {
      if (doc.path("kind").asText().equals("Deployment")) {
        operatorEnv = literalEnv(doc);
      } else {
        admin.resource(generic(doc)).serverSideApply();
      }
    }

    asOperator = impersonatingTheOperator();
    Map<String, String> env = new HashMap<>(operatorEnv);
    env.put("POD_NAMESPACE", "stowage-system");
    env.put("POD_NAME", "namespaced-it");
    env.put("STOWAGE_HTTP_PORT", "0");
    operator =
        OperatorMain.create(
            asOperator,
            OperatorConfig.fromEnv(env),
            Clock.systemUTC(),
            new SimpleMeterRegistry(),
            false);
    operator.start();
  }

  @AfterAll
  static void stop() {
    if (operator != null) {
      operator.stop();
    }
    if (asOperator != null) {
      asOperator.close();
    }
    if (server != null) {
      server.close();
    }
  }

  /**
   * The overlay of deploy/README.md's "Namespaced install", taken from the README itself, with its
   * RoleBinding copied for each namespace of its STOWAGE_NAMESPACES, as the README says.
   */
  static Path overlay(Path dir) throws IOException {
    Files.createDirectories(dir);
    String deploy = dir.toAbsolutePath().relativize(REPO.resolve("deploy")).toString();
    String kustomization = readmeBlock("- name: STOWAGE_NAMESPACES").replace("../deploy", deploy);
    assertThat(kustomization).contains("value: team-a,team-b,team-c");
    String binding = readmeBlock("# my-install/watched-namespaces.yaml");
    binding = binding.substring(0, binding.indexOf("---"));
    StringBuilder bindings = new StringBuilder();
    for (String ns : List.of(WATCHED, "team-b", ADDED)) {
      bindings.append("---\n").append(binding.replace("namespace: " + ADDED, "namespace: " + ns));
    }
    Files.writeString(dir.resolve("kustomization.yaml"), kustomization);
    Files.writeString(dir.resolve("watched-namespaces.yaml"), bindings.toString());
    return dir;
  }

  /** The one fenced YAML block of deploy/README.md that contains {@code marker}. */
  static String readmeBlock(String marker) throws IOException {
    String readme = Files.readString(REPO.resolve("deploy/README.md"));
    List<String> found = new ArrayList<>();
    java.util.regex.Matcher m =
        java.util.regex.Pattern.compile("(?ms)^( *)```yaml\\n(.*?)^\\1```$").matcher(readme);
    while (m.find()) {
      if (m.group(2).contains(marker)) {
        String indent = m.group(1);
        found.add(m.group(2).replaceAll("(?m)^" + indent, ""));
      }
    }
    assertThat(found).as("YAML blocks of deploy/README.md containing %s", marker).hasSize(1);
    return found.get(0);
  }

  /** deploy/README.md's example role for tenants ("Security model"). */
  @Test
  void theReadmesTenantRoleAllowsTheThreeKindsInItsNamespaceAndNothingElse() throws Exception {
    admin.resource(YAML.unmarshal(readmeBlock("name: stowage-tenant"), HasMetadata.class)).create();
    admin
        .resource(
            YAML.unmarshal(
                """
                apiVersion: rbac.authorization.k8s.io/v1
                kind: RoleBinding
                metadata: {name: tenant, namespace: team-a}
                roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: stowage-tenant}
                subjects: [{kind: ServiceAccount, name: tenant, namespace: team-a}]
                """,
                HasMetadata.class))
        .create();
    String tenant = "system:serviceaccount:team-a:tenant";
    for (String kind : List.of("mysqlbackups", "mysqlrestores", "mysqlbackupschedules")) {
      for (String verb : List.of("get", "list", "watch", "create", "delete")) {
        assertThat(allowed(tenant, WATCHED, "stowage.dev", kind, verb))
            .as(verb + " " + kind)
            .isTrue();
      }
      assertThat(allowed(tenant, "team-b", "stowage.dev", kind, "create")).isFalse();
      assertThat(allowed(tenant, WATCHED, "stowage.dev", kind + "/status", "update")).isFalse();
      assertThat(allowed(tenant, WATCHED, "stowage.dev", kind + "/status", "patch")).isFalse();
      assertThat(allowed(tenant, WATCHED, "stowage.dev", kind + "/finalizers", "update")).isFalse();
    }
    assertThat(allowed(tenant, WATCHED, "stowage.dev", "mysqlbackupschedules", "patch")).isTrue();
    assertThat(allowed(tenant, WATCHED, "stowage.dev", "mysqlbackups", "patch")).isFalse();
    assertThat(allowed(tenant, WATCHED, "batch", "jobs", "create")).isFalse();
    assertThat(allowed(tenant, WATCHED, "coordination.k8s.io", "leases", "create")).isFalse();
  }

  @Test
  void theOverlayGrantsNothingClusterWideAndBindsExactlyTheWatchedNamespaces() {
    List<String> kinds = rendered.stream().map(d -> d.path("kind").asText()).toList();
    assertThat(kinds).doesNotContain("ClusterRoleBinding");
    TreeSet<String> bound = new TreeSet<>();
    for (JsonNode doc : rendered) {
      if (doc.path("kind").asText().equals("RoleBinding")
          && doc.at("/roleRef/name").asText().equals("stowage-operator")) {
        bound.add(doc.at("/metadata/namespace").asText());
      }
    }
    assertThat(bound)
        .containsExactlyElementsOf(
            new TreeSet<>(List.of(operatorEnv.get("STOWAGE_NAMESPACES").split(","))));
    assertThat(bound).containsExactly(WATCHED, "team-b", ADDED);
  }

  @Test
  void aBackupInAnAddedNamespaceRunsToItsJobAndSucceeds() {
    claim(ADDED, "data-db-0");
    create(ADDED, "nightly", "data-db-0");
    passCheck(ADDED, "nightly");
    await("backup Job created").atMost(WAIT).until(() -> job(ADDED, "nightly-backup") != null);
    finish(
        ADDED,
        "nightly-backup",
        "{\"command\":\"backup\",\"status\":\"Succeeded\",\"exitCode\":0,\"files\":1}");
    await("backup succeeded")
        .atMost(WAIT)
        .untilAsserted(
            () ->
                assertThat(get(ADDED, "nightly").getStatus().getPhase())
                    .isEqualTo(Phase.Succeeded));
  }

  @Test
  void theOperatorIsRefusedInANamespaceItDoesNotWatch() {
    Job job =
        new JobBuilder()
            .withNewMetadata()
            .withName("escape")
            .withNamespace(UNWATCHED)
            .endMetadata()
            .withNewSpec()
            .withNewTemplate()
            .withNewSpec()
            .withRestartPolicy("Never")
            .addNewContainer()
            .withName("x")
            .withImage("stowage/engine:dev")
            .endContainer()
            .endSpec()
            .endTemplate()
            .endSpec()
            .build();
    assertForbidden(() -> asOperator.batch().v1().jobs().resource(job).create());
    assertForbidden(() -> asOperator.pods().inNamespace(UNWATCHED).list());
    assertForbidden(
        () ->
            asOperator
                .leases()
                .resource(
                    new LeaseBuilder()
                        .withNewMetadata()
                        .withName("stowage-claim-x")
                        .withNamespace(UNWATCHED)
                        .endMetadata()
                        .build())
                .create());
    assertForbidden(() -> asOperator.resources(MysqlBackup.class).inNamespace(UNWATCHED).list());
    // Nothing cluster-wide either: not even the informers' list across namespaces.
    assertForbidden(() -> asOperator.batch().v1().jobs().inAnyNamespace().list());
    assertForbidden(() -> asOperator.resources(MysqlBackup.class).inAnyNamespace().list());
    assertForbidden(() -> asOperator.apiextensions().v1().customResourceDefinitions().list());
    // And in the watched one, only what rbac.yaml's rules say (still no Secrets).
    assertForbidden(() -> asOperator.secrets().inNamespace(WATCHED).list());
    assertThat(allowed(WATCHED, "batch", "jobs", "create")).isTrue();
    assertThat(allowed(UNWATCHED, "batch", "jobs", "create")).isFalse();
    assertThat(allowed(null, "batch", "jobs", "list")).as("cluster-wide list").isFalse();
  }

  @Test
  void aMysqlBackupInAnUnwatchedNamespaceIsLeftAlone() throws Exception {
    claim(UNWATCHED, "data-db-0");
    create(UNWATCHED, "ignored", "data-db-0");
    // A watched backup created after it goes through, so the operator has had its chance.
    claim(WATCHED, "data-late-0");
    create(WATCHED, "late", "data-late-0");
    await("watched backup's check Job")
        .atMost(WAIT)
        .until(() -> job(WATCHED, "late-check") != null);
    MysqlBackup ignored = get(UNWATCHED, "ignored");
    assertThat(ignored.getStatus()).isNull();
    assertThat(ignored.getMetadata().getFinalizers()).isNullOrEmpty();
    assertThat(admin.batch().v1().jobs().inNamespace(UNWATCHED).list().getItems()).isEmpty();
  }

  @Test
  void aWatchedNamespaceWithoutItsRoleBindingStopsTheOperatorAtStart() {
    Map<String, String> env = new HashMap<>(operatorEnv);
    env.put("STOWAGE_NAMESPACES", WATCHED + ",team-x");
    env.put("STOWAGE_LEADER_ELECTION", "false");
    env.put("POD_NAMESPACE", "stowage-system");
    env.put("POD_NAME", "namespaced-it-2");
    // Its own client: stopping an operator closes its client.
    Operator second =
        OperatorMain.create(
            impersonatingTheOperator(),
            OperatorConfig.fromEnv(env),
            Clock.systemUTC(),
            new SimpleMeterRegistry(),
            false);
    try {
      assertThatThrownBy(second::start).hasStackTraceContaining("team-x");
    } finally {
      second.stop();
    }
  }

  // ------------------------------------------------------------------ helpers

  static void assertForbidden(ThrowingCallable call) {
    assertThatThrownBy(call)
        .isInstanceOf(KubernetesClientException.class)
        .extracting(e -> ((KubernetesClientException) e).getCode())
        .isEqualTo(403);
  }

  static boolean allowed(String namespace, String group, String resource, String verb) {
    return allowed(SERVICE_ACCOUNT, namespace, group, resource, verb);
  }

  static boolean allowed(
      String user, String namespace, String group, String resource, String verb) {
    String saNamespace = user.split(":")[2];
    String subresource = resource.contains("/") ? resource.split("/")[1] : null;
    SubjectAccessReview review =
        new SubjectAccessReviewBuilder()
            .withNewSpec()
            .withUser(user)
            .withGroups(
                "system:serviceaccounts",
                "system:serviceaccounts:" + saNamespace,
                "system:authenticated")
            .withNewResourceAttributes()
            .withNamespace(namespace)
            .withGroup(group)
            .withResource(resource.split("/")[0])
            .withSubresource(subresource)
            .withVerb(verb)
            .endResourceAttributes()
            .endSpec()
            .build();
    return admin.authorization().v1().subjectAccessReview().create(review).getStatus().getAllowed();
  }

  static KubernetesClient impersonatingTheOperator() {
    return new KubernetesClientBuilder()
        .withConfig(
            new ConfigBuilder(admin.getConfiguration())
                .withImpersonateUsername(SERVICE_ACCOUNT)
                .withImpersonateGroups(
                    "system:serviceaccounts",
                    "system:serviceaccounts:stowage-system",
                    "system:authenticated")
                .build())
        .build();
  }

  /** The operator container's env entries with a literal value. */
  static Map<String, String> literalEnv(JsonNode deployment) {
    Map<String, String> env = new LinkedHashMap<>();
    for (JsonNode e : deployment.at("/spec/template/spec/containers/0/env")) {
      if (e.has("value")) {
        env.put(e.path("name").asText(), e.path("value").asText());
      }
    }
    return env;
  }

  static void claim(String ns, String name) {
    admin
        .resource(
            new PersistentVolumeClaimBuilder()
                .withNewMetadata()
                .withName(name)
                .withNamespace(ns)
                .endMetadata()
                .withNewSpec()
                .withAccessModes("ReadWriteOnce")
                .withNewResources()
                .addToRequests("storage", new Quantity("1Gi"))
                .endResources()
                .endSpec()
                .build())
        .create();
  }

  static void create(String ns, String name, String claim) {
    admin
        .resource(
            YAML.unmarshal(
                """
                apiVersion: stowage.dev/v1alpha1
                kind: MysqlBackup
                metadata: {name: %s, namespace: %s}
                spec:
                  source:
                    persistentVolumeClaim: %s
                  storage: {s3: {bucket: backups, endpoint: "https://s3.example:443", credentialsSecretRef: {name: s3}}}
                """
                    .formatted(name, ns, claim),
                MysqlBackup.class))
        .create();
  }

  static MysqlBackup get(String ns, String name) {
    return admin.resources(MysqlBackup.class).inNamespace(ns).withName(name).get();
  }

  static Job job(String ns, String name) {
    return admin.batch().v1().jobs().inNamespace(ns).withName(name).get();
  }

  static void passCheck(String ns, String backup) {
    await(backup + " pre-flight Job created")
        .atMost(WAIT)
        .until(() -> job(ns, backup + "-check") != null);
    finish(
        ns, backup + "-check", "{\"command\":\"check\",\"status\":\"Succeeded\",\"exitCode\":0}");
  }

  /** Plays kubelet and Job controller: a terminated engine pod, then the Job's conditions. */
  static void finish(String ns, String jobName, String terminationMessage) {
    String now = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
    Pod pod =
        admin
            .resource(
                new PodBuilder()
                    .withNewMetadata()
                    .withName(jobName + "-x")
                    .withNamespace(ns)
                    .addToLabels("job-name", jobName)
                    .addToLabels(
                        "batch.kubernetes.io/controller-uid",
                        job(ns, jobName).getMetadata().getUid())
                    .endMetadata()
                    .withNewSpec()
                    .withRestartPolicy("Never")
                    .addNewContainer()
                    .withName("engine")
                    .withImage("stowage/engine:dev")
                    .endContainer()
                    .endSpec()
                    .build())
            .create();
    pod.setStatus(
        new PodStatusBuilder()
            .withPhase("Succeeded")
            .addNewContainerStatus()
            .withName("engine")
            .withImage("stowage/engine:dev")
            .withImageID("")
            .withReady(false)
            .withRestartCount(0)
            .withNewState()
            .withNewTerminated()
            .withExitCode(0)
            .withMessage(terminationMessage)
            .withReason("Completed")
            .endTerminated()
            .endState()
            .endContainerStatus()
            .build());
    admin.pods().resource(pod).updateStatus();
    Job job = job(ns, jobName);
    var status =
        new JobStatusBuilder()
            .withStartTime(now)
            .withCompletionTime(now)
            .withActive(0)
            .withSucceeded(1)
            .withFailed(0)
            .withReady(0)
            .withTerminating(0)
            .withNewUncountedTerminatedPods()
            .endUncountedTerminatedPods();
    for (String type : List.of("SuccessCriteriaMet", "Complete")) {
      status.addToConditions(
          new JobConditionBuilder()
              .withType(type)
              .withStatus("True")
              .withReason("CompletionsReached")
              .withMessage("Reached expected number of succeeded pods")
              .withLastProbeTime(now)
              .withLastTransitionTime(now)
              .build());
    }
    job.setStatus(status.build());
    admin.batch().v1().jobs().resource(job).updateStatus();
  }

  static GenericKubernetesResource generic(JsonNode doc) {
    return YAML.unmarshal(doc.toString(), GenericKubernetesResource.class);
  }

  static List<JsonNode> documents(String yaml) throws IOException {
    List<JsonNode> docs = new ArrayList<>();
    for (String doc : yaml.split("(?m)^---\\s*$")) {
      if (doc.lines().anyMatch(l -> l.startsWith("kind:"))) {
        docs.add(JSON.readTree(YAML.asJson(YAML.unmarshal(doc, LinkedHashMap.class))));
      }
    }
    return docs;
  }

  /** {@code kubectl kustomize DIR} with the localkube binary that LocalApiServer runs. */
  static String kustomize(Path dir) throws IOException, InterruptedException {
    String cache =
        System.getenv()
            .getOrDefault("STOWAGE_CACHE", System.getProperty("user.home") + "/.cache/stowage");
    Path localkube = Path.of(cache, "bin", "localkube");
    Path err = Files.createTempFile("kustomize", ".err");
    try {
      Process p =
          new ProcessBuilder(localkube.toString(), "kubectl", "kustomize", dir.toString())
              .redirectError(err.toFile())
              .start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
        throw new IllegalStateException(
            "kubectl kustomize " + dir + " failed: " + Files.readString(err));
      }
      return out;
    } finally {
      Files.deleteIfExists(err);
    }
  }
}
