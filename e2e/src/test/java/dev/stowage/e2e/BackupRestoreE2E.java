package dev.stowage.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.ContainerStateTerminated;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.ProbeBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The issue-3 proof on a real cluster: MariaDB in a StatefulSet with a volumeClaimTemplate, data
 * written through a Service, the StatefulSet scaled to 0, a backup Job of stowage/engine that
 * mounts the database PVC and a backup PVC, a restore Job into a new PVC, and a new MariaDB pod on
 * the restored PVC serving the same rows. The engine's result JSON is read from each Job pod's
 * termination message.
 */
class BackupRestoreE2E {

  static final String ENGINE_IMAGE = "stowage/engine:dev";
  static final String S3_IMAGE = "stowage/s3:dev";

  static KubernetesClient client;
  static String ns;
  static MariaDb db;
  static final ObjectMapper JSON = new ObjectMapper();

  @BeforeAll
  static void namespace() throws Exception {
    client = Cluster.connect();
    ns = Cluster.createNamespace(client, "stowage-e2e-");
    db = new MariaDb(client, ns).withPasswordSecret();
  }

  @AfterAll
  static void cleanup() {
    if (client == null) {
      return;
    }
    if (ns != null && !Cluster.keepNamespaces()) {
      client.namespaces().withName(ns).delete();
      await("namespace " + ns + " deleted")
          .atMost(Duration.ofMinutes(3))
          .pollInterval(Duration.ofSeconds(2))
          .until(() -> client.namespaces().withName(ns).get() == null);
    }
    client.close();
  }

  @Test
  void backupAndRestoreAStatefulSetVolumeThroughJobs() throws Exception {
    // 1. MariaDB StatefulSet with a volumeClaimTemplate, Ready.
    db.startStatefulSet("mariadb");

    // 2. Tables and rows, written through the Service by a client pod.
    String write =
        """
                CREATE DATABASE shop;
                USE shop;
                CREATE TABLE customers (id INT PRIMARY KEY, name VARCHAR(64) NOT NULL) ENGINE=InnoDB;
                INSERT INTO customers VALUES (1, 'ada'), (2, 'grace'), (3, 'linus');
                CREATE TABLE items (id INT PRIMARY KEY, label VARCHAR(64) NOT NULL, price DECIMAL(10,2)) ENGINE=InnoDB;
                INSERT INTO items SELECT seq, CONCAT('item-', seq), seq * 1.25 FROM seq_1_to_5000;
                CREATE TABLE notes (id INT AUTO_INCREMENT PRIMARY KEY, body TEXT) ENGINE=Aria;
                INSERT INTO notes (body) VALUES ('backed up by stowage'), ('restored by stowage');
                """;
    db.sql("write", "mariadb", write);
    String expected = db.sql("read", "mariadb", READ);
    assertThat(expected).contains("ada", "grace", "linus", "5000", "restored by stowage");

    // 3. Scale to 0 and wait for the pod to be gone (the engine refuses a live datadir).
    client.apps().statefulSets().inNamespace(ns).withName("mariadb").scale(0);
    await("mariadb-0 gone")
        .atMost(Duration.ofMinutes(3))
        .pollInterval(Duration.ofSeconds(1))
        .until(() -> client.pods().inNamespace(ns).withName("mariadb-0").get() == null);

    // 4. Backup Job: the StatefulSet's PVC -> a second "backups" PVC.
    pvc("backups");
    JsonNode backup =
        runEngine(
            "backup",
            List.of(
                "backup",
                "--datadir",
                "/var/lib/mysql",
                "--storage",
                "file:///backups",
                "--directory",
                "e2e/db",
                "--name",
                "b1",
                "--result-file",
                "/dev/termination-log"),
            List.of(
                mount("data", MariaDb.claimOf("mariadb"), "/var/lib/mysql"),
                mount("backups", "backups", "/backups")));
    assertThat(backup.path("name").asText()).isEqualTo("b1");
    assertThat(backup.path("files").asLong()).isPositive();
    assertThat(backup.path("bytesRead").asLong()).isPositive();

    // 5. Restore Job: the backup -> a new PVC.
    pvc("restored");
    JsonNode restore =
        runEngine(
            "restore",
            List.of(
                "restore",
                "--storage",
                "file:///backups",
                "--directory",
                "e2e/db",
                "--name",
                "b1",
                "--datadir",
                "/restore",
                "--result-file",
                "/dev/termination-log"),
            List.of(
                mount("backups", "backups", "/backups"),
                mount("restored", "restored", "/restore")));
    assertThat(restore.path("name").asText()).isEqualTo("b1");
    assertThat(restore.path("files").asLong()).isEqualTo(backup.path("files").asLong());
    assertThat(restore.path("bytesWritten").asLong()).isPositive();

    // 6. A MariaDB pod on the restored PVC serves the same rows.
    db.startPodOnClaim("mariadb-restored", "restored");
    String actual = db.sql("read-restored", "mariadb-restored", READ);
    assertThat(actual).isEqualTo(expected);
  }

