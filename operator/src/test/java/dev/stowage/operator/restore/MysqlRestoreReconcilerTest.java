package dev.stowage.operator.restore;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stowage.api.v1alpha1.MysqlBackup;
import dev.stowage.api.v1alpha1.MysqlBackupStatus;
import dev.stowage.api.v1alpha1.MysqlRestore;
import dev.stowage.api.v1alpha1.Phase;
import dev.stowage.operator.job.EngineJobConfig;
import dev.stowage.operator.job.EngineJobFactory;
import dev.stowage.operator.metrics.OperatorMetrics;
import dev.stowage.operator.status.Conditions;
import dev.stowage.operator.testing.InMemoryCluster;
import dev.stowage.operator.testing.RecordingEvents;
import dev.stowage.operator.testing.RecordingStatusWriter;
import dev.stowage.operator.testing.TestContext;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class MysqlRestoreReconcilerTest {

  static final Clock CLOCK = Clock.fixed(Instant.parse("2030-01-02T03:04:05Z"), ZoneOffset.UTC);
  static final KubernetesSerialization YAML = new KubernetesSerialization();

  final List<String> log = new ArrayList<>();
  final InMemoryCluster cluster = new InMemoryCluster(log);
  final RecordingEvents events = new RecordingEvents();
  final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  final MysqlRestoreReconciler reconciler =
      new MysqlRestoreReconciler(
          new EngineJobFactory(
              EngineJobConfig.withImage("stowage/engine:dev"),
              CLOCK,
              new dev.stowage.operator.store.ClusterStores(cluster)),
          cluster,
          new RecordingStatusWriter(log),
          events,
          new OperatorMetrics(registry),
          new Conditions(CLOCK));

  static MysqlRestore fromTemplate() {
    return YAML.unmarshal(
        """
        apiVersion: stowage.dev/v1alpha1
        kind: MysqlRestore
        metadata: {name: recover, namespace: prod, uid: uid-r, generation: 1}
        spec:
          backup: {name: nightly}
          target:
            volumeClaimTemplate:
              metadata: {name: data-restored, labels: {team: db}}
              spec:
                accessModes: [ReadWriteOnce]
                resources: {requests: {storage: 1Gi}}
        """,
        MysqlRestore.class);
  }

  static MysqlRestore intoExisting(String claim) {
    return YAML.unmarshal(
        """
        apiVersion: stowage.dev/v1alpha1
        kind: MysqlRestore
        metadata: {name: recover, namespace: prod, uid: uid-r, generation: 1}
        spec:
          source:
            storage: {s3: {bucket: backups, credentialsSecretRef: {name: s3}}}
            directory: prod/data-db-0
            backupName: 2030-01-01.000000.nightly
          target: {persistentVolumeClaim: %s}
        """
            .formatted(claim),
        MysqlRestore.class);
  }

  void backupIn(Phase phase, String message) {
    MysqlBackup b =
        YAML.unmarshal(
            """
            apiVersion: stowage.dev/v1alpha1
            kind: MysqlBackup
            metadata:
              name: nightly
              namespace: prod
              uid: uid-b
              generation: 1
              creationTimestamp: "2030-01-01T00:00:00Z"
            spec:
              source: {persistentVolumeClaim: data-db-0}
              storage: {s3: {bucket: backups, credentialsSecretRef: {name: s3}}}
            """,
            MysqlBackup.class);
    MysqlBackupStatus s = new MysqlBackupStatus();
    s.setPhase(phase);
    s.setMessage(message);
    s.setDirectory("prod/data-db-0");
    s.setBackupName("2030-01-01.000000.nightly");
    b.setStatus(s);
    cluster.backups.put("nightly", b);
  }

  void reconcile(MysqlRestore r) {
    reconciler.reconcile(r, new TestContext<>(r));
  }

  static String condition(MysqlRestore r, String type) {
    return Conditions.find(r.getStatus().getConditions(), type)
        .map(c -> c.getStatus() + " " + c.getReason() + ": " + c.getMessage())
        .orElse("none");
  }

  @Test
  void waitsUntilTheBackupHasSucceeded() {
    MysqlRestore r = fromTemplate();
    reconcile(r);
    assertThat(condition(r, Conditions.BLOCKED))
        .isEqualTo(
            "True WaitingForBackup: MysqlBackup nightly does not exist in prod; waiting for it");

    backupIn(Phase.Running, null);
    reconcile(r);
    assertThat(condition(r, Conditions.BLOCKED))
        .isEqualTo(
            "True WaitingForBackup: waiting for MysqlBackup nightly to succeed (it is Running)");
    assertThat(cluster.jobs).isEmpty();
    assertThat(cluster.claims).isEmpty();
  }

  /**
   * Issue 15, finding 1: refused at once, while the backup it waits for has not even started, and
   * before any claim is created or locked.
   */
  @Test
  void aNodeSelectorOutsideTheAllowlistFailsTheRestoreWithInvalidSpecAtOnce() {
    MysqlRestore r = fromTemplate();
    var pod = new dev.stowage.api.v1alpha1.PodSettings();
    pod.setNodeSelector(java.util.Map.of("kubernetes.io/hostname", "control-plane-1"));
    r.getSpec().setPod(pod);

    reconcile(r);

    assertThat(r.getStatus().getPhase()).isEqualTo(Phase.Failed);
    assertThat(condition(r, Conditions.READY)).startsWith("False InvalidSpec");
    assertThat(r.getStatus().getMessage())
        .isEqualTo(
            "MysqlRestore recover: spec.pod.nodeSelector kubernetes.io/hostname=control-plane-1 is"
                + " not allowed: the operator allows no node selector"
                + " (STOWAGE_ALLOWED_NODE_SELECTORS is empty); remove it, or ask the cluster"
                + " administrator to allow it");
    assertThat(cluster.jobs).isEmpty();
    assertThat(cluster.claims).isEmpty();
    assertThat(cluster.locks).isEmpty();
  }

  @Test
  void aFailedBackupFailsTheRestore() {
    backupIn(Phase.Failed, "S3 refused the secret access key");
    MysqlRestore r = fromTemplate();
    reconcile(r);
    assertThat(r.getStatus().getPhase()).isEqualTo(Phase.Failed);
    assertThat(r.getStatus().getMessage())
        .isEqualTo(
            "MysqlBackup nightly failed, so there is nothing to restore: S3 refused the secret access key");
  }

  @Test
  void createsTheTargetClaimFromItsTemplateThenTheJob() {
    backupIn(Phase.Succeeded, null);
    MysqlRestore r = fromTemplate();

    reconcile(r);

    assertThat(log.get(0))
        .startsWith("status ")
        .contains("\"targetPersistentVolumeClaim\":\"data-restored\"");
    assertThat(log)
        .containsSubsequence(
            "create claim data-restored",
            "lock stowage-claim-data-restored for MysqlRestore/recover",
            "create job recover-restore");
    PersistentVolumeClaim claim = cluster.claims.get("data-restored");
    assertThat(claim.getMetadata().getOwnerReferences()).isNullOrEmpty(); // outlives the restore
    assertThat(claim.getMetadata().getLabels())
        .containsEntry("team", "db")
        .containsEntry("stowage.dev/restored-by", "recover");
    assertThat(r.getStatus().getPhase()).isEqualTo(Phase.Running);
    assertThat(r.getStatus().getBackupName()).isEqualTo("2030-01-01.000000.nightly");
    assertThat(r.getStatus().getDirectory()).isEqualTo("prod/data-db-0");
    assertThat(events.events)
        .contains(
            "Normal ClaimCreated: created PersistentVolumeClaim data-restored from spec.target.volumeClaimTemplate");
  }

  @Test
  void aBackupBeingDeletedIsNotRestored() {
    backupIn(Phase.Succeeded, null);
    cluster.backups.get("nightly").getMetadata().setDeletionTimestamp("2030-01-02T03:04:00Z");
    MysqlRestore r = fromTemplate();
    reconcile(r);
    assertThat(r.getStatus().getPhase()).isEqualTo(Phase.Failed);
    assertThat(r.getStatus().getMessage())
        .startsWith("MysqlBackup nightly is being deleted")
        .contains("directory prod/data-db-0, backupName 2030-01-01.000000.nightly");
    assertThat(cluster.jobs).isEmpty();
  }

  @Test
  void neverWritesUnderARunningDatabase() {
    cluster.claim("data-db-0").pod("db-0", "data-db-0");
    MysqlRestore r = intoExisting("data-db-0");

    reconcile(r);

    assertThat(cluster.jobs).isEmpty();
    assertThat(cluster.locks).isEmpty();
    assertThat(condition(r, Conditions.BLOCKED))
        .startsWith("True ClaimInUse: pod db-0 mounts the target PersistentVolumeClaim data-db-0");
  }

  @Test
  void aMissingTargetClaimWaitsAndIsNotCreated() {
    MysqlRestore r = intoExisting("data-db-0");
    reconcile(r);
    assertThat(cluster.claims).isEmpty();
    assertThat(condition(r, Conditions.BLOCKED)).startsWith("True ClaimNotFound");
  }

  @Test
  void waitsWhileABackupHoldsTheClaim() {
    cluster.claim("data-db-0");
    cluster.locks.put("stowage-claim-data-db-0", "MysqlBackup/nightly@uid-b");
    MysqlRestore r = intoExisting("data-db-0");
    reconcile(r);
    assertThat(cluster.jobs).isEmpty();
    assertThat(condition(r, Conditions.BLOCKED))
        .startsWith("True WaitingForClaim: waiting for MysqlBackup/nightly");
  }

  /** Issue 13: the engine's newest progress line reaches status.progress (column PROGRESS). */
  @Test
  void aRunningRestoreShowsTheEnginesProgress() {
    cluster.claim("data-db-0");
    MysqlRestore r = intoExisting("data-db-0");
    reconcile(r);
    cluster.startJob("recover-restore");
    cluster.runningJobPod(
        "recover-restore",
        dev.stowage.operator.job.EngineProgressLogTest.LINE.replace("backup", "restore"));

    var control = reconciler.reconcile(r, new TestContext<>(r));

    assertThat(r.getStatus().getPhase()).isEqualTo(Phase.Running);
    assertThat(r.getStatus().getProgress().getPercent()).isEqualTo(37);
    assertThat(control.getScheduleDelay()).contains(10_000L);
  }

  @Test
  void successIsProjectedAndTheClaimUnlocked() {
    cluster.claim("data-db-0");
    MysqlRestore r = intoExisting("data-db-0");
    r.getMetadata().setCreationTimestamp("2030-01-02T03:01:00Z");
    reconcile(r);
    cluster.finishJob(
        "recover-restore",
        true,
        0,
        "{\"status\":\"Succeeded\",\"exitCode\":0,\"files\":203,\"chunks\":6,\"bytesRead\":694066,"
            + "\"bytesWritten\":117918442,\"durationSeconds\":1.9,\"engineVersion\":\"0.1.0\"}");

    reconcile(r);
    reconcile(r);

    assertThat(r.getStatus().getPhase()).isEqualTo(Phase.Succeeded);
    assertThat(r.getStatus().getBytesWritten()).isEqualTo(117918442L);
    // Issue 13: for people, beside the exact figures; RTO from creation to completion.
    assertThat(r.getStatus().getSize()).isEqualTo("112.5 MiB");
    assertThat(r.getStatus().getDuration()).isEqualTo("1.9s");
    // Created 2030-01-02T03:01:00Z, restored 2030-01-02T03:05:06Z.
    assertThat(r.getStatus().getTimeToRestore()).isEqualTo("4m6s");
    assertThat(r.getStatus().getFiles()).isEqualTo(203);
    assertThat(r.getStatus().getMessage())
        .isEqualTo(
            "restored 203 files of s3://backups/prod/data-db-0/2030-01-01.000000.nightly into data-db-0");
    assertThat(cluster.locks).isEmpty();
    assertThat(registry.find("stowage.restores").tag("result", "succeeded").counter().count())
        .isEqualTo(1);
  }

  // Issue 16: restores of encrypted backups.

  static MysqlRestore encrypted(MysqlRestore r, String... additionalKeys) {
    var ref = new dev.stowage.api.v1alpha1.SecretKeyRef();
    ref.setName("backup-key");
    ref.setKey("key-2026-12");
    var encryption = new dev.stowage.api.v1alpha1.RestoreEncryption();
    encryption.setKeySecretRef(ref);
    if (additionalKeys.length > 0) {
      encryption.setAdditionalKeys(List.of(additionalKeys));
    }
    r.getSpec().setEncryption(encryption);
    return r;
  }

  static final String WRONG_KEY =
      "{\"command\":\"restore\",\"status\":\"Failed\",\"exitCode\":4,\"error\":\"backup"
          + " 2030-01-01.000000.nightly is encrypted with key id 9101ae927b055b6f, but the key given"
          + " (6d36d3251ff7d11d) is not that key (wrong key): give the key file whose id is"
          + " 9101ae927b055b6f with --encryption-key-file. Nothing was written\","
          + "\"object\":\"s3://backups/prod/data-db-0/2030-01-01.000000.nightly/MANIFEST\"}";

  @Test
  void anEncryptedRestorePassesEveryKeyItNamesInOrder() {
    cluster.claim("data-db-0");
    MysqlRestore r = encrypted(intoExisting("data-db-0"), "key-2026-06", "key-2025-12");

    reconcile(r);

    var job = cluster.jobs.get("recover-restore");
    var pod = job.getSpec().getTemplate().getSpec();
    assertThat(pod.getContainers().get(0).getArgs())
        .containsSubsequence(
            "--encryption-key-file",
            "/stowage/encryption/key-0",
            "--encryption-key-file",
            "/stowage/encryption/key-1",
            "--encryption-key-file",
            "/stowage/encryption/key-2");
    var secret =
        pod.getVolumes().stream()
            .filter(
                v -> v.getSecret() != null && "backup-key".equals(v.getSecret().getSecretName()))
            .findFirst()
            .orElseThrow()
            .getSecret();
    assertThat(secret.getDefaultMode()).isEqualTo(0400);
    assertThat(secret.getItems())
        .extracting(i -> i.getKey() + "->" + i.getPath())
        .containsExactly("key-2026-12->key-0", "key-2026-06->key-1", "key-2025-12->key-2");
    assertThat(pod.getContainers().get(0).getVolumeMounts())
        .anyMatch(m -> m.getMountPath().equals("/stowage/encryption") && m.getReadOnly());
    assertThat(r.getStatus().getEncryption().getKeys())
        .containsExactly("key-2026-12", "key-2026-06", "key-2025-12");

    cluster.finishJob(
        "recover-restore",
        true,
        0,
        "{\"status\":\"Succeeded\",\"files\":3,\"bytesWritten\":10,"
            + "\"encryptionKeyId\":\"9101ae927b055b6f\"}");
    reconcile(r);

    assertThat(r.getStatus().getPhase()).isEqualTo(Phase.Succeeded);
    assertThat(r.getStatus().getEncryption().getKeyId()).isEqualTo("9101ae927b055b6f");
  }

  static MysqlRestore withAPassphrase(MysqlRestore r, String... additionalKeys) {
    var ref = new dev.stowage.api.v1alpha1.SecretKeyRef();
    ref.setName("backup-pass");
    ref.setKey("passphrase");
    var encryption = new dev.stowage.api.v1alpha1.RestoreEncryption();
    encryption.setPassphraseSecretRef(ref);
    if (additionalKeys.length > 0) {
      encryption.setAdditionalKeys(List.of(additionalKeys));
    }
    r.getSpec().setEncryption(encryption);
    return r;
  }

  static final String WRONG_PASSPHRASE =
      "{\"command\":\"restore\",\"status\":\"Failed\",\"exitCode\":4,\"error\":\"backup"
          + " 2030-01-01.000000.nightly is encrypted with key id 9101ae927b055b6f, a key stretched"
          + " from a passphrase, but the passphrase given (/stowage/encryption/passphrase-0) does"
          + " not yield that key (wrong passphrase, or the MANIFEST's Salt or Iterations were"
          + " altered): give the passphrase the backup was written with, with"
          + " --encryption-passphrase-file. Nothing was written\","
          + "\"object\":\"s3://backups/prod/data-db-0/2030-01-01.000000.nightly/MANIFEST\"}";

  @Test
  void aRestoreWithAPassphrasePassesItAndTheEarlierRawKeys() {
    cluster.claim("data-db-0");
    MysqlRestore r = withAPassphrase(intoExisting("data-db-0"), "key-2026-06");

    reconcile(r);

    var pod = cluster.jobs.get("recover-restore").getSpec().getTemplate().getSpec();
    assertThat(pod.getContainers().get(0).getArgs())
        .containsSubsequence(
            "--encryption-passphrase-file",
            "/stowage/encryption/passphrase-0",
            "--encryption-key-file",
            "/stowage/encryption/key-0");
    var secret =
        pod.getVolumes().stream()
            .filter(
                v -> v.getSecret() != null && "backup-pass".equals(v.getSecret().getSecretName()))
            .findFirst()
            .orElseThrow()
            .getSecret();
    assertThat(secret.getDefaultMode()).isEqualTo(0400);
    assertThat(secret.getOptional()).isFalse();
    assertThat(secret.getItems())
        .extracting(i -> i.getKey() + "->" + i.getPath())
        .containsExactly("key-2026-06->key-0", "passphrase->passphrase-0");
    assertThat(r.getStatus().getEncryption().getForm()).isEqualTo("Passphrase");
    assertThat(r.getStatus().getEncryption().getKeys())
        .containsExactly("passphrase", "key-2026-06");

    // The backup was one written with the earlier raw key: the engine says which form it used.
    cluster.finishJob(
        "recover-restore",
        true,
        0,
        "{\"status\":\"Succeeded\",\"files\":3,\"bytesWritten\":10,"
            + "\"encryptionKeyId\":\"9101ae927b055b6f\",\"encryptionKeyForm\":\"Key\"}");
    reconcile(r);

    assertThat(r.getStatus().getPhase()).isEqualTo(Phase.Succeeded);
    assertThat(r.getStatus().getEncryption().getKeyId()).isEqualTo("9101ae927b055b6f");
    assertThat(r.getStatus().getEncryption().getForm()).isEqualTo("Key");
  }

  @Test
  void aRestoreWithTheWrongPassphraseFailsInTheResourcesTerms() {
    cluster.claim("data-db-0");
    MysqlRestore r = withAPassphrase(intoExisting("data-db-0"));
    reconcile(r);
    cluster.finishJob("recover-restore", false, 4, WRONG_PASSPHRASE);

    reconcile(r);

    assertThat(r.getStatus().getPhase()).isEqualTo(Phase.Failed);
    assertThat(r.getStatus().getMessage())
        .contains("(wrong passphrase")
        .contains("key passphrase of Secret backup-pass")
        .contains("in spec.encryption.passphraseSecretRef")
        .contains("PersistentVolumeClaim data-db-0 is untouched")
        .doesNotContain("--encryption")
        .doesNotContain("/stowage/encryption");
    assertThat(state("data-db-0")).isNull();
  }

  @Test
  void aRestoreWithTheWrongKeyFailsInTheResourcesTermsAndLeavesTheTargetUntouched() {
    cluster.claim("data-db-0");
    MysqlRestore r = encrypted(intoExisting("data-db-0"));
    reconcile(r);
    cluster.finishJob("recover-restore", false, 4, WRONG_KEY);

    reconcile(r);

    assertThat(r.getStatus().getPhase()).isEqualTo(Phase.Failed);
    assertThat(r.getStatus().getMessage())
        .contains("is encrypted with key id 9101ae927b055b6f")
        .contains("(wrong key)")
        .contains("spec.encryption.keySecretRef")
        .contains("[exit code 4]")
        .contains("PersistentVolumeClaim data-db-0 is untouched")
        .doesNotContain("--encryption-key-file");
    assertThat(state("data-db-0")).isNull();
  }

  @Test
  void anEncryptedBackupRestoredWithoutAKeyFailsInTheResourcesTerms() {
    cluster.claim("data-db-0");
    MysqlRestore r = intoExisting("data-db-0");
    reconcile(r);
    cluster.finishJob(
        "recover-restore",
        false,
        4,
        "{\"status\":\"Failed\",\"exitCode\":4,\"error\":\"backup b is encrypted (AES-256-GCM)"
            + " with key id 9101ae927b055b6f: give that key with --encryption-key-file PATH."
            + " Nothing was written\",\"object\":\"s3://backups/b/MANIFEST\"}");

    reconcile(r);

    assertThat(r.getStatus().getMessage())
        .contains("give that key in spec.encryption.keySecretRef")
        .contains("PersistentVolumeClaim data-db-0 is untouched")
        .doesNotContain("--encryption-key-file");
  }

  /** An object that fails authentication comes after writes: never called untouched. */
  @Test
  void anObjectThatFailsAuthenticationMidRestoreLeavesTheTargetMarkedFailed() {
    cluster.claim("data-db-0");
    MysqlRestore r = encrypted(intoExisting("data-db-0"));
    reconcile(r);
    cluster.finishJob(
        "recover-restore",
        false,
        4,
        "{\"status\":\"Failed\",\"exitCode\":4,\"error\":\"object 3-1 (file Nothing was written)"
            + " does not authenticate: segment 2 (AES-256-GCM tag)\","
            + "\"object\":\"s3://backups/b/3-1\"}");

    reconcile(r);

    assertThat(r.getStatus().getPhase()).isEqualTo(Phase.Failed);
    assertThat(r.getStatus().getMessage()).doesNotContain("untouched");
    assertThat(state("data-db-0")).isEqualTo("failed");
  }

  @Test
  void aRestoreOfAnEncryptedMysqlBackupWithoutAKeyIsRefusedBeforeTheClaimIsTaken() {
    backupIn(Phase.Succeeded, null);
    var ref = new dev.stowage.api.v1alpha1.SecretKeyRef();
    ref.setName("backup-key");
    ref.setKey("key-2026-12");
    var encryption = new dev.stowage.api.v1alpha1.BackupEncryption();
    encryption.setKeySecretRef(ref);
    cluster.backups.get("nightly").getSpec().setEncryption(encryption);
    MysqlRestore r = fromTemplate();

    reconcile(r);

    assertThat(r.getStatus().getPhase()).isEqualTo(Phase.Failed);
    assertThat(r.getStatus().getMessage())
        .contains(
            "MysqlBackup nightly (spec.backup) is encrypted with key key-2026-12 of Secret"
                + " backup-key")
        .contains("set spec.encryption.keySecretRef");
    assertThat(cluster.jobs).isEmpty();
    assertThat(cluster.claims).isEmpty();
    assertThat(cluster.locks).isEmpty();
  }

  @Test
  void aRestoreOfAMysqlBackupEncryptedWithAPassphraseWithoutItSaysWhichPassphrase() {
    backupIn(Phase.Succeeded, null);
    var ref = new dev.stowage.api.v1alpha1.SecretKeyRef();
    ref.setName("backup-pass");
    ref.setKey("passphrase");
    var encryption = new dev.stowage.api.v1alpha1.BackupEncryption();
    encryption.setPassphraseSecretRef(ref);
    cluster.backups.get("nightly").getSpec().setEncryption(encryption);
    MysqlRestore r = fromTemplate();

    reconcile(r);

    assertThat(r.getStatus().getPhase()).isEqualTo(Phase.Failed);
    assertThat(r.getStatus().getMessage())
        .contains(
            "MysqlBackup nightly (spec.backup) is encrypted with the passphrase in key passphrase"
                + " of Secret backup-pass (its spec.encryption.passphraseSecretRef)")
        .contains("set spec.encryption.passphraseSecretRef");
    assertThat(cluster.jobs).isEmpty();
    assertThat(cluster.claims).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "MountVolume.SetUp failed for volume \"encryption-key\" : secret \"backup-key\" not found",
        "MountVolume.SetUp failed for volume \"encryption-key\" : references non-existent secret"
            + " key: key-2026-06"
      })
  void aMissingKeySecretOrKeyFailsTheRestoreWithTheTargetUntouched(String event) {
    cluster.claim("data-db-0");
    MysqlRestore r = encrypted(intoExisting("data-db-0"), "key-2026-06");
    reconcile(r);
    var pod =
        cluster.waitingJobPod(
            "recover-restore", "ContainerCreating", null, InMemoryCluster.CREATED);
    cluster.mountFailures.put(pod.getMetadata().getName(), List.of(event));

    reconcile(r);

    assertThat(r.getStatus().getPhase()).isEqualTo(Phase.Failed);
    assertThat(r.getStatus().getMessage())
        .contains(event)
        .contains("check spec.encryption.keySecretRef")
        .contains("PersistentVolumeClaim data-db-0 is untouched");
    assertThat(cluster.jobs).isEmpty();
    assertThat(cluster.locks).isEmpty();
  }

  @Test
  void aFailedRestoreSaysWhatTheEngineSaid() {
    cluster.claim("data-db-0");
    MysqlRestore r = intoExisting("data-db-0");
    reconcile(r);
    cluster.finishJob(
        "recover-restore",
        false,
        2,
        "{\"status\":\"Failed\",\"exitCode\":2,\"error\":\"the target /stowage/data is not empty;"
            + " set overwrite\"}");

    reconcile(r);

    assertThat(r.getStatus().getPhase()).isEqualTo(Phase.Failed);
    // Issue 17, item 7: in the resource's terms, not the engine container's paths.
    String said =
        "the target PersistentVolumeClaim data-db-0 is not empty; set overwrite [exit code 2];"
            + " the engine refused before writing, so PersistentVolumeClaim data-db-0 is untouched";
    assertThat(r.getStatus().getMessage()).isEqualTo(said);
    assertThat(events.events).contains("Warning Failed: " + said);
  }

  // Issue 17, item 1: a restore whose engine pod cannot start fails and says what the volume holds.

  MysqlRestoreReconciler reconcilerAt(java.time.Duration later) {
    return new MysqlRestoreReconciler(
        new EngineJobFactory(EngineJobConfig.withImage("stowage/engine:dev"), CLOCK),
        cluster,
        new RecordingStatusWriter(log),
        events,
        new OperatorMetrics(registry),
        new Conditions(Clock.offset(CLOCK, later)));
  }

  /** Issue 15, finding 2: another namespace's directory of a shared store is out of reach. */
  @Test
  void aRestoreFromAnotherNamespacesDirectoryOfAStoreIsRefusedBeforeTheClaimIsTaken() {
    cluster.clusterStore("shared", "tenants", "*");
    cluster.claim("data-db-0");
    MysqlRestore r = intoExisting("data-db-0");
    var storage = new dev.stowage.api.v1alpha1.BackupStorage();
    storage.setStoreRef(new dev.stowage.api.v1alpha1.StoreRef(null, "shared"));
    r.getSpec().getSource().setStorage(storage);
    r.getSpec().getSource().setDirectory("billing/data-db-0");

    reconcile(r);

    assertThat(r.getStatus().getPhase()).isEqualTo(Phase.Failed);
    assertThat(r.getStatus().getMessage())
        .contains("spec.source.directory is billing/data-db-0")
        .contains("must start with prod/");
    assertThat(cluster.jobs).isEmpty();
    assertThat(cluster.locks).isEmpty();
  }

  @Test
  void aRestorePodThatCannotStartFailsAndSaysTheTargetIsUntouched() {
    cluster.claim("data-db-0");
    MysqlRestore r = intoExisting("data-db-0");
    reconcile(r);
    cluster.waitingJobPod(
        "recover-restore",
        "CreateContainerConfigError",
        "secret \"s3\" not found",
        InMemoryCluster.CREATED);

    reconcile(r);

    assertThat(r.getStatus().getPhase()).isEqualTo(Phase.Failed);
    assertThat(r.getStatus().getMessage())
        .contains("the engine pod could not start")
        .contains("secret \"s3\" not found")
        .contains("PersistentVolumeClaim data-db-0 is untouched");
    assertThat(condition(r, Conditions.READY)).startsWith("False EnginePodCannotStart");
    assertThat(cluster.jobs).isEmpty();
    assertThat(cluster.locks).isEmpty();
    assertThat(log)
        .containsSubsequence("delete job recover-restore", "unlock stowage-claim-data-db-0");
  }

  @Test
  void aRestorePodPendingPastTheStartDeadlineFails() {
    cluster.claim("data-db-0");
    MysqlRestore r = intoExisting("data-db-0");
    reconcile(r);
    cluster.unschedulableJobPod(
        "recover-restore", "0/1 nodes are available", InMemoryCluster.CREATED);

    reconcile(r);

    assertThat(r.getStatus().getPhase()).isEqualTo(Phase.Failed);
    assertThat(r.getStatus().getMessage()).contains("cannot be scheduled");
    assertThat(cluster.jobs).isEmpty();
  }

  @Test
  void aRestoreWhoseEngineRanBeforeSaysTheTargetMayBeHalfWritten() {
    cluster.claim("data-db-0");
    MysqlRestore r = intoExisting("data-db-0");
    reconcile(r);
    // The first pod ran and failed; its replacement cannot start.
    cluster.putJobPods(
        "recover-restore",
        List.of(
            new io.fabric8.kubernetes.api.model.PodBuilder()
                .withNewMetadata()
                .withName("recover-restore-1")
                .withCreationTimestamp(InMemoryCluster.CREATED)
                .endMetadata()
                .withNewStatus()
                .withPhase("Failed")
                .addNewContainerStatus()
                .withName("engine")
                .withNewState()
                .withNewTerminated()
                .withExitCode(1)
                .endTerminated()
                .endState()
                .endContainerStatus()
                .endStatus()
                .build()));
    cluster.waitingJobPod("recover-restore", "ContainerCreating", null, InMemoryCluster.CREATED);

    reconcilerAt(java.time.Duration.ofMinutes(3)).reconcile(r, new TestContext<>(r));

    assertThat(r.getStatus().getPhase()).isEqualTo(Phase.Failed);
    assertThat(r.getStatus().getMessage())
        .contains("has not started within 2 minutes")
        .contains("may hold a partial restore");
  }

  // Issue 17, item 5: no deferred overwrites, no adopted claims.

  @Test
  void anOverwriteThatCannotStartWithinItsDeadlineFails() {
    cluster.claim("data-db-0").pod("db-0", "data-db-0");
    MysqlRestore r = intoExisting("data-db-0");
    r.getSpec().setOverwrite(true);
    r.getMetadata().setCreationTimestamp("2030-01-02T02:59:05Z"); // 5 minutes before the clock

    reconcile(r);
    assertThat(r.getStatus().getPhase()).isEqualTo(Phase.Pending);
    assertThat(condition(r, Conditions.BLOCKED)).startsWith("True ClaimInUse");

    r.getMetadata().setCreationTimestamp("2030-01-02T02:54:04Z"); // 10 minutes and 1 second
    reconcile(r);

    assertThat(r.getStatus().getPhase()).isEqualTo(Phase.Failed);
    assertThat(r.getStatus().getMessage())
        .contains("spec.overwrite: true")
        .contains("could not start within 10 minutes")
        .contains("pod db-0 mounts");
    assertThat(cluster.jobs).isEmpty();
    assertThat(cluster.locks).isEmpty();

    // Freed later: the failed restore never fires.
    cluster.pods.clear();
    reconcile(r);
    assertThat(cluster.jobs).isEmpty();
  }

  @Test
  void aRestoreWithoutOverwriteMayWaitLonger() {
    cluster.claim("data-db-0").pod("db-0", "data-db-0");
    MysqlRestore r = intoExisting("data-db-0");
    r.getMetadata().setCreationTimestamp("2030-01-01T00:00:00Z");

    reconcile(r);

    assertThat(r.getStatus().getPhase()).isEqualTo(Phase.Pending);
  }

  @Test
  void aTemplateNeverAdoptsAnExistingClaim() {
    backupIn(Phase.Succeeded, null);
    cluster.claim("data-restored");
    MysqlRestore r = fromTemplate();

    reconcile(r);

    assertThat(r.getStatus().getPhase()).isEqualTo(Phase.Failed);
    assertThat(r.getStatus().getMessage())
        .contains("PersistentVolumeClaim data-restored already exists")
        .contains("spec.target.volumeClaimTemplate never takes over an existing claim")
        .contains("spec.target.persistentVolumeClaim");
    assertThat(cluster.jobs).isEmpty();
    assertThat(cluster.locks).isEmpty();
    assertThat(log).noneMatch(l -> l.startsWith("create claim"));
  }

  /**
   * Issue 15, finding 5: a template stored before the CRD's rules (or written around them) that
   * would bind, fill or provision the claim in another way is refused; no claim is created.
   */
  @ParameterizedTest
  @ValueSource(
      strings = {
        "spec.volumeName",
        "spec.dataSource",
        "spec.dataSourceRef",
        "spec.selector",
        "spec.volumeMode",
        "spec.volumeAttributesClassName",
        "spec.resources.limits",
        "spec.resources.requests.cpu",
        "metadata.annotations"
      })
  void aTemplateFieldBeyondModesClassSizeAndLabelsIsRefusedAndNoClaimIsMade(String field) {
    backupIn(Phase.Succeeded, null);
    MysqlRestore r = fromTemplate();
    var template = r.getSpec().getTarget().getVolumeClaimTemplate();
    var spec = template.getSpec();
    switch (field) {
      case "spec.volumeName" -> spec.setVolumeName("pv-of-another-tenant");
      case "spec.dataSource" ->
          spec.setDataSource(
              new io.fabric8.kubernetes.api.model.TypedLocalObjectReferenceBuilder()
                  .withKind("PersistentVolumeClaim")
                  .withName("other")
                  .build());
      case "spec.dataSourceRef" ->
          spec.setDataSourceRef(
              new io.fabric8.kubernetes.api.model.TypedObjectReferenceBuilder()
                  .withApiGroup("snapshot.storage.k8s.io")
                  .withKind("VolumeSnapshot")
                  .withName("s")
                  .build());
      case "spec.selector" ->
          spec.setSelector(
              new io.fabric8.kubernetes.api.model.LabelSelectorBuilder()
                  .addToMatchLabels("tenant", "other")
                  .build());
      case "spec.volumeMode" -> spec.setVolumeMode("Block");
      case "spec.volumeAttributesClassName" -> spec.setVolumeAttributesClassName("gold");
      case "spec.resources.limits" ->
          spec.getResources().setLimits(Map.of("storage", new Quantity("1Gi")));
      case "spec.resources.requests.cpu" ->
          spec.getResources()
              .setRequests(Map.of("storage", new Quantity("1Gi"), "cpu", new Quantity("1")));
      case "metadata.annotations" ->
          template.getMetadata().setAnnotations(Map.of("volume.kubernetes.io/selected-node", "n"));
      default -> throw new IllegalArgumentException(field);
    }

    reconcile(r);

    assertThat(r.getStatus().getPhase()).isEqualTo(Phase.Failed);
    assertThat(condition(r, Conditions.READY))
        .startsWith("False InvalidSpec: spec.target.volumeClaimTemplate.")
        .contains(field.startsWith("spec.resources") ? "spec.resources" : field);
    assertThat(cluster.claims).isEmpty();
    assertThat(cluster.jobs).isEmpty();
    assertThat(cluster.locks).isEmpty();
  }

  /** Issue 15, finding 5: the claim gets modes, class, size and labels, and nothing else. */
  @Test
  void theClaimFromATemplateHasOnlyAccessModesStorageClassSizeAndLabels() {
    backupIn(Phase.Succeeded, null);
    MysqlRestore r = fromTemplate();
    r.getSpec().getTarget().getVolumeClaimTemplate().getSpec().setStorageClassName("fast");

    reconcile(r);

    PersistentVolumeClaim claim = cluster.claims.get("data-restored");
    assertThat(YAML.asJson(claim.getSpec()))
        .isEqualTo(
            "{\"accessModes\":[\"ReadWriteOnce\"],\"resources\":{\"requests\":{\"storage\":\"1Gi\"}},"
                + "\"storageClassName\":\"fast\"}");
    // Only the operator's own bookkeeping.
    assertThat(claim.getMetadata().getAnnotations().keySet())
        .contains(MysqlRestoreReconciler.ANNOTATION_RESTORE_UID)
        .allMatch(k -> k.startsWith("stowage.dev/"));
  }

  /**
   * Issue 13: a template written by a Helm chart or under Argo CD often carries their tracking
   * labels; on the restored claim they would make Argo CD prune it (or Helm adopt it) as if it were
   * in Git. They are left out, with a Warning that names them.
   */
  @Test
  void aTemplatesGitOpsTrackingLabelsAreNotCopiedOntoTheRestoredClaim() {
    backupIn(Phase.Succeeded, null);
    MysqlRestore r = fromTemplate();
    r.getSpec()
        .getTarget()
        .getVolumeClaimTemplate()
        .getMetadata()
        .setLabels(
            Map.of(
                "team", "db",
                "app.kubernetes.io/instance", "shop",
                "argocd.argoproj.io/instance", "shop",
                "helm.sh/chart", "shop-1.2.3",
                "kustomize.toolkit.fluxcd.io/name", "shop"));

    reconcile(r);

    PersistentVolumeClaim claim = cluster.claims.get("data-restored");
    assertThat(claim.getMetadata().getLabels())
        .containsEntry("team", "db")
        .doesNotContainKeys(
            "app.kubernetes.io/instance",
            "argocd.argoproj.io/instance",
            "helm.sh/chart",
            "kustomize.toolkit.fluxcd.io/name");
    assertThat(events.events)
        .anySatisfy(
            e ->
                assertThat(e)
                    .startsWith("Warning TemplateMetadataStripped")
                    .contains("app.kubernetes.io/instance, argocd.argoproj.io/instance"));
  }

  /** Issue 15, finding 12: a Lease Stowage did not make on the target blocks, naming it. */
  @Test
  void aLeaseStowageDidNotMakeOnTheTargetBlocksTheRestoreNamingIt() {
    cluster.claim("data-db-0");
    cluster.foreignLeases.put("stowage-claim-data-db-0", "it has no owner");
    MysqlRestore r = intoExisting("data-db-0");

    reconcile(r);

    assertThat(condition(r, Conditions.BLOCKED))
        .startsWith(
            "True ForeignLease: Lease stowage-claim-data-db-0 in prod was not made by Stowage")
        .contains("so PersistentVolumeClaim data-db-0 cannot be locked")
        .endsWith("kubectl delete lease -n prod stowage-claim-data-db-0");
    assertThat(cluster.jobs).isEmpty();

    cluster.foreignLeases.clear();
    reconcile(r);
    assertThat(cluster.jobs).containsKey("recover-restore");
  }

  /** Issue 15, finding 11: a pre-created Job of the restore's Job name is never adopted. */
  @Test
  void aPreCreatedJobOfTheRestoresJobNameIsNeverAdoptedNorRead() {
    cluster.claim("data-db-0");
    cluster.jobs.put(
        "recover-restore",
        new io.fabric8.kubernetes.api.model.batch.v1.JobBuilder()
            .withNewMetadata()
            .withName("recover-restore")
            .withNamespace(InMemoryCluster.NS)
            .withUid("uid-forged")
            .endMetadata()
            .withNewSpec()
            .endSpec()
            .build());
    cluster.finishJob(
        "recover-restore", true, 0, "{\"status\":\"Succeeded\",\"exitCode\":0,\"files\":3}");
    MysqlRestore r = intoExisting("data-db-0");

    reconcile(r);

    assertThat(r.getStatus().getPhase()).isEqualTo(Phase.Pending);
    assertThat(condition(r, Conditions.BLOCKED))
        .startsWith("True ForeignJob: Job recover-restore in prod has the name of this")
        .contains("kubectl delete job -n prod recover-restore");
    assertThat(cluster.locks).isEmpty();
    assertThat(log).noneMatch(l -> l.startsWith("create job"));
  }

  /**
   * Issue 15, finding 10: the referenced backup's status is not an input: one that names another
   * directory than its spec gives (another tenant's backups, say) is refused, nothing is restored.
   */
  @Test
  void aReferencedBackupWhoseStatusPointsElsewhereIsNotRestored() {
    backupIn(Phase.Succeeded, null);
    cluster.backups.get("nightly").getStatus().setDirectory("other-tenant/data-db-0");
    cluster.claim("data-db-0");
    MysqlRestore r = fromTemplate();

    reconcile(r);

    assertThat(r.getStatus().getPhase()).isEqualTo(Phase.Failed);
    assertThat(r.getStatus().getMessage())
        .contains("status.directory of MysqlBackup nightly is other-tenant/data-db-0")
        .contains("its spec and metadata give prod/data-db-0");
    assertThat(cluster.jobs).isEmpty();
  }

  @Test
  void aClaimTheRestoreCreatedItselfIsStillItsOwnLater() {
    backupIn(Phase.Succeeded, null);
    cluster.locks.put("stowage-claim-data-restored", "MysqlBackup/other@uid-o");
    MysqlRestore r = fromTemplate();
    reconcile(r);
    assertThat(cluster.claims).containsKey("data-restored");
    assertThat(condition(r, Conditions.BLOCKED)).startsWith("True WaitingForClaim");

    cluster.locks.clear();
    reconcile(r);

    assertThat(cluster.jobs).containsKey("recover-restore");
  }

  // Issue 17, item 6: a half-restored claim says so until the restore succeeded.

  String state(String claim) {
    var labels = cluster.claims.get(claim).getMetadata().getLabels();
    return labels == null ? null : labels.get(MysqlRestoreReconciler.LABEL_RESTORE_STATE);
  }

  @Test
  void theTargetIsMarkedInProgressBeforeTheJobAndCompleteAfterIt() {
    cluster.claim("data-db-0");
    MysqlRestore r = intoExisting("data-db-0");

    reconcile(r);

    assertThat(state("data-db-0")).isEqualTo("in-progress");
    assertThat(log)
        .containsSubsequence(
            "label claim data-db-0 stowage.dev/restore-state=in-progress",
            "create job recover-restore");
    cluster.finishJob("recover-restore", true, 0, "{\"status\":\"Succeeded\",\"exitCode\":0}");
    reconcile(r);

    assertThat(r.getStatus().getPhase()).isEqualTo(Phase.Succeeded);
    assertThat(state("data-db-0")).isEqualTo("complete");
  }

  @Test
  void aFailedRestoreLeavesTheTargetMarkedFailedAndSaysSo() {
    cluster.claim("data-db-0");
    MysqlRestore r = intoExisting("data-db-0");
    reconcile(r);
    cluster.finishJob(
        "recover-restore",
        false,
        3,
        "{\"status\":\"Failed\",\"exitCode\":3,\"error\":\"S3 read of chunk ibdata1-3"
            + " failed\"}");

    reconcile(r);

    assertThat(state("data-db-0")).isEqualTo("failed");
    assertThat(r.getStatus().getMessage())
        .contains("S3 read of chunk ibdata1-3 failed")
        .contains("PersistentVolumeClaim data-db-0 holds a partial restore")
        .contains("stowage.dev/restore-state=failed");
    assertThat(events.events)
        .anyMatch(e -> e.startsWith("Warning ClaimIncomplete: PersistentVolumeClaim data-db-0"));
  }

  @Test
  void aRestoreRefusedBeforeWritingGivesTheClaimItsFormerState() {
    cluster.claim("data-db-0");
    MysqlRestore r = intoExisting("data-db-0");
    reconcile(r);
    cluster.finishJob(
        "recover-restore",
        false,
        5,
        "{\"status\":\"Failed\",\"exitCode\":5,\"error\":\"the target is not empty\"}");

    reconcile(r);

    assertThat(state("data-db-0")).isNull();
    assertThat(r.getStatus().getMessage()).contains("untouched");
  }

  /**
   * A first pod of the Job wrote part of the data and was evicted or killed; the next pod is
   * refused because the target now holds the restore marker. That refusal wrote nothing, but the
   * claim is not untouched: the engine says the marker was there before it started.
   */
  @Test
  void aRefusalOfATargetAnEarlierRunHadStartedWritingIsNeverCalledUntouched() {
    cluster.claim("data-db-0");
    MysqlRestore r = intoExisting("data-db-0");
    reconcile(r);
    cluster.finishJob(
        "recover-restore",
        false,
        5,
        "{\"status\":\"Failed\",\"exitCode\":5,\"error\":\"the target is not empty: it holds"
            + " .stowage-restore-in-progress\",\"targetHeldMarker\":true}");

    reconcile(r);

    assertThat(state("data-db-0")).isEqualTo("failed");
    assertThat(r.getStatus().getMessage())
        .doesNotContain("untouched")
        .contains("PersistentVolumeClaim data-db-0 holds a partial restore");
  }

  @Test
  void aJobDeletedMidwayLeavesTheTargetMarkedFailed() {
    cluster.claim("data-db-0");
    MysqlRestore r = intoExisting("data-db-0");
    reconcile(r);
    cluster.jobs.clear();

    reconcile(r);

    assertThat(r.getStatus().getPhase()).isEqualTo(Phase.Failed);
    assertThat(state("data-db-0")).isEqualTo("failed");
  }

  // Issue 17, item 7: a restore of latest says which backup it was.

  @Test
  void aRestoreOfLatestRecordsTheResolvedBackupName() {
    cluster.claim("data-db-0");
    MysqlRestore r = intoExisting("data-db-0");
    r.getSpec().getSource().setBackupName("latest");
    reconcile(r);
    assertThat(r.getStatus().getBackupName()).isEqualTo("latest");
    cluster.finishJob(
        "recover-restore",
        true,
        0,
        "{\"status\":\"Succeeded\",\"exitCode\":0,\"name\":\"2030-01-01.120000.nightly\","
            + "\"files\":3}");

    reconcile(r);

    assertThat(r.getStatus().getBackupName()).isEqualTo("2030-01-01.120000.nightly");
    assertThat(r.getStatus().getMessage()).contains("2030-01-01.120000.nightly");
  }

  // Issue 17, item 8: a finished restore's Job may go once its outcome is recorded.

  @Test
  void aFinishedRestoreJobGetsATtlAfterItsOutcomeIsRecorded() {
    cluster.claim("data-db-0");
    MysqlRestore r = intoExisting("data-db-0");
    reconcile(r);
    cluster.finishJob("recover-restore", true, 0, "{\"status\":\"Succeeded\",\"exitCode\":0}");

    reconcile(r);

    int recorded = -1;
    for (int i = 0; i < log.size(); i++) {
      if (log.get(i).contains("\"phase\":\"Succeeded\"")) {
        recorded = i;
        break;
      }
    }
    assertThat(recorded).isGreaterThanOrEqualTo(0);
    assertThat(log.indexOf("ttl job recover-restore 3600")).isGreaterThan(recorded);
    cluster.jobs.clear();
    reconcile(r);
    assertThat(r.getStatus().getPhase()).isEqualTo(Phase.Succeeded);
  }

  @Test
  void aClaimStillBindingIsNotAReasonToFailAtOnce() {
    // Seen on the local cluster: a claim just created from the template is unbound for a moment.
    cluster.claim("data-db-0");
    MysqlRestore r = intoExisting("data-db-0");
    reconcile(r);
    cluster.unschedulableJobPod(
        "recover-restore",
        "0/1 nodes are available: pod has unbound immediate PersistentVolumeClaims.",
        InMemoryCluster.CREATED);

    reconcile(r);
    assertThat(r.getStatus().getPhase()).isEqualTo(Phase.Running);
    assertThat(cluster.jobs).containsKey("recover-restore");

    reconcilerAt(java.time.Duration.ofMinutes(3)).reconcile(r, new TestContext<>(r));
    assertThat(r.getStatus().getPhase()).isEqualTo(Phase.Failed);
    assertThat(r.getStatus().getMessage())
        .contains("has not started within 2 minutes")
        .contains("unbound immediate PersistentVolumeClaims");
  }

  // Errors from the API server that JOSDK retries (updateErrorStatus).

  static final String TIMED_OUT =
      "retrying after an error from the Kubernetes API: IllegalStateException: etcdserver:"
          + " request timed out";

  @Test
  void anErrorWhileTheEngineRunsIsSaidAndTheRestoreKeepsWatchingIt() {
    cluster.claim("data-db-0");
    MysqlRestore r = intoExisting("data-db-0");
    cluster.restores.put("recover", r);
    reconcile(r);
    cluster.startJob("recover-restore");
    var error = new IllegalStateException("etcdserver: request timed out");

    var retrying = reconciler.updateErrorStatus(r, TestContext.retrying(r, 3, false), error);
    assertThat(r.getStatus().getMessage())
        .isEqualTo(TIMED_OUT + "; the engine Job still runs and is watched until it finishes");
    assertThat(retrying.getScheduleDelay()).isEmpty();

    var last = reconciler.updateErrorStatus(r, TestContext.retrying(r, 10, true), error);
    assertThat(r.getStatus().getPhase()).isEqualTo(Phase.Running);
    assertThat(r.getStatus().getMessage())
        .isEqualTo(TIMED_OUT + "; the engine Job still runs and is watched until it finishes");
    assertThat(last.getScheduleDelay()).contains(java.time.Duration.ofMinutes(1).toMillis());
    assertThat(cluster.locks).containsKey("stowage-claim-data-db-0");
  }

  @Test
  void anOperatorThatGivesUpAfterErrorsFailsTheRestoreAndUnlocksTheClaim() {
    cluster.claim("data-db-0");
    MysqlRestore r = intoExisting("data-db-0");
    cluster.restores.put("recover", r);
    reconcile(r);
    cluster.finishJob("recover-restore", false, 1, "{\"status\":\"Failed\",\"exitCode\":1}");
    var error = new IllegalStateException("etcdserver: request timed out");

    var retrying = reconciler.updateErrorStatus(r, TestContext.retrying(r, 3, false), error);
    assertThat(r.getStatus().getPhase()).isEqualTo(Phase.Running);
    assertThat(r.getStatus().getMessage()).isEqualTo(TIMED_OUT);
    assertThat(retrying.getScheduleDelay()).isEmpty();
    assertThat(cluster.locks).containsKey("stowage-claim-data-db-0");

    var last = reconciler.updateErrorStatus(r, TestContext.retrying(r, 10, true), error);
    assertThat(r.getStatus().getPhase()).isEqualTo(Phase.Failed);
    assertThat(r.getStatus().getMessage())
        .contains(
            "gave up after repeated errors from the Kubernetes API: IllegalStateException:"
                + " etcdserver: request timed out");
    assertThat(last.getScheduleDelay()).isEmpty();
    assertThat(cluster.locks).isEmpty();
  }

  @Test
  void anErrorAboutARestoreThatIsGoneOrDoneWritesNothing() {
    cluster.claim("data-db-0");
    MysqlRestore r = intoExisting("data-db-0");
    reconcile(r);
    var error = new IllegalStateException("etcdserver: request timed out");
    int writes = log.size();

    reconciler.updateErrorStatus(r, TestContext.retrying(r, 10, true), error);
    assertThat(log).hasSize(writes); // not in the cluster any more
    assertThat(r.getStatus().getPhase()).isEqualTo(Phase.Running);

    cluster.restores.put("recover", r);
    cluster.finishJob("recover-restore", true, 0, "{\"status\":\"Succeeded\",\"exitCode\":0}");
    reconcile(r);
    writes = log.size();
    reconciler.updateErrorStatus(r, TestContext.retrying(r, 10, true), error);
    assertThat(log).hasSize(writes);
    assertThat(r.getStatus().getPhase()).isEqualTo(Phase.Succeeded);
  }
}
