package dev.stowage.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.stowage.api.v1alpha1.MysqlBackup;
import dev.stowage.api.v1alpha1.MysqlRestore;
import dev.stowage.api.v1alpha1.Phase;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceColumnDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.Subject;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.HttpResponse;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

/**
 * Issue 13's Helm E2E: charts/stowage-operator installed on the cluster with the real helm binary
 * (scripts/ensure-helm.sh), a MysqlBackup and a MysqlRestore through the operator it deployed,
 * {@code helm upgrade} to a chart version whose MysqlBackup CRD has one more printer column (the
 * CRD in the cluster is updated and the operator still reconciles), and {@code helm uninstall},
 * after which the CRDs, the MysqlBackups and their objects in S3 remain.
 *
 * <p>The suite's operator from deploy/ (stowage-system/stowage-operator) is scaled to 0, its pod
 * gone, before the install: two operators must never reconcile the same resources. The chart's
 * release lives in a namespace of its own, but its cluster-scoped objects have deploy/'s names (the
 * five CRDs, the ClusterRole and ClusterRoleBinding stowage-operator): the install adopts them with
 * {@code --take-ownership} (they carry no Helm ownership metadata) and {@code --force-conflicts}
 * (Helm 4 applies server-side, and kubectl's client-side apply of deploy/ manages their fields:
 * without it the install fails on the binding's subjects, which move to the release's
 * ServiceAccount, and on a CRD whose live spec differs from the chart's). The uninstall deletes the
 * adopted ClusterRole and binding and keeps the CRDs; the cleanup (run also when the test failed)
 * re-applies deploy/ with e2e/scripts/deploy-operator.sh, which brings them, the CRDs' own printer
 * columns and the operator back, and removes the chart's labels and annotations from the CRDs. This
 * class runs last in the suite ({@code @Order}, see e2e/pom.xml).
 */
@Order(Integer.MAX_VALUE)
class HelmE2E {

  static final String RELEASE = "stowage-e2e";
  static final String NAME = "stowage-operator";
  static final String BUCKET = "backups";
  static final String CREDENTIALS = "s3-credentials";
  static final String DB = "db";

  /** The printer column the upgrade adds to the MysqlBackup CRD. */
  static final String COLUMN = "Helm-E2E";

  static final Duration TIMEOUT = Duration.ofMinutes(5);
  static final Duration POLL = Duration.ofMillis(500);
  static final List<String> CRDS =
      List.of(
          "backupstores.stowage.dev",
          "clusterbackupstores.stowage.dev",
          "mysqlbackups.stowage.dev",
          "mysqlbackupschedules.stowage.dev",
          "mysqlrestores.stowage.dev");

  /** The cluster-scoped objects the chart shares with deploy/ (names fixed in both). */
  static final Set<String> SHARED =
      new TreeSet<>(
          Stream.concat(
                  CRDS.stream().map(c -> "CustomResourceDefinition/" + c),
                  Stream.of("ClusterRole/" + NAME, "ClusterRoleBinding/" + NAME))
              .toList());

  /** Labels and annotations the chart puts on a CRD (deploy/crds has none of them). */
  static final List<String> CHART_LABELS =
      List.of(
          "app.kubernetes.io/name",
          "app.kubernetes.io/part-of",
          "app.kubernetes.io/managed-by",
          "helm.sh/chart");

  static final List<String> CHART_ANNOTATIONS =
      List.of(
          "helm.sh/resource-policy", "meta.helm.sh/release-name", "meta.helm.sh/release-namespace");

  static final Path REPO = Path.of(System.getProperty("user.dir")).resolve("..").normalize();
  static final Path CHART = REPO.resolve("charts/stowage-operator");
  static final Path WORK = Path.of("target", "helm-e2e").toAbsolutePath();
  static final Path IMAGES =
      Path.of(
          System.getenv()
              .getOrDefault("STOWAGE_CACHE", System.getProperty("user.home") + "/.cache/stowage"),
          "images");
  static final ObjectMapper JSON = new ObjectMapper();

  static KubernetesClient client;
  static Path helm;
  static S3Server s3;
  static MariaDb db;
  static String ns;
  static String releaseNs;
  static final List<String> namespaces = new ArrayList<>();

