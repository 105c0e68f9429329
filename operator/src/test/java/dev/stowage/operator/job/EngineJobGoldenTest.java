package dev.stowage.operator.job;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stowage.api.v1alpha1.MysqlBackup;
import dev.stowage.api.v1alpha1.MysqlRestore;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Input resource (golden/NAME.input.yaml) to expected engine Job (golden/NAME.job.yaml). See {@link
 * GoldenFiles} for how to regenerate the expected files.
 */
class EngineJobGoldenTest {
  static final KubernetesSerialization YAML = new KubernetesSerialization();

  /** Fixed, and far from every creationTimestamp in the inputs, so a leak of it would show. */
  static final Clock CLOCK = Clock.fixed(Instant.parse("2030-01-02T03:04:05Z"), ZoneOffset.UTC);

  /** Allows the scheduling the inputs ask for (s3-backup-all-options), and nothing else. */
  static final PodAllowlist ALLOWLIST =
      PodAllowlist.parse("topology.kubernetes.io/zone=*", "dedicated=databases:NoSchedule");

  static final EngineJobFactory FACTORY =
      new EngineJobFactory(
          new EngineJobConfig(
              "stowage/engine:dev",
              null,
              EngineJobConfig.DEFAULT_BACKOFF_LIMIT,
              EngineJobConfig.DEFAULT_MYSQL_ID,
              EngineJobConfig.DEFAULT_MYSQL_ID,
              ALLOWLIST),
          CLOCK,
          EngineJobGoldenTest::store);

  /** The one store of the inputs: ClusterBackupStore shared, for namespace shop. */
  static ResolvedStore store(String namespace, dev.stowage.api.v1alpha1.StoreRef ref) {
    if (!"shared".equals(ref.getName()) || !"shop".equals(namespace)) {
      throw new dev.stowage.operator.validation.InvalidSpecException("no store " + ref.getName());
    }
    var s3 = new dev.stowage.api.v1alpha1.S3Storage();
    s3.setBucket("tenant-backups");
    s3.setPrefix("clusters/prod");
    s3.setEndpoint("https://s3.storage.svc:7070");
    var credentials = new dev.stowage.api.v1alpha1.S3CredentialsSecretRef();
    credentials.setName("stowage-store-credentials");
    s3.setCredentialsSecretRef(credentials);
    return new ResolvedStore(s3, "backup-writer");
  }

  @Test
  void s3BackupWithAllOptions() {
    assertGolden("s3-backup-all-options", FACTORY.backupJob(backup("s3-backup-all-options", 0)));
  }

  @Test
  void backupToAClusterBackupStore() {
    // Issue 15, finding 2: the store's bucket, credentials Secret and ServiceAccount.
    assertGolden("store-backup", FACTORY.backupJob(backup("store-backup", 0)));
  }

  @Test
  void snapshotBackupReadsTheCloneAndSaysItIsCrashConsistent() {
    // Issue 11: the clone claim, never the live one, and --consistency CrashConsistent.
    assertGolden("snapshot-backup", FACTORY.backupJob(backup("snapshot-backup", 0)));
  }

  @Test
  void pvcBackupWithSubPath() {
    assertGolden("pvc-backup-subpath", FACTORY.backupJob(backup("pvc-backup-subpath", 0)));
  }

  @Test
  void restoreFromBackupReference() {
    String name = "restore-from-backup";
    assertGolden(name, FACTORY.restoreJob(restore(name, 0), backup(name, 1)));
  }

  @Test
  void restoreFromExplicitSourceIntoClaimTemplate() {
    String name = "restore-from-source-template";
    assertGolden(name, FACTORY.restoreJob(restore(name, 0), null));
  }

  @Test
  void rmJobForDeletionPolicyDelete() {
    assertGolden("rm-delete-policy", FACTORY.deleteJob(backup("rm-delete-policy", 0)));
  }

  @Test
  void checkJobBeforeABackup() {
    // Issue 17, item 2: the pre-flight runs with the backup's storage and pod, without its data.
    assertGolden("check-before-backup", FACTORY.checkJob(backup("check-before-backup", 0)));
  }

  @Test
  void hostilePodSettingsGiveTheHardenedPod() {
    // Issue 15, finding 1: the fields an old manifest or a tenant may still write change nothing.
    assertGolden("hostile-pod-settings", FACTORY.backupJob(backup("hostile-pod-settings", 0)));
  }

  @Test
  void veryLongName() {
    Job job = FACTORY.backupJob(backup("long-name-backup", 0));
    assertThat(job.getMetadata().getName()).hasSizeLessThanOrEqualTo(63);
    assertGolden("long-name-backup", job);
  }

  // Issue 16: the key Secret reaches the backup, check and restore engine containers as read-only
  // files (with the option; check validates its format before the quiesce), the rm container not
  // at all.
  @Test
  void encryptedBackupMountsItsKeyAndPassesIt() {
    assertGolden("encrypted-backup", FACTORY.backupJob(backup("encrypted-backup", 0)));
  }

  @Test
  void checkJobOfAnEncryptedBackupMountsTheKeyAndPassesIt() {
    assertGolden("encrypted-check", FACTORY.checkJob(backup("encrypted-check", 0)));
  }

  @Test
  void backupWithAPassphraseMountsItAndPassesIt() {
    assertGolden("passphrase-backup", FACTORY.backupJob(backup("passphrase-backup", 0)));
  }

  @Test
  void checkJobOfABackupWithAPassphrasePassesIt() {
    assertGolden("passphrase-check", FACTORY.checkJob(backup("passphrase-check", 0)));
  }

  @Test
  void restoreWithAPassphraseAndEarlierKeysPassesEach() {
    assertGolden("passphrase-restore", FACTORY.restoreJob(restore("passphrase-restore", 0), null));
  }

  @Test
  void rmJobOfAnEncryptedBackupGetsNoKey() {
    assertGolden("encrypted-rm", FACTORY.deleteJob(backup("encrypted-rm", 0)));
  }

  @Test
  void encryptedRestorePassesEveryKeyItNames() {
    assertGolden("encrypted-restore", FACTORY.restoreJob(restore("encrypted-restore", 0), null));
  }

  static void assertGolden(String name, Job job) {
    GoldenFiles.assertMatches(name + ".job.yaml", YAML.asYaml(job));
  }

  static MysqlBackup backup(String name, int document) {
    return YAML.unmarshal(document(name, document), MysqlBackup.class);
  }

  static MysqlRestore restore(String name, int document) {
    return YAML.unmarshal(document(name, document), MysqlRestore.class);
  }

  /** One document of a multi-document input file. */
  static String document(String name, int index) {
    List<String> docs =
        Arrays.stream(GoldenFiles.read(name + ".input.yaml").split("(?m)^---$"))
            .filter(d -> d.lines().anyMatch(l -> l.startsWith("kind:")))
            .toList();
    return docs.get(index);
  }
}
