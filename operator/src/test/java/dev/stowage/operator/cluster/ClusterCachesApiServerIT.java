package dev.stowage.operator.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.stowage.api.v1alpha1.MysqlBackup;
import dev.stowage.api.v1alpha1.testing.LocalApiServer;
import dev.stowage.operator.OperatorConfig;
import dev.stowage.operator.OperatorMain;
import dev.stowage.operator.job.EngineJobConfig;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSetBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.javaoperatorsdk.operator.Operator;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@link KubernetesCluster}'s reads from its informer caches, against a real API server with the
 * operator running under deploy/rbac.yaml's permissions (its client impersonates its
 * ServiceAccount, so a missing list or watch verb fails the caches' start): objects created outside
 * the operator are seen, and reading them makes no request to the API server (counted by the API
 * server's own apiserver_request_total).
 */
class ClusterCachesApiServerIT {

  static final String NS = "caches";
  static final String SERVICE_ACCOUNT = "system:serviceaccount:stowage-system:stowage-operator";
  static final KubernetesSerialization YAML = new KubernetesSerialization();
  static final Duration WAIT = Duration.ofSeconds(60);

  static LocalApiServer server;
  static KubernetesClient admin;
  static KubernetesClient asOperator;
  static KubernetesCluster cluster;
  static Operator operator;

  @BeforeAll
  static void start() throws Exception {
    server = LocalApiServer.start(Path.of("target", "caches-it"));
    admin = server.client();
    server.installCommittedCrds();
    Path deploy = Path.of(System.getProperty("stowage.crds.committed")).getParent();
    for (String file : List.of("namespace.yaml", "rbac.yaml", "operator.yaml")) {
      for (String doc : Files.readString(deploy.resolve(file)).split("(?m)^---$")) {
        if (doc.lines().noneMatch(l -> l.startsWith("kind:"))) {
          continue;
        }
        HasMetadata r = YAML.unmarshal(doc);
        if (!r.getKind().equals("Deployment")) {
          admin.resource(r).serverSideApply();
        }
      }
    }
    admin
        .namespaces()
        .resource(new NamespaceBuilder().withNewMetadata().withName(NS).endMetadata().build())
        .create();
    admin
        .serviceAccounts()
        .inNamespace(NS)
        .resource(
            new ServiceAccountBuilder().withNewMetadata().withName("default").endMetadata().build())
        .create();
    asOperator =
        new KubernetesClientBuilder()
            .withConfig(
                new ConfigBuilder(admin.getConfiguration())
                    .withImpersonateUsername(SERVICE_ACCOUNT)
                    .withImpersonateGroups(
                        "system:serviceaccounts",
                        "system:serviceaccounts:stowage-system",
                        "system:authenticated")
                    .build())
            .withKubernetesSerialization(ClientSerialization.withoutManagedFields())
            .build();
    cluster = new KubernetesCluster(asOperator, Clock.systemUTC());
    OperatorConfig config =
        new OperatorConfig(
            EngineJobConfig.withImage("stowage/engine:dev"),
            List.of(),
            false,
            "stowage-system",
            "caches-it",
            0);
    operator =
        OperatorMain.create(
            asOperator, config, Clock.systemUTC(), new SimpleMeterRegistry(), false, cluster);
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

  @Test
  void aJobCreatedOutsideTheOperatorIsReadFromTheCache() {
    Job made = admin.resource(engineJob("made-elsewhere")).create();

    await().atMost(WAIT).until(() -> cluster.job(NS, "made-elsewhere").isPresent());
    long gets = requests("GET", "jobs");
    for (int i = 0; i < 10; i++) {
      assertThat(cluster.job(NS, "made-elsewhere").orElseThrow().getMetadata().getUid())
          .isEqualTo(made.getMetadata().getUid());
    }
    assertThat(requests("GET", "jobs")).as("GETs of Jobs while reading").isEqualTo(gets);
  }

  @Test
  void theEnginePodsOfAJobAreReadFromTheCache() throws InterruptedException {
    Job job = admin.resource(engineJob("with-pods")).create();
    String uid = job.getMetadata().getUid();
    admin.resource(enginePod("with-pods-b", uid)).create();
    Thread.sleep(1100); // creationTimestamp counts seconds: the second pod is younger
    admin.resource(enginePod("with-pods-a", uid)).create();
    // Another Job's pod, and a pod without the Stowage label: neither is this Job's.
    admin.resource(enginePod("someone-elses", "0000-other-uid")).create();

    await().atMost(WAIT).until(() -> cluster.jobPods(NS, job).size() == 2);
    long lists = requests("LIST", "pods");
    for (int i = 0; i < 10; i++) {
      assertThat(cluster.jobPods(NS, job))
          .extracting(p -> p.getMetadata().getName())
          .containsExactly("with-pods-b", "with-pods-a"); // oldest first
    }
    assertThat(requests("LIST", "pods")).as("LISTs of pods while reading").isEqualTo(lists);
  }

  /**
   * The Job and pod informers are separate watches: when the Job's Complete or Failed event comes,
   * the cached pod may still be Running, without the termination message that says how the engine
   * ended. So the pods of a finished Job are listed live.
   */
  @Test
  void theEnginePodsOfAFinishedJobAreListedLive() {
    Job job = admin.resource(engineJob("finished")).create();
    admin.resource(enginePod("finished-a", job.getMetadata().getUid())).create();
    await().atMost(WAIT).until(() -> cluster.jobPods(NS, job).size() == 1);
    Job complete =
        new JobBuilder(job)
            .withNewStatus()
            .addNewCondition()
            .withType("Complete")
            .withStatus("True")
            .endCondition()
            .endStatus()
            .build();
    long lists = requests("LIST", "pods");

    assertThat(cluster.jobPods(NS, complete))
        .extracting(p -> p.getMetadata().getName())
        .containsExactly("finished-a");
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () -> assertThat(requests("LIST", "pods")).as("LISTs of pods").isEqualTo(lists + 1));
  }

  /** The quiesce records and restores replica counts: those reads never come from the cache. */
  @Test
  void aStatefulSetReadToScaleItIsReadLive() {
    admin.resource(statefulSet("scaled")).create();
    await().atMost(WAIT).until(() -> cluster.statefulSet(NS, "scaled").isPresent());
    long gets = requests("GET", "statefulsets");

    assertThat(cluster.currentStatefulSet(NS, "scaled")).isPresent();
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(() -> assertThat(requests("GET", "statefulsets")).isEqualTo(gets + 1));
  }

  @Test
  void aJobTheOperatorCreatesIsSeenAtOnceAndNeverCreatedTwice() {
    long getsBefore = requests("GET", "jobs");

    Job first = cluster.createJob(engineJob("ours"));
    // Right after our own create, before any watch event may have arrived: the cache has it.
    assertThat(cluster.job(NS, "ours").orElseThrow().getMetadata().getUid())
        .isEqualTo(first.getMetadata().getUid());
    assertThat(requests("GET", "jobs")).isEqualTo(getsBefore);
    Job second = cluster.createJob(engineJob("ours"));

    assertThat(second.getMetadata().getUid()).isEqualTo(first.getMetadata().getUid());
    assertThat(
            admin.batch().v1().jobs().inNamespace(NS).list().getItems().stream()
                .filter(j -> j.getMetadata().getName().equals("ours")))
        .hasSize(1);
  }

  @Test
  void claimsAndStatefulSetsAreReadFromTheCacheAndOurOwnChangesAtOnce() {
    admin.resource(claim("data-db-0")).create();
    admin.resource(statefulSet("db")).create();
    await()
        .atMost(WAIT)
        .until(
            () ->
                cluster.claim(NS, "data-db-0").isPresent()
                    && cluster.statefulSet(NS, "db").isPresent());

    // Our own writes (the client may GET around them; a write is never cached) ...
    cluster.labelClaim(NS, "data-db-0", Map.of("stowage.dev/restore-state", "in-progress"), null);
    assertThat(cluster.claim(NS, "data-db-0").orElseThrow().getMetadata().getLabels())
        .containsEntry("stowage.dev/restore-state", "in-progress");
    cluster.annotateStatefulSet(NS, "db", Map.of("stowage.dev/quiesced-from", "1"));
    assertThat(cluster.statefulSet(NS, "db").orElseThrow().getMetadata().getAnnotations())
        .containsEntry("stowage.dev/quiesced-from", "1");
    cluster.scaleStatefulSet(NS, "db", 0);
    assertThat(cluster.statefulSet(NS, "db").orElseThrow().getSpec().getReplicas()).isZero();

    // ... and the reads that follow ask the API server nothing.
    long claimGets = requests("GET", "persistentvolumeclaims");
    long statefulSetGets = requests("GET", "statefulsets");
    for (int i = 0; i < 10; i++) {
      assertThat(cluster.claim(NS, "data-db-0").orElseThrow().getMetadata().getLabels())
          .containsEntry("stowage.dev/restore-state", "in-progress");
      assertThat(cluster.statefulSet(NS, "db").orElseThrow().getSpec().getReplicas()).isZero();
    }
    assertThat(requests("GET", "persistentvolumeclaims")).isEqualTo(claimGets);
    assertThat(requests("GET", "statefulsets")).isEqualTo(statefulSetGets);
  }

  /**
   * A cache never says that something is missing: a Job of the engine's name that someone else made
   * without our label (which no cache holds) is still seen, before anything starts.
   */
  @Test
  void aMissIsConfirmedLiveSoAJobWithoutOurLabelIsStillSeen() {
    Job foreign = engineJob("foreign");
    foreign.getMetadata().setLabels(Map.of("made-by", "someone-else"));
    admin.resource(foreign).create();
    long gets = requests("GET", "jobs");

    assertThat(cluster.job(NS, "foreign")).isPresent();
    assertThat(cluster.job(NS, "no-such-job")).isEmpty();
    assertThat(cluster.claim(NS, "no-such-claim")).isEmpty();

    await().atMost(Duration.ofSeconds(10)).until(() -> requests("GET", "jobs") == gets + 2);
  }

  /**
   * Issue 14: a Job the caller is about to create is not read first. knownJob answers from the
   * cache only; the create then finds a Job of that name that the cache cannot hold (no engine
   * label) and returns it, for the caller to see that it is not its own.
   */
  @Test
  void aJobAboutToBeCreatedIsNotReadFirstAndTheCreateReturnsAForeignOne() {
    Job foreign = engineJob("foreign-check");
    foreign.getMetadata().setLabels(Map.of("made-by", "someone-else"));
    String foreignUid = admin.resource(foreign).create().getMetadata().getUid();
    long gets = requests("GET", "jobs");

    assertThat(cluster.knownJob(NS, "foreign-check")).isEmpty();
    assertThat(cluster.knownJob(NS, "new-check")).isEmpty();
    assertThat(requests("GET", "jobs")).as("GETs of Jobs by knownJob").isEqualTo(gets);

    assertThat(cluster.createJob(engineJob("foreign-check")).getMetadata().getUid())
        .isEqualTo(foreignUid);
    Job made = cluster.createJob(engineJob("new-check"));
    assertThat(cluster.knownJob(NS, "new-check").orElseThrow().getMetadata().getUid())
        .isEqualTo(made.getMetadata().getUid());
    // The one GET: the foreign Job read after the API server refused the create.
    await().atMost(Duration.ofSeconds(10)).until(() -> requests("GET", "jobs") == gets + 1);
  }

  /**
   * Issue 14: a waiting backup takes its lock on every look; once it holds it, one GET confirms it
   * (no create the API server refuses). A Lease deleted by someone in between is taken again.
   */
  @Test
  void aLockItHoldsIsConfirmedWithOneReadAndTakenAgainWhenDeleted() {
    MysqlBackup holder =
        admin
            .resource(
                YAML.unmarshal(
                    """
                    apiVersion: stowage.dev/v1alpha1
                    kind: MysqlBackup
                    metadata: {name: lock-holder, namespace: caches}
                    spec:
                      source: {persistentVolumeClaim: data-lock-0}
                      storage: {s3: {bucket: backups}}
                    """,
                    MysqlBackup.class))
            .create();
    String me = ClaimLocks.holderIdentity(holder);
    assertThat(cluster.lock(NS, "stowage-claim-data-lock-0", holder)).isEqualTo(me);
    long posts = requests("POST", "leases");
    long gets = requests("GET", "leases");

    for (int i = 0; i < 3; i++) {
      assertThat(cluster.lock(NS, "stowage-claim-data-lock-0", holder)).isEqualTo(me);
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> requests("GET", "leases") == gets + 3);
    assertThat(requests("POST", "leases")).as("creates of Leases").isEqualTo(posts);

    admin.leases().inNamespace(NS).withName("stowage-claim-data-lock-0").delete();
    await()
        .atMost(WAIT)
        .until(
            () ->
                admin.leases().inNamespace(NS).withName("stowage-claim-data-lock-0").get() == null);
    assertThat(cluster.lock(NS, "stowage-claim-data-lock-0", holder)).isEqualTo(me);
    assertThat(admin.leases().inNamespace(NS).withName("stowage-claim-data-lock-0").get())
        .isNotNull();

    cluster.unlock(NS, "stowage-claim-data-lock-0", holder);
    assertThat(admin.leases().inNamespace(NS).withName("stowage-claim-data-lock-0").get()).isNull();
  }

  /** Pods without the engine's label (no cache holds them) are listed live. */
  @Test
  void podsOfAJobThatTheCacheDoesNotHoldAreListedLive() {
    Job job = admin.resource(engineJob("unlabelled-pods")).create();
    Pod pod = enginePod("unlabelled-pods-x", job.getMetadata().getUid());
    pod.getMetadata().getLabels().remove("app.kubernetes.io/managed-by");
    admin.resource(pod).create();

    assertThat(cluster.jobPods(NS, job))
        .extracting(p -> p.getMetadata().getName())
        .containsExactly("unlabelled-pods-x");
  }

  @Test
  void aReadChangesNothingInTheCache() {
    admin.resource(claim("data-db-1")).create();
    await().atMost(WAIT).until(() -> cluster.claim(NS, "data-db-1").isPresent());

    PersistentVolumeClaim read = cluster.claim(NS, "data-db-1").orElseThrow();
    read.getMetadata().setLabels(new HashMap<>(Map.of("changed", "by-the-caller")));

    assertThat(cluster.claim(NS, "data-db-1").orElseThrow().getMetadata().getLabels())
        .doesNotContainKey("changed");
  }

  @Test
  void withoutItsCachesAClusterReadsLive() {
    admin.resource(engineJob("read-live")).create();
    KubernetesCluster uncached = new KubernetesCluster(asOperator, Clock.systemUTC());
    long gets = requests("GET", "jobs");

    assertThat(uncached.job(NS, "read-live")).isPresent();

    await().atMost(Duration.ofSeconds(10)).until(() -> requests("GET", "jobs") == gets + 1);
  }

  @Test
  void managedFieldsAreNotKeptInTheCache() {
    admin.resource(engineJob("no-managed-fields")).create();
    assertThat(
            admin
                .batch()
                .v1()
                .jobs()
                .inNamespace(NS)
                .withName("no-managed-fields")
                .get()
                .getMetadata()
                .getManagedFields())
        .as("the API server sends them")
        .isNotEmpty();

    await().atMost(WAIT).until(() -> cluster.job(NS, "no-managed-fields").isPresent());

    assertThat(cluster.job(NS, "no-managed-fields").orElseThrow().getMetadata().getManagedFields())
        .isEmpty();
  }

  static Job engineJob(String name) {
    return new JobBuilder()
        .withNewMetadata()
        .withName(name)
        .withNamespace(NS)
        .addToLabels("app.kubernetes.io/managed-by", "stowage-operator")
        .endMetadata()
        .withNewSpec()
        .withNewTemplate()
        .withNewSpec()
        .withRestartPolicy("Never")
        .addNewContainer()
        .withName("engine")
        .withImage("stowage/engine:dev")
        .endContainer()
        .endSpec()
        .endTemplate()
        .endSpec()
        .build();
  }

  static Pod enginePod(String name, String jobUid) {
    return new PodBuilder()
        .withNewMetadata()
        .withName(name)
        .withNamespace(NS)
        .addToLabels("app.kubernetes.io/managed-by", "stowage-operator")
        .addToLabels(KubernetesCluster.JOB_CONTROLLER_UID, jobUid)
        .endMetadata()
        .withNewSpec()
        .withRestartPolicy("Never")
        .addNewContainer()
        .withName("engine")
        .withImage("stowage/engine:dev")
        .endContainer()
        .endSpec()
        .build();
  }

  static PersistentVolumeClaim claim(String name) {
    return new PersistentVolumeClaimBuilder()
        .withNewMetadata()
        .withName(name)
        .withNamespace(NS)
        .endMetadata()
        .withNewSpec()
        .withAccessModes("ReadWriteOnce")
        .withNewResources()
        .addToRequests("storage", new Quantity("1Gi"))
        .endResources()
        .endSpec()
        .build();
  }

  static StatefulSet statefulSet(String name) {
    return new StatefulSetBuilder()
        .withNewMetadata()
        .withName(name)
        .withNamespace(NS)
        .endMetadata()
        .withNewSpec()
        .withReplicas(1)
        .withNewSelector()
        .addToMatchLabels("app", name)
        .endSelector()
        .withNewTemplate()
        .withNewMetadata()
        .addToLabels("app", name)
        .endMetadata()
        .withNewSpec()
        .addNewContainer()
        .withName("db")
        .withImage("mariadb")
        .endContainer()
        .endSpec()
        .endTemplate()
        .endSpec()
        .build();
  }

  /** The API server's count of {@code verb} requests on {@code resource} so far. */
  static long requests(String verb, String resource) {
    String metrics = admin.raw("/metrics");
    Matcher m =
        Pattern.compile("(?m)^apiserver_request_total\\{([^}]*)\\} ([0-9.e+]+)$").matcher(metrics);
    long total = 0;
    while (m.find()) {
      String labels = m.group(1);
      if (labels.contains("verb=\"" + verb + "\"")
          && labels.contains("resource=\"" + resource + "\"")
          && labels.contains("subresource=\"\"")) {
        total += (long) Double.parseDouble(m.group(2));
      }
    }
    return total;
  }
}
