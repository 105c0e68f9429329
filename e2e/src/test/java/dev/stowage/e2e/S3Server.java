package dev.stowage.e2e;

import dev.stowage.api.v1alpha1.CaBundleKind;
import dev.stowage.api.v1alpha1.CaBundleRef;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.ProbeBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.ExecWatch;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * VersityGW (stowage/s3:dev, posix backend) as a Deployment and Service {@code s3} in one
 * namespace, with one bucket. Its posix backend stores object {@code k} of bucket {@code b} as the
 * file {@code /data/b/k}; a {@code files} sidecar (mariadb image: it has a shell) shares that
 * directory so a test can see exactly which objects exist.
 *
 * <p>{@link #startTls} serves https only, with a CA and certificate made by {@code
 * examples/s3-certificate.sh}, and gives the bucket to a non-root user (role "user") with the Job
 * of {@code examples/12-s3-user.yaml}: {@link #credentialsSecret} then holds that user's keys, not
 * root's (issue 15, finding 6).
 */
final class S3Server {

  static final String IMAGE = "stowage/s3:dev";
  static final String NAME = "s3";
  static final int PORT = 7070;
  private static final String ROOT_SECRET = "s3-root";
  private static final String USER_SECRET = "s3-credentials";
  private static final String TLS_SECRET = "s3-tls";
  static final String CA_CONFIG_MAP = "s3-ca";

  /** A bucket of a TLS server that root owns: the bucket user may not read or write it. */
  static final String OTHER_BUCKET = "other";

  private static final String TLS_MOUNT = "/etc/s3-tls";
  private static final long S3_UID = 10001;
  private static final Path REPO = Path.of(System.getProperty("user.dir")).resolve("..");

  private final KubernetesClient client;
  private final String ns;
  private final String bucket;
  private final String accessKey = "e2e" + UUID.randomUUID().toString().substring(0, 8);
  private final String secretKey = "e2e-" + UUID.randomUUID();
  private final String userAccessKey = "e2e-user" + UUID.randomUUID().toString().substring(0, 8);
  private final String userSecretKey = "e2e-user-" + UUID.randomUUID();
  private final boolean tls;
  private String caCertificate;

  private S3Server(KubernetesClient client, String ns, String bucket, boolean tls) {
    this.client = client;
    this.ns = ns;
    this.bucket = bucket;
    this.tls = tls;
  }

  /** Starts the server with an (empty) bucket and waits until its pod is Ready. */
  static S3Server start(KubernetesClient client, String ns, String bucket) {
    S3Server s3 = new S3Server(client, ns, bucket, false);
    s3.create();
    return s3;
  }

  /**
   * Starts the server with https only and an (empty) bucket owned by a non-root user, and waits
   * until that user exists.
   */
  static S3Server startTls(KubernetesClient client, String ns, String bucket) {
    S3Server s3 = new S3Server(client, ns, bucket, true);
    s3.create();
    s3.createBucketUser();
    return s3;
  }

  boolean tls() {
    return tls;
  }

  /**
   * For a TLS server: creates the ConfigMap {@value #CA_CONFIG_MAP} (key {@code ca.crt}, the CA of
   * the server's certificate) in {@code namespace}, and returns the caBundleRef naming it.
   */
  CaBundleRef caBundle(String namespace) {
    if (!tls) {
      throw new IllegalStateException("the S3 server in " + ns + " is plain http");
    }
    client
        .configMaps()
        .inNamespace(namespace)
        .resource(
            new ConfigMapBuilder()
                .withNewMetadata()
                .withName(CA_CONFIG_MAP)
                .endMetadata()
                .withData(Map.of("ca.crt", caCertificate))
                .build())
        .createOr(c -> c.update());
    return caBundleRef();
  }

  /** The caBundleRef of a store for this TLS server: the ConfigMap {@link #caBundle} makes. */
  static CaBundleRef caBundleRef() {
    CaBundleRef ref = new CaBundleRef();
    ref.setKind(CaBundleKind.ConfigMap);
    ref.setName(CA_CONFIG_MAP);
    ref.setKey("ca.crt");
    return ref;
  }

  String bucket() {
    return bucket;
  }

  /** The endpoint as pods in any namespace reach it. */
  String endpoint() {
    return (tls ? "https://" : "http://") + NAME + "." + ns + ".svc.cluster.local:" + PORT;
  }

  /**
   * Creates a Secret with the keys a MysqlBackup's credentialsSecretRef reads by default
   * (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY); {@code rightSecret} false stores a wrong secret
   * key. For a TLS server the keys are the bucket user's, never root's.
   */
  void credentialsSecret(String namespace, String name, boolean rightSecret) {
    String access = tls ? userAccessKey : accessKey;
    String secret =
        rightSecret ? (tls ? userSecretKey : secretKey) : "not-the-secret-" + UUID.randomUUID();
    client
        .secrets()
        .inNamespace(namespace)
        .resource(
            new SecretBuilder()
                .withNewMetadata()
                .withName(name)
                .endMetadata()
                .withStringData(
                    Map.of("AWS_ACCESS_KEY_ID", access, "AWS_SECRET_ACCESS_KEY", secret))
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
                .withStringData(Map.of("ROOT_ACCESS_KEY", accessKey, "ROOT_SECRET_KEY", secretKey))
                .build())
        .create();
    if (tls) {
      createTlsSecret();
    }
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
            .withCommand(
                tls
                    ? List.of("mkdir", "-p", "/data/" + bucket, "/data/" + OTHER_BUCKET)
                    : List.of("mkdir", "-p", "/data/" + bucket))
            .withVolumeMounts(
                new VolumeMountBuilder().withName("data").withMountPath("/data").build())
            .endInitContainer()
            .addNewContainer()
            .withName("s3")
            .withImage(IMAGE)
            .withImagePullPolicy(Cluster.PULL_POLICY)
            .withEnv(
                MariaDb.secretEnv("ROOT_ACCESS_KEY", ROOT_SECRET, "ROOT_ACCESS_KEY"),
                MariaDb.secretEnv("ROOT_SECRET_KEY", ROOT_SECRET, "ROOT_SECRET_KEY"))
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
    if (tls) {
      // https only, users besides root in the internal IAM (an emptyDir: the server lives as
      // long as the test class).
      var spec = d.getSpec().getTemplate().getSpec();
      Container server = spec.getContainers().get(0);
      server.setArgs(
          List.of(
              "--port",
              ":" + PORT,
              "--cert",
              TLS_MOUNT + "/tls.crt",
              "--key",
              TLS_MOUNT + "/tls.key",
              "--iam-dir",
              "/iam",
              "posix",
              "/data"));
      List<io.fabric8.kubernetes.api.model.VolumeMount> mounts =
          new ArrayList<>(server.getVolumeMounts());
      mounts.add(
          new VolumeMountBuilder()
              .withName("tls")
              .withMountPath(TLS_MOUNT)
              .withReadOnly(true)
              .build());
      mounts.add(new VolumeMountBuilder().withName("iam").withMountPath("/iam").build());
      server.setVolumeMounts(mounts);
      spec.getVolumes()
          .add(
              new io.fabric8.kubernetes.api.model.VolumeBuilder()
                  .withName("tls")
                  .withNewSecret()
                  .withSecretName(TLS_SECRET)
                  .withDefaultMode(0440)
                  .endSecret()
                  .build());
      spec.getVolumes()
          .add(
              new io.fabric8.kubernetes.api.model.VolumeBuilder()
                  .withName("iam")
                  .withNewEmptyDir()
                  .endEmptyDir()
                  .build());
    }
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

  /**
   * The CA and server certificate from examples/s3-certificate.sh (openssl) for the Service in this
   * namespace, as the Secret the server mounts and, for the user Job, the ConfigMap.
   */
  private void createTlsSecret() {
    try {
      Path dir = Files.createTempDirectory("stowage-e2e-s3-tls-");
      Process p =
          new ProcessBuilder(
                  "bash", REPO.resolve("examples/s3-certificate.sh").toString(), ns, dir.toString())
              .redirectErrorStream(true)
              .start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(1, TimeUnit.MINUTES) || p.exitValue() != 0) {
        throw new AssertionError("examples/s3-certificate.sh failed: " + out);
      }
      caCertificate = Files.readString(dir.resolve("ca.crt"));
      client
          .secrets()
          .inNamespace(ns)
          .resource(
              new SecretBuilder()
                  .withNewMetadata()
                  .withName(TLS_SECRET)
                  .endMetadata()
                  .withType("kubernetes.io/tls")
                  .withStringData(
                      Map.of(
                          "tls.crt", Files.readString(dir.resolve("tls.crt")),
                          "tls.key", Files.readString(dir.resolve("tls.key"))))
                  .build())
          .create();
      for (String f : List.of("ca.crt", "ca.key", "tls.crt", "tls.key")) {
        Files.deleteIfExists(dir.resolve(f));
      }
      Files.deleteIfExists(dir);
    } catch (java.io.IOException e) {
      throw new AssertionError("cannot make the S3 server's certificate: " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /**
   * The Job of examples/12-s3-user.yaml, for this bucket: the user's keys become a user with role
   * "user" that owns the bucket (VersityGW's admin API, over https, as root).
   */
  private void createBucketUser() {
    client
        .secrets()
        .inNamespace(ns)
        .resource(
            new SecretBuilder()
                .withNewMetadata()
                .withName(USER_SECRET)
                .endMetadata()
                .withStringData(
                    Map.of(
                        "AWS_ACCESS_KEY_ID", userAccessKey, "AWS_SECRET_ACCESS_KEY", userSecretKey))
                .build())
        .create();
    caBundle(ns);
    Job job;
    try {
      job =
          client
              .getKubernetesSerialization()
              .unmarshal(Files.readString(REPO.resolve("examples/12-s3-user.yaml")), Job.class);
    } catch (java.io.IOException e) {
      throw new AssertionError("cannot read examples/12-s3-user.yaml: " + e, e);
    }
    var pod = job.getSpec().getTemplate().getSpec();
    List<Container> all = new ArrayList<>(pod.getInitContainers());
    all.addAll(pod.getContainers());
    for (Container c : all) {
      c.setImagePullPolicy(Cluster.PULL_POLICY);
      c.setArgs(c.getArgs().stream().map(a -> a.equals("backups") ? bucket : a).toList());
    }
    client.batch().v1().jobs().inNamespace(ns).resource(job).create();
    Job done =
        client
            .batch()
            .v1()
            .jobs()
            .inNamespace(ns)
            .withName(job.getMetadata().getName())
            .waitUntilCondition(
                j ->
                    j != null
                        && j.getStatus() != null
                        && (Integer.valueOf(1).equals(j.getStatus().getSucceeded())
                            || Integer.valueOf(1).equals(j.getStatus().getFailed())),
                3,
                TimeUnit.MINUTES);
    if (!Integer.valueOf(1).equals(done.getStatus().getSucceeded())) {
      throw new AssertionError(
          "the S3 user Job (examples/12-s3-user.yaml) failed in " + ns + ": " + done.getStatus());
    }
  }
}
