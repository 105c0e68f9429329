package dev.stowage.engine.storage.s3;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stowage.engine.error.StorageException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * Issue 15, finding 7: the answers AWS S3 gives when server-side encryption is in the way become
 * messages that say which option to give or fix. VersityGW implements no SSE, so these answers
 * cannot come from the test server: the status codes, error codes and messages are AWS's documented
 * ones, and what is tested is the engine's translation of them.
 */
class S3EncryptionErrorsTest {
  @TempDir Path dir;

  private static final S3Options PLAIN = S3Options.parse("s3://bucket/p?endpoint=https://s3.test");

  private S3Options withCustomerKey() throws Exception {
    Path key = dir.resolve("key");
    Files.write(key, new byte[32]);
    return PLAIN.withEncryption(S3Encryption.of(null, null, key));
  }

  private static S3Exception s3(int status, String code, String message) {
    AwsErrorDetails.Builder d = AwsErrorDetails.builder().errorMessage(message);
    if (code != null) {
      d.errorCode(code);
    }
    return (S3Exception)
        S3Exception.builder()
            .statusCode(status)
            .message(message)
            .awsErrorDetails(d.build())
            .build();
  }

  @Test
  void restoreOfAnSseCObjectWithoutTheKeyNamesTheKeyFileOption() {
    StorageException t =
        S3Errors.translate(
            s3(
                400,
                "InvalidRequest",
                "The object was stored using a form of Server Side Encryption. The correct"
                    + " parameters must be provided to retrieve the object."),
            PLAIN,
            "s3://bucket/p/ns/db/b1/MANIFEST",
            "download");

    assertThat(t.kind()).isEqualTo(StorageException.Kind.DENIED);
    assertThat(t.getMessage())
        .contains("s3://bucket/p/ns/db/b1/MANIFEST")
        .contains("encrypted with a customer key (SSE-C)")
        .contains("--s3-sse-c-key-file");
  }

  @Test
  void aHeadOfAnSseCObjectWithoutTheKeyNamesTheKeyFileOption() {
    // A HEAD answer has no body: S3 says only 400.
    StorageException t =
        S3Errors.translate(s3(400, null, null), PLAIN, "s3://bucket/p/x/.stowage-lock", "look up");

    assertThat(t.getMessage())
        .contains("HTTP 400: the server says")
        .contains("A HEAD answer has no body to say why")
        .contains("if the backup was written with SSE-C")
        .contains("--s3-sse-c-key-file");
  }

  @Test
  void aWrongSseCKeyIsNamedAsThePossibleCause() throws Exception {
    S3Options o = withCustomerKey();
    StorageException t =
        S3Errors.translate(
            s3(403, "AccessDenied", "Access Denied"), o, "s3://bucket/p/o", "download");

    assertThat(t.kind()).isEqualTo(StorageException.Kind.DENIED);
    assertThat(t.getMessage())
        .contains("not the one the object was written with")
        .contains("--s3-sse-c-key-file")
        .contains(o.encryption().customerKeyMd5());
  }

  @Test
  void anSseCKeyForAnUnencryptedObjectSaysToLeaveItOut() throws Exception {
    StorageException t =
        S3Errors.translate(
            s3(
                400,
                "InvalidRequest",
                "The encryption parameters are not applicable to this object."),
            withCustomerKey(),
            "s3://bucket/p/o",
            "download");

    assertThat(t.getMessage())
        .contains("not encrypted with a customer key")
        .contains("leave --s3-sse-c-key-file out");
  }

  @Test
  void sseCOverHttpRefusedByTheStoreSaysHttps() throws Exception {
    StorageException t =
        S3Errors.translate(
            s3(
                400,
                "InvalidRequest",
                "Requests specifying Server Side Encryption with Customer provided keys must be"
                    + " made over a secure connection."),
            withCustomerKey(),
            "s3://bucket/p/o",
            "upload");

    assertThat(t.getMessage()).contains("only over https");
  }

  @Test
  void kmsAccessDeniedNamesTheKmsPermissions() {
    S3Options kms = PLAIN.withEncryption(S3Encryption.of("aws:kms", "alias/backups", null));
    StorageException write =
        S3Errors.translate(
            s3(
                403,
                "AccessDenied",
                "User: arn:aws:iam::1:user/x is not authorized to perform: kms:GenerateDataKey on"
                    + " resource: arn:aws:kms:us-east-1:1:key/k"),
            kms,
            "s3://bucket/p/o",
            "upload");
    StorageException unknownKey =
        S3Errors.translate(
            s3(400, "KMS.NotFoundException", "Invalid keyId alias/backups"),
            kms,
            "s3://bucket/p/o",
            "upload");

    assertThat(write.kind()).isEqualTo(StorageException.Kind.DENIED);
    assertThat(write.getMessage())
        .contains("KMS key")
        .contains("--s3-sse-kms-key-id alias/backups")
        .contains("kms:GenerateDataKey")
        .contains("kms:Decrypt");
    assertThat(unknownKey.kind()).isEqualTo(StorageException.Kind.DENIED);
    assertThat(unknownKey.getMessage()).contains("KMS.NotFoundException").contains("Invalid keyId");
  }

  @Test
  void aWriteDeniedWithoutSseMentionsBucketPoliciesThatRequireIt() {
    StorageException t =
        S3Errors.translate(
            s3(403, "AccessDenied", "Access Denied"), PLAIN, "s3://bucket/p/o", "upload");

    assertThat(t.getMessage()).contains("requires server-side encryption").contains("--s3-sse");
  }
}
