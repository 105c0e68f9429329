package dev.stowage.operator.helm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stowage.api.v1alpha1.testing.LocalApiServer;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code helm install}, {@code helm upgrade} and {@code helm uninstall} of charts/stowage-operator
 * with the real helm binary against a real API server (no kubelet or controllers: the operator pod
 * never runs, so this checks what Helm does to the objects, not a backup through the chart; that
 * E2E is issue 13's and needs the local cluster). The upgrade changes the chart's version and a
 * value: the CRDs (templates, not crds/) and the Deployment are updated. The uninstall removes the
 * operator and leaves the CRDs (helm.sh/resource-policy: keep) and the users' MysqlBackups.
 */
class HelmInstallApiServerIT {
  private static final KubernetesSerialization YAML = new KubernetesSerialization();
  private static final Path REPO =
      Path.of(System.getProperty("stowage.e2e.dir", "../e2e"))
          .toAbsolutePath()
          .normalize()
          .getParent();
  private static final Path CHART = REPO.resolve("charts/stowage-operator");
  private static final Path DIR = Path.of("target", "helm-install-it");
  private static final String NS = "stowage-system";
  private static final String TENANT = "shop";
  private static final List<String> CRDS =
      List.of(
          "backupstores.stowage.dev",
          "clusterbackupstores.stowage.dev",
          "mysqlbackups.stowage.dev",
          "mysqlbackupschedules.stowage.dev",
          "mysqlrestores.stowage.dev");

  private static LocalApiServer server;
  private static KubernetesClient client;
  private static Path helm;

  @BeforeAll
  static void start() throws Exception {
    helm = Path.of(run(List.of("bash", REPO.resolve("scripts/ensure-helm.sh").toString())).trim());
    server = LocalApiServer.start(DIR);
    client = server.client();
    for (String ns : List.of(NS, TENANT)) {
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
    }
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.close();
    }
  }

  @Test
  void installUpgradeAndUninstallKeepTheCrdsAndTheBackups() throws Exception {
    helm("install", "stowage-operator", CHART.toString(), "--namespace", NS);
    for (String name : CRDS) {
      CustomResourceDefinition crd =
          client.apiextensions().v1().customResourceDefinitions().withName(name).get();
      assertThat(crd).as("CRD %s installed", name).isNotNull();
      assertThat(crd.getMetadata().getAnnotations())
          .as("CRD %s annotations", name)
          .containsEntry("helm.sh/resource-policy", "keep");
      assertThat(crd.getMetadata().getLabels())
          .containsEntry("helm.sh/chart", "stowage-operator-0.1.0");
    }
    assertThat(env(deployment(), "STOWAGE_ALLOW_INLINE_S3")).isEqualTo("true");
    assertThat(client.rbac().clusterRoles().withName("stowage-operator").get()).isNotNull();

    // A user's backup, stored through the installed CRD.
    client
        .resource(
            YAML.unmarshal(
                """
                apiVersion: stowage.dev/v1alpha1
                kind: MysqlBackup
                metadata:
                  name: nightly
                  namespace: shop
                spec:
                  source:
                    persistentVolumeClaim: data-mariadb-0
                  storage:
                    storeRef:
                      name: shared
                """,
                GenericKubernetesResource.class))
        .create();

    // Upgrade to a new chart version with a changed value: CRDs and Deployment follow.
    Path next = Files.createTempDirectory(DIR.toAbsolutePath().getParent(), "chart-next");
    Path copy = next.resolve("stowage-operator");
    copyTree(CHART, copy);
    Path chartYaml = copy.resolve("Chart.yaml");
    Files.writeString(
        chartYaml, Files.readString(chartYaml).replace("version: 0.1.0", "version: 0.2.0"));
    helm(
        "upgrade",
        "stowage-operator",
        copy.toString(),
        "--namespace",
        NS,
        "--set",
        "allowInlineS3=false");
    for (String name : CRDS) {
      assertThat(
              client
                  .apiextensions()
                  .v1()
                  .customResourceDefinitions()
                  .withName(name)
                  .get()
                  .getMetadata()
                  .getLabels())
          .as("CRD %s upgraded with the chart", name)
          .containsEntry("helm.sh/chart", "stowage-operator-0.2.0");
    }
    assertThat(env(deployment(), "STOWAGE_ALLOW_INLINE_S3")).isEqualTo("false");

    helm("uninstall", "stowage-operator", "--namespace", NS);
    assertThat(deployment()).as("Deployment after uninstall").isNull();
    assertThat(client.rbac().clusterRoles().withName("stowage-operator").get())
        .as("ClusterRole after uninstall")
        .isNull();
    // A deleted CRD lingers while the API server removes its objects: look a few seconds long,
    // for a deletionTimestamp too.
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    do {
      for (String name : CRDS) {
        CustomResourceDefinition crd =
            client.apiextensions().v1().customResourceDefinitions().withName(name).get();
        assertThat(crd).as("CRD %s kept by helm uninstall", name).isNotNull();
        assertThat(crd.getMetadata().getDeletionTimestamp())
            .as("CRD %s being deleted after helm uninstall", name)
            .isNull();
      }
      GenericKubernetesResource backup =
          client
              .genericKubernetesResources("stowage.dev/v1alpha1", "MysqlBackup")
              .inNamespace(TENANT)
              .withName("nightly")
              .get();
      assertThat(backup).as("the user's MysqlBackup after helm uninstall").isNotNull();
      assertThat(backup.getMetadata().getDeletionTimestamp()).as("MysqlBackup deleting").isNull();
      Thread.sleep(500);
    } while (System.nanoTime() < until);
  }

  private static Deployment deployment() {
    return client.apps().deployments().inNamespace(NS).withName("stowage-operator").get();
  }

  private static String env(Deployment d, String name) {
    return d.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv().stream()
        .filter(e -> e.getName().equals(name))
        .map(EnvVar::getValue)
        .findFirst()
        .orElseThrow(() -> new AssertionError("no env " + name));
  }

  private static void helm(String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of(helm.toString()));
    cmd.addAll(List.of(args));
    cmd.addAll(List.of("--kubeconfig", DIR.resolve("pki/admin.conf").toAbsolutePath().toString()));
    run(cmd);
  }

  private static void copyTree(Path from, Path to) throws IOException {
    try (var files = Files.walk(from)) {
      for (Path p : files.toList()) {
        Path target = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(target);
        } else {
          Files.copy(p, target);
        }
      }
    }
  }

  private static String run(List<String> cmd) throws IOException, InterruptedException {
    Path err = Files.createTempFile("helm", ".err");
    try {
      ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(err.toFile());
      // Helm's cache, config and data under target/, not the user's home.
      Path home = DIR.toAbsolutePath().resolveSibling("helm-home");
      pb.environment().put("HELM_CACHE_HOME", home.resolve("cache").toString());
      pb.environment().put("HELM_CONFIG_HOME", home.resolve("config").toString());
      pb.environment().put("HELM_DATA_HOME", home.resolve("data").toString());
      Process p = pb.start();
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
}
