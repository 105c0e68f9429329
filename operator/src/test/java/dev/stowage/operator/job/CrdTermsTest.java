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
}
