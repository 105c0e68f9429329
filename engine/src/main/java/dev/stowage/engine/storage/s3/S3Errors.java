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
                  + o.bucket(),
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
