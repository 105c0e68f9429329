package dev.stowage.engine.storage.s3;

import dev.stowage.engine.core.KeyFiles;
import dev.stowage.engine.error.EngineException;
import dev.stowage.engine.error.StorageException;
import dev.stowage.engine.error.StorageException.Kind;
import dev.stowage.engine.redact.Redactor;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Locale;
import software.amazon.awssdk.services.s3.model.CompleteMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.CreateMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.HeadObjectRequest;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.ServerSideEncryption;
import software.amazon.awssdk.services.s3.model.UploadPartRequest;

/**
 * The server-side encryption the engine asks S3 for: none, SSE-S3 ({@code AES256}), SSE-KMS ({@code
 * aws:kms}, optionally with a key id) or SSE-C (a customer key read from a file). SSE-S3 and
 * SSE-KMS are named when an object is created; SSE-C's key goes with every write and read of an
 * object. {@link #toString()} never shows the key.
 */
public final class S3Encryption {
  /** How objects are encrypted at rest. */
  public enum Mode {
    NONE,
    SSE_S3,
    SSE_KMS,
    SSE_C
  }

  /** The SSE-C key length: AES-256. */
  public static final int KEY_BYTES = 32;

  /** A key file is read up to this size; anything longer cannot be a key. */
  public static final S3Encryption NONE = new S3Encryption(Mode.NONE, null, null, null);

  private final Mode mode;
  private final String kmsKeyId;
  private final String customerKeyBase64;
  private final String customerKeyMd5;

  private S3Encryption(Mode mode, String kmsKeyId, String customerKeyBase64, String keyMd5) {
    this.mode = mode;
    this.kmsKeyId = kmsKeyId;
    this.customerKeyBase64 = customerKeyBase64;
    this.customerKeyMd5 = keyMd5;
  }

  /**
   * The encryption the command line asks for: {@code --s3-sse} ({@code none}, {@code AES256},
   * {@code aws:kms}; null means none), {@code --s3-sse-kms-key-id} and {@code --s3-sse-c-key-file}.
   * Contradictions and unusable key files exit 2, naming the option.
   */
  public static S3Encryption of(String sse, String kmsKeyId, Path customerKeyFile) {
    Mode requested = parseMode(sse);
    if (kmsKeyId != null && kmsKeyId.isBlank()) {
      throw EngineException.invalid(
          "--s3-sse-kms-key-id is empty; give a KMS key id, ARN or alias/NAME, or leave it out"
              + " to use the bucket's default KMS key");
    }
    if (customerKeyFile != null) {
      if (requested != Mode.NONE) {
        throw EngineException.invalid(
            "--s3-sse-c-key-file and --s3-sse="
                + sse
                + " were both given: S3 encrypts an object in one way only. Use"
                + " --s3-sse-c-key-file alone for SSE-C (customer key), or --s3-sse alone");
      }
      if (kmsKeyId != null) {
        throw EngineException.invalid(
            "--s3-sse-kms-key-id and --s3-sse-c-key-file were both given: a KMS key id belongs"
                + " to --s3-sse=aws:kms, not to SSE-C");
      }
      return customerKey(readKeyFile(customerKeyFile), customerKeyFile.toString());
    }
    if (kmsKeyId != null && requested != Mode.SSE_KMS) {
      throw EngineException.invalid(
          "--s3-sse-kms-key-id needs --s3-sse=aws:kms (it names the KMS key of SSE-KMS)");
    }
    return switch (requested) {
      case NONE -> NONE;
      case SSE_S3 -> new S3Encryption(Mode.SSE_S3, null, null, null);
      case SSE_KMS -> new S3Encryption(Mode.SSE_KMS, kmsKeyId, null, null);
      case SSE_C -> throw new IllegalStateException("SSE-C is chosen by its key file");
    };
  }

  private static Mode parseMode(String sse) {
    if (sse == null) {
      return Mode.NONE;
    }
    return switch (sse.toLowerCase(Locale.ROOT)) {
      case "none" -> Mode.NONE;
      case "aes256" -> Mode.SSE_S3;
      case "aws:kms" -> Mode.SSE_KMS;
      default ->
          throw EngineException.invalid(
              "--s3-sse=\""
                  + sse
                  + "\"; use none, AES256 (SSE-S3) or aws:kms (SSE-KMS). For SSE-C give"
                  + " --s3-sse-c-key-file instead");
    };
  }

  /**
   * SSE-C with {@code key} (32 bytes). The key's base64 becomes a secret of the process's {@link
   * Redactor}, so it is masked wherever it could be printed.
   */
  static S3Encryption customerKey(byte[] key, String source) {
    if (key.length != KEY_BYTES) {
      throw EngineException.invalid(
          source + ": an SSE-C key is " + KEY_BYTES + " bytes, not " + key.length);
    }
    String b64 = Base64.getEncoder().encodeToString(key);
    Redactor.standard().addSecret(b64);
    Redactor.standard().addSecret(HexFormat.of().formatHex(key));
    String md5;
    try {
      md5 = Base64.getEncoder().encodeToString(MessageDigest.getInstance("MD5").digest(key));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("MD5 is part of every JDK", e);
    }
    return new S3Encryption(Mode.SSE_C, null, b64, md5);
  }

  /**
   * Reads an SSE-C key: exactly 32 raw bytes, or the base64 of 32 bytes (surrounding whitespace and
   * a trailing newline are ignored). The file's content is never quoted in an error.
   */
  static byte[] readKeyFile(Path file) {
    return KeyFiles.read256("--s3-sse-c-key-file", file, "SSE-C key");
  }

  public Mode mode() {
    return mode;
  }

