package dev.stowage.operator.job;

import static dev.stowage.operator.job.EngineJobGoldenTest.CLOCK;
import static dev.stowage.operator.job.EngineJobGoldenTest.FACTORY;
import static dev.stowage.operator.job.EngineJobGoldenTest.backup;
import static dev.stowage.operator.job.EngineJobGoldenTest.restore;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stowage.api.v1alpha1.BackupStorage;
import dev.stowage.api.v1alpha1.MysqlBackup;
import dev.stowage.api.v1alpha1.MysqlBackupStatus;
import dev.stowage.api.v1alpha1.MysqlRestore;
import dev.stowage.api.v1alpha1.S3Storage;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class EngineJobFactoryTest {

  /** Every Job of the golden inputs, each with the storage Secret it refers to. */
  static Stream<Job> allJobs() {
    return Stream.of(
        FACTORY.backupJob(backup("s3-backup-all-options", 0)),
        FACTORY.deleteJob(backup("s3-backup-all-options", 0)),
        FACTORY.backupJob(backup("pvc-backup-subpath", 0)),
        FACTORY.restoreJob(restore("restore-from-backup", 0), backup("restore-from-backup", 1)),
        FACTORY.restoreJob(restore("restore-from-source-template", 0), null),
        FACTORY.deleteJob(backup("rm-delete-policy", 0)),
        FACTORY.backupJob(backup("long-name-backup", 0)));
  }

  static Container engine(Job job) {
    return job.getSpec().getTemplate().getSpec().getContainers().get(0);
  }

  /** Issue 15, finding 2: no key in the environment (every child process sees it) or arguments. */
  @ParameterizedTest
  @MethodSource("allJobs")
  void credentialsNeverReachTheContainerAsEnvironmentOrArguments(Job job) {
    Container c = engine(job);
    for (EnvVar e : c.getEnv() == null ? List.<EnvVar>of() : c.getEnv()) {
      assertThat(e.getValueFrom()).as("%s from a Secret or field", e.getName()).isNull();
      assertThat(e.getName()).isEqualTo(EngineStorage.CREDENTIALS_DIR_ENV);
      assertThat(e.getValue()).isEqualTo(EngineStorage.CREDENTIALS_MOUNT);
    }
    assertThat(String.join(" ", c.getArgs()))
        .doesNotContainIgnoringCase("AWS_")
        .doesNotContain("s3-credentials", "aws-backup-user", "access-key", "secret-key")
        .doesNotContain("session-token");
    assertThat(c.getCommand()).as("the image's entrypoint runs the engine").isNullOrEmpty();
  }

  /** Issue 15, finding 7: every Job of a backup carries its encryption, so each can read it. */
  @Test
  void serverSideEncryptionIsAnEngineOptionOfEveryJob() {
    MysqlBackup b = backup("s3-backup-all-options", 0);
    for (Job job : List.of(FACTORY.backupJob(b), FACTORY.checkJob(b), FACTORY.deleteJob(b))) {
      assertThat(engine(job).getArgs())
          .containsSubsequence("--s3-sse", "aws:kms", "--s3-sse-kms-key-id", "alias/mysql-backups");
    }
  }

  @Test
  void anSseCKeyIsAFileOfTheNamedSecretKeyNeverAnArgument() {
    MysqlBackup b = backup("s3-backup-all-options", 0);
    var sse = new dev.stowage.api.v1alpha1.ServerSideEncryption();
    sse.setMode(dev.stowage.api.v1alpha1.ServerSideEncryptionMode.CustomerKey);
    var key = new dev.stowage.api.v1alpha1.SecretKeyRef();
    key.setName("sse-c");
    key.setKey("customer-key");
    sse.setCustomerKeySecretRef(key);
    b.getSpec().getStorage().getS3().setServerSideEncryption(sse);

    Job job = FACTORY.backupJob(b);

    assertThat(engine(job).getArgs())
        .containsSubsequence("--s3-sse-c-key-file", EngineStorage.SSE_C_MOUNT + "/key")
        .doesNotContain("--s3-sse", "customer-key");
    var volume =
        job.getSpec().getTemplate().getSpec().getVolumes().stream()
            .filter(v -> v.getName().equals("sse-c-key"))
            .findFirst()
            .orElseThrow();
    assertThat(volume.getSecret().getSecretName()).isEqualTo("sse-c");
    assertThat(volume.getSecret().getItems())
        .extracting(k -> k.getKey() + "=" + k.getPath())
        .containsExactly("customer-key=key");
    assertThat(engine(job).getVolumeMounts())
        .anySatisfy(
            m -> {
              assertThat(m.getMountPath()).isEqualTo(EngineStorage.SSE_C_MOUNT);
              assertThat(m.getReadOnly()).isTrue();
            });
  }

  @Test
  void s3CredentialsAreFilesFromTheNamedSecretKeys() {
    Job job = FACTORY.backupJob(backup("s3-backup-all-options", 0));
    var pod = job.getSpec().getTemplate().getSpec();
    var volume =
        pod.getVolumes().stream()
            .filter(v -> v.getName().equals("s3-credentials"))
            .findFirst()
            .orElseThrow();
    assertThat(volume.getSecret().getSecretName()).isEqualTo("s3-credentials");
    assertThat(volume.getSecret().getOptional()).isFalse();
    assertThat(volume.getSecret().getItems())
        .extracting(k -> k.getKey() + "=" + k.getPath())
        .containsExactly(
            "access-key=aws_access_key_id",
            "secret-key=aws_secret_access_key",
            "session-token=aws_session_token");
    assertThat(engine(job).getVolumeMounts())
        .anySatisfy(
            m -> {
              assertThat(m.getName()).isEqualTo("s3-credentials");
              assertThat(m.getMountPath()).isEqualTo(EngineStorage.CREDENTIALS_MOUNT);
              assertThat(m.getReadOnly()).isTrue();
            });
    assertThat(engine(job).getEnv())
        .extracting(EnvVar::getName, EnvVar::getValue)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(
                EngineStorage.CREDENTIALS_DIR_ENV, EngineStorage.CREDENTIALS_MOUNT));
  }

  @ParameterizedTest
  @MethodSource("allJobs")
  void everyJobRunsOnceAsNonRootAndReportsThroughItsTerminationMessage(Job job) {
    PodSpec pod = job.getSpec().getTemplate().getSpec();
    Container c = engine(job);
    assertThat(pod.getRestartPolicy()).isEqualTo("Never");
    assertThat(pod.getSecurityContext().getRunAsUser()).isPositive();
    assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
    assertThat(pod.getSecurityContext().getFsGroup()).isNotNull();
    assertThat(c.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
    assertThat(c.getVolumeMounts()).anyMatch(m -> m.getMountPath().equals("/tmp"));
    assertThat(c.getTerminationMessagePolicy()).isEqualTo("File");
    assertThat(c.getArgs()).containsSequence("--result-file", c.getTerminationMessagePath());
    assertThat(c.getArgs()).as("never copy a live database").doesNotContain("--allow-live");
    assertThat(job.getMetadata().getName()).hasSizeLessThanOrEqualTo(63);
    assertThat(job.getMetadata().getLabels().values()).allMatch(v -> v.length() <= 63);
    if (job.getMetadata().getName().endsWith("-rm")) {
      // Runs while its MysqlBackup is being deleted: owned, a foreground deletion would take it.
      assertThat(job.getMetadata().getOwnerReferences()).isNullOrEmpty();
      return;
    }
    assertThat(job.getMetadata().getOwnerReferences())
        .singleElement()
        .satisfies(
            o -> {
              assertThat(o.getController()).isTrue();
              assertThat(o.getBlockOwnerDeletion()).isTrue();
            });
  }

  /** Every GitOps tracking key: Argo CD (label and annotation tracking), Flux, Helm, kubectl. */
  static final java.util.Map<String, String> TRACKING =
      java.util.Map.of(
          "app.kubernetes.io/instance", "orders",
          "argocd.argoproj.io/instance", "orders",
          "kustomize.toolkit.fluxcd.io/name", "orders",
          "helm.sh/chart", "orders-1.0.0");

  static final java.util.Map<String, String> TRACKING_ANNOTATIONS =
      java.util.Map.of(
          "argocd.argoproj.io/tracking-id", "orders:stowage.dev/MysqlBackup:prod/orders",
          "meta.helm.sh/release-name", "orders",
          "kubectl.kubernetes.io/last-applied-configuration", "{}");

  /**
   * Issue 13: no Job (nor its pods) carries a key Argo CD, Flux or Helm track applied objects by,
   * whatever the resource itself carries; with label tracking, Argo CD would prune a Job labelled
   * app.kubernetes.io/instance with an application's name in the middle of a backup.
   */
  @Test
  void noGitOpsTrackingKeyIsOnAnEngineJobOrItsPods() {
    MysqlBackup b = backup("s3-backup-all-options", 0);
    b.getMetadata().setLabels(new java.util.HashMap<>(TRACKING));
    b.getMetadata().setAnnotations(new java.util.HashMap<>(TRACKING_ANNOTATIONS));
    MysqlRestore r = restore("restore-from-backup", 0);
    r.getMetadata().setLabels(new java.util.HashMap<>(TRACKING));
    r.getMetadata().setAnnotations(new java.util.HashMap<>(TRACKING_ANNOTATIONS));
    for (Job job :
        List.of(
            FACTORY.backupJob(b),
            FACTORY.checkJob(b),
            FACTORY.deleteJob(b),
            FACTORY.restoreJob(r, backup("restore-from-backup", 1)))) {
      for (io.fabric8.kubernetes.api.model.ObjectMeta m :
          List.of(job.getMetadata(), job.getSpec().getTemplate().getMetadata())) {
        java.util.Set<String> keys = new java.util.TreeSet<>();
        if (m.getLabels() != null) {
          keys.addAll(m.getLabels().keySet());
        }
        if (m.getAnnotations() != null) {
          keys.addAll(m.getAnnotations().keySet());
        }
        assertThat(keys)
            .as("labels and annotations of %s", job.getMetadata().getName())
            .noneMatch(dev.stowage.operator.schedule.TemplateMetadata::isTrackingKey);
      }
    }
  }

  @Test
  void theSameResourceAlwaysGivesTheSameJob() {
    assertThat(FACTORY.backupJob(backup("s3-backup-all-options", 0)))
        .isEqualTo(FACTORY.backupJob(backup("s3-backup-all-options", 0)));
    EngineJobFactory later =
        new EngineJobFactory(
            EngineJobConfig.withImage("stowage/engine:dev"),
            java.time.Clock.offset(CLOCK, java.time.Duration.ofDays(3)));
    assertThat(later.backupJob(backup("pvc-backup-subpath", 0)))
        .as("a stored resource is named from its creationTimestamp, not from the clock")
        .isEqualTo(FACTORY.backupJob(backup("pvc-backup-subpath", 0)));
  }

  @Test
  void theLocationComesFromSpecAndMetadataNeverFromStatus() {
    // Issue 15, finding 10: status is not an input; one that names another place is refused.
    MysqlBackup b = backup("pvc-backup-subpath", 0);
    List<String> derived = engine(FACTORY.backupJob(b)).getArgs();
    MysqlBackupStatus status = new MysqlBackupStatus();
    status.setDirectory("moved/elsewhere");
    status.setBackupName("2026-02-28.235959.wiki-db");
    b.setStatus(status);
    assertThat(engine(FACTORY.backupJob(b)).getArgs()).isEqualTo(derived);
    assertThat(derived).doesNotContain("moved/elsewhere", "2026-02-28.235959.wiki-db");
    assertThatThrownBy(() -> FACTORY.deleteJob(b))
        .isInstanceOf(StatusMismatchException.class)
        .hasMessageContaining("status.directory of MysqlBackup")
        .hasMessageContaining("is moved/elsewhere");
  }

  @Test
  void overwriteOnlyWhenTheSpecSaysTrue() {
    MysqlRestore r = restore("restore-from-backup", 0);
    MysqlBackup b = backup("restore-from-backup", 1);
    assertThat(engine(FACTORY.restoreJob(r, b)).getArgs()).contains("--overwrite");
    r.getSpec().setOverwrite(false);
    assertThat(engine(FACTORY.restoreJob(r, b)).getArgs()).doesNotContain("--overwrite");
    r.getSpec().setOverwrite(null);
    assertThat(engine(FACTORY.restoreJob(r, b)).getArgs()).doesNotContain("--overwrite");
  }

  @Test
  void keepServerUuidOnlyWhenTheSpecSaysTrue() {
    MysqlRestore r = restore("restore-from-backup", 0);
    MysqlBackup b = backup("restore-from-backup", 1);
    assertThat(engine(FACTORY.restoreJob(r, b)).getArgs()).doesNotContain("--keep-server-uuid");
    r.getSpec().setKeepServerUuid(true);
    assertThat(engine(FACTORY.restoreJob(r, b)).getArgs()).contains("--keep-server-uuid");
    r.getSpec().setKeepServerUuid(false);
    assertThat(engine(FACTORY.restoreJob(r, b)).getArgs()).doesNotContain("--keep-server-uuid");
  }

  @Test
  void aRestoreJobNeverRetriesAPodByItself() {
    // Issue 17, item 4: a retried pod once wrote with --overwrite under a MariaDB started
    // meanwhile.
    MysqlRestore r = restore("restore-from-backup", 0);
    MysqlBackup b = backup("restore-from-backup", 1);
    r.getSpec().setBackoffLimit(3);
    assertThat(FACTORY.restoreJob(r, b).getSpec().getBackoffLimit()).isZero();
    r.getSpec().setBackoffLimit(null);
    EngineJobFactory retrying =
        new EngineJobFactory(new EngineJobConfig("engine:2", null, 4, 999, 999), CLOCK);
    assertThat(retrying.restoreJob(r, b).getSpec().getBackoffLimit()).isZero();
  }

  @Test
  void aRetriedBackupPodWaitsForTheLockOfThePodThatDiedBeforeIt() {
    // The pod before it may have been killed (OOM, a lost node) holding the name's lock: the
    // retry waits for that lock to go stale (the engine's 2m) and takes the backup over, instead
    // of failing on it; a pod still alive elsewhere keeps the name and the retry says so.
    MysqlBackup b = backup("s3-backup-all-options", 0);
    assertThat(engine(FACTORY.backupJob(b)).getArgs())
        .containsSubsequence("--lock-wait", EngineJobFactory.LOCK_WAIT);
    assertThat(engine(FACTORY.deleteJob(b)).getArgs())
        .containsSubsequence("--lock-wait", EngineJobFactory.LOCK_WAIT);
    assertThat(EngineJobFactory.LOCK_WAIT).isEqualTo("3m");
  }

  @Test
  void aRestoreOfABackupNeedsThatBackup() {
    MysqlRestore r = restore("restore-from-backup", 0);
    assertThatThrownBy(() -> FACTORY.restoreJob(r, null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("restores MysqlBackup orders-nightly but was given none");
    MysqlBackup other = backup("pvc-backup-subpath", 0);
    assertThatThrownBy(() -> FACTORY.restoreJob(r, other))
        .hasMessageContaining("was given wiki-db");
  }

  @Test
  void aResourceThatIsNotStoredCannotOwnAJob() {
    MysqlBackup b = backup("pvc-backup-subpath", 0);
    b.getMetadata().setUid(null);
    assertThatThrownBy(() -> FACTORY.backupJob(b)).hasMessageContaining("has no uid");
  }

  @Test
  void s3UrlRoundTripsThroughTheEnginesDecoding() {
    S3Storage s3 = new S3Storage();
    s3.setBucket("my.bucket");
    s3.setPrefix("/a/b c/");
    s3.setEndpoint("https://user@host:9000/path");
    s3.setRegion("eu-central-1");
    s3.setPathStyle(false);
    BackupStorage storage = new BackupStorage();
    storage.setS3(s3);
    String url = EngineStorage.url(storage);
    assertThat(url).startsWith("s3://my.bucket/a/b c?");
    String query = url.substring(url.indexOf('?') + 1);
    assertThat(query.split("&"))
        .extracting(kv -> URLDecoder.decode(kv, StandardCharsets.UTF_8))
        .containsExactly(
            "endpoint=https://user@host:9000/path", "region=eu-central-1", "pathStyle=false");
    assertThat(URI.create(url.replace(" ", "%20")).getHost()).isEqualTo("my.bucket");
  }

  @Test
  void s3WithoutOptionsIsJustTheBucket() {
    S3Storage s3 = new S3Storage();
    s3.setBucket("plain");
    BackupStorage storage = new BackupStorage();
    storage.setS3(s3);
    assertThat(EngineStorage.url(storage)).isEqualTo("s3://plain");
  }

  @Test
  void twoStorageKindsAreRefused() {
    BackupStorage storage = backup("s3-backup-all-options", 0).getSpec().getStorage();
    storage.setPersistentVolumeClaim(
        backup("pvc-backup-subpath", 0).getSpec().getStorage().getPersistentVolumeClaim());
    assertThatThrownBy(() -> EngineStorage.of(storage, false, "shop", Stores.NONE, true))
        .hasMessageContaining("exactly one storage kind");
  }

  @Test
  void sizesKeepTheEnginesSyntaxOrBecomeBytes() {
    assertThat(EngineJobFactory.engineSize("--chunk-size", new Quantity("64Mi"))).isEqualTo("64Mi");
    assertThat(EngineJobFactory.engineSize("--chunk-size", new Quantity("4194304")))
        .isEqualTo("4194304");
    assertThat(EngineJobFactory.engineSize("--chunk-size", new Quantity("1G")))
        .isEqualTo("1000000000");
    assertThat(EngineJobFactory.engineSize("--chunk-size", new Quantity("1.5Gi")))
        .isEqualTo("1610612736");
    assertThatThrownBy(() -> EngineJobFactory.engineSize("--chunk-size", new Quantity("1.5")))
        .hasMessageContaining("--chunk-size 1.5 is not a whole number of bytes");
  }

  @Test
  void defaultsComeFromTheOperatorsConfiguration() {
    EngineJobFactory f =
        new EngineJobFactory(new EngineJobConfig("engine:2", "Always", 4, 1001, 1002), CLOCK);
    Job job = f.backupJob(backup("pvc-backup-subpath", 0));
    assertThat(job.getSpec().getBackoffLimit()).isEqualTo(4);
    assertThat(engine(job).getImage()).isEqualTo("engine:2");
    assertThat(engine(job).getImagePullPolicy()).isEqualTo("Always");
    var sc = job.getSpec().getTemplate().getSpec().getSecurityContext();
    assertThat(List.of(sc.getRunAsUser(), sc.getRunAsGroup(), sc.getFsGroup()))
        .containsExactly(1001L, 1002L, 1002L);
    assertThatThrownBy(() -> new EngineJobConfig("engine:2", null, 1, 0, 0))
        .hasMessageContaining("non-root");
  }
}
