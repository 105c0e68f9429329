package dev.stowage.e2e;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.ProbeBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.ExecWatch;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * VersityGW (stowage/s3:dev, posix backend) as a Deployment and Service {@code s3} in one
 * namespace, with one bucket. Its posix backend stores object {@code k} of bucket {@code b} as the
 * file {@code /data/b/k}; a {@code files} sidecar (mariadb image: it has a shell) shares that
 * directory so a test can see exactly which objects exist.
 */
final class S3Server {

  static final String IMAGE = "stowage/s3:dev";
  static final String NAME = "s3";
  static final int PORT = 7070;
  private static final String ROOT_SECRET = "s3-root";
  private static final long S3_UID = 10001;

  private final KubernetesClient client;
  private final String ns;
  private final String bucket;
  private final String accessKey = "e2e" + UUID.randomUUID().toString().substring(0, 8);
  private final String secretKey = "e2e-" + UUID.randomUUID();

  private S3Server(KubernetesClient client, String ns, String bucket) {
    this.client = client;
    this.ns = ns;
    this.bucket = bucket;
  }

  /** Starts the server with an (empty) bucket and waits until its pod is Ready. */
  static S3Server start(KubernetesClient client, String ns, String bucket) {
    S3Server s3 = new S3Server(client, ns, bucket);
    s3.create();
    return s3;
  }

  String bucket() {
    return bucket;
  }

  /** The endpoint as pods in any namespace reach it. */
  String endpoint() {
    return "http://" + NAME + "." + ns + ".svc.cluster.local:" + PORT;
  }

  /**
   * Creates a Secret with the keys a MysqlBackup's credentialsSecretRef reads by default
   * (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY); {@code rightSecret} false stores a wrong secret
   * key.
   */
  void credentialsSecret(String namespace, String name, boolean rightSecret) {
    String secret = rightSecret ? secretKey : "not-the-secret-" + UUID.randomUUID();
    client
        .secrets()
        .inNamespace(namespace)
        .resource(
            new SecretBuilder()
                .withNewMetadata()
                .withName(name)
                .endMetadata()
                .withStringData(
                    Map.of("AWS_ACCESS_KEY_ID", accessKey, "AWS_SECRET_ACCESS_KEY", secret))
                .build())
        .create();
  }

  /** True when the object exists in the bucket. */
  boolean exists(String key) {
    return files("test -f '/data/" + bucket + "/" + key + "' && echo yes || echo no")
        .strip()
        .equals("yes");
  }

  /** The keys of all objects under a prefix (relative to the bucket), one per line, sorted. */
  String list(String prefix) {
    return files(
        "cd '/data/"
            + bucket
            + "' && if [ -e '"
            + prefix
            + "' ]; then find '"
            + prefix
            + "' -type f | sort; fi");
  }

  private String files(String script) {
    Pod pod =
        client.pods().inNamespace(ns).withLabel("app", NAME).list().getItems().stream()
            .filter(p -> p.getMetadata().getDeletionTimestamp() == null)
            .findFirst()
            .orElseThrow(() -> new AssertionError("no s3 pod in " + ns));
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    try (ExecWatch w =
        client
            .pods()
            .inNamespace(ns)
            .withName(pod.getMetadata().getName())
            .inContainer("files")
            .writingOutput(out)
            .writingError(err)
            .exec("sh", "-c", script)) {
      Integer code = w.exitCode().get(1, TimeUnit.MINUTES);
      if (code == null || code != 0) {
        throw new AssertionError(
            "`"
                + script
                + "` in the s3 pod exited "
                + code
                + ": "
                + err.toString(StandardCharsets.UTF_8));
      }
    } catch (AssertionError e) {
      throw e;
    } catch (Exception e) {
      throw new AssertionError("cannot run `" + script + "` in the s3 pod: " + e, e);
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  private void create() {
    client
        .secrets()
        .inNamespace(ns)
        .resource(
            new SecretBuilder()
                .withNewMetadata()
                .withName(ROOT_SECRET)
                .endMetadata()
                .withStringData(Map.of("access", accessKey, "secret", secretKey))
                .build())
        .create();
    client
        .services()
        .inNamespace(ns)
        .resource(
            new ServiceBuilder()
                .withNewMetadata()
                .withName(NAME)
                .endMetadata()
                .withNewSpec()
                .withSelector(Map.of("app", NAME))
                .addNewPort()
                .withName("s3")
                .withPort(PORT)
                .endPort()
                .endSpec()
                .build())
        .create();
    Deployment d =
        new DeploymentBuilder()
            .withNewMetadata()
            .withName(NAME)
            .endMetadata()
            .withNewSpec()
            .withReplicas(1)
            .withNewSelector()
            .addToMatchLabels("app", NAME)
            .endSelector()
            .withNewTemplate()
            .withNewMetadata()
            .addToLabels("app", NAME)
            .endMetadata()
            .withNewSpec()
            .withNewSecurityContext()
            .withRunAsUser(S3_UID)
            .withRunAsGroup(S3_UID)
            .withFsGroup(S3_UID)
            .withRunAsNonRoot(true)
            .endSecurityContext()
            // The posix backend serves each directory of its root as a bucket.
            .addNewInitContainer()
            .withName("bucket")
            .withImage(MariaDb.IMAGE)
            .withImagePullPolicy(Cluster.PULL_POLICY)
            .withCommand("mkdir", "-p", "/data/" + bucket)
            .withVolumeMounts(
                new VolumeMountBuilder().withName("data").withMountPath("/data").build())
            .endInitContainer()
            .addNewContainer()
            .withName("s3")
            .withImage(IMAGE)
            .withImagePullPolicy(Cluster.PULL_POLICY)
            .withEnv(
                MariaDb.secretEnv("ROOT_ACCESS_KEY", ROOT_SECRET, "access"),
                MariaDb.secretEnv("ROOT_SECRET_KEY", ROOT_SECRET, "secret"))
            .addNewPort()
            .withName("s3")
            .withContainerPort(PORT)
            .endPort()
            .withReadinessProbe(
                new ProbeBuilder()
                    .withNewTcpSocket()
                    .withNewPort(PORT)
                    .endTcpSocket()
                    .withPeriodSeconds(1)
                    .build())
            .withVolumeMounts(
                new VolumeMountBuilder().withName("data").withMountPath("/data").build())
            .endContainer()
            .addNewContainer()
            .withName("files")
            .withImage(MariaDb.IMAGE)
            .withImagePullPolicy(Cluster.PULL_POLICY)
            .withCommand("sleep", "infinity")
            .withVolumeMounts(
                new VolumeMountBuilder()
                    .withName("data")
                    .withMountPath("/data")
                    .withReadOnly(true)
                    .build())
            .endContainer()
            .withTerminationGracePeriodSeconds(5L)
            .addNewVolume()
            .withName("data")
            .withNewEmptyDir()
            .endEmptyDir()
            .endVolume()
            .endSpec()
            .endTemplate()
            .endSpec()
            .build();
    client.apps().deployments().inNamespace(ns).resource(d).create();
    client
        .apps()
        .deployments()
        .inNamespace(ns)
        .withName(NAME)
        .waitUntilCondition(
            x ->
                x != null
                    && x.getStatus() != null
                    && Integer.valueOf(1).equals(x.getStatus().getReadyReplicas()),
            3,
            TimeUnit.MINUTES);
    if (!files("test -d '/data/" + bucket + "' && echo ok || echo missing").strip().equals("ok")) {
      throw new AssertionError(
          "bucket directory /data/" + bucket + " was not created in the s3 pod");
    }
  }
}
