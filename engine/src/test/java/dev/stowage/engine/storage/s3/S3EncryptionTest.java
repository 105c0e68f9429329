package dev.stowage.engine.storage.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stowage.engine.error.EngineException;
import dev.stowage.engine.error.ExitCode;
import dev.stowage.engine.error.StorageException;
import dev.stowage.engine.redact.Redactor;
import dev.stowage.engine.storage.StorageFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.s3.model.ServerSideEncryption;

/**
 * Issue 15, finding 7: the SSE options are read and checked before anything is contacted (exit 2
 * with a message naming the option), an SSE-C key file is 32 raw bytes or their base64, and the key
 * is never part of a message.
 */
class S3EncryptionTest {
  @TempDir Path dir;

  private static final byte[] KEY = new byte[32];

  static {
    for (int i = 0; i < KEY.length; i++) {
      KEY[i] = (byte) (0x41 + i * 7);
    }
  }

  private static final String KEY_B64 = Base64.getEncoder().encodeToString(KEY);

  private Path file(String name, byte[] content) throws Exception {
    Path p = dir.resolve(name);
    Files.write(p, content);
    return p;
  }

  private static EngineException invalid(Runnable r) {
    EngineException e = (EngineException) org.assertj.core.api.Assertions.catchThrowable(r::run);
    assertThat(e).isNotNull();
    assertThat(e.exitCode()).isEqualTo(ExitCode.INVALID_ARGUMENTS);
    return e;
  }

  @Test
  void noOptionsMeanNoEncryption() {
    assertThat(S3Encryption.of(null, null, null).isNone()).isTrue();
    assertThat(S3Encryption.of("none", null, null).isNone()).isTrue();
  }

  @Test
  void aes256AndAwsKmsChooseSseS3AndSseKmsInAnyCase() {
    assertThat(S3Encryption.of("AES256", null, null).mode()).isEqualTo(S3Encryption.Mode.SSE_S3);
    assertThat(S3Encryption.of("aes256", null, null).mode()).isEqualTo(S3Encryption.Mode.SSE_S3);
    S3Encryption kms = S3Encryption.of("aws:kms", "alias/backups", null);
    assertThat(kms.mode()).isEqualTo(S3Encryption.Mode.SSE_KMS);
    assertThat(kms.kmsKeyId()).isEqualTo("alias/backups");
    assertThat(kms.toString()).contains("SSE-KMS").contains("alias/backups");
    assertThat(S3Encryption.of("AWS:KMS", null, null).toString())
        .contains("the bucket's default KMS key");
  }

  @Test
  void anUnknownModeNamesTheChoices() {
    assertThat(invalid(() -> S3Encryption.of("aws:kms:dsse", null, null)).getMessage())
        .contains("--s3-sse=\"aws:kms:dsse\"")
        .contains("none, AES256 (SSE-S3) or aws:kms (SSE-KMS)")
        .contains("--s3-sse-c-key-file");
  }

  @Test
  void aKmsKeyIdWithoutAwsKmsIsRefused() {
    assertThat(invalid(() -> S3Encryption.of(null, "k1", null)).getMessage())
        .contains("--s3-sse-kms-key-id needs --s3-sse=aws:kms");
    assertThat(invalid(() -> S3Encryption.of("AES256", "k1", null)).getMessage())
        .contains("--s3-sse-kms-key-id needs --s3-sse=aws:kms");
    assertThat(invalid(() -> S3Encryption.of("aws:kms", " ", null)).getMessage())
        .contains("--s3-sse-kms-key-id is empty");
  }

  @Test
  void sseCTogetherWithAnotherModeIsRefused() throws Exception {
    Path key = file("key", KEY);
    assertThat(invalid(() -> S3Encryption.of("AES256", null, key)).getMessage())
        .contains("--s3-sse-c-key-file and --s3-sse=AES256 were both given");
    assertThat(invalid(() -> S3Encryption.of("aws:kms", null, key)).getMessage())
        .contains("--s3-sse-c-key-file and --s3-sse=aws:kms were both given");
    assertThat(invalid(() -> S3Encryption.of(null, "k1", key)).getMessage())
        .contains("--s3-sse-kms-key-id and --s3-sse-c-key-file were both given");
  }

  @Test
  void aKeyFileOf32RawBytesIsTheKey() throws Exception {
    S3Encryption e = S3Encryption.of(null, null, file("raw", KEY));
    assertThat(e.mode()).isEqualTo(S3Encryption.Mode.SSE_C);
    assertThat(e.customerKeyMd5())
        .isEqualTo(
            Base64.getEncoder().encodeToString(MessageDigest.getInstance("MD5").digest(KEY)));
  }

  @Test
  void aKeyFileWithTheBase64Of32BytesIsTheSameKeyWithOrWithoutNewline() throws Exception {
    String md5 = S3Encryption.of(null, null, file("raw", KEY)).customerKeyMd5();
    assertThat(
            S3Encryption.of(null, null, file("b64", KEY_B64.getBytes(StandardCharsets.US_ASCII)))
                .customerKeyMd5())
        .isEqualTo(md5);
    assertThat(
            S3Encryption.of(
                    null, null, file("b64nl", (KEY_B64 + "\n").getBytes(StandardCharsets.US_ASCII)))
                .customerKeyMd5())
        .isEqualTo(md5);
  }

