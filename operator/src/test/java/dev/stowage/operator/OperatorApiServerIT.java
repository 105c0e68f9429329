package dev.stowage.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stowage.api.v1alpha1.DeletionPolicy;
import dev.stowage.api.v1alpha1.MysqlBackup;
import dev.stowage.api.v1alpha1.MysqlBackupSchedule;
import dev.stowage.api.v1alpha1.Phase;
import dev.stowage.api.v1alpha1.testing.LocalApiServer;
import dev.stowage.operator.job.EngineJobConfig;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSetBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobConditionBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobStatusBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.javaoperatorsdk.operator.Operator;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The operator process against a real Kubernetes 1.34 API server (etcd and kube-apiserver on
 * loopback, no kubelet or controllers): JOSDK, leader election, informers, status writes, claim
 * Leases, scale subresource, finalizers and events, all with the permissions of deploy/rbac.yaml
 * only (the operator's client impersonates its ServiceAccount). The test plays the Job controller
 * and kubelet: it sets the Job's conditions and writes the engine's termination message into a
 * pod's status.
 */
class OperatorApiServerIT {
  /**
   * Polls until the condition holds; an exception in one poll (a resource read before the operator
   * wrote its first status) is a "not yet", and the last one is reported if time runs out.
   */
  private static ConditionFactory await(String alias) {
    return Awaitility.await(alias).ignoreExceptions();
  }

  private static ConditionFactory await() {
    return Awaitility.await().ignoreExceptions();
  }

  static final String NS = "shop";
  static final String SERVICE_ACCOUNT = "system:serviceaccount:stowage-system:stowage-operator";
  static final KubernetesSerialization YAML = new KubernetesSerialization();
  static final Duration WAIT = Duration.ofSeconds(60);

  static LocalApiServer server;
  static KubernetesClient admin;
  static KubernetesClient asOperator;
  static Operator operator;
  static final SimpleMeterRegistry registry = new SimpleMeterRegistry();

  @BeforeAll
  static void start() throws Exception {
    server = LocalApiServer.start(Path.of("target", "operator-it"));
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
    // No controller-manager here: the ServiceAccount admission of test pods needs it made by hand.
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
            // As OperatorMain builds its client: objects are read without managedFields.
            .withKubernetesSerialization(
                dev.stowage.operator.cluster.ClientSerialization.withoutManagedFields())
            .build();
    OperatorConfig config =
        new OperatorConfig(
            EngineJobConfig.withImage("stowage/engine:dev"),
            List.of(),
            true,
            "stowage-system",
            "operator-it",
            0);
    operator = OperatorMain.create(asOperator, config, Clock.systemUTC(), registry, false);
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

  /** JOSDK reports to ReconcileMetrics: each reconciler's meters exist from its registration. */
  @Test
  void everyReconcilerHasItsReconcileMetrics() {
    for (String meter :
        List.of("stowage.reconciles", "stowage.reconcile.queue", "stowage.reconcile.running")) {
      assertThat(
              registry.find(meter).meters().stream()
                  .map(m -> m.getId().getTag("controller"))
                  .collect(java.util.stream.Collectors.toSet()))
          .as("controllers of %s", meter)
          .containsExactlyInAnyOrder("mysqlbackup", "mysqlrestore", "mysqlbackupschedule");
    }
  }

  @Test
  void theOperatorRunsWithItsServiceAccountsPermissionsOnly() {
    // Everything above and below runs with this client: it may not read a Secret.
    assertThatThrownBy(() -> asOperator.secrets().inNamespace(NS).list())
        .isInstanceOf(KubernetesClientException.class)
        .extracting(e -> ((KubernetesClientException) e).getCode())
        .isEqualTo(403);
    assertThat(asOperator.batch().v1().jobs().inNamespace(NS).list().getItems()).isNotNull();
  }

  @Test
  void aQuiescedBackupScalesDownRunsOnceAndScalesBack() {
    statefulSet("db", 2);
    claim("data-db-1");
    MysqlBackup backup = create("nightly", "data-db-1", "db", "Retain");
    passCheck("nightly");

    await("StatefulSet scaled to 1 and the Job created")
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              assertThat(replicas("db")).isEqualTo(1);
              assertThat(job("nightly-backup")).isNotNull();
              // Running is written just after the Job is created, in the same reconcile.
              assertThat(get("nightly").getStatus().getPhase()).isEqualTo(Phase.Running);
            });
    MysqlBackup running = get("nightly");
    assertThat(running.getStatus().getQuiesce().getOriginalReplicas()).isEqualTo(2);
    // Issue 15, finding 10: what was observed is on the StatefulSet too, patched with the RBAC.
    assertThat(admin.apps().statefulSets().inNamespace(NS).withName("db").get())
        .extracting(s -> s.getMetadata().getAnnotations())
        .satisfies(
            a ->
                assertThat(a)
                    .containsEntry("stowage.dev/quiesced-from", "2")
                    .containsEntry("stowage.dev/quiesced-by", backup.getMetadata().getUid()));
    assertThat(running.getStatus().getPhase()).isEqualTo(Phase.Running);
    assertThat(running.getMetadata().getFinalizers()).isNotEmpty();
    Lease lease = admin.leases().inNamespace(NS).withName("stowage-claim-data-db-1").get();
    assertThat(lease.getSpec().getHolderIdentity()).isEqualTo("MysqlBackup/nightly");
    assertThat(lease.getMetadata().getOwnerReferences().get(0).getUid())
        .isEqualTo(backup.getMetadata().getUid());

    // A second backup of the claim waits for the first, and says so.
    create("hourly", "data-db-1", null, "Retain");
    await("second backup blocked")
        .atMost(WAIT)
        .untilAsserted(
            () ->
                assertThat(get("hourly").getStatus().getMessage())
                    .isEqualTo(
                        "waiting for MysqlBackup/nightly, which is using PersistentVolumeClaim data-db-1;"
                            + " one backup or restore runs on a claim at a time"));
    assertThat(job("hourly-backup")).isNull();

    finish(
        "nightly-backup",
        true,
        "{\"command\":\"backup\",\"status\":\"Succeeded\",\"exitCode\":0,\"files\":12,\"chunks\":3,"
            + "\"bytesRead\":1000,\"bytesStored\":100,\"durationSeconds\":2.5,\"engineVersion\":\"it\"}");

    await("backup succeeded")
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              MysqlBackup done = get("nightly");
              assertThat(done.getStatus().getPhase()).isEqualTo(Phase.Succeeded);
              assertThat(done.getStatus().getFiles()).isEqualTo(12);
              assertThat(done.getStatus().getBytesStored()).isEqualTo(100);
              assertThat(done.getStatus().getQuiesce().getRestoredTime()).isNotNull();
            });
    assertThat(replicas("db")).isEqualTo(2);
    assertThat(admin.apps().statefulSets().inNamespace(NS).withName("db").get())
        .extracting(s -> s.getMetadata().getAnnotations())
        .satisfies(
            a ->
                assertThat(a == null ? Map.of() : a)
                    .doesNotContainKey("stowage.dev/quiesced-from"));
    passCheck("hourly");
    await("the next backup starts")
        .atMost(WAIT)
        .untilAsserted(() -> assertThat(job("hourly-backup")).isNotNull());
    assertThat(admin.v1().events().inNamespace(NS).list().getItems())
        .anyMatch(
            e ->
                "Succeeded".equals(e.getReason())
                    && e.getInvolvedObject().getName().equals("nightly"));
  }

  @Test
  void deletingABackupWithDeletePolicyRunsRmBeforeItGoes() {
    claim("data-solo-0");
    create("solo", "data-solo-0", null, "Delete");
    passCheck("solo");
    await("Job created").atMost(WAIT).until(() -> job("solo-backup") != null);
    finish("solo-backup", true, "{\"command\":\"backup\",\"status\":\"Succeeded\",\"exitCode\":0}");
    await("backup succeeded")
        .atMost(WAIT)
        .until(() -> get("solo").getStatus().getPhase() == Phase.Succeeded);

    admin.resources(MysqlBackup.class).inNamespace(NS).withName("solo").delete();

    await("rm Job created").atMost(WAIT).until(() -> job("solo-rm") != null);
    assertThat(get("solo")).isNotNull(); // held by the finalizer until rm succeeds
    finish("solo-rm", true, "{\"command\":\"rm\",\"status\":\"Succeeded\",\"exitCode\":0}");
    await("resource gone").atMost(WAIT).until(() -> get("solo") == null);
  }

  @Test
  void wrongCredentialsFailWithTheEngineMessage() {
    claim("data-bad-0");
    create("bad", "data-bad-0", null, "Retain");
    passCheck("bad");
    await("Job created").atMost(WAIT).until(() -> job("bad-backup") != null);
    finish(
        "bad-backup",
        false,
        "{\"command\":\"backup\",\"status\":\"Failed\",\"exitCode\":3,\"error\":\"S3 refused the"
            + " secret access key: check the Secret\"}");
    await("backup failed")
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              MysqlBackup failed = get("bad");
              assertThat(failed.getStatus().getPhase()).isEqualTo(Phase.Failed);
              assertThat(failed.getStatus().getMessage())
                  .isEqualTo("S3 refused the secret access key: check the Secret [exit code 3]");
            });
    assertThat(admin.leases().inNamespace(NS).withName("stowage-claim-data-bad-0").get()).isNull();
  }

  /**
   * Issue 15, finding 11: a Job of the backup's name that the backup did not create is never
   * adopted (the backup is Blocked naming it), and a pod that only carries the Job's name as a
   * label is not one of the Job's pods: neither can forge the backup's result.
   */
  @Test
  void aPreCreatedJobOrAPodLabelledWithItsNameNeverDecidesABackup() {
    claim("data-forged-0");
    admin.batch().v1().jobs().inNamespace(NS).resource(plainJob("forged-backup")).create();
    finish("forged-backup", true, OK_BACKUP);
    create("forged", "data-forged-0", null, "Retain");

    await("Blocked, naming the foreign Job")
        .atMost(WAIT)
        .untilAsserted(
            () ->
                assertThat(blocked(get("forged")))
                    .startsWith("ForeignJob: ")
                    .contains("Job forged-backup")
                    .contains("delete it"));
    assertThat(get("forged").getStatus().getPhase()).isEqualTo(Phase.Pending);
    assertThat(job("forged-backup").getMetadata().getOwnerReferences()).isNullOrEmpty();

    admin.batch().v1().jobs().inNamespace(NS).withName("forged-backup").delete();
    await().atMost(WAIT).until(() -> job("forged-backup") == null);
    passCheck("forged");
    await("the backup's own Job")
        .atMost(WAIT)
        .until(
            () ->
                job("forged-backup") != null
                    && job("forged-backup").getMetadata().getOwnerReferences() != null
                    && get("forged").getStatus().getPhase() == Phase.Running);
    // The real engine fails; a pod made by someone else with the Job's name says Succeeded.
    finish(
        "forged-backup",
        false,
        "{\"command\":\"backup\",\"status\":\"Failed\",\"exitCode\":3,\"error\":\"the real"
            + " engine failed\"}");
    await().pollDelay(Duration.ofMillis(1100)).until(() -> true); // a newer creationTimestamp
    forgePod("forged-backup", OK_BACKUP);
    await("the Job's own pod decides")
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              MysqlBackup done = get("forged");
              assertThat(done.getStatus().getPhase()).isEqualTo(Phase.Failed);
              assertThat(done.getStatus().getMessage()).contains("the real engine failed");
            });
  }

  /**
   * Issue 15, finding 12: a Lease of a lock's name that Stowage did not make (no owner, or an owner
   * that is not a MysqlBackup or MysqlRestore) is never counted or taken over: the backup is
   * Blocked naming it and saying to delete it; once it is deleted, the backup runs.
   */
  @Test
  void aLeaseStowageDidNotMakeBlocksNamingItAndIsNeverTakenOver() {
    claim("data-lease-0");
    claim("data-lease-1");
    admin
        .leases()
        .inNamespace(NS)
        .resource(foreignLease("stowage-claim-data-lease-0", null))
        .create();
    var owner =
        admin
            .configMaps()
            .inNamespace(NS)
            .resource(
                new io.fabric8.kubernetes.api.model.ConfigMapBuilder()
                    .withNewMetadata()
                    .withName("lease-owner")
                    .endMetadata()
                    .build())
            .create();
    admin
        .leases()
        .inNamespace(NS)
        .resource(foreignLease("stowage-claim-data-lease-1", owner))
        .create();
    create("leased0", "data-lease-0", null, "Retain");
    create("leased1", "data-lease-1", null, "Retain");

    for (String b : List.of("leased0", "leased1")) {
      String lease = "stowage-claim-data-lease-" + b.charAt(b.length() - 1);
      await(b + " blocked by the foreign Lease")
          .atMost(WAIT)
          .untilAsserted(
              () ->
                  assertThat(blocked(get(b)))
                      .startsWith("ForeignLease: ")
                      .contains("Lease " + lease)
                      .contains("kubectl delete lease -n " + NS + " " + lease));
    }
    assertThat(admin.leases().inNamespace(NS).withName("stowage-claim-data-lease-1").get())
        .extracting(l -> l.getSpec().getHolderIdentity())
        .isEqualTo("someone-else");
    assertThat(job("leased1-check")).isNull();

    admin.leases().inNamespace(NS).withName("stowage-claim-data-lease-0").delete();
    passCheck("leased0");
    await("runs once the foreign Lease is gone")
        .atMost(WAIT)
        .until(() -> job("leased0-backup") != null);
  }

  /**
   * Issue 15, finding 10: a status written by someone other than the operator (here the admin, as a
   * tenant allowed to write mysqlbackups/status would) never chooses what rm deletes: the finalizer
   * stays, no rm Job is made, and the message names both directories.
   */
  @Test
  void aStatusDirectoryWrittenBySomeoneElseIsNeverDeleted() {
    claim("data-forge-0");
    create("forgery", "data-forge-0", null, "Delete");
    passCheck("forgery");
    await().atMost(WAIT).until(() -> job("forgery-backup") != null);
    finish("forgery-backup", true, OK_BACKUP);
    await().atMost(WAIT).until(() -> get("forgery").getStatus().getPhase() == Phase.Succeeded);

    admin
        .resources(MysqlBackup.class)
        .inNamespace(NS)
        .withName("forgery")
        .editStatus(
            b -> {
              b.getStatus().setDirectory("other-tenant/data-db-0");
              return b;
            });
    admin.resources(MysqlBackup.class).inNamespace(NS).withName("forgery").delete();

    await("refused, naming both directories")
        .atMost(WAIT)
        .untilAsserted(
            () ->
                assertThat(get("forgery").getStatus().getMessage())
                    .contains("status.directory of MysqlBackup forgery is other-tenant/data-db-0")
                    .contains("its spec and metadata give " + NS + "/data-forge-0"));
    assertThat(job("forgery-rm")).isNull();
    assertThat(get("forgery").getMetadata().getFinalizers()).isNotEmpty();
  }

  static final String OK_BACKUP =
      "{\"command\":\"backup\",\"status\":\"Succeeded\",\"exitCode\":0,\"files\":1}";

  /** The Blocked condition as "Reason: message", or "none". */
  static String blocked(MysqlBackup b) {
    if (b == null || b.getStatus() == null) {
      return "none";
    }
    return dev.stowage.operator.status.Conditions.find(
            b.getStatus().getConditions(), dev.stowage.operator.status.Conditions.BLOCKED)
        .filter(c -> c.getStatus() == dev.stowage.api.v1alpha1.ConditionStatus.True)
        .map(c -> c.getReason() + ": " + c.getMessage())
        .orElse("none");
  }

  /** A Job someone made by hand (no owner). */
  static Job plainJob(String name) {
    return new io.fabric8.kubernetes.api.model.batch.v1.JobBuilder()
        .withNewMetadata()
        .withName(name)
        .withNamespace(NS)
        .endMetadata()
        .withNewSpec()
        .withNewTemplate()
        .withNewSpec()
        .withRestartPolicy("Never")
        .addNewContainer()
        .withName("engine")
        .withImage("busybox")
        .endContainer()
        .endSpec()
        .endTemplate()
        .endSpec()
        .build();
  }

  /** A Lease of a lock's name, made by someone else, owned by {@code owner} (or nothing). */
  static Lease foreignLease(String name, HasMetadata owner) {
    var lease =
        new io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder()
            .withNewMetadata()
            .withName(name)
            .withNamespace(NS)
            .addToLabels("app.kubernetes.io/managed-by", "stowage-operator")
            .endMetadata()
            .withNewSpec()
            .withHolderIdentity("someone-else")
            .endSpec()
            .build();
    if (owner != null) {
      lease
          .getMetadata()
          .setOwnerReferences(
              List.of(
                  new io.fabric8.kubernetes.api.model.OwnerReferenceBuilder()
                      .withApiVersion(owner.getApiVersion())
                      .withKind(owner.getKind())
                      .withName(owner.getMetadata().getName())
                      .withUid(owner.getMetadata().getUid())
                      .build()));
    }
    return lease;
  }

  /**
   * A pod someone made with the Job's name as its label (not the Job controller's uid label),
   * terminated with {@code message}, newer than the Job's own pod.
   */
  static void forgePod(String jobName, String message) {
    Pod pod =
        admin
            .resource(
                new PodBuilder()
                    .withNewMetadata()
                    .withName(jobName + "-forged")
                    .withNamespace(NS)
                    .addToLabels("job-name", jobName)
                    .addToLabels("batch.kubernetes.io/job-name", jobName)
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
    pod.setStatus(terminated(true, message));
    admin.pods().resource(pod).updateStatus();
  }

  static MysqlBackup create(String name, String claim, String statefulSet, String policy) {
    String quiesce = statefulSet == null ? "" : "\n    quiesce: {statefulSet: " + statefulSet + "}";
    MysqlBackup b =
        YAML.unmarshal(
            """
        apiVersion: stowage.dev/v1alpha1
        kind: MysqlBackup
        metadata: {name: %s, namespace: %s}
        spec:
          source:
            persistentVolumeClaim: %s%s
          deletionPolicy: %s
          storage: {s3: {bucket: backups, endpoint: "http://s3:7070", insecure: true, credentialsSecretRef: {name: s3}}}
        """
                .formatted(name, NS, claim, quiesce, policy),
            MysqlBackup.class);
    return admin.resource(b).create();
  }

  static MysqlBackup get(String name) {
    return admin.resources(MysqlBackup.class).inNamespace(NS).withName(name).get();
  }

  static Job job(String name) {
    return admin.batch().v1().jobs().inNamespace(NS).withName(name).get();
  }

  static int replicas(String sts) {
    return admin.apps().statefulSets().inNamespace(NS).withName(sts).get().getSpec().getReplicas();
  }

  /**
   * Issue 9: a schedule's children through the real API server, with the operator's RBAC: created
   * with the owner reference in the create call, recorded in status, and kept without it when the
   * schedule is deleted (deletionPolicy Retain).
   */
  @Test
  void aScheduleCreatesOwnedChildrenAndDeletingItWithRetainKeepsThem() throws Exception {
    var schedules = admin.resources(MysqlBackupSchedule.class).inNamespace(NS);
    schedules
        .resource(
            YAML.unmarshal(
                """
                apiVersion: stowage.dev/v1alpha1
                kind: MysqlBackupSchedule
                metadata: {name: yearly}
                spec:
                  schedule: "0 0 1 1 *"
                  immediate: true
                  backupTemplate:
                    metadata:
                      labels: {team: shop, app.kubernetes.io/instance: shop-argo}
                    spec:
                      source: {persistentVolumeClaim: data-sched-0}
                      storage: {s3: {bucket: backups}}
                  retention: {keepLast: 3}
                """,
                MysqlBackupSchedule.class))
        .create();
    var backups = admin.resources(MysqlBackup.class).inNamespace(NS);
    MysqlBackup child =
        await()
            .atMost(WAIT)
            .until(
                () -> backups.withLabel("stowage.dev/schedule", "yearly").list().getItems(),
                l -> l.size() == 1)
            .get(0);
    assertThat(child.getMetadata().getName()).startsWith("yearly-manual-");
    assertThat(child.getMetadata().getLabels())
        .containsEntry("stowage.dev/trigger", "immediate")
        .containsEntry("team", "shop")
        .doesNotContainKey("app.kubernetes.io/instance");
    assertThat(child.getMetadata().getOwnerReferences())
        .singleElement()
        .satisfies(o -> assertThat(o.getKind()).isEqualTo("MysqlBackupSchedule"));
    assertThat(child.getSpec().getDeletionPolicy()).isEqualTo(DeletionPolicy.Delete);
    // Created with the MysqlBackup controller's finalizer (issue 14): its first reconcile does the
    // work, JOSDK never spends one on adding the finalizer (its server-side apply would show in
    // managedFields).
    assertThat(child.getMetadata().getFinalizers())
        .containsExactly(dev.stowage.operator.backup.MysqlBackupReconciler.FINALIZER);
    // JOSDK's mark of the schedule's own create: its watch event does not reconcile the schedule.
    assertThat(child.getMetadata().getAnnotations()).containsKey("javaoperatorsdk.io/previous");
    MysqlBackup reconciled =
        await()
            .atMost(WAIT)
            .until(
                () -> backups.withName(child.getMetadata().getName()).get(),
                b -> b.getStatus() != null && b.getStatus().getPhase() != null);
    assertThat(reconciled.getMetadata().getManagedFields())
        .noneMatch(f -> "Apply".equals(f.getOperation()));
    MysqlBackupSchedule recorded =
        await()
            .atMost(WAIT)
            .until(
                () -> schedules.withName("yearly").get(),
                s ->
                    s.getStatus() != null
                        && child
                            .getMetadata()
                            .getName()
                            .equals(s.getStatus().getLastScheduledBackup())
                        && s.getStatus().getActive().contains(child.getMetadata().getName()));
    assertThat(recorded.getStatus().getNextScheduleTime()).endsWith("-01-01T00:00:00Z");
    assertThat(recorded.getMetadata().getFinalizers()).isNotEmpty();

    // Issue 14: a status write of an active child that the schedule does not read (its message)
    // does not reconcile the schedule; a label it reads (keep) does.
    // The schedule at rest first: no reconcile over 3 s.
    await()
        .atMost(WAIT)
        .until(
            () -> {
              double n = scheduleReconciles();
              Thread.sleep(3000);
              return scheduleReconciles() == n;
            });
    double settled = scheduleReconciles();
    MysqlBackup current = backups.withName(child.getMetadata().getName()).get();
    current.getStatus().setMessage("a message the schedule does not read");
    backups.resource(current).updateStatus();
    Thread.sleep(3000);
    assertThat(scheduleReconciles())
        .as("schedule reconciles after a child's message")
        .isEqualTo(settled);
    backups
        .withName(child.getMetadata().getName())
        .edit(
            b -> {
              b.getMetadata().getLabels().put("stowage.dev/keep", "true");
              return b;
            });
    await().atMost(WAIT).until(() -> scheduleReconciles() > settled);

    schedules.withName("yearly").delete();
    await().atMost(WAIT).until(() -> schedules.withName("yearly").get() == null);
    MysqlBackup kept = backups.withName(child.getMetadata().getName()).get();
    assertThat(kept).as("deletionPolicy Retain keeps the children").isNotNull();
    assertThat(kept.getMetadata().getOwnerReferences()).isNullOrEmpty();
  }

  /** The schedule controller's finished reconciles so far (ReconcileMetrics). */
  static double scheduleReconciles() {
    return registry
        .find("stowage.reconciles")
        .tag("controller", "mysqlbackupschedule")
        .counters()
        .stream()
        .mapToDouble(c -> c.count())
        .sum();
  }

  static void statefulSet(String name, int replicas) {
    admin
        .resource(
            new StatefulSetBuilder()
                .withNewMetadata()
                .withName(name)
                .withNamespace(NS)
                .endMetadata()
                .withNewSpec()
                .withReplicas(replicas)
                .withServiceName(name)
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
                .withImage("stowage/mariadb:10.11")
                .endContainer()
                .endSpec()
                .endTemplate()
                // Gives data-<name>-<ordinal>: the operator quiesces only a StatefulSet whose
                // pods mount the claim.
                .addNewVolumeClaimTemplate()
                .withNewMetadata()
                .withName("data")
                .endMetadata()
                .withNewSpec()
                .withAccessModes("ReadWriteOnce")
                .withNewResources()
                .addToRequests("storage", new io.fabric8.kubernetes.api.model.Quantity("1Gi"))
                .endResources()
                .endSpec()
                .endVolumeClaimTemplate()
                .endSpec()
                .build())
        .create();
  }

  static void claim(String name) {
    admin
        .resource(
            new PersistentVolumeClaimBuilder()
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
                .build())
        .create();
  }

  static io.fabric8.kubernetes.api.model.PodStatus terminated(boolean succeeded, String message) {
    return new io.fabric8.kubernetes.api.model.PodStatusBuilder()
        .withPhase(succeeded ? "Succeeded" : "Failed")
        .addNewContainerStatus()
        .withName("engine")
        .withImage("stowage/engine:dev")
        .withImageID("")
        .withReady(false)
        .withRestartCount(0)
        .withNewState()
        .withNewTerminated()
        .withExitCode(succeeded ? 0 : 3)
        .withMessage(message)
        .withReason(succeeded ? "Completed" : "Error")
        .endTerminated()
        .endState()
        .endContainerStatus()
        .build();
  }

  /** Lets a backup's pre-flight check Job succeed, as the engine's check would. */
  static void passCheck(String backup) {
    await(backup + " pre-flight Job created")
        .atMost(WAIT)
        .until(() -> job(backup + "-check") != null);
    finish(
        backup + "-check", true, "{\"command\":\"check\",\"status\":\"Succeeded\",\"exitCode\":0}");
  }

  /** Plays kubelet and Job controller: a terminated engine pod, then the Job's final conditions. */
  static void finish(String jobName, boolean succeeded, String terminationMessage) {
    String now = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
    String uid = job(jobName).getMetadata().getUid();
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
    pod.setStatus(terminated(succeeded, terminationMessage));
    admin.pods().resource(pod).updateStatus();

    Job job = job(jobName);
    String[] types =
        succeeded
            ? new String[] {"SuccessCriteriaMet", "Complete"}
            : new String[] {"FailureTarget", "Failed"};
    var status =
        new JobStatusBuilder()
            .withStartTime(now)
            .withActive(0)
            .withSucceeded(succeeded ? 1 : 0)
            .withFailed(succeeded ? 0 : 1)
            .withReady(0)
            .withTerminating(0)
            .withNewUncountedTerminatedPods()
            .endUncountedTerminatedPods();
    if (succeeded) {
      status.withCompletionTime(now);
    }
    for (String type : types) {
      status.addToConditions(
          new JobConditionBuilder()
              .withType(type)
              .withStatus("True")
              .withReason(succeeded ? "CompletionsReached" : "BackoffLimitExceeded")
              .withMessage(
                  succeeded
                      ? "Reached expected number of succeeded pods"
                      : "Job has reached the specified backoff limit")
              .withLastProbeTime(now)
              .withLastTransitionTime(now)
              .build());
    }
    job.setStatus(status.build());
    admin.batch().v1().jobs().resource(job).updateStatus();
  }
}
