package dev.stowage.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.PodSecurityContextBuilder;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.ProbeBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSetBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * MariaDB (stowage/mariadb) in one namespace: a StatefulSet with a volumeClaimTemplate, pods on
 * other claims, and SQL or bash run by short-lived client pods.
 */
final class MariaDb {

  static final String IMAGE = "stowage/mariadb:10.11";

  /**
   * uid/gid of mysql in stowage/mariadb; the engine runs as it so restored files keep their owner.
   */
  static final long MYSQL_UID = 999;

  /**
   * The Secret (key {@code password}) that holds the root password of every server in the
   * namespace.
   */
  static final String PASSWORD_SECRET = "mariadb";

  private final KubernetesClient client;
  private final String ns;

  MariaDb(KubernetesClient client, String ns) {
    this.client = client;
    this.ns = ns;
  }

  /** Creates the root password Secret; call once per namespace before any server starts. */
  MariaDb withPasswordSecret() {
    String password = "e2e-" + UUID.randomUUID().toString().substring(0, 8);
    client
        .secrets()
        .inNamespace(ns)
        .resource(
            new SecretBuilder()
                .withNewMetadata()
                .withName(PASSWORD_SECRET)
                .endMetadata()
                .withStringData(Map.of("password", password))
                .build())
        .create();
    return this;
  }

  /** The claim the StatefulSet's first pod mounts (volumeClaimTemplate {@code data}). */
  static String claimOf(String statefulSet) {
    return "data-" + statefulSet + "-0";
  }

  /**
   * Creates a one-replica StatefulSet, its Service (same name) and headless Service, and waits
   * until it is Ready.
   */
  void startStatefulSet(String name) {
    startStatefulSet(name, null);
  }

  /**
   * As {@link #startStatefulSet(String)}, with the volumeClaimTemplate on {@code storageClassName}
   * (null: the default class) and {@code serverArgs} passed to mariadbd.
   */
  void startStatefulSet(String name, String storageClassName, String... serverArgs) {
    service(name, name);
    client
        .services()
        .inNamespace(ns)
        .resource(
            new ServiceBuilder()
                .withNewMetadata()
                .withName(name + "-headless")
                .endMetadata()
                .withNewSpec()
                .withClusterIP("None")
                .withSelector(Map.of("app", name))
                .addNewPort()
                .withName("mysql")
                .withPort(3306)
                .endPort()
                .endSpec()
                .build())
        .create();
    client
        .apps()
        .statefulSets()
        .inNamespace(ns)
        .resource(statefulSet(name, storageClassName, serverArgs))
        .create();
    awaitReady(name, Duration.ofMinutes(5));
  }

  /** Waits until the StatefulSet wants one replica and has one Ready. */
  void awaitReady(String name, Duration timeout) {
    await("statefulset " + ns + "/" + name + " back at 1 ready replica")
        .atMost(timeout)
        .pollInterval(Duration.ofSeconds(1))
        .until(
            () -> {
              StatefulSet s = client.apps().statefulSets().inNamespace(ns).withName(name).get();
              return s != null
                  && s.getSpec().getReplicas() == 1
                  && s.getStatus() != null
                  && Integer.valueOf(1).equals(s.getStatus().getReadyReplicas());
            });
  }

  /**
   * Starts a single MariaDB pod (and a Service of the same name) on an existing claim; waits until
   * Ready.
   */
  void startPodOnClaim(String name, String claim) {
    service(name, name);
    Pod pod =
        new PodBuilder()
            .withNewMetadata()
            .withName(name)
            .addToLabels("app", name)
            .endMetadata()
            .withNewSpec()
            .withSecurityContext(securityContext())
            .withContainers(container())
            .addNewVolume()
            .withName("data")
            .withNewPersistentVolumeClaim()
            .withClaimName(claim)
            .endPersistentVolumeClaim()
            .endVolume()
            .endSpec()
            .build();
    client.pods().inNamespace(ns).resource(pod).create();
    client.pods().inNamespace(ns).withName(name).waitUntilReady(5, TimeUnit.MINUTES);
  }