  /** stowage/s3:dev (VersityGW, posix backend) serves the S3 API through a Service. */
  @Test
  void s3ServerImageAnswersThroughAService() {
    client
        .secrets()
        .inNamespace(ns)
        .resource(
            new SecretBuilder()
                .withNewMetadata()
                .withName("s3")
                .endMetadata()
                .withStringData(
                    Map.of("access", "e2eaccess", "secret", "e2esecret-" + UUID.randomUUID()))
                .build())
        .create();
    service("s3", "s3", 7070);
    Pod s3 =
        new PodBuilder()
            .withNewMetadata()
            .withName("s3")
            .addToLabels("app", "s3")
            .endMetadata()
            .withNewSpec()
            .addNewContainer()
            .withName("s3")
            .withImage(S3_IMAGE)
            .withImagePullPolicy(Cluster.PULL_POLICY)
            .withEnv(
                MariaDb.secretEnv("ROOT_ACCESS_KEY", "s3", "access"),
                MariaDb.secretEnv("ROOT_SECRET_KEY", "s3", "secret"))
            .addNewPort()
            .withName("s3")
            .withContainerPort(7070)
            .endPort()
            .withReadinessProbe(
                new ProbeBuilder()
                    .withNewTcpSocket()
                    .withNewPort(7070)
                    .endTcpSocket()
                    .withPeriodSeconds(1)
                    .build())
            .withVolumeMounts(
                new VolumeMountBuilder().withName("data").withMountPath("/data").build())
            .endContainer()
            .addNewVolume()
            .withName("data")
            .withNewEmptyDir()
            .endEmptyDir()
            .endVolume()
            .endSpec()
            .build();
    client.pods().inNamespace(ns).resource(s3).create();
    client.pods().inNamespace(ns).withName("s3").waitUntilReady(3, TimeUnit.MINUTES);
    // An anonymous ListBuckets must be refused by S3 itself (403 + an S3 XML error).
    String out =
        db.shell(
            "s3-probe",
            "for i in $(seq 1 30); do exec 3<>/dev/tcp/s3/7070 && break; sleep 1; done; "
                + "printf 'GET / HTTP/1.1\\r\\nHost: s3\\r\\nConnection: close\\r\\n\\r\\n' >&3; cat <&3");
    assertThat(out).startsWith("HTTP/1.1 403").contains("AccessDenied");
  }

  /** What the test compares before and after: rows, sums and table checksums. */
  static final String READ =
      """
            USE shop;
            SELECT id, name FROM customers ORDER BY id;
            SELECT COUNT(*), SUM(id), SUM(price), MAX(label) FROM items;
            SELECT id, body FROM notes ORDER BY id;
            CHECKSUM TABLE customers, items, notes EXTENDED;
            """;

  // ---------------------------------------------------------------- objects

  private void service(String name, String app, int port) {
    client
        .services()
        .inNamespace(ns)
        .resource(
            new ServiceBuilder()
                .withNewMetadata()
                .withName(name)
                .endMetadata()
                .withNewSpec()
                .withSelector(Map.of("app", app))
                .addNewPort()
                .withName("p" + port)
                .withPort(port)
                .endPort()
                .endSpec()
                .build())
        .create();
  }

  private void pvc(String name) {
    PersistentVolumeClaim claim =
        new PersistentVolumeClaimBuilder()
            .withNewMetadata()
            .withName(name)
            .endMetadata()
            .withNewSpec()
            .withAccessModes("ReadWriteOnce")
            .withNewResources()
            .addToRequests("storage", new Quantity("1Gi"))
            .endResources()
            .endSpec()
            .build();
    client.persistentVolumeClaims().inNamespace(ns).resource(claim).create();
  }

  private record Mount(Volume volume, VolumeMount mount) {}

  private static Mount mount(String name, String claim, String path) {
    return new Mount(
        new VolumeBuilder()
            .withName(name)
            .withNewPersistentVolumeClaim()
            .withClaimName(claim)
            .endPersistentVolumeClaim()
            .build(),
        new VolumeMountBuilder().withName(name).withMountPath(path).build());
  }

  // ---------------------------------------------------------------- runs

  /** Runs the engine as a Job and returns its result JSON from the termination message. */
  private JsonNode runEngine(String name, List<String> args, List<Mount> mounts) throws Exception {
    Job job =
        new JobBuilder()
            .withNewMetadata()
            .withName(name)
            .endMetadata()
            .withNewSpec()
            .withBackoffLimit(0)
            .withNewTemplate()
            .withNewSpec()
            .withRestartPolicy("Never")
            .withSecurityContext(MariaDb.securityContext())
            .withVolumes(mounts.stream().map(Mount::volume).toList())
            .addNewContainer()
            .withName("engine")
            .withImage(ENGINE_IMAGE)
            .withImagePullPolicy(Cluster.PULL_POLICY)
            .withArgs(args)
            .withVolumeMounts(mounts.stream().map(Mount::mount).toList())
            .withTerminationMessagePolicy("File")
            .endContainer()
            .endSpec()
            .endTemplate()
            .endSpec()
            .build();
    client.batch().v1().jobs().inNamespace(ns).resource(job).create();
    boolean ok = Cluster.awaitJob(client, ns, name, Duration.ofMinutes(5));
    Pod pod = Cluster.jobPod(client, ns, name);
    String podName = pod.getMetadata().getName();
    ContainerStateTerminated t = Cluster.terminated(client, ns, podName);
    String logs = Cluster.logs(client, ns, podName);
    assertThat(ok)
        .as(
            "job %s succeeded; exit %s, message %s, logs:%n%s",
            name, t.getExitCode(), t.getMessage(), logs)
        .isTrue();
    assertThat(t.getExitCode()).isZero();
    assertThat(t.getMessage())
        .as("termination message of %s (logs:%n%s)", podName, logs)
        .isNotBlank();
    return JSON.readTree(t.getMessage());
  }
}
