package dev.stowage.engine.storage.s3;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stowage.engine.testing.EngineProcess;
import dev.stowage.engine.testing.ProcessRunner;
import dev.stowage.engine.testing.s3.VersityGw;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 15, finding 2: the operator mounts the credentials Secret as files and names the directory
 * in STOWAGE_S3_CREDENTIALS_DIR; the engine, with no key in its environment, reaches a real S3
 * server with them, and a missing file fails naming it.
 */
class S3CredentialFilesIT {
  private static final String BUCKET = "stowage-files";
  static VersityGw s3;
  @TempDir Path tmp;

  @BeforeAll
  static void start() {
    EngineProcess.jar();
    s3 = VersityGw.start();
    s3.createBucket(BUCKET);
  }

  @AfterAll
  static void stop() {
    if (s3 != null) {
      s3.close();
    }
  }

  private static ProcessRunner.Result engine(Map<String, String> env, String... args) {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-jar");
    cmd.add(EngineProcess.jar().toString());
    cmd.addAll(List.of(args));
    return ProcessRunner.run(Duration.ofMinutes(5), null, env, cmd);
  }

  /** The environment of an engine pod: a region and the directory, no key. */
  private Map<String, String> filesOnly(Path dir) {
    return Map.of("AWS_REGION", "us-east-1", CredentialFiles.DIR_ENV, dir.toString());
  }

  @Test
  void theEngineReachesS3WithKeysFromFilesAlone() throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("credentials"));
    Files.writeString(dir.resolve("aws_access_key_id"), s3.accessKey() + "\n");
    Files.writeString(dir.resolve("aws_secret_access_key"), s3.secretKey() + "\n");

    ProcessRunner.Result check =
        engine(
            filesOnly(dir),
            "check",
            "--storage",
            s3.storageUrl(BUCKET, "files"),
            "--directory",
            "ns/db",
            "--name",
            "first");

    assertThat(check.exitCode()).as(check.stderr()).isZero();
    assertThat(check.stderr()).doesNotContain(s3.secretKey());
  }

  @Test
  void aMissingKeyFileFailsNamingTheFile() throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("partial"));
    Files.writeString(dir.resolve("aws_access_key_id"), s3.accessKey());

    ProcessRunner.Result ls =
        engine(
            filesOnly(dir),
            "ls",
            "--storage",
            s3.storageUrl(BUCKET, "files"),
            "--directory",
            "ns/db");

    assertThat(ls.exitCode()).isEqualTo(3);
    assertThat(ls.stderr())
        .contains(dir.resolve("aws_secret_access_key").toString())
        .contains("is missing or empty")
        .contains("credentialsSecretRef");
  }

  @Test
  void aWrongKeyInTheFilesIsDeniedLikeAWrongKeyInTheEnvironment() throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("wrong"));
    Files.writeString(dir.resolve("aws_access_key_id"), s3.accessKey());
    Files.writeString(dir.resolve("aws_secret_access_key"), "not-the-secret");

    ProcessRunner.Result ls =
        engine(
            filesOnly(dir),
            "ls",
            "--storage",
            s3.storageUrl(BUCKET, "files"),
            "--directory",
            "ns/db");

    assertThat(ls.exitCode()).isEqualTo(3);
    assertThat(ls.stderr()).contains("SignatureDoesNotMatch");
  }
}
