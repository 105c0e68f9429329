package dev.stowage.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.stowage.api.v1alpha1.Condition;
import dev.stowage.api.v1alpha1.MysqlBackup;
import dev.stowage.api.v1alpha1.Phase;
import dev.stowage.api.v1alpha1.testing.LocalApiServer;
import dev.stowage.operator.job.EngineJobConfig;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobConditionBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobStatusBuilder;
import io.fabric8.kubernetes.api.model.storage.StorageClassBuilder;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.javaoperatorsdk.operator.Operator;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Issue 11, snapshot mode, with the operator's ServiceAccount permissions of deploy/rbac.yaml only,
 * against a real Kubernetes 1.34 API server: first without the VolumeSnapshot API (Blocked, nothing
 * created), then with the VolumeSnapshot CRDs (a minimal schema of the external-snapshotter's v1
 * kinds), the test playing snapshot-controller, provisioner, Job controller and kubelet.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SnapshotBackupApiServerIT {

  static final String NS = "shop";
  static final String SERVICE_ACCOUNT = "system:serviceaccount:stowage-system:stowage-operator";
  static final String DRIVER = "btrfs.stowage.dev";
  static final KubernetesSerialization YAML = new KubernetesSerialization();
  static final Duration WAIT = Duration.ofSeconds(60);

  static final ResourceDefinitionContext SNAPSHOTS =
      new ResourceDefinitionContext.Builder()
          .withGroup("snapshot.storage.k8s.io")
          .withVersion("v1")
          .withKind("VolumeSnapshot")
          .withPlural("volumesnapshots")
          .withNamespaced(true)
          .build();

  static LocalApiServer server;
  static KubernetesClient admin;
  static KubernetesClient asOperator;
  static Operator operator;

  @BeforeAll
  static void start() throws Exception {
    server = LocalApiServer.start(Path.of("target", "snapshot-it"));
    admin = server.client();
    server.installCommittedCrds();
    Path deploy = Path.of(System.getProperty("stowage.crds.committed")).getParent();
    for (String file : List.of("namespace.yaml", "rbac.yaml")) {
      for (String doc : Files.readString(deploy.resolve(file)).split("(?m)^---$")) {
        if (doc.lines().anyMatch(l -> l.startsWith("kind:"))) {
          admin.resource((HasMetadata) YAML.unmarshal(doc)).serverSideApply();
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
            .build();
    operator =
        OperatorMain.create(
            asOperator,
            new OperatorConfig(
                EngineJobConfig.withImage("stowage/engine:dev"),
                List.of(),
                true,
                "stowage-system",
                "snapshot-it",
                0),
            Clock.systemUTC(),
            new SimpleMeterRegistry(),
            false);
    operator.start();
    csiClaim("data-db-0");
    csiClaim("data-db-1");
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
  @Order(1)
  void withoutTheVolumeSnapshotApiABackupIsBlockedAndNothingIsCreated() {
    create("early", "data-db-0");

    await("Blocked SnapshotApiMissing")
        .atMost(WAIT)
        .until(
            () -> blocked("early").map(c -> c.getReason()).orElse(""),
            "SnapshotApiMissing"::equals);

    assertThat(blocked("early").get().getMessage())
        .contains("does not serve VolumeSnapshots (snapshot.storage.k8s.io/v1)");
    assertThat(admin.batch().v1().jobs().inNamespace(NS).list().getItems()).isEmpty();
    assertThat(admin.persistentVolumeClaims().inNamespace(NS).list().getItems()).hasSize(2);
    admin.resources(MysqlBackup.class).inNamespace(NS).withName("early").delete();
  }

  @Test
  @Order(2)
  void aSnapshotBackupRunsOnTheCloneAndLeavesNeitherCloneNorSnapshot() throws Exception {
    installSnapshotApi();
    admin
        .resource(
            new StorageClassBuilder()
                .withNewMetadata()
                .withName("stowage-btrfs")
                .endMetadata()
                .withProvisioner(DRIVER)
                .withVolumeBindingMode("WaitForFirstConsumer")
                .build())
        .create();
    create("online", "data-db-1");
    passCheck("online");

    await("VolumeSnapshot created")
        .atMost(WAIT)
        .until(() -> snapshot("online-snapshot").isPresent());
    GenericKubernetesResource snap = snapshot("online-snapshot").get();
    assertThat(snap.getMetadata().getLabels())
        .containsEntry("app.kubernetes.io/managed-by", "stowage-operator");
    assertThat(snap.getMetadata().getOwnerReferences())
        .singleElement()
        .satisfies(o -> assertThat(o.getKind()).isEqualTo("MysqlBackup"));
    // The status is written in the same pass, after the snapshot: it may not be there yet.
    await("status names the clone")
        .atMost(WAIT)
        .ignoreExceptions()
        .untilAsserted(
            () -> {
              assertThat(backup("online").getStatus().getSnapshot().getCloneClaim())
                  .isEqualTo("online-clone");
              assertThat(backup("online").getStatus().getSnapshot().getReadyToUse()).isNull();
            });

    // snapshot-controller: the snapshot is cut and ready.
    String cut = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
    snap.setAdditionalProperty(
        "status", new LinkedHashMap<>(Map.of("readyToUse", true, "creationTime", cut)));
    admin.genericKubernetesResources(SNAPSHOTS).inNamespace(NS).resource(snap).updateStatus();

    await("engine Job on the clone")
        .atMost(WAIT)
        .until(
            () ->
                admin.batch().v1().jobs().inNamespace(NS).withName("online-backup").get() != null);
    PersistentVolumeClaim clone =
        admin.persistentVolumeClaims().inNamespace(NS).withName("online-clone").get();
    assertThat(clone.getSpec().getDataSource().getName()).isEqualTo("online-snapshot");
    assertThat(clone.getSpec().getStorageClassName()).isEqualTo("stowage-btrfs");
    Job job = admin.batch().v1().jobs().inNamespace(NS).withName("online-backup").get();
    assertThat(job.getSpec().getTemplate().getSpec().getVolumes())
        .anySatisfy(
            v -> assertThat(v.getPersistentVolumeClaim().getClaimName()).isEqualTo("online-clone"));
    await("status records the snapshot's creationTime")
        .atMost(WAIT)
        .ignoreExceptions()
        .untilAsserted(
            () ->
                assertThat(backup("online").getStatus().getSnapshot().getCreationTime())
                    .isEqualTo(cut));

    finish(
        "online-backup",
        "{\"status\":\"Succeeded\",\"exitCode\":0,\"name\":\"n\",\"files\":3,\"chunks\":0,"
            + "\"bytesRead\":10,\"bytesStored\":10,\"durationSeconds\":1.0,"
            + "\"engineVersion\":\"0.1.0\"}");

    await("Succeeded")
        .atMost(WAIT)
        .until(() -> backup("online").getStatus().getPhase() == Phase.Succeeded);
    await("clone and snapshot gone")
        .atMost(WAIT)
        .until(
            () ->
                snapshot("online-snapshot").isEmpty()
                    && gone(
                        admin
                            .persistentVolumeClaims()
                            .inNamespace(NS)
                            .withName("online-clone")
                            .get()));
    assertThat(admin.persistentVolumeClaims().inNamespace(NS).withName("data-db-1").get())
        .isNotNull();
    assertThat(admin.leases().inNamespace(NS).list().getItems()).isEmpty();
  }

  /** Deleted, or deleting behind the pvc-protection finalizer (no controller-manager here). */
  static boolean gone(PersistentVolumeClaim c) {
    return c == null || c.getMetadata().getDeletionTimestamp() != null;
  }

  static Optional<GenericKubernetesResource> snapshot(String name) {
    return Optional.ofNullable(
        admin.genericKubernetesResources(SNAPSHOTS).inNamespace(NS).withName(name).get());
  }

  static MysqlBackup backup(String name) {
    return admin.resources(MysqlBackup.class).inNamespace(NS).withName(name).get();
  }

  static Optional<Condition> blocked(String name) {
    MysqlBackup b = backup(name);
    if (b == null || b.getStatus() == null) {
      return Optional.empty();
    }
    return b.getStatus().getConditions().stream()
        .filter(c -> c.getType().equals("Blocked"))
        .findFirst();
  }

  static void create(String name, String claim) {
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
                    snapshot: {}
                  storage:
                    s3:
                      bucket: backups
                      endpoint: http://s3.storage.svc:7070
                      insecure: true
                      credentialsSecretRef: {name: s3}
                """
                    .formatted(name, NS, claim),
                MysqlBackup.class))
        .create();
  }

  /** A claim bound (by this test, as the PV controller would) to a volume of the CSI driver. */
  static void csiClaim(String name) {
    String pv = "pv-" + name;
    admin
        .resource(
            new PersistentVolumeBuilder()
                .withNewMetadata()
                .withName(pv)
                .endMetadata()
                .withNewSpec()
                .withAccessModes("ReadWriteOnce")
                .addToCapacity("storage", new Quantity("2Gi"))
                .withStorageClassName("stowage-btrfs")
                .withNewCsi()
                .withDriver(DRIVER)
                .withVolumeHandle("h-" + name)
                .endCsi()
                .endSpec()
                .build())
        .create();
    PersistentVolumeClaim c =
        admin
            .resource(
                new PersistentVolumeClaimBuilder()
                    .withNewMetadata()
                    .withName(name)
                    .withNamespace(NS)
                    .endMetadata()
                    .withNewSpec()
                    .withAccessModes("ReadWriteOnce")
                    .withStorageClassName("stowage-btrfs")
                    .withVolumeName(pv)
                    .withNewResources()
                    .addToRequests("storage", new Quantity("1Gi"))
                    .endResources()
                    .endSpec()
                    .build())
            .create();
    c.setStatus(
        new io.fabric8.kubernetes.api.model.PersistentVolumeClaimStatusBuilder()
            .withPhase("Bound")
            .withAccessModes("ReadWriteOnce")
            .addToCapacity("storage", new Quantity("2Gi"))
            .build());
    admin.persistentVolumeClaims().resource(c).updateStatus();
  }

  /** The v1 VolumeSnapshot and VolumeSnapshotClass kinds, schema reduced to what is used here. */
  static void installSnapshotApi() {
    for (String kind : List.of("VolumeSnapshot", "VolumeSnapshotClass")) {
      String plural = kind.equals("VolumeSnapshot") ? "volumesnapshots" : "volumesnapshotclasses";
      admin
          .resource(
              YAML.unmarshal(
                  """
                  apiVersion: apiextensions.k8s.io/v1
                  kind: CustomResourceDefinition
                  metadata:
                    name: %s.snapshot.storage.k8s.io
                    # As the external-snapshotter CRDs: *.k8s.io groups need it.
                    annotations:
                      api-approved.kubernetes.io: "https://github.com/kubernetes-csi/external-snapshotter/pull/419"
                  spec:
                    group: snapshot.storage.k8s.io
                    names: {kind: %s, plural: %s, listKind: %sList}
                    scope: %s
                    versions:
                    - name: v1
                      served: true
                      storage: true
                      subresources: {status: {}}
                      schema:
                        openAPIV3Schema:
                          type: object
                          x-kubernetes-preserve-unknown-fields: true
                  """
                      .formatted(
                          plural,
                          kind,
                          plural,
                          kind,
                          kind.equals("VolumeSnapshot") ? "Namespaced" : "Cluster"),
                  HasMetadata.class))
          .create();
    }
    await("VolumeSnapshot API served")
        .atMost(WAIT)
        .ignoreExceptions()
        .until(
            () ->
                admin.genericKubernetesResources(SNAPSHOTS).inNamespace(NS).list() != null
                    && admin
                            .genericKubernetesResources(
                                "snapshot.storage.k8s.io/v1", "VolumeSnapshotClass")
                            .list()
                        != null);
    admin
        .resource(
            YAML.unmarshal(
                """
                apiVersion: snapshot.storage.k8s.io/v1
                kind: VolumeSnapshotClass
                metadata:
                  name: stowage-btrfs
                  annotations: {snapshot.storage.kubernetes.io/is-default-class: "true"}
                driver: %s
                deletionPolicy: Delete
                """
                    .formatted(DRIVER),
                GenericKubernetesResource.class))
        .create();
  }

  static void passCheck(String backup) {
    await(backup + " pre-flight Job created")
        .atMost(WAIT)
        .until(
            () ->
                admin.batch().v1().jobs().inNamespace(NS).withName(backup + "-check").get()
                    != null);
    finish(backup + "-check", "{\"command\":\"check\",\"status\":\"Succeeded\",\"exitCode\":0}");
  }

  /** Plays kubelet and Job controller: a succeeded engine pod, then the Job's conditions. */
  static void finish(String jobName, String terminationMessage) {
    String now = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
    Job job = admin.batch().v1().jobs().inNamespace(NS).withName(jobName).get();
    String uid = job.getMetadata().getUid();
    Pod pod =
        admin
            .resource(
                new PodBuilder()
                    .withNewMetadata()
                    .withName(jobName + "-" + uid.substring(0, 5))
                    .withNamespace(NS)
                    .addToLabels("job-name", jobName)
                    .addToLabels("batch.kubernetes.io/job-name", jobName)
                    .addToLabels("batch.kubernetes.io/controller-uid", uid)
                    .addToLabels("controller-uid", uid)
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
}
