package dev.stowage.engine.storage.s3;

import dev.stowage.engine.error.ServerText;
import dev.stowage.engine.error.StorageException;
import dev.stowage.engine.error.StorageException.Kind;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.model.S3Exception;

/** Turns SDK failures into storage errors that say what is wrong and what to check. */
final class S3Errors {
  private S3Errors() {}

  static StorageException translate(SdkException e, S3Options o, String what, String verb) {
    String target = what == null ? "s3://" + o.bucket() : what;
    String endpoint = o.endpoint() == null ? "AWS S3" : o.endpoint().toString();
    if (e instanceof S3Exception s3) {
      String code = s3.awsErrorDetails() == null ? "" : s3.awsErrorDetails().errorCode();
      int status = s3.statusCode();
      String prefix =
          "cannot "
              + verb
              + " "
              + target
              + ": "
              + (code == null || code.isEmpty() ? "HTTP " + status : ServerText.code(code));
      StorageException encryption = encryptionError(s3, code, status, o, target, prefix, verb);
      if (encryption != null) {
        return encryption;
      }
      switch (code == null ? "" : code) {
        case "NoSuchBucket":
          return new StorageException(
              Kind.NOT_FOUND,
              target,
              prefix
                  + ": bucket \""
                  + o.bucket()
                  + "\" does not exist at "
                  + endpoint
                  + "; check the bucket name and the endpoint",
              e);
        case "NoSuchKey":
          return new StorageException(Kind.NOT_FOUND, target, prefix + ": it does not exist", e);
        case "InvalidAccessKeyId":
        case "XAdminUserNotFound": // VersityGW's answer to an unknown access key
          return new StorageException(
              Kind.DENIED,
              target,
              prefix
                  + ": "
                  + endpoint
                  + " does not know"
                  + " this access key; check the credentials (AWS_ACCESS_KEY_ID, profile or web identity)",
              e);
        case "SignatureDoesNotMatch":
          return new StorageException(
              Kind.DENIED,
              target,
              prefix
                  + ": the secret key does not match"
                  + " the access key; check AWS_SECRET_ACCESS_KEY (or the profile)",
              e);
        case "AccessDenied":
          return new StorageException(
              Kind.DENIED,
              target,
              prefix
                  + ": the credentials are valid but"
                  + " may not "
                  + verb
                  + " it; grant the permission on s3://"
                  + o.bucket()
                  + (o.encryption().isNone() && !verb.equals("download") && !verb.equals("look up")
                      ? " (a bucket policy that requires server-side encryption refuses writes"
                          + " without it: then set --s3-sse)"
                      : ""),
              e);
        case "PermanentRedirect":
        case "AuthorizationHeaderMalformed":
          return new StorageException(
              Kind.OTHER,
              target,
              prefix + ": the bucket is in another region;" + " set region=... in the storage URL",
              e);
        default:
          break;
      }
      if (status == 404) {
        return new StorageException(Kind.NOT_FOUND, target, prefix + ": not found", e);
      }
      if (status == 403 || status == 401) {
        return new StorageException(
            Kind.DENIED,
            target,
            prefix + ": access denied; check the" + " credentials and their permissions",
            e);
      }
      if (status >= 500
          || status == 429
          || "SlowDown".equals(code)
          || "RequestTimeout".equals(code)) {
        return new StorageException(
            Kind.TRANSIENT,
            target,
            prefix + " (the server is failing or" + " throttling; retried)",
            e);
      }
      // The server's own words, quoted and capped: never its whole body.
      return new StorageException(
          Kind.OTHER,
          target,
          prefix + ": the server says " + ServerText.quote(s3.getMessage(), ServerText.MAX_MESSAGE),
          e);
    }
    Throwable root = rootCause(e);
    if (root instanceof UnknownHostException || root instanceof ConnectException) {
      return new StorageException(
          Kind.UNREACHABLE,
          target,
          "cannot "
              + verb
              + " "
              + target
              + ": cannot reach "
              + endpoint
              + " ("
              + root
              + "); check the endpoint option and the network",
          e);
    }
    if (root instanceof SocketTimeoutException) {
      return new StorageException(
          Kind.TRANSIENT,
          target,
          "cannot "
              + verb
              + " "
              + target
              + ": "
              + endpoint
              + " stopped answering ("
              + ServerText.quote(root.getMessage(), ServerText.MAX_MESSAGE)
              + ")",
          e);
    }
    if (e instanceof SdkClientException
        && String.valueOf(e.getMessage()).contains("Unable to load credentials")) {
      return new StorageException(
          Kind.DENIED,
          target,
          "cannot "
              + verb
              + " "
              + target
              + (String.valueOf(e.getMessage()).contains(CredentialFiles.DIR_ENV)
                  ? ": " + e.getMessage()
                  : ": no S3 credentials found; set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY,"
                      + " AWS_PROFILE, "
                      + CredentialFiles.DIR_ENV
                      + " or a web identity token (IRSA)"),
          e);
    }
    return new StorageException(
        Kind.TRANSIENT,
        target,
        "cannot "
            + verb
            + " "
            + target
            + ": "
            + ServerText.quote(firstLine(e.getMessage()), ServerText.MAX_MESSAGE),
        e);
  }

