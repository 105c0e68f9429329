package dev.stowage.operator;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.stowage.api.v1alpha1.MysqlBackup;
import dev.stowage.api.v1alpha1.testing.LocalApiServer;
import dev.stowage.operator.job.EngineJobConfig;
import dev.stowage.operator.job.EngineJobFactory;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * deploy/network-policies/ (issue 15 finding 6): rendered by kubectl kustomize as deploy/README.md
 * shows, accepted by a real Kubernetes 1.34 API server (server-side dry run), and selecting the
 * pods they are meant for. The local API server runs no network plugin, so nothing here (or in the
 * E2E cluster, which runs none that enforces policies) shows that traffic is actually blocked.
 */
class NetworkPoliciesApiServerIT {

  static final KubernetesSerialization YAML = new KubernetesSerialization();
  static final ObjectMapper JSON = new ObjectMapper();
  static final Path REPO = NamespacedInstallApiServerIT.REPO;
  static final Path DEPLOY = REPO.resolve("deploy");
  static final String TENANT = "team-a";

  static LocalApiServer server;
  static KubernetesClient admin;

  @BeforeAll
  static void start() throws Exception {
    server = LocalApiServer.start(Path.of("target", "network-policies-it"));
    admin = server.client();
    for (String ns : List.of("stowage-system", TENANT)) {
      admin
          .namespaces()
          .resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build())
          .create();
    }
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.close();
    }
  }

  @Test
  void theOperatorPolicyIsAcceptedAndAdmitsOnlyItsHttpPortAndReachesOnlyDnsAndTheApiServer()
      throws Exception {
    Path overlay = Path.of("target", "network-policies-overlay");
    Files.createDirectories(overlay);
    Path deploy = overlay.toAbsolutePath().relativize(DEPLOY);
    Files.writeString(
        overlay.resolve("kustomization.yaml"),
        """
        apiVersion: kustomize.config.k8s.io/v1beta1
        kind: Kustomization
        resources:
          - %1$s
        components:
          - %1$s/network-policies
        """
            .formatted(deploy));
    List<JsonNode> docs = rendered(overlay);
    JsonNode policy = only(docs, "NetworkPolicy");
    JsonNode deployment = only(docs, "Deployment");
    assertThat(policy.at("/metadata/namespace").asText())
        .isEqualTo(deployment.at("/metadata/namespace").asText());
    assertAccepted(policy);

    assertThat(labels(deployment.at("/spec/template/metadata/labels")))
        .containsAllEntriesOf(labels(policy.at("/spec/podSelector/matchLabels")));
    assertThat(texts(policy.at("/spec/policyTypes"))).containsExactly("Ingress", "Egress");
    int httpPort = -1;
    for (JsonNode port : deployment.at("/spec/template/spec/containers/0/ports")) {
      if (port.path("name").asText().equals("http")) {
        httpPort = port.path("containerPort").asInt();
      }
    }
    JsonNode ingress = policy.at("/spec/ingress");
    assertThat(ingress).hasSize(1);
    assertThat(ports(ingress.get(0))).containsExactly("TCP/" + httpPort);
    JsonNode egress = policy.at("/spec/egress");
    assertThat(egress).hasSize(2);
    assertThat(ports(egress.get(0))).containsExactly("UDP/53", "TCP/53");
    assertThat(egress.get(0).at("/to/0/podSelector/matchLabels/k8s-app").asText())
        .isEqualTo("kube-dns");
    assertThat(ports(egress.get(1))).containsExactly("TCP/443", "TCP/6443");
  }

  @Test
  void theEnginePolicyIsAcceptedInATenantNamespaceAndSelectsEveryEnginePod() throws Exception {
    JsonNode policy = only(rendered(DEPLOY.resolve("network-policies/engine")), "NetworkPolicy");
    assertThat(policy.at("/metadata/namespace").isMissingNode())
        .as("applied into each tenant namespace: it must not name one")
        .isTrue();
    ((com.fasterxml.jackson.databind.node.ObjectNode) policy.get("metadata"))
        .put("namespace", TENANT);
    assertAccepted(policy);

    Map<String, String> selector = labels(policy.at("/spec/podSelector/matchLabels"));
    assertThat(selector).isNotEmpty();
    EngineJobFactory factory =
        new EngineJobFactory(EngineJobConfig.withImage("stowage/engine:dev"), Clock.systemUTC());
    MysqlBackup backup = backup();
    for (Job job :
        List.of(factory.backupJob(backup), factory.checkJob(backup), factory.deleteJob(backup))) {
      assertThat(job.getSpec().getTemplate().getMetadata().getLabels())
          .as(job.getMetadata().getName())
          .containsAllEntriesOf(selector);
    }
    assertThat(texts(policy.at("/spec/policyTypes"))).containsExactly("Ingress", "Egress");
    assertThat(policy.at("/spec/ingress").isMissingNode()).as("no ingress at all").isTrue();
    JsonNode egress = policy.at("/spec/egress");
    assertThat(egress).hasSize(2);
    assertThat(ports(egress.get(0))).containsExactly("UDP/53", "TCP/53");
    assertThat(ports(egress.get(1))).as("the store placeholder").containsExactly("TCP/443");
    assertThat(egress.get(1).has("to")).isFalse();
  }

  /** The patch deploy/README.md shows for a store at a fixed address, taken from the README. */
  @Test
  void theDocumentedStorePatchRendersAndIsAccepted() throws Exception {
    Path overlay = Path.of("target", "network-policies-engine-overlay");
    Files.createDirectories(overlay);
    Path engine = overlay.toAbsolutePath().relativize(DEPLOY.resolve("network-policies/engine"));
    Files.writeString(
        overlay.resolve("kustomization.yaml"),
        NamespacedInstallApiServerIT.readmeBlock("# my-namespace-policies/kustomization.yaml")
            .replace("../deploy/network-policies/engine", engine.toString()));
    JsonNode policy = only(rendered(overlay), "NetworkPolicy");
    assertThat(policy.at("/metadata/namespace").asText()).isEqualTo(TENANT);
    assertAccepted(policy);
    assertThat(policy.at("/spec/egress/1/to/0/ipBlock/cidr").asText()).isEqualTo("203.0.113.10/32");
    assertThat(ports(policy.at("/spec/egress/1"))).containsExactly("TCP/9000");
    assertThat(ports(policy.at("/spec/egress/0"))).containsExactly("UDP/53", "TCP/53");
  }

  // ------------------------------------------------------------------ helpers

  static MysqlBackup backup() {
    return YAML.unmarshal(
        """
        apiVersion: stowage.dev/v1alpha1
        kind: MysqlBackup
        metadata:
          name: nightly
          namespace: team-a
          uid: 0b5c2f4e-8d1a-4c7e-9f00-1234567890ab
          creationTimestamp: "2026-01-01T00:00:00Z"
        spec:
          source: {persistentVolumeClaim: data-db-0}
          storage: {s3: {bucket: backups, endpoint: "https://s3.example", credentialsSecretRef: {name: s3}}}
        """,
        MysqlBackup.class);
  }

  /** Server-side dry run: validated and admitted as if created, and not stored. */
  static void assertAccepted(JsonNode policy) {
    GenericKubernetesResource r =
        YAML.unmarshal(policy.toString(), GenericKubernetesResource.class);
    GenericKubernetesResource stored = admin.resource(r).dryRun().create();
    assertThat(stored.getMetadata().getUid()).isNotEmpty();
    assertThat(
            admin
                .network()
                .v1()
                .networkPolicies()
                .inNamespace(r.getMetadata().getNamespace())
                .withName(r.getMetadata().getName())
                .get())
        .as("a dry run stores nothing")
        .isNull();
    // Stored as written: the server kept every field (a misspelt one would be dropped).
    JsonNode back = JSON.valueToTree(stored);
    assertThat(back.get("spec")).isEqualTo(policy.get("spec"));
  }

  static List<JsonNode> rendered(Path dir) throws Exception {
    return NamespacedInstallApiServerIT.documents(NamespacedInstallApiServerIT.kustomize(dir));
  }

  static JsonNode only(List<JsonNode> docs, String kind) {
    List<JsonNode> found = docs.stream().filter(d -> d.path("kind").asText().equals(kind)).toList();
    assertThat(found).as(kind).hasSize(1);
    return found.get(0);
  }

  static Map<String, String> labels(JsonNode node) {
    Map<String, String> m = new TreeMap<>();
    node.fields().forEachRemaining(e -> m.put(e.getKey(), e.getValue().asText()));
    return m;
  }

  static List<String> texts(JsonNode array) {
    List<String> l = new ArrayList<>();
    array.forEach(n -> l.add(n.asText()));
    return l;
  }

  static List<String> ports(JsonNode rule) {
    List<String> l = new ArrayList<>();
    for (JsonNode p : rule.path("ports")) {
      l.add(p.path("protocol").asText() + "/" + p.path("port").asText());
    }
    return l;
  }
}
