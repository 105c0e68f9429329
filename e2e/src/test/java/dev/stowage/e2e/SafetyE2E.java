package dev.stowage.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.stowage.api.v1alpha1.Condition;
import dev.stowage.api.v1alpha1.ConditionStatus;
import dev.stowage.api.v1alpha1.MysqlBackup;
import dev.stowage.api.v1alpha1.MysqlBackupSpec;
import dev.stowage.api.v1alpha1.Phase;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Issue 17 on a real kubelet: an engine pod that cannot start never leaves a database down, MariaDB
 * never starts on a half-restored claim guarded by the examples' init container, and a backup
 * cancelled by deletion gives the database back with no stack trace in the operator's log. One
 * namespace with one MariaDB StatefulSet for the whole class, to keep it short.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SafetyE2E {

  static final String BUCKET = "backups";
  static final String CREDENTIALS = "s3-credentials";
  static final String DB = "db";
  static final Duration FAIL_FAST = Duration.ofSeconds(90);

  static KubernetesClient client;
  static S3Server s3;
  static String ns;
  static MariaDb db;
  static final List<String> namespaces = new ArrayList<>();

  @BeforeAll
  static void operatorS3AndDatabase() throws Exception {
    client = Cluster.connect();
    Operator.requireAvailable(client, Duration.ofMinutes(2));
    String s3Namespace = Cluster.createNamespace(client, "stowage-e2e-safety-s3-");
    namespaces.add(s3Namespace);
    s3 = S3Server.start(client, s3Namespace, BUCKET);
    ns = Cluster.createNamespace(client, "stowage-e2e-safety-");
    namespaces.add(ns);
    db = new MariaDb(client, ns).withPasswordSecret();
    s3.credentialsSecret(ns, CREDENTIALS, true);
    db.startStatefulSet(DB);
  }

  @AfterAll
  static void cleanup() {
    if (client == null) {
      return;
    }
    try {
      if (!Cluster.keepNamespaces()) {
        namespaces.forEach(n -> client.namespaces().withName(n).delete());
      }
    } finally {
      client.close();
    }
  }

  /**
   * A Secret that does not exist: the pre-flight check pod cannot start, so the backup fails within
   * seconds and the StatefulSet is never scaled down.
   */
  @Test
  @Order(1)
  void aMissingSecretFailsTheBackupBeforeAnythingIsStopped() {
    createBackup(
        "no-secret",
        spec -> spec.getStorage().getS3().getCredentialsSecretRef().setName("no-such-secret"));
    List<Integer> replicasSeen = new ArrayList<>();

    MysqlBackup failed =
        awaitDone(
            "no-secret", FAIL_FAST, () -> replicasSeen.add(replicas(DB)), "StatefulSet " + DB);

    assertThat(failed.getStatus().getPhase()).isEqualTo(Phase.Failed);
    assertThat(failed.getStatus().getMessage())
        .contains("the pre-flight check pod could not start, so nothing was stopped")
        .contains("no-such-secret")
        .contains("spec.storage.s3.credentialsSecretRef");
    assertThat(ready(failed).getReason()).isEqualTo("EnginePodCannotStart");
    assertThat(replicasSeen).as("replicas of %s while the backup ran", DB).containsOnly(1);
    assertThat(failed.getStatus().getQuiesce()).isNull();
    assertThat(lease("stowage-claim-" + MariaDb.claimOf(DB))).isNull();
  }

  /**
   * The check passed, the database was stopped, then the engine pod of the backup cannot start (its
   * Secret is gone): the backup fails at once, its Job is deleted and the database comes back.
   */
  @Test
  @Order(2)
  void anEnginePodThatCannotStartAfterTheQuiesceGivesTheDatabaseBackAtOnce() {
    s3.credentialsSecret(ns, "going-away", true);
    createBackup(
        "secret-gone",
        spec -> spec.getStorage().getS3().getCredentialsSecretRef().setName("going-away"));
    await("pre-flight of secret-gone passed")
        .atMost(FAIL_FAST)
        .pollInterval(Duration.ofMillis(250))
        .until(() -> "True".equals(conditionStatus(backup("secret-gone"), "StorageChecked")));
    // Between the check and the backup's own Job, the Secret disappears (a rotation gone wrong).
    client.secrets().inNamespace(ns).withName("going-away").delete();

    List<Integer> replicasSeen = new ArrayList<>();
    MysqlBackup failed =
        awaitDone(
            "secret-gone",
            Duration.ofMinutes(3),
            () -> replicasSeen.add(replicas(DB)),
            "StatefulSet " + DB);

    assertThat(failed.getStatus().getPhase()).isEqualTo(Phase.Failed);
    assertThat(ready(failed).getReason()).isEqualTo("EnginePodCannotStart");
    assertThat(failed.getStatus().getMessage())
        .contains("the engine pod could not start")
        .contains("a volume could not be mounted")
        .contains("going-away")
        .contains("nothing was copied");
    assertThat(replicasSeen).as("the StatefulSet was scaled down for the backup").contains(0);
    assertThat(failed.getStatus().getQuiesce().getRestoredTime()).isNotBlank();
    assertThat(replicas(DB)).isEqualTo(1);
    await("Job secret-gone-backup deleted")
        .atMost(Duration.ofSeconds(60))
        .until(
            () ->
                client.batch().v1().jobs().inNamespace(ns).withName("secret-gone-backup").get()
                    == null);
    assertThat(lease("stowage-claim-" + MariaDb.claimOf(DB))).isNull();
    db.awaitReady(DB, Duration.ofMinutes(3));
  }

  /**
   * A claim holding the engine's restore marker, as a failed or interrupted restore leaves it:
   * MariaDB with the examples' restore-guard init container does not start on it; without the
   * marker the same pod starts.
   */
  @Test
  @Order(3)
  void mariaDbDoesNotStartOnAHalfRestoredClaimWithTheGuard() throws Exception {
    String claim = "half-restored";
    client
        .persistentVolumeClaims()
        .inNamespace(ns)
        .resource(
            new PersistentVolumeClaimBuilder()
                .withNewMetadata()
                .withName(claim)
                .endMetadata()
                .withNewSpec()
                .withAccessModes("ReadWriteOnce")
                .withNewResources()
                .addToRequests("storage", new Quantity("1Gi"))
                .endResources()
                .endSpec()
                .build())
        .create();
    onClaim(
        "mark",
        claim,
        "mkdir -p /var/lib/mysql/mysql && touch /var/lib/mysql/.stowage-restore-in-progress");

    Container guard = guardFromExamples();
    client.pods().inNamespace(ns).resource(guardedMariaDb("guarded", claim, guard)).create();

    await("the guard refuses the half-restored claim")
        .atMost(Duration.ofMinutes(2))
        .pollInterval(Duration.ofSeconds(1))
        .until(() -> guardFailed(client.pods().inNamespace(ns).withName("guarded").get()));
    Pod refused = client.pods().inNamespace(ns).withName("guarded").get();
    assertThat(refused.getStatus().getPhase()).isEqualTo("Pending");
    assertThat(refused.getStatus().getContainerStatuses())
        .as("mariadb never started")
        .allSatisfy(
            s -> {
              assertThat(s.getState().getRunning()).isNull();
              assertThat(s.getLastState() == null || s.getLastState().getTerminated() == null)
                  .isTrue();
            });
    assertThat(
            client.pods().inNamespace(ns).withName("guarded").inContainer("restore-guard").getLog())
        .contains(".stowage-restore-in-progress");
    client.pods().inNamespace(ns).withName("guarded").withGracePeriod(0).delete();
    await("guarded pod gone")
        .atMost(Duration.ofMinutes(1))
        .until(() -> client.pods().inNamespace(ns).withName("guarded").get() == null);

    // The control: without the marker, the very same pod gets past the guard.
    onClaim(
        "unmark", claim, "rm -rf /var/lib/mysql/.stowage-restore-in-progress /var/lib/mysql/mysql");
    client.pods().inNamespace(ns).resource(guardedMariaDb("unguarded", claim, guard)).create();
    client.pods().inNamespace(ns).withName("unguarded").waitUntilReady(3, TimeUnit.MINUTES);
  }

  /**
   * Issue 17 item 8: a backup deleted while its engine runs (cancel-by-delete) gives the database
   * back, and the operator logs it in lines, never a stack trace.
   */
  @Test
  @Order(4)
  void aBackupDeletedWhileItRunsGivesTheDatabaseBackAndLogsNoStackTrace() {
    String since = java.time.Instant.now().minusSeconds(1).toString();
    createBackup("cancelled", spec -> {});
    await("cancelled is Running")
        .atMost(Duration.ofMinutes(2))
        .pollInterval(Duration.ofMillis(200))
        .until(
            () -> {
              MysqlBackup b = backup("cancelled");
              return b != null
                  && b.getStatus() != null
                  && b.getStatus().getPhase() == Phase.Running;
            });
    client.resources(MysqlBackup.class).inNamespace(ns).withName("cancelled").delete();

    await("cancelled gone").atMost(Duration.ofMinutes(2)).until(() -> backup("cancelled") == null);
    await(DB + " given back its replica")
        .atMost(Duration.ofMinutes(1))
        .until(() -> Integer.valueOf(1).equals(replicas(DB)));
    String logs = operatorLogsSince(since);
    assertThat(logs).as("operator log since the backup was created").contains("cancelled");
    assertThat(
            logs.lines()
                .filter(l -> l.matches("\\s+at [\\w.$]+\\(.*\\)") || l.startsWith("Caused by:")))
        .as("stack-trace lines in the operator's log after a cancel-by-delete:%n%s", logs)
        .isEmpty();
    db.awaitReady(DB, Duration.ofMinutes(3));
  }

  static String operatorLogsSince(String since) {
    StringBuilder all = new StringBuilder();
    for (Pod p : Operator.pods(client)) {
      all.append(
          client
              .pods()
              .inNamespace(Operator.NAMESPACE)
              .withName(p.getMetadata().getName())
              .sinceTime(since)
              .getLog());
    }
    return all.toString();
  }

  // ------------------------------------------------------------------ helpers

  /** The restore-guard init container exactly as examples/verify/mariadb-restored.yaml has it. */
  static Container guardFromExamples() throws Exception {
    Path file =
        Path.of(System.getProperty("user.dir")).resolve("../examples/verify/mariadb-restored.yaml");
    try (InputStream in = Files.newInputStream(file)) {
      for (HasMetadata o : client.load(in).items()) {
        if (o instanceof Pod p && p.getSpec().getInitContainers() != null) {
          for (Container c : p.getSpec().getInitContainers()) {
            if (c.getName().equals("restore-guard")) {
              c.setImagePullPolicy(Cluster.PULL_POLICY);
              return c;
            }
          }
        }
      }
    }
    throw new AssertionError("no restore-guard init container in " + file);
  }

  static Pod guardedMariaDb(String name, String claim, Container guard) {
    return new PodBuilder()
        .withNewMetadata()
        .withName(name)
        .endMetadata()
        .withNewSpec()
        .withSecurityContext(MariaDb.securityContext())
        .withInitContainers(guard)
        .addNewContainer()
        .withName("mariadb")
        .withImage(MariaDb.IMAGE)
        .withImagePullPolicy(Cluster.PULL_POLICY)
        .withEnv(MariaDb.passwordEnv())
        .addNewVolumeMount()
        .withName("data")
        .withMountPath("/var/lib/mysql")
        .endVolumeMount()
        .withNewReadinessProbe()
        .withNewExec()
        .withCommand(
            "sh",
            "-c",
            "mariadb-admin --socket=/run/mysqld/mysqld.sock -uroot -p\"$MARIADB_ROOT_PASSWORD\""
                + " ping")
        .endExec()
        .withPeriodSeconds(2)
        .endReadinessProbe()
        .endContainer()
        .addNewVolume()
        .withName("data")
        .withNewPersistentVolumeClaim()
        .withClaimName(claim)
        .endPersistentVolumeClaim()
        .endVolume()
        .endSpec()
        .build();
  }

  /** Whether the guard has exited non-zero at least once. */
  static boolean guardFailed(Pod p) {
    if (p == null || p.getStatus() == null || p.getStatus().getInitContainerStatuses() == null) {
      return false;
    }
    for (ContainerStatus s : p.getStatus().getInitContainerStatuses()) {
      var now = s.getState() == null ? null : s.getState().getTerminated();
      var before = s.getLastState() == null ? null : s.getLastState().getTerminated();
      if ((now != null && now.getExitCode() != 0)
          || (before != null && before.getExitCode() != 0)) {
        return true;
      }
    }
    return false;
  }

  static void onClaim(String name, String claim, String script) {
    MariaDb.onClaim(client, ns, name, claim, script);
  }

  static MysqlBackup createBackup(String name, Consumer<MysqlBackupSpec> adjust) {
    MysqlBackupSpec spec = StowageObjects.s3BackupOf(DB, ns, s3, CREDENTIALS);
    adjust.accept(spec);
    MysqlBackup backup = new MysqlBackup();
    backup.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(ns).build());
    backup.setSpec(spec);
    return client.resources(MysqlBackup.class).inNamespace(ns).resource(backup).create();
  }

  static MysqlBackup backup(String name) {
    return client.resources(MysqlBackup.class).inNamespace(ns).withName(name).get();
  }

  /** Waits for Succeeded or Failed, running {@code onPoll} on every poll; says what it saw. */
  static MysqlBackup awaitDone(String name, Duration timeout, Runnable onPoll, String watching) {
    try {
      await(name + " finished")
          .atMost(timeout)
          .pollInterval(Duration.ofMillis(500))
          .until(
              () -> {
                onPoll.run();
                MysqlBackup b = backup(name);
                Phase p = b == null || b.getStatus() == null ? null : b.getStatus().getPhase();
                return p == Phase.Succeeded || p == Phase.Failed;
              });
    } catch (org.awaitility.core.ConditionTimeoutException e) {
      throw new AssertionError(
          name
              + " did not finish within "
              + timeout.toSeconds()
              + " s (watching "
              + watching
              + "); its status:\n"
              + client.getKubernetesSerialization().asYaml(backup(name).getStatus())
              + "\noperator logs:\n"
              + Operator.logs(client, 40),
          e);
    }
    return backup(name);
  }

  static Integer replicas(String sts) {
    StatefulSet s = client.apps().statefulSets().inNamespace(ns).withName(sts).get();
    return s == null ? null : s.getSpec().getReplicas();
  }

  static Condition ready(MysqlBackup b) {
    return b.getStatus().getConditions().stream()
        .filter(c -> c.getType().equals("Ready"))
        .findFirst()
        .orElseThrow();
  }

  static String conditionStatus(MysqlBackup b, String type) {
    if (b == null || b.getStatus() == null) {
      return null;
    }
    return b.getStatus().getConditions().stream()
        .filter(c -> c.getType().equals(type))
        .map(c -> c.getStatus() == ConditionStatus.True ? "True" : "False")
        .findFirst()
        .orElse(null);
  }

  static Object lease(String name) {
    return client.leases().inNamespace(ns).withName(name).get();
  }
}
