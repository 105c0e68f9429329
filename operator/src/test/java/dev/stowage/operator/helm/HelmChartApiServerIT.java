package dev.stowage.operator.helm;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.stowage.api.v1alpha1.testing.LocalApiServer;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.authorization.v1.SubjectAccessReview;
import io.fabric8.kubernetes.api.model.authorization.v1.SubjectAccessReviewBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.FieldValidateable;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The Helm chart charts/stowage-operator on a real Kubernetes API server: {@code helm template}
 * (the binary scripts/ensure-helm.sh builds) with the default, the multi-tenant and the non-default
 * values, and every rendered object accepted by a server-side dry-run apply without a field
 * dropped; the operator pod passes the restricted Pod Security Standard. The chart's CRDs are
 * applied for real first (the objects of the monitoring.coreos.com group need the Prometheus
 * Operator's CRDs, which are not here, and are left out; see charts/stowage-operator/README.md).
 * The comparison with deploy/ is charts/stowage-operator/tests/test.sh ({@code make test-helm}).
 */
class HelmChartApiServerIT {
  private static final KubernetesSerialization YAML = new KubernetesSerialization();
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Path REPO =
      Path.of(System.getProperty("stowage.e2e.dir", "../e2e"))
          .toAbsolutePath()
          .normalize()
          .getParent();
  private static final Path CHART = REPO.resolve("charts/stowage-operator");
  private static final String NS = "stowage-system";

  /** Needs the Prometheus Operator's CRDs, which this API server does not have. */
  private static final String MONITORING_GROUP = "monitoring.coreos.com/";

  private static LocalApiServer server;
  private static KubernetesClient client;
  private static Path helm;

  @BeforeAll
  static void start() throws Exception {
    helm = Path.of(run(List.of("bash", REPO.resolve("scripts/ensure-helm.sh").toString())).trim());
    server = LocalApiServer.start(Path.of("target", "helm-it"));
    client = server.client();
    // The CRDs as the chart renders them, applied for real (custom resources need them; the
    // rendered objects here are all built-in kinds, but the CRDs themselves are checked).
    for (JsonNode doc : render(List.of())) {
      if (doc.path("kind").asText().equals("CustomResourceDefinition")) {
        CustomResourceDefinition crd = YAML.convertValue(doc, CustomResourceDefinition.class);
        client.apiextensions().v1().customResourceDefinitions().resource(crd).serverSideApply();
      }
    }
    // The release namespace and the watched ones of the test values, enforcing `restricted`.
    for (String ns : List.of(NS, "team-a", "team-b")) {
      client
          .namespaces()
          .resource(
              new NamespaceBuilder()
                  .withNewMetadata()
                  .withName(ns)
                  .addToLabels("pod-security.kubernetes.io/enforce", "restricted")
                  .endMetadata()
                  .build())
          .create();
      // No controller manager runs here: create what a pod's admission looks up.
      client
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
    // The dry runs create nothing, and the operator pod's admission looks up its ServiceAccount.
    client
        .serviceAccounts()
        .inNamespace(NS)
        .resource(
            new ServiceAccountBuilder()
                .withNewMetadata()
                .withName("stowage-operator")
                .endMetadata()
                .build())
        .create();
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.close();
    }
  }

  static Stream<Arguments> valueSets() {
    return Stream.of(
        Arguments.of("default values", List.of()),
        Arguments.of(
            "values-multitenant.yaml",
            List.of("-f", CHART.resolve("values-multitenant.yaml").toString())),
        Arguments.of(
            "tests/values-nondefault.yaml",
            List.of("-f", CHART.resolve("tests/values-nondefault.yaml").toString())),
        Arguments.of("crds.install=false", List.of("--set", "crds.install=false")));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("valueSets")
  void everyRenderedObjectIsAcceptedByServerSideDryRun(String name, List<String> args)
      throws Exception {
    List<JsonNode> docs = render(args);
    List<String> applied = new ArrayList<>();
    for (JsonNode doc : docs) {
      String what = doc.path("kind").asText() + " " + doc.at("/metadata/name").asText();
      if (doc.path("apiVersion").asText().startsWith(MONITORING_GROUP)) {
        continue;
      }
      GenericKubernetesResource sent = YAML.convertValue(doc, GenericKubernetesResource.class);
      GenericKubernetesResource answer;
      try {
        answer =
            client
                .resource(sent)
                .dryRun()
                // An unknown or duplicate field is an error, not a warning.
                .fieldValidation(FieldValidateable.Validation.STRICT)
                .fieldManager("helm-chart-it")
                .forceConflicts()
                .serverSideApply();
      } catch (KubernetesClientException e) {
        throw new AssertionError(what + " refused by the API server: " + e.getMessage(), e);
      }
      List<String> differences = new ArrayList<>();
      subset(doc, JSON.valueToTree(answer), "", differences);
      assertThat(differences).as("fields of %s dropped or changed by the server", what).isEmpty();
      applied.add(doc.path("kind").asText());
      if (doc.path("kind").asText().equals("Deployment")) {
        assertPodAdmitted(doc);
      }
    }
    assertThat(applied)
        .as("kinds applied")
        .contains("ClusterRole", "Role", "RoleBinding", "ServiceAccount", "Deployment");
    if (name.equals("crds.install=false")) {
      assertThat(applied).doesNotContain("CustomResourceDefinition");
    } else {
      assertThat(applied.stream().filter("CustomResourceDefinition"::equals).count())
          .as("CRDs rendered")
          .isEqualTo(5);
    }
  }

  /**
   * values-multitenant.yaml applied for real: the operator's ServiceAccount may work in the watched
   * namespaces and read ClusterBackupStores, and nothing across or outside them (the namespaced
   * install of deploy/namespaced, plus rbac.clusterBackupStores).
   */
  @Test
  void multiTenantProfileGrantsTheWatchedNamespacesAndClusterBackupStoresOnly() throws Exception {
    for (JsonNode doc :
        render(List.of("-f", CHART.resolve("values-multitenant.yaml").toString()))) {
      if (!doc.path("kind").asText().equals("CustomResourceDefinition")) {
        client
            .resource(YAML.convertValue(doc, GenericKubernetesResource.class))
            .fieldManager("helm-chart-it")
            .forceConflicts()
            .serverSideApply();
      }
    }
    assertThat(allowed("stowage.dev", "clusterbackupstores", "get", "")).as("get cbs").isTrue();
    assertThat(allowed("stowage.dev", "clusterbackupstores", "list", "")).as("list cbs").isFalse();
    for (String ns : List.of("team-a", "team-b")) {
      assertThat(allowed("batch", "jobs", "create", ns)).as("create jobs in %s", ns).isTrue();
      assertThat(allowed("stowage.dev", "mysqlbackups", "watch", ns))
          .as("watch in %s", ns)
          .isTrue();
      assertThat(allowed("", "secrets", "get", ns)).as("get secrets in %s", ns).isFalse();
    }
    assertThat(allowed("batch", "jobs", "create", "team-z")).as("jobs, unwatched").isFalse();
    assertThat(allowed("batch", "jobs", "list", "")).as("jobs, all namespaces").isFalse();
    assertThat(allowed("stowage.dev", "mysqlbackups", "list", "")).as("all namespaces").isFalse();
  }

  private static boolean allowed(String group, String resource, String verb, String namespace) {
    SubjectAccessReview review =
        new SubjectAccessReviewBuilder()
            .withNewSpec()
            .withUser("system:serviceaccount:" + NS + ":stowage-operator")
            .withGroups(
                "system:serviceaccounts", "system:serviceaccounts:" + NS, "system:authenticated")
            .withNewResourceAttributes()
            .withGroup(group)
            .withResource(resource)
            .withVerb(verb)
            .withNamespace(namespace)
            .endResourceAttributes()
            .endSpec()
            .build();
    return client
        .authorization()
        .v1()
        .subjectAccessReview()
        .create(review)
        .getStatus()
        .getAllowed();
  }

  /**
   * The Deployment's pod, dry-run as a Pod: admission with Pod Security `restricted` accepts it.
   */
  private static void assertPodAdmitted(JsonNode deployment) {
    ObjectNode pod = JSON.createObjectNode();
    pod.put("apiVersion", "v1");
    pod.put("kind", "Pod");
    pod.putObject("metadata")
        .put("name", "stowage-operator-admission")
        .put("namespace", deployment.at("/metadata/namespace").asText());
    pod.set("spec", deployment.at("/spec/template/spec"));
    // The pod's priority class must exist for admission; the values set a built-in one.
    client.resource(YAML.convertValue(pod, GenericKubernetesResource.class)).dryRun().create();
  }

  private static List<JsonNode> render(List<String> args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of(helm.toString(), "template", "stowage-operator"));
    cmd.add(CHART.toString());
    cmd.addAll(List.of("--namespace", NS));
    cmd.addAll(args);
    List<JsonNode> docs = new ArrayList<>();
    for (String doc : run(cmd).split("(?m)^---\\s*$")) {
      if (doc.lines().anyMatch(l -> l.startsWith("kind:"))) {
        docs.add(JSON.readTree(YAML.asJson(YAML.unmarshal(doc, LinkedHashMap.class))));
      }
    }
    assertThat(docs).as("documents rendered by helm template %s", args).isNotEmpty();
    return docs;
  }

  private static String run(List<String> cmd) throws IOException, InterruptedException {
    Path err = Files.createTempFile("helm", ".err");
    try {
      Process p = new ProcessBuilder(cmd).redirectError(err.toFile()).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      // A cold ensure-helm.sh builds Helm: minutes.
      if (!p.waitFor(20, TimeUnit.MINUTES) || p.exitValue() != 0) {
        throw new IllegalStateException(cmd + " failed: " + Files.readString(err));
      }
      return out;
    } finally {
      Files.deleteIfExists(err);
    }
  }

  /** Records in {@code out} every path of {@code want} that {@code got} lacks or differs at. */
  private static void subset(JsonNode want, JsonNode got, String path, List<String> out) {
    if (want.isObject()) {
      if (!got.isObject()) {
        out.add(path + ": expected an object, got " + got);
        return;
      }
      for (Map.Entry<String, JsonNode> e : want.properties()) {
        if (!got.has(e.getKey())) {
          if (!isZero(e.getValue())) {
            out.add(path + "/" + e.getKey() + ": dropped");
          }
        } else {
          subset(e.getValue(), got.get(e.getKey()), path + "/" + e.getKey(), out);
        }
      }
    } else if (want.isArray()) {
      if (!got.isArray() || got.size() != want.size()) {
        out.add(path + ": expected " + want + ", got " + got);
        return;
      }
      for (int i = 0; i < want.size(); i++) {
        subset(want.get(i), got.get(i), path + "/" + i, out);
      }
    } else if (want.isNumber() && got.isNumber()) {
      if (want.decimalValue().compareTo(got.decimalValue()) != 0) {
        out.add(path + ": expected " + want + ", got " + got);
      }
    } else if (!want.equals(got)) {
      out.add(path + ": expected " + want + ", got " + got);
    }
  }

  private static boolean isZero(JsonNode v) {
    return v.isNull()
        || (v.isTextual() && v.asText().isEmpty())
        || (v.isBoolean() && !v.asBoolean())
        || (v.isNumber() && v.asDouble() == 0)
        || (v.isContainerNode() && v.isEmpty());
  }
}