  /** Set before the step they undo begins, so the cleanup undoes a half-done step too. */
  static boolean kustomizeScaledDown;

  static boolean installed;

  @BeforeAll
  static void s3AndMariaDb() throws Exception {
    client = Cluster.connect();
    Operator.requireAvailable(client, Duration.ofMinutes(2));
    helm =
        Path.of(
            run(
                    List.of("bash", REPO.resolve("scripts/ensure-helm.sh").toString()),
                    Duration.ofMinutes(20))
                .strip());
    String s3Namespace = Cluster.createNamespace(client, "stowage-e2e-helm-s3-");
    namespaces.add(s3Namespace);
    s3 = S3Server.start(client, s3Namespace, BUCKET);
    ns = Cluster.createNamespace(client, "stowage-e2e-helm-");
    namespaces.add(ns);
    db = new MariaDb(client, ns).withPasswordSecret();
    s3.credentialsSecret(ns, CREDENTIALS, true);
  }

  /**
   * Whatever happened: the release uninstalled, deploy/'s operator back (deploy-operator.sh) and
   * Available, the chart's metadata off the CRDs, and the test's namespaces deleted.
   */
  @AfterAll
  static void cleanup() throws Exception {
    if (client == null) {
      return;
    }
    List<Throwable> errors = new ArrayList<>();
    try {
      if (installed) {
        try {
          helm("uninstall", RELEASE, "--namespace", releaseNs);
        } catch (RuntimeException e) {
          errors.add(e);
        }
      }
      if (kustomizeScaledDown) {
        try {
          restoreKustomizeOperator();
        } catch (Exception | AssertionError e) {
          errors.add(e);
        }
      }
      if (!Cluster.keepNamespaces()) {
        namespaces.forEach(n -> client.namespaces().withName(n).delete());
        Cluster.awaitNamespacesGone(client, namespaces);
      }
    } catch (RuntimeException | AssertionError e) {
      errors.add(e);
    } finally {
      client.close();
    }
    if (!errors.isEmpty()) {
      AssertionError error =
          new AssertionError("HelmE2E cleanup failed: " + errors.get(0), errors.get(0));
      errors.stream().skip(1).forEach(error::addSuppressed);
      throw error;
    }
  }

  @Test
  void installBackupRestoreUpgradeAndUninstallThroughTheChart() throws Exception {
    // 1. deploy/'s operator stopped: its pod gone before another operator starts.
    kustomizeScaledDown = true;
    client
        .apps()
        .deployments()
        .inNamespace(Operator.NAMESPACE)
        .withName(Operator.DEPLOYMENT)
        .scale(0);
    awaitOrExplain(
        "the pods of " + Operator.NAMESPACE + "/" + Operator.DEPLOYMENT + " gone",
        Duration.ofMinutes(2),
        () -> Operator.pods(client).isEmpty());

    // 2. The release's namespace, enforcing the restricted Pod Security Standard like deploy/.
    releaseNs = Cluster.createNamespace(client, "stowage-helm-");
    namespaces.add(releaseNs);
    client
        .namespaces()
        .withName(releaseNs)
        .edit(
            n -> {
              n.getMetadata().getLabels().put("pod-security.kubernetes.io/enforce", "restricted");
              return n;
            });

    // 3. What the chart would create that exists already: exactly deploy/'s cluster-scoped objects.
    List<HasMetadata> rendered =
        client
            .load(
                new ByteArrayInputStream(
                    helm(concat(
                            List.of(
                                "template", RELEASE, CHART.toString(), "--namespace", releaseNs),
                            values()))
                        .getBytes(StandardCharsets.UTF_8)))
            .items();
    Set<String> existing = new TreeSet<>();
    for (HasMetadata o : rendered) {
      if (o.getMetadata().getNamespace() != null) {
        assertThat(o.getMetadata().getNamespace())
            .as("namespace of %s/%s", o.getKind(), o.getMetadata().getName())
            .isEqualTo(releaseNs);
      }
      if (client.resource(o).get() != null) {
        existing.add(o.getKind() + "/" + o.getMetadata().getName());
      }
    }
    assertThat(existing).as("rendered objects that exist before the install").isEqualTo(SHARED);

    // 4. helm install, adopting them.
    installed = true;
    helm(
        concat(
            List.of(
                "install",
                RELEASE,
                CHART.toString(),
                "--namespace",
                releaseNs,
                "--take-ownership",
                "--force-conflicts"),
            values()));
    Deployment chartOperator = awaitChartOperatorReady(Set.of());
    String version = chartVersion(CHART);
    for (String name : CRDS) {
      CustomResourceDefinition crd = crd(name);
      assertThat(crd.getMetadata().getAnnotations())
          .as("annotations of CRD %s", name)
          .containsEntry("helm.sh/resource-policy", "keep")
          .containsEntry("meta.helm.sh/release-name", RELEASE)
          .containsEntry("meta.helm.sh/release-namespace", releaseNs);
      assertThat(crd.getMetadata().getLabels())
          .as("labels of CRD %s", name)
          .containsEntry("app.kubernetes.io/managed-by", "Helm")
          .containsEntry("helm.sh/chart", NAME + "-" + version);
    }
    ClusterRoleBinding binding = client.rbac().clusterRoleBindings().withName(NAME).get();
    assertThat(binding.getSubjects())
        .extracting(Subject::getKind, Subject::getName, Subject::getNamespace)
        .as("subjects of ClusterRoleBinding %s after the adoption", NAME)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("ServiceAccount", NAME, releaseNs));
    var container = chartOperator.getSpec().getTemplate().getSpec().getContainers().get(0);
    assertThat(container.getImage()).as("the operator's image").isEqualTo(image("operator"));
    assertThat(container.getImagePullPolicy()).isEqualTo(Cluster.PULL_POLICY);
    assertThat(env(chartOperator, "STOWAGE_ENGINE_IMAGE")).isEqualTo(image("engine"));

