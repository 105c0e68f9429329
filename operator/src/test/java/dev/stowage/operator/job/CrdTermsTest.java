package dev.stowage.operator.job;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stowage.api.v1alpha1.BackupStorage;
import dev.stowage.api.v1alpha1.S3Storage;
import org.junit.jupiter.api.Test;

/** Issue 15, finding 13: a storage hint in status never carries credentials from an endpoint. */
class CrdTermsTest {
  @Test
  void storageHintMasksUserInfoOfAnEndpoint() {
    // A resource stored before the CRD refused user info still reaches the operator.
    S3Storage s3 = new S3Storage();
    s3.setBucket("backups");
    s3.setEndpoint("https://admin:Sup3rSecret@minio.storage:9000");
    BackupStorage storage = new BackupStorage();
    storage.setS3(s3);

    String hint = CrdTerms.storageHint(storage, "spec.storage");

    assertThat(hint).contains("spec.storage.s3.endpoint (https://***@minio.storage:9000)");
    assertThat(hint).doesNotContain("Sup3rSecret").doesNotContain("admin");
  }

  /** Issue 16: the engine's key files and option in the resource's words. */
  @Test
  void encryptionKeyFilesAreNamedByTheirSecretKey() {
    EncryptionKeys keys = new EncryptionKeys("backup-key", java.util.List.of("new", "old"));

    String badFile =
        CrdTerms.translate(
            "--encryption-key-file /stowage/encryption/key-1 holds 10 bytes that are not a backup"
                + " encryption key: give exactly 32 raw bytes",
            null,
            null,
            keys);
    String noKey =
        CrdTerms.translate(
            "backup b is encrypted (AES-256-GCM) with key id 0123456789abcdef: give that key with"
                + " --encryption-key-file PATH. Nothing was written",
            null,
            null,
            null);
    String plain =
        CrdTerms.translate(
            "backup b is not encrypted (its MANIFEST has no StowageEncryption), but"
                + " --encryption-key-file was given: refused, [...] restore it without"
                + " --encryption-key-file",
            null,
            null,
            keys);

    assertThat(badFile)
        .isEqualTo(
            "spec.encryption.keySecretRef key old of Secret backup-key holds 10 bytes that are not"
                + " a backup encryption key: give exactly 32 raw bytes");
    assertThat(noKey)
        .contains("give that key in spec.encryption.keySecretRef (a key of a Secret")
        .doesNotContain("--encryption-key-file");
    assertThat(plain)
        .contains("but spec.encryption was given")
        .contains("restore it without spec.encryption")
        .doesNotContain("--encryption-key-file");
  }
}
