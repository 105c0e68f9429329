package dev.stowage.operator.job;

import static dev.stowage.operator.job.EngineJobGoldenTest.FACTORY;
import static dev.stowage.operator.job.EngineJobGoldenTest.backup;
import static dev.stowage.operator.job.EngineJobGoldenTest.restore;
import static org.assertj.core.api.Assertions.assertThat;

import dev.stowage.api.v1alpha1.MysqlBackup;
import org.junit.jupiter.api.Test;

class BackupLocationsTest {
  private static final BackupLocations LOCATIONS = FACTORY.locations();

  @Test
  void backupNameFallsBackToTheClockOnlyWithoutCreationTimestamp() {
    MysqlBackup b = backup("pvc-backup-subpath", 0);
    b.getMetadata().setCreationTimestamp(null);
    assertThat(LOCATIONS.backupName(b)).isEqualTo("2030-01-02.030405.wiki-db");
  }

  @Test
  void backupNameOfAVeryLongResourceStaysWithinTheApiLimit() {
    MysqlBackup b = backup("long-name-backup", 0);
    b.getMetadata().setName("a".repeat(253));
    String name = LOCATIONS.backupName(b);
    assertThat(name).hasSize(BackupLocations.MAX_BACKUP_NAME).startsWith("2026-11-25.112233.aaa");
    assertThat(name).matches("[A-Za-z0-9_][A-Za-z0-9._-]*");
  }

  @Test
  void restoreSourceIsWhatStatusNeedsToRecord() {
    StoredBackup fromBackup =
        LOCATIONS.restoreSource(
            restore("restore-from-backup", 0), backup("restore-from-backup", 1));
    assertThat(fromBackup.directory()).isEqualTo("shop/data-orders-db-0");
    assertThat(fromBackup.name()).isEqualTo("2026-11-24.230509.orders-nightly");
    assertThat(fromBackup.location())
        .isEqualTo(
            "s3://backups/mysql/prod?endpoint=http%3A%2F%2Fversitygw.storage%3A7070"
                + "&caBundle=%2Fstowage%2Fca%2Fca.crt");
    StoredBackup explicit =
        LOCATIONS.restoreSource(restore("restore-from-source-template", 0), null);
    assertThat(explicit.directory()).isEqualTo("wiki/data-wiki-mariadb-0");
    assertThat(explicit.name()).isEqualTo("latest");
    assertThat(explicit.location()).isEqualTo("file:///stowage/storage");
  }

  @Test
  void restoreTargetIsTheExistingClaimOrTheTemplatesName() {
    assertThat(BackupLocations.targetClaim(restore("restore-from-backup", 0)))
        .isEqualTo("data-orders-db-0");
    assertThat(BackupLocations.targetClaim(restore("restore-from-source-template", 0)))
        .isEqualTo("data-wiki-clone-0");
  }

  /**
   * Issue 15, findings 10 and 11: a backup name recorded by an operator whose name hash was 32 bits
   * still agrees with the spec, and rm deletes under that recorded name; any other name is refused.
   */
  @Test
  void aBackupNameRecordedWithThe32BitHashStillAgreesAndIsWhatRmDeletes() {
    MysqlBackup b = backup("long-name-backup", 0);
    b.getMetadata().setName("a".repeat(253));
    b.getMetadata().setUid("uid-long");
    String current = LOCATIONS.backupName(b);
    String legacy =
        current.substring(0, 18)
            + KubernetesNames.fit("a".repeat(253), "", 253 - 18, KubernetesNames.LEGACY_HASH_CHARS);
    assertThat(legacy).isNotEqualTo(current).matches(".*-[0-9a-f]{8}");
    b.setStatus(new dev.stowage.api.v1alpha1.MysqlBackupStatus());
    b.getStatus().setBackupName(legacy);

    LOCATIONS.requireStatusAgrees(b);
    assertThat(LOCATIONS.recordedOrDerivedName(b)).isEqualTo(legacy);
    assertThat(
            FACTORY.deleteJob(b).getSpec().getTemplate().getSpec().getContainers().get(0).getArgs())
        .contains(legacy);

    b.getStatus().setBackupName(current.substring(0, 18) + "someone-else");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> LOCATIONS.requireStatusAgrees(b))
        .isInstanceOf(StatusMismatchException.class)
        .hasMessageContaining("status.backupName");
  }
}