    // 5. A backup and a restore through the chart's operator; the restored server has the same
    // data.
    db.startStatefulSet(DB);
    String expected = ShopData.write(db, DB, 0);
    createBackup("before-upgrade");
    client
        .resources(MysqlRestore.class)
        .inNamespace(ns)
        .resource(StowageObjects.restoreIntoNewClaim(ns, "restore", "before-upgrade", "restored"))
        .create();
    MysqlBackup first = awaitBackup("before-upgrade");
    MysqlRestore restore = awaitRestore("restore");
    assertThat(restore.getStatus().getBackupName()).isEqualTo(first.getStatus().getBackupName());
    assertThat(restore.getStatus().getFiles()).isEqualTo(first.getStatus().getFiles());
    assertThat(s3.exists(manifestKey(first)))
        .as("MANIFEST of %s in S3", manifestKey(first))
        .isTrue();
    assertLeaseHeldByTheChartsOperator();
    assertThat(Operator.pods(client)).as("deploy/'s operator pods during the test").isEmpty();
    db.awaitReady(DB, Duration.ofMinutes(3));
    db.startPodOnClaim("restored-db", "restored");
    assertThat(db.sql("read-restored", "restored-db", ShopData.READ)).isEqualTo(expected);

    // 6. helm upgrade to a chart version whose MysqlBackup CRD has one more printer column, and a
    //    changed value (the operator pod is replaced): the CRD in the cluster is updated. No
    //    --force-conflicts: since the install, Helm owns the fields it changes.
    Path next = upgradedChart(version + "-e2e-upgrade");
    Set<String> oldPods =
        chartOperatorPods().stream().map(p -> p.getMetadata().getUid()).collect(Collectors.toSet());
    helm(
        concat(
            List.of(
                "upgrade",
                RELEASE,
                next.toString(),
                "--namespace",
                releaseNs,
                "--set",
                "engineStartDeadline=3m"),
            values()));
    for (String name : CRDS) {
      assertThat(crd(name).getMetadata().getLabels())
          .as("labels of CRD %s after the upgrade", name)
          .containsEntry("helm.sh/chart", NAME + "-" + version + "-e2e-upgrade");
    }
    CustomResourceDefinition upgraded = crd("mysqlbackups.stowage.dev");
    assertThat(upgraded.getSpec().getVersions().get(0).getAdditionalPrinterColumns())
        .extracting(CustomResourceColumnDefinition::getName)
        .as("printer columns of the MysqlBackup CRD after the upgrade")
        .contains(COLUMN);
    // The API server serves it: kubectl get -o wide's Table has the column, with the backup's uid.
    awaitOrExplain(
        "column " + COLUMN + " in the API server's Table of MysqlBackups",
        Duration.ofSeconds(30),
        () -> first.getMetadata().getUid().equals(tableCell("before-upgrade", COLUMN)));
    chartOperator = awaitChartOperatorReady(oldPods);
    assertThat(env(chartOperator, "STOWAGE_ENGINE_START_DEADLINE")).isEqualTo("3m");