  @Test
  void aMissingKeyFileIsRefusedNamingIt() {
    Path missing = dir.resolve("no-such-key");
    assertThat(invalid(() -> S3Encryption.of(null, null, missing)).getMessage())
        .contains("--s3-sse-c-key-file " + missing + " does not exist")
        .contains("mount the Secret");
  }

  @Test
  void aKeyFileOfTheWrongLengthSaysWhatIsAccepted() throws Exception {
    for (byte[] content :
        new byte[][] {
          new byte[31],
          new byte[33],
          new byte[0],
          Base64.getEncoder().encode(new byte[16]),
          "not base64 at all, but some other text".getBytes(StandardCharsets.US_ASCII),
          new byte[100_000]
        }) {
      Path p = file("bad", content);
      String m = invalid(() -> S3Encryption.of(null, null, p)).getMessage();
      assertThat(m)
          .contains("--s3-sse-c-key-file " + p)
          .contains("exactly 32 raw bytes")
          .contains("the base64 of 32 bytes (44 characters");
    }
  }

  @Test
  void theKeyNeverAppearsInMessagesOrToString() throws Exception {
    // A file of 33 bytes whose first 32 are the key: the refusal must not quote them.
    byte[] almost = new byte[33];
    System.arraycopy(KEY, 0, almost, 0, 32);
    Path p = file("almost", almost);
    String refusal = invalid(() -> S3Encryption.of(null, null, p)).getMessage();
    S3Encryption e = S3Encryption.of(null, null, file("raw", KEY));
    for (String text : new String[] {refusal, e.toString()}) {
      assertThat(text)
          .doesNotContain(KEY_B64)
          .doesNotContain(new String(KEY, StandardCharsets.ISO_8859_1))
          .doesNotContain(HexFormat.of().formatHex(KEY));
    }
    assertThat(e.toString()).contains("SSE-C").contains(e.customerKeyMd5());
  }

  @Test
  void theKeyIsMaskedByTheProcessRedactorOnceRead() throws Exception {
    S3Encryption.of(null, null, file("raw", KEY));
    String line =
        "x-amz-server-side-encryption-customer-key-MD5: m; echoed body: "
            + KEY_B64
            + " hex "
            + HexFormat.of().formatHex(KEY);
    String red = Redactor.standard().redact(line);
    assertThat(red).doesNotContain(KEY_B64).doesNotContain(HexFormat.of().formatHex(KEY));
    assertThat(red).contains("echoed body: ***").contains("customer-key-MD5: m");
  }

  @Test
  void sseCIsRefusedOverPlainHttp() throws Exception {
    S3Encryption e = S3Encryption.of(null, null, file("raw", KEY));
    S3Options http = S3Options.parse("s3://b/p?endpoint=http://127.0.0.1:9");
    assertThat(invalid(() -> http.withEncryption(e)).getMessage())
        .contains("--s3-sse-c-key-file")
        .contains("plain http")
        .contains("https://");
    // SSE-S3 and SSE-KMS send no key: allowed wherever the store is.
    assertThat(http.withEncryption(S3Encryption.of("AES256", null, null)).encryption().mode())
        .isEqualTo(S3Encryption.Mode.SSE_S3);
    assertThat(
            S3Options.parse("s3://b/p?endpoint=https://127.0.0.1:9")
                .withEncryption(e)
                .encryption()
                .mode())
        .isEqualTo(S3Encryption.Mode.SSE_C);
  }

  @Test
  void sseOptionsWithAFileStorageAreRefused() {
    assertThat(
            invalid(
                    () ->
                        StorageFactory.open(dir.toString(), S3Encryption.of("AES256", null, null)))
                .getMessage())
        .contains("apply only to s3:// storage");
  }

  @Test
  void aWriteTheStoreDidNotConfirmIsRefusedNamingWhatWasMissing() throws Exception {
    S3Encryption s3 = S3Encryption.of("AES256", null, null);
    s3.confirm("s3://b/k", ServerSideEncryption.AES256, null, null);
    assertThatThrownBy(() -> s3.confirm("s3://b/k", null, null, null))
        .isInstanceOf(StorageException.class)
        .hasMessageContaining("did not confirm SSE-S3 (AES256) for s3://b/k")
        .hasMessageContaining("x-amz-server-side-encryption: AES256 (it answered without it)");
    assertThat(((StorageException) catchThrowable(() -> s3.confirm("k", null, null, null))).kind())
        .isEqualTo(StorageException.Kind.DENIED);

    S3Encryption kms = S3Encryption.of("aws:kms", null, null);
    kms.confirm("k", ServerSideEncryption.AWS_KMS, null, null);
    assertThatThrownBy(() -> kms.confirm("k", ServerSideEncryption.AES256, null, null))
        .hasMessageContaining("aws:kms (it answered \"AES256\")");

    S3Encryption c = S3Encryption.of(null, null, file("raw", KEY));
    c.confirm("k", null, "AES256", c.customerKeyMd5());
    assertThatThrownBy(() -> c.confirm("k", null, null, null))
        .hasMessageContaining("customer-algorithm: AES256 and the key's MD5");
    assertThatThrownBy(() -> c.confirm("k", null, "AES256", "other-md5"))
        .hasMessageContaining("did not confirm SSE-C");
  }

  private static Throwable catchThrowable(org.assertj.core.api.ThrowableAssert.ThrowingCallable c) {
    return org.assertj.core.api.Assertions.catchThrowable(c);
  }
}