  /**
   * The answers S3 gives when server-side encryption is in the way: an SSE-C object read without
   * its key (400 InvalidRequest; a HEAD says only 400) or with another key (403), SSE-C parameters
   * for an object that has none, SSE-C over http, and a KMS key the credentials may not use (403
   * AccessDenied naming a kms: action, or a KMS.* error code). Null when it is none of these.
   */
  private static StorageException encryptionError(
      S3Exception e,
      String code,
      int status,
      S3Options o,
      String target,
      String prefix,
      String verb) {
    S3Encryption sse = o.encryption();
    String message =
        String.valueOf(
            e.awsErrorDetails() == null ? e.getMessage() : e.awsErrorDetails().errorMessage());
    String lower = message.toLowerCase(java.util.Locale.ROOT);
    boolean reading = verb.equals("download") || verb.equals("look up");
    String c = code == null ? "" : code;
    if (status == 400
        && (c.isEmpty() || c.equals("InvalidRequest") || c.equals("InvalidArgument"))) {
      if (lower.contains("secure connection")) {
        return denied(
            target,
            prefix + ": the store accepts SSE-C keys only over https; use an https:// endpoint",
            e);
      }
      if (lower.contains("not applicable to this object")) {
        return denied(
            target,
            prefix
                + ": the object is not encrypted with a customer key (SSE-C), so the store refuses"
                + " the key of --s3-sse-c-key-file for it; leave --s3-sse-c-key-file out for this"
                + " backup",
            e);
      }
      if (reading
          && sse.mode() != S3Encryption.Mode.SSE_C
          && (lower.contains("server side encryption")
              || lower.contains("server-side encryption"))) {
        return denied(
            target,
            prefix
                + ": the object is encrypted with a customer key (SSE-C); give that key with"
                + " --s3-sse-c-key-file PATH (32 raw bytes or their base64)",
            e);
      }
      if (verb.equals("look up") && c.isEmpty() && sse.mode() != S3Encryption.Mode.SSE_C) {
        // A HEAD answer has no body; S3 gives this bare 400 for an SSE-C object asked without
        // its key, so say so, as a possibility.
        return new StorageException(
            Kind.OTHER,
            target,
            prefix
                + ": the server says "
                + ServerText.quote(e.getMessage(), ServerText.MAX_MESSAGE)
                + ". A HEAD answer has no body to say why; S3 answers a HEAD of an object stored"
                + " with SSE-C this way when the key is not given: if the backup was written with"
                + " SSE-C, give its key with --s3-sse-c-key-file PATH",
            e);
      }
    }
    if (reading
        && sse.mode() == S3Encryption.Mode.SSE_C
        && status == 403
        && !c.equals("SignatureDoesNotMatch")
        && !c.equals("InvalidAccessKeyId")) {
      return denied(
          target,
          prefix
              + ": access denied. With SSE-C this is the answer to a key that is not the one the"
              + " object was written with: check that --s3-sse-c-key-file holds that key (its MD5"
              + " is "
              + sse.customerKeyMd5()
              + "); otherwise check the credentials and their permissions",
          e);
    }
    if (c.startsWith("KMS.") || (status == 403 && lower.contains("kms:"))) {
      return denied(
          target,
          prefix
              + ": the KMS key of the object's SSE-KMS encryption cannot be used"
              + (sse.kmsKeyId() == null ? "" : " (--s3-sse-kms-key-id " + sse.kmsKeyId() + ")")
              + ": the store says "
              + ServerText.quote(message, ServerText.MAX_MESSAGE)
              + ". Writing needs kms:GenerateDataKey, reading kms:Decrypt on the key: grant them"
              + " in the key policy or the credentials' IAM policy, or name a key that exists and"
              + " is enabled",
          e);
    }
    return null;
  }

  private static StorageException denied(String target, String message, S3Exception e) {
    return new StorageException(Kind.DENIED, target, message, e);
  }

  private static Throwable rootCause(Throwable t) {
    Throwable c = t;
    while (c.getCause() != null && c.getCause() != c) {
      c = c.getCause();
    }
    return c;
  }

  private static String firstLine(String s) {
    if (s == null) {
      return "unknown error";
    }
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }
}