  public boolean isNone() {
    return mode == Mode.NONE;
  }

  /** The KMS key id of SSE-KMS, or null (the bucket's default KMS key). */
  public String kmsKeyId() {
    return kmsKeyId;
  }

  /** The base64 MD5 of the SSE-C key (not secret: S3 returns it), or null. */
  public String customerKeyMd5() {
    return customerKeyMd5;
  }

  /** Applies to a single-request upload. */
  void apply(PutObjectRequest.Builder b) {
    switch (mode) {
      case SSE_S3 -> b.serverSideEncryption(ServerSideEncryption.AES256);
      case SSE_KMS -> b.serverSideEncryption(ServerSideEncryption.AWS_KMS).ssekmsKeyId(kmsKeyId);
      case SSE_C ->
          b.sseCustomerAlgorithm("AES256")
              .sseCustomerKey(customerKeyBase64)
              .sseCustomerKeyMD5(customerKeyMd5);
      case NONE -> {}
    }
  }

  /** Applies to the start of a multipart upload. */
  void apply(CreateMultipartUploadRequest.Builder b) {
    switch (mode) {
      case SSE_S3 -> b.serverSideEncryption(ServerSideEncryption.AES256);
      case SSE_KMS -> b.serverSideEncryption(ServerSideEncryption.AWS_KMS).ssekmsKeyId(kmsKeyId);
      case SSE_C ->
          b.sseCustomerAlgorithm("AES256")
              .sseCustomerKey(customerKeyBase64)
              .sseCustomerKeyMD5(customerKeyMd5);
      case NONE -> {}
    }
  }

  /** Applies to a part: only SSE-C (S3 refuses the SSE-S3/KMS headers on a part). */
  void apply(UploadPartRequest.Builder b) {
    if (mode == Mode.SSE_C) {
      b.sseCustomerAlgorithm("AES256")
          .sseCustomerKey(customerKeyBase64)
          .sseCustomerKeyMD5(customerKeyMd5);
    }
  }

  /**
   * Applies to the completion of a multipart upload: only SSE-C (AWS asks for the key there when
   * the parts carry checksums; sending it otherwise is accepted).
   */
  void apply(CompleteMultipartUploadRequest.Builder b) {
    if (mode == Mode.SSE_C) {
      b.sseCustomerAlgorithm("AES256")
          .sseCustomerKey(customerKeyBase64)
          .sseCustomerKeyMD5(customerKeyMd5);
    }
  }

  /** Applies to a download: only SSE-C (S3 answers 400 to SSE-S3/KMS headers on a GET). */
  void apply(GetObjectRequest.Builder b) {
    if (mode == Mode.SSE_C) {
      b.sseCustomerAlgorithm("AES256")
          .sseCustomerKey(customerKeyBase64)
          .sseCustomerKeyMD5(customerKeyMd5);
    }
  }

  /** Applies to a HEAD: only SSE-C (S3 answers 400 to a HEAD of an SSE-C object without it). */
  void apply(HeadObjectRequest.Builder b) {
    if (mode == Mode.SSE_C) {
      b.sseCustomerAlgorithm("AES256")
          .sseCustomerKey(customerKeyBase64)
          .sseCustomerKeyMD5(customerKeyMd5);
    }
  }

  /**
   * Checks that the store's answer to a write confirms the encryption asked for. A store that does
   * not implement SSE may accept the headers and ignore them; then the objects would be stored
   * unencrypted, which is what the option exists to prevent.
   *
   * @throws StorageException (DENIED, so never retried) naming {@code object} and what was missing
   */
  void confirm(
      String object, ServerSideEncryption sse, String customerAlgorithm, String customerKeyMd5) {
    String missing =
        switch (mode) {
          case NONE -> null;
          case SSE_S3 ->
              sse == ServerSideEncryption.AES256
                  ? null
                  : "x-amz-server-side-encryption: AES256 (it answered " + answer(sse) + ")";
          case SSE_KMS ->
              sse == ServerSideEncryption.AWS_KMS || sse == ServerSideEncryption.AWS_KMS_DSSE
                  ? null
                  : "x-amz-server-side-encryption: aws:kms (it answered " + answer(sse) + ")";
          case SSE_C ->
              "AES256".equals(customerAlgorithm) && this.customerKeyMd5.equals(customerKeyMd5)
                  ? null
                  : "x-amz-server-side-encryption-customer-algorithm: AES256 and the key's MD5"
                      + " (it answered "
                      + (customerAlgorithm == null
                          ? "without them"
                          : "algorithm \"" + customerAlgorithm + "\"")
                      + ")";
        };
    if (missing != null) {
      throw new StorageException(
          Kind.DENIED,
          object,
          "the store did not confirm "
              + this
              + " for "
              + object
              + ": its answer lacks "
              + missing
              + ". It does not implement this server-side encryption (or ignores it), so the"
              + " object would be stored unencrypted; the object is removed and nothing is"
              + " stored this way. Use a store that supports it, or another --s3-sse mode");
    }
  }

  private static String answer(ServerSideEncryption sse) {
    return sse == null ? "without it" : "\"" + sse + "\"";
  }

  /** What a person reads in logs: the mode and, for SSE-KMS, the key id; never an SSE-C key. */
  @Override
  public String toString() {
    return switch (mode) {
      case NONE -> "no server-side encryption";
      case SSE_S3 -> "SSE-S3 (AES256)";
      case SSE_KMS ->
          "SSE-KMS ("
              + (kmsKeyId == null ? "the bucket's default KMS key" : "KMS key " + kmsKeyId)
              + ")";
      case SSE_C -> "SSE-C (customer key with MD5 " + customerKeyMd5 + ")";
    };
  }
}
