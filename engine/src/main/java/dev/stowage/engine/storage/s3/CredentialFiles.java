package dev.stowage.engine.storage.s3;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.core.exception.SdkClientException;

/**
 * S3 credentials read from files in a directory, as a Kubernetes Secret volume provides them:
 * {@code aws_access_key_id}, {@code aws_secret_access_key} and optionally {@code
 * aws_session_token}. The files are read again for every request, so a Secret rotated while a long
 * backup runs is picked up (the kubelet updates the files in place). Keys in files rather than
 * environment variables stay out of the process environment, which every child process and crash
 * report sees.
 */
public final class CredentialFiles implements AwsCredentialsProvider {
  /** The variable naming the directory; unset means the SDK's default provider chain. */
  public static final String DIR_ENV = "STOWAGE_S3_CREDENTIALS_DIR";

  static final String ACCESS_KEY_ID = "aws_access_key_id";
  static final String SECRET_ACCESS_KEY = "aws_secret_access_key";
  static final String SESSION_TOKEN = "aws_session_token";

  private final Path dir;

  public CredentialFiles(Path dir) {
    this.dir = dir;
  }

  /** The provider for {@link #DIR_ENV} in {@code env}, or empty when it is not set. */
  public static Optional<CredentialFiles> fromEnvironment(Map<String, String> env) {
    String dir = env.get(DIR_ENV);
    return dir == null || dir.isBlank()
        ? Optional.empty()
        : Optional.of(new CredentialFiles(Path.of(dir.trim())));
  }

  @Override
  public AwsCredentials resolveCredentials() {
    String id = required(ACCESS_KEY_ID);
    String secret = required(SECRET_ACCESS_KEY);
    Optional<String> token = read(SESSION_TOKEN);
    return token.isPresent()
        ? AwsSessionCredentials.create(id, secret, token.get())
        : AwsBasicCredentials.create(id, secret);
  }

  private String required(String file) {
    return read(file)
        .orElseThrow(
            () ->
                SdkClientException.create(
                    "Unable to load credentials: "
                        + dir.resolve(file)
                        + " ("
                        + DIR_ENV
                        + ") is missing or empty; the Secret of credentialsSecretRef must hold"
                        + " the access key id and the secret access key"));
  }

  /** A file's content without surrounding white space (a trailing newline is common). */
  private Optional<String> read(String file) {
    try {
      String value = Files.readString(dir.resolve(file), StandardCharsets.UTF_8).strip();
      return value.isEmpty() ? Optional.empty() : Optional.of(value);
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (IOException e) {
      throw SdkClientException.create(
          "Unable to load credentials: cannot read " + dir.resolve(file) + ": " + e, e);
    }
  }
}