    // 7. The upgraded operator still reconciles: a new backup Succeeds.
    createBackup("after-upgrade");
    MysqlBackup second = awaitBackup("after-upgrade");
    assertThat(s3.exists(manifestKey(second)))
        .as("MANIFEST of %s in S3", manifestKey(second))
        .isTrue();
    assertLeaseHeldByTheChartsOperator();
    db.awaitReady(DB, Duration.ofMinutes(3));

    // 8. helm uninstall: the operator and its RBAC go; the CRDs, the MysqlBackups and what they
    //    stored in S3 stay.
    helm("uninstall", RELEASE, "--namespace", releaseNs);
    installed = false;
    assertThat(
            helm(
                    "list",
                    "--namespace",
                    releaseNs,
                    "--short",
                    "--deployed",
                    "--failed",
                    "--pending",
                    "--superseded",
                    "--uninstalling")
                .strip())
        .as("releases")
        .isEmpty();
    awaitOrExplain(
        "the chart's Deployment, ServiceAccount and ClusterRole deleted",
        Duration.ofMinutes(1),
        () ->
            client.apps().deployments().inNamespace(releaseNs).withName(NAME).get() == null
                && client.serviceAccounts().inNamespace(releaseNs).withName(NAME).get() == null
                && client.rbac().clusterRoles().withName(NAME).get() == null
                && client.rbac().clusterRoleBindings().withName(NAME).get() == null);
    // A deleted CRD lingers while the API server removes its objects: look for 10 s, for a
    // deletionTimestamp too.
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    do {
      for (String name : CRDS) {
        CustomResourceDefinition crd = crd(name);
        assertThat(crd).as("CRD %s after helm uninstall", name).isNotNull();
        assertThat(crd.getMetadata().getDeletionTimestamp())
            .as("deletionTimestamp of CRD %s after helm uninstall", name)
            .isNull();
      }
      for (String name : List.of("before-upgrade", "after-upgrade")) {
        MysqlBackup b = client.resources(MysqlBackup.class).inNamespace(ns).withName(name).get();
        assertThat(b).as("MysqlBackup %s after helm uninstall", name).isNotNull();
        assertThat(b.getMetadata().getDeletionTimestamp())
            .as("deletionTimestamp of %s", name)
            .isNull();
        assertThat(b.getStatus().getPhase()).isEqualTo(Phase.Succeeded);
      }
      assertThat(client.resources(MysqlRestore.class).inNamespace(ns).withName("restore").get())
          .as("MysqlRestore restore after helm uninstall")
          .isNotNull();
      Thread.sleep(1000);
    } while (System.nanoTime() < until);
    assertThat(s3.exists(manifestKey(first)))
        .as("MANIFEST of %s after uninstall", manifestKey(first))
        .isTrue();
    assertThat(s3.exists(manifestKey(second)))
        .as("MANIFEST of %s after uninstall", manifestKey(second))
        .isTrue();
  }

  // ---------------------------------------------------------------- the chart

  /** The --set flags of every helm call: the images the local cluster imported, never pulled. */
  static List<String> values() throws IOException {
    List<String> v = new ArrayList<>();
    for (String kind : List.of("operator", "engine")) {
      String key = kind.equals("operator") ? "image" : "engineImage";
      v.addAll(List.of("--set", key + ".pullPolicy=" + Cluster.PULL_POLICY));
      String digest = localDigest(kind);
      if (digest != null) {
        v.addAll(List.of("--set", key + ".digest=" + digest));
      }
    }
    return v;
  }

  /**
   * On the local cluster, the digest e2e/images/build.sh recorded when it imported stowage/KIND
   * (what deploy-operator.sh pins deploy/ to); elsewhere null (the chart's tag, appVersion dev).
   */
  static String localDigest(String kind) throws IOException {
    String kubeconfig = System.getenv("KUBECONFIG");
    Path ref = IMAGES.resolve(kind + ".ref");
    if ((kubeconfig != null && !kubeconfig.isBlank()) || !Files.isRegularFile(ref)) {
      return null;
    }
    String value = Files.readString(ref).strip();
    String prefix = "docker.io/stowage/" + kind + "@";
    if (!value.startsWith(prefix)) {
      throw new IllegalStateException(ref + " holds " + value + ", not " + prefix + "sha256:...");
    }
    return value.substring(prefix.length());
  }

  /** The image the chart renders for stowage/KIND with {@link #values()}. */
  static String image(String kind) throws IOException {
    String digest = localDigest(kind);
    return "docker.io/stowage/" + kind + (digest != null ? "@" + digest : ":dev");
  }

  static String chartVersion(Path chart) throws IOException {
    Matcher m =
        Pattern.compile("(?m)^version: (\\S+)$")
            .matcher(Files.readString(chart.resolve("Chart.yaml")));
    if (!m.find()) {
      throw new IllegalStateException("no version in " + chart.resolve("Chart.yaml"));
    }
    return m.group(1);
  }

  /**
   * A copy of the chart as version {@code version}, its MysqlBackup CRD with the printer column
   * {@value #COLUMN} (priority 1: kubectl get -o wide) added.
   */
  static Path upgradedChart(String version) throws IOException {
    Path copy = WORK.resolve("chart-" + version).resolve(NAME);
    if (Files.exists(copy)) {
      try (Stream<Path> files = Files.walk(copy)) {
        for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
          Files.delete(p);
        }
      }
    }
    try (Stream<Path> files = Files.walk(CHART)) {
      for (Path p : files.toList()) {
        Path target = copy.resolve(CHART.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(target);
        } else {
          Files.copy(p, target);
        }
      }
    }
    Path chartYaml = copy.resolve("Chart.yaml");
    String old = chartVersion(copy);
    Files.writeString(
        chartYaml,
        Files.readString(chartYaml)
            .replace("version: " + old + "\n", "version: " + version + "\n"));
    Path crd = copy.resolve("files/crds/mysqlbackups.stowage.dev-v1.yml");
    String text = Files.readString(crd);
    String anchor = "  - additionalPrinterColumns:\n";
    assertThat(text).as(crd.toString()).containsOnlyOnce(anchor);
    Files.writeString(
        crd,
        text.replace(
            anchor,
            anchor
                + "    - description: \"Added by HelmE2E's helm upgrade\"\n"
                + "      jsonPath: \".metadata.uid\"\n"
                + "      name: \""
                + COLUMN
                + "\"\n"
                + "      priority: 1\n"
                + "      type: \"string\"\n"));
    assertThat(chartVersion(copy)).isEqualTo(version);
    return copy;
  }

  static Deployment chartOperator() {
    return client.apps().deployments().inNamespace(releaseNs).withName(NAME).get();
  }

  static List<Pod> chartOperatorPods() {
    return client
        .pods()
        .inNamespace(releaseNs)
        .withLabel("app.kubernetes.io/name", NAME)
        .list()
        .getItems();
  }

  /** Waits until one pod of the chart's Deployment is Ready and none of {@code oldUids} is left. */
  static Deployment awaitChartOperatorReady(Set<String> oldUids) {
    awaitOrExplain(
        "the chart's operator " + releaseNs + "/" + NAME + " Ready (a new pod, the old ones gone)",
        Duration.ofMinutes(3),
        () -> {
          List<Pod> pods = chartOperatorPods();
          return chartOperator() != null
              && pods.stream().noneMatch(p -> oldUids.contains(p.getMetadata().getUid()))
              && pods.stream().anyMatch(Operator::ready);
        });
    return chartOperator();
  }

  /** The operators' Lease in the release's namespace names a pod of the chart's Deployment. */
  static void assertLeaseHeldByTheChartsOperator() {
    Lease lease = client.leases().inNamespace(releaseNs).withName(NAME).get();
    assertThat(lease).as("Lease %s/%s", releaseNs, NAME).isNotNull();
    assertThat(chartOperatorPods())
        .extracting(p -> p.getMetadata().getName())
        .as("pods of the chart's operator")
        .contains(lease.getSpec().getHolderIdentity());
  }

  static String env(Deployment d, String name) {
    return d.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv().stream()
        .filter(e -> e.getName().equals(name))
        .map(EnvVar::getValue)
        .findFirst()
        .orElseThrow(
            () -> new AssertionError("no env " + name + " in " + d.getMetadata().getName()));
  }

  static CustomResourceDefinition crd(String name) {
    return client.apiextensions().v1().customResourceDefinitions().withName(name).get();
  }

  // ---------------------------------------------------------------- backups

  static void createBackup(String name) {
    MysqlBackup backup = new MysqlBackup();
    backup.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(ns).build());
    backup.setSpec(StowageObjects.s3BackupOf(DB, ns, s3, CREDENTIALS));
    client.resources(MysqlBackup.class).inNamespace(ns).resource(backup).create();
  }

  static MysqlBackup awaitBackup(String name) {
    awaitOrExplain(
        "MysqlBackup " + name + " Succeeded or Failed",
        TIMEOUT,
        () -> {
          MysqlBackup b = client.resources(MysqlBackup.class).inNamespace(ns).withName(name).get();
          return b != null && b.getStatus() != null && terminal(b.getStatus().getPhase());
        });
    MysqlBackup b = client.resources(MysqlBackup.class).inNamespace(ns).withName(name).get();
    if (b.getStatus().getPhase() != Phase.Succeeded) {
      throw new AssertionError(
          "MysqlBackup " + name + " is " + b.getStatus().getPhase() + "\n" + diagnostics());
    }
    return b;
  }

  static MysqlRestore awaitRestore(String name) {
    awaitOrExplain(
        "MysqlRestore " + name + " Succeeded or Failed",
        TIMEOUT,
        () -> {
          MysqlRestore r =
              client.resources(MysqlRestore.class).inNamespace(ns).withName(name).get();
          return r != null && r.getStatus() != null && terminal(r.getStatus().getPhase());
        });
    MysqlRestore r = client.resources(MysqlRestore.class).inNamespace(ns).withName(name).get();
    if (r.getStatus().getPhase() != Phase.Succeeded) {
      throw new AssertionError(
          "MysqlRestore " + name + " is " + r.getStatus().getPhase() + "\n" + diagnostics());
    }
    return r;
  }

  static boolean terminal(Phase phase) {
    return phase == Phase.Succeeded || phase == Phase.Failed;
  }

  static String manifestKey(MysqlBackup b) {
    return b.getSpec().getStorage().getS3().getPrefix()
        + "/"
        + b.getStatus().getDirectory()
        + "/"
        + b.getStatus().getBackupName()
        + "/MANIFEST";
  }

  /**
   * The cell of {@code column} in the row of MysqlBackup {@code name} of the Table the API server
   * serves to {@code kubectl get} (every column, whatever its priority); null when there is none.
   */
  static String tableCell(String name, String column) throws Exception {
    String url =
        client.getMasterUrl().toString().replaceAll("/$", "")
            + "/apis/stowage.dev/v1alpha1/namespaces/"
            + ns
            + "/mysqlbackups/"
            + name;
    HttpRequest request =
        client
            .getHttpClient()
            .newHttpRequestBuilder()
            .uri(url)
            .header("Accept", "application/json;as=Table;v=v1;g=meta.k8s.io")
            .build();
    HttpResponse<String> response =
        client.getHttpClient().sendAsync(request, String.class).get(30, TimeUnit.SECONDS);
    if (response.code() != 200) {
      throw new AssertionError(
          "GET " + url + " as a Table: HTTP " + response.code() + " " + response.body());
    }
    JsonNode table = JSON.readTree(response.body());
    JsonNode columns = table.path("columnDefinitions");
    for (int i = 0; i < columns.size(); i++) {
      if (column.equals(columns.get(i).path("name").asText())) {
        return table.path("rows").path(0).path("cells").path(i).asText(null);
      }
    }
    return null;
  }

  // ---------------------------------------------------------------- deploy/'s operator back

  /**
   * deploy/ re-applied by deploy-operator.sh (the ClusterRole and binding the uninstall deleted,
   * the CRDs as deploy/crds has them, one replica, Available), and the chart's labels and
   * annotations taken off the CRDs.
   */
  static void restoreKustomizeOperator() throws Exception {
    boolean crdsDeleted = awaitNoCrdTerminating();
    run(
        List.of("bash", REPO.resolve("e2e/scripts/deploy-operator.sh").toString()),
        Duration.ofMinutes(5));
    Map<String, Object> labels = new HashMap<>();
    CHART_LABELS.forEach(l -> labels.put(l, null));
    Map<String, Object> annotations = new HashMap<>();
    CHART_ANNOTATIONS.forEach(a -> annotations.put(a, null));
    String patch =
        JSON.writeValueAsString(
            Map.of("metadata", Map.of("labels", labels, "annotations", annotations)));
    for (String name : CRDS) {
      CustomResourceDefinition crd = crd(name);
      if (crd != null
          && crd.getMetadata().getAnnotations() != null
          && RELEASE.equals(crd.getMetadata().getAnnotations().get("meta.helm.sh/release-name"))) {
        client
            .apiextensions()
            .v1()
            .customResourceDefinitions()
            .withName(name)
            .patch(PatchContext.of(PatchType.JSON_MERGE), patch);
      }
    }
    if (crdsDeleted) {
      // Its informers lost their kinds: a new pod starts with the CRDs in place.
      Operator.pods(client)
          .forEach(p -> client.pods().inNamespace(Operator.NAMESPACE).resource(p).delete());
    }
    Operator.requireAvailable(client, Duration.ofMinutes(2));
    CustomResourceDefinition crd = crd("mysqlbackups.stowage.dev");
    assertThat(crd.getSpec().getVersions().get(0).getAdditionalPrinterColumns())
        .extracting(CustomResourceColumnDefinition::getName)
        .as("printer columns of the MysqlBackup CRD once deploy/ is applied again")
        .doesNotContain(COLUMN);
    assertThat(crd.getMetadata().getLabels() == null ? Map.of() : crd.getMetadata().getLabels())
        .as("labels of the MysqlBackup CRD once deploy/ is applied again")
        .doesNotContainKeys(CHART_LABELS.toArray(String[]::new));
  }

  /**
   * When a failed test left CRDs being deleted (an uninstall without the keep policy), lets their
   * objects go (their finalizers wait for an operator that is not running) and waits until the CRDs
   * are gone, so deploy-operator.sh can create them again; returns whether there were any.
   */
  static boolean awaitNoCrdTerminating() {
    List<String> terminating = new ArrayList<>();
    for (String name : CRDS) {
      CustomResourceDefinition crd = crd(name);
      if (crd == null || crd.getMetadata().getDeletionTimestamp() == null) {
        continue;
      }
      terminating.add(name);
      String apiVersion =
          crd.getSpec().getGroup() + "/" + crd.getSpec().getVersions().get(0).getName();
      client
          .genericKubernetesResources(apiVersion, crd.getSpec().getNames().getKind())
          .inAnyNamespace()
          .list()
          .getItems()
          .forEach(
              o ->
                  client
                      .resource(o)
                      .edit(
                          x -> {
                            x.getMetadata().setFinalizers(List.of());
                            return x;
                          }));
    }
    if (!terminating.isEmpty()) {
      await("CRDs " + terminating + " deleted")
          .atMost(Duration.ofMinutes(2))
          .pollInterval(Duration.ofSeconds(1))
          .until(() -> terminating.stream().allMatch(n -> crd(n) == null));
    }
    return !terminating.isEmpty();
  }

  // ---------------------------------------------------------------- processes

  static String helm(String... args) throws IOException, InterruptedException {
    return helm(List.of(args));
  }

  static String helm(List<String> args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of(helm.toString()));
    cmd.addAll(args);
    String kubeconfig = System.getenv("KUBECONFIG");
    if (kubeconfig == null || kubeconfig.isBlank()) {
      cmd.addAll(List.of("--kubeconfig", Cluster.LOCAL_KUBECONFIG.toString()));
    }
    return run(cmd, Duration.ofMinutes(5));
  }

  /** Runs a command; its stdout, or an exception with its stderr when it fails or times out. */
  static String run(List<String> cmd, Duration timeout) throws IOException, InterruptedException {
    Files.createDirectories(WORK);
    Path err = Files.createTempFile(WORK, "cmd", ".err");
    Path out = Files.createTempFile(WORK, "cmd", ".out");
    try {
      ProcessBuilder pb =
          new ProcessBuilder(cmd).redirectError(err.toFile()).redirectOutput(out.toFile());
      // Helm's cache, config and data under target/, not the user's home.
      pb.environment().put("HELM_CACHE_HOME", WORK.resolve("helm-home/cache").toString());
      pb.environment().put("HELM_CONFIG_HOME", WORK.resolve("helm-home/config").toString());
      pb.environment().put("HELM_DATA_HOME", WORK.resolve("helm-home/data").toString());
      Process p = pb.start();
      if (!p.waitFor(timeout.toSeconds(), TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IllegalStateException(
            cmd + " did not end in " + timeout.toSeconds() + " s: " + Files.readString(err));
      }
      if (p.exitValue() != 0) {
        throw new IllegalStateException(
            cmd
                + " failed (exit "
                + p.exitValue()
                + "): "
                + Files.readString(err)
                + Files.readString(out));
      }
      return Files.readString(out);
    } finally {
      Files.deleteIfExists(err);
      Files.deleteIfExists(out);
    }
  }

  static List<String> concat(List<String> a, List<String> b) {
    List<String> all = new ArrayList<>(a);
    all.addAll(b);
    return all;
  }

  // ---------------------------------------------------------------- diagnostics

  static void awaitOrExplain(String what, Duration timeout, Callable<Boolean> condition) {
    try {
      await(what).atMost(timeout).pollInterval(POLL).until(condition);
    } catch (ConditionTimeoutException e) {
      throw new AssertionError(
          what + ": not after " + timeout.toSeconds() + " s\n" + diagnostics(), e);
    }
  }

  /** The resources, Jobs, pods and events of the test's namespace, and the chart's operator. */
  static String diagnostics() {
    StringBuilder out = new StringBuilder();
    try {
      var yaml = client.getKubernetesSerialization();
      if (ns != null) {
        for (MysqlBackup b :
            client.resources(MysqlBackup.class).inNamespace(ns).list().getItems()) {
          out.append("----- MysqlBackup ").append(b.getMetadata().getName()).append('\n');
          out.append(yaml.asYaml(b.getStatus()));
        }
        for (MysqlRestore r :
            client.resources(MysqlRestore.class).inNamespace(ns).list().getItems()) {
          out.append("----- MysqlRestore ").append(r.getMetadata().getName()).append('\n');
          out.append(yaml.asYaml(r.getStatus()));
        }
        out.append("----- pods of ").append(ns).append('\n');
        client
            .pods()
            .inNamespace(ns)
            .list()
            .getItems()
            .forEach(
                p ->
                    out.append(p.getMetadata().getName())
                        .append(' ')
                        .append(p.getStatus().getPhase())
                        .append('\n'));
        out.append("----- events of ").append(ns).append('\n').append(Cluster.events(client, ns));
      }
      if (releaseNs != null) {
        out.append("----- events of ")
            .append(releaseNs)
            .append('\n')
            .append(Cluster.events(client, releaseNs));
        for (Pod p : chartOperatorPods()) {
          String log = Cluster.logs(client, releaseNs, p.getMetadata().getName());
          List<String> lines = log.lines().toList();
          out.append("----- chart operator pod ")
              .append(p.getMetadata().getName())
              .append(' ')
              .append(p.getStatus().getPhase())
              .append(" (last 60 log lines)\n")
              .append(
                  String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size())))
              .append('\n');
        }
      }
      out.append("----- deploy/'s operator pods: ")
          .append(Operator.pods(client).size())
          .append('\n');
    } catch (RuntimeException e) {
      out.append("(diagnostics incomplete: ").append(e).append(")\n");
    }
    return out.toString();
  }
}