  private void service(String name, String app) {
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
                .withName("mysql")
                .withPort(3306)
                .endPort()
                .endSpec()
                .build())
        .create();
  }

  private static StatefulSet statefulSet(
      String name, String storageClassName, String... serverArgs) {
    return new StatefulSetBuilder()
        .withNewMetadata()
        .withName(name)
        .endMetadata()
        .withNewSpec()
        .withReplicas(1)
        .withServiceName(name + "-headless")
        .withNewSelector()
        .addToMatchLabels("app", name)
        .endSelector()
        .withNewTemplate()
        .withNewMetadata()
        .addToLabels("app", name)
        .endMetadata()
        .withNewSpec()
        .withSecurityContext(securityContext())
        .withTerminationGracePeriodSeconds(120L)
        .withContainers(container(serverArgs))
        .endSpec()
        .endTemplate()
        .addNewVolumeClaimTemplate()
        .withNewMetadata()
        .withName("data")
        .endMetadata()
        .withNewSpec()
        .withAccessModes("ReadWriteOnce")
        .withStorageClassName(storageClassName)
        .withNewResources()
        .addToRequests("storage", new Quantity("1Gi"))
        .endResources()
        .endSpec()
        .endVolumeClaimTemplate()
        .endSpec()
        .build();
  }

  private static Container container(String... serverArgs) {
    Probe ready =
        new ProbeBuilder()
            .withNewExec()
            .withCommand(
                "sh",
                "-c",
                "mariadb-admin --socket=/run/mysqld/mysqld.sock -uroot -p\"$MARIADB_ROOT_PASSWORD\" ping")
            .endExec()
            .withPeriodSeconds(2)
            .withTimeoutSeconds(5)
            .withFailureThreshold(3)
            .build();
    return new ContainerBuilder()
        .withName("mariadb")
        .withImage(IMAGE)
        .withImagePullPolicy(Cluster.PULL_POLICY)
        .withEnv(passwordEnv())
        .addNewPort()
        .withName("mysql")
        .withContainerPort(3306)
        .endPort()
        .withVolumeMounts(
            new VolumeMountBuilder().withName("data").withMountPath("/var/lib/mysql").build())
        .withReadinessProbe(ready)
        // The image's entrypoint passes its arguments on to mariadbd.
        .withArgs(serverArgs.length == 0 ? null : List.of(serverArgs))
        .build();
  }

  static EnvVar passwordEnv() {
    return secretEnv("MARIADB_ROOT_PASSWORD", PASSWORD_SECRET, "password");
  }

  static EnvVar secretEnv(String env, String secret, String key) {
    return new EnvVarBuilder()
        .withName(env)
        .withNewValueFrom()
        .withNewSecretKeyRef()
        .withName(secret)
        .withKey(key)
        .endSecretKeyRef()
        .endValueFrom()
        .build();
  }

  static PodSecurityContext securityContext() {
    return new PodSecurityContextBuilder()
        .withRunAsUser(MYSQL_UID)
        .withRunAsGroup(MYSQL_UID)
        .withFsGroup(MYSQL_UID)
        .withRunAsNonRoot(true)
        .build();
  }

  /**
   * Starts a long-running client pod of the mariadb image running {@code script} in bash (with the
   * root password in {@code MARIADB_ROOT_PASSWORD}), and waits until it runs.
   */
  void startClientPod(String name, String script) {
    client.pods().inNamespace(ns).resource(clientPod(name, script)).create();
    client.pods().inNamespace(ns).withName(name).waitUntilReady(3, TimeUnit.MINUTES);
  }

  /**
   * The Secret a FlushTablesWithReadLock snapshot backup names: root of the server behind Service
   * {@code service}, by its cluster DNS name (the operator runs in another namespace).
   */
  void readLockSecret(String name, String service) {
    client
        .secrets()
        .inNamespace(ns)
        .resource(
            new SecretBuilder()
                .withNewMetadata()
                .withName(name)
                .endMetadata()
                .withStringData(
                    Map.of(
                        "host",
                        service + "." + ns + ".svc.cluster.local",
                        "port",
                        "3306",
                        "user",
                        "root",
                        "password",
                        rootPassword()))
                .build())
        .create();
  }

  /** The root password of the namespace's servers (Secret {@value #PASSWORD_SECRET}). */
  String rootPassword() {
    var secret = client.secrets().inNamespace(ns).withName(PASSWORD_SECRET).get();
    return new String(
        java.util.Base64.getDecoder().decode(secret.getData().get("password")),
        java.nio.charset.StandardCharsets.UTF_8);
  }

  /** A client pod of the mariadb image running {@code script} in bash, root password in env. */
  private Pod clientPod(String name, String script, EnvVar... env) {
    return new PodBuilder()
        .withNewMetadata()
        .withName(name)
        .endMetadata()
        .withNewSpec()
        .withRestartPolicy("Never")
        .withSecurityContext(securityContext())
        .addNewContainer()
        .withName("client")
        .withImage(IMAGE)
        .withImagePullPolicy(Cluster.PULL_POLICY)
        .withEnv(passwordEnv())
        .addToEnv(env)
        .withCommand("bash", "-c", script)
        .endContainer()
        .endSpec()
        .build();
  }

  /**
   * Runs SQL with the mariadb client in a pod named {@code sql-<name>}, against a Service; returns
   * its output.
   */
  String sql(String name, String host, String statements) {
    // The Service may need a moment after the pod turns Ready (endpoints, kube-proxy rules).
    return shell(
        "sql-" + name,
        "for i in $(seq 1 60); do mariadb-admin --connect-timeout=2 -h "
            + host
            + " -uroot -p\"$MARIADB_ROOT_PASSWORD\" ping >/dev/null 2>&1 && break; sleep 1; done; "
            + "printf '%s\\n' \"$SQL\" | mariadb --batch --skip-column-names -h "
            + host
            + " -uroot -p\"$MARIADB_ROOT_PASSWORD\"",
        new EnvVarBuilder().withName("SQL").withValue(statements).build());
  }

  /**
   * Runs a bash script in a pod of the mariadb image (it has the client and bash); returns its
   * output.
   */
  String shell(String name, String script, EnvVar... env) {
    Pod pod = clientPod(name, script, env);
    client.pods().inNamespace(ns).resource(pod).create();
    client
        .pods()
        .inNamespace(ns)
        .withName(name)
        .waitUntilCondition(
            p ->
                p != null
                    && p.getStatus() != null
                    && ("Succeeded".equals(p.getStatus().getPhase())
                        || "Failed".equals(p.getStatus().getPhase())),
            5,
            TimeUnit.MINUTES);
    Pod done = client.pods().inNamespace(ns).withName(name).get();
    String out = Cluster.logs(client, ns, name);
    assertThat(done.getStatus().getPhase())
        .as("pod %s; output:%n%s", name, out)
        .isEqualTo("Succeeded");
    return out;
  }

  /**
   * Runs a shell command as the MySQL user in a pod that mounts the claim at /var/lib/mysql, waits
   * for it to succeed (its log in the failure) and deletes it.
   */
  static void onClaim(
      KubernetesClient client, String ns, String name, String claim, String script) {
    Pod pod =
        new PodBuilder()
            .withNewMetadata()
            .withName(name)
            .endMetadata()
            .withNewSpec()
            .withRestartPolicy("Never")
            .withSecurityContext(securityContext())
            .addNewContainer()
            .withName("sh")
            .withImage(IMAGE)
            .withImagePullPolicy(Cluster.PULL_POLICY)
            .withCommand("sh", "-c", script)
            .addNewVolumeMount()
            .withName("data")
            .withMountPath("/var/lib/mysql")
            .endVolumeMount()
            .endContainer()
            .addNewVolume()
            .withName("data")
            .withNewPersistentVolumeClaim()
            .withClaimName(claim)
            .endPersistentVolumeClaim()
            .endVolume()
            .endSpec()
            .build();
    client.pods().inNamespace(ns).resource(pod).create();
    await("pod " + name + " done")
        .atMost(Duration.ofMinutes(2))
        .until(
            () -> {
              Pod p = client.pods().inNamespace(ns).withName(name).get();
              return p != null
                  && p.getStatus() != null
                  && ("Succeeded".equals(p.getStatus().getPhase())
                      || "Failed".equals(p.getStatus().getPhase()));
            });
    Pod done = client.pods().inNamespace(ns).withName(name).get();
    assertThat(done.getStatus().getPhase())
        .as("pod %s: %s", name, Cluster.logs(client, ns, name))
        .isEqualTo("Succeeded");
    client.pods().inNamespace(ns).withName(name).delete();
    await("pod " + name + " gone")
        .atMost(Duration.ofMinutes(1))
        .until(() -> client.pods().inNamespace(ns).withName(name).get() == null);
  }
}
