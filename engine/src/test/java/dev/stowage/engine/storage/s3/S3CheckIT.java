package dev.stowage.engine.storage.s3;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stowage.engine.testing.EngineProcess;
import dev.stowage.engine.testing.ProcessRunner;
import dev.stowage.engine.testing.s3.VersityGw;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * {@code stowage check} against a real S3 server (VersityGW on loopback): the pre-flight the
 * operator runs before it stops a database, for each way a storage can be wrong.
 */
class S3CheckIT {
  private static final String BUCKET = "stowage-check-it";
  static VersityGw s3;

  @BeforeAll
  static void startServer() {
    EngineProcess.jar();
    s3 = VersityGw.start();
    s3.createBucket(BUCKET);
  }

  @AfterAll
  static void stopServer() {
    if (s3 != null) {
      s3.close();
    }
  }

  private static ProcessRunner.Result check(Map<String, String> env, String url, String name) {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-jar");
    cmd.add(EngineProcess.jar().toString());
    cmd.addAll(List.of("check", "--storage", url, "--directory", "it/db", "--name", name));
    return ProcessRunner.run(Duration.ofMinutes(2), null, env, cmd);
  }

  private static List<String> keys(String prefix) {
    try (S3Client c = s3.clientBuilder().build()) {
      return c.listObjectsV2(b -> b.bucket(BUCKET).prefix(prefix)).contents().stream()
          .map(S3Object::key)
          .toList();
    }
  }

  @Test
  void aWritableBucketWithAFreeNamePassesAndLeavesNoProbe() {
    ProcessRunner.Result r = check(s3.sdkEnvironment(), s3.storageUrl(BUCKET, "ok"), "b1");

    assertThat(r.exitCode()).as("%s", r).isZero();
    assertThat(keys("ok/")).isEmpty();
  }

  @Test
  void aWrongSecretKeyExitsThree() {
    Map<String, String> env = new HashMap<>(s3.sdkEnvironment());
    env.put("AWS_SECRET_ACCESS_KEY", "not-the-secret");

    ProcessRunner.Result r = check(env, s3.storageUrl(BUCKET, "denied"), "b1");

    assertThat(r.exitCode()).as("%s", r).isEqualTo(3);
  }

  @Test
  void aMissingBucketExitsThree() {
    ProcessRunner.Result r = check(s3.sdkEnvironment(), s3.storageUrl("no-such-bucket", "x"), "b1");

    assertThat(r.exitCode()).as("%s", r).isEqualTo(3);
    assertThat(r.output()).contains("no-such-bucket");
  }

  @Test
  void anUnreachableEndpointExitsThree() {
    String url =
        s3.storageUrl(java.net.URI.create("http://127.0.0.1:9"), BUCKET, "x") + "&readTimeout=2s";

    ProcessRunner.Result r = check(s3.sdkEnvironment(), url, "b1");

    assertThat(r.exitCode()).as("%s", r).isEqualTo(3);
  }

  @Test
  void aCompleteBackupOrALockOfTheNameExitsFive() {
    try (S3Client c = s3.clientBuilder().build()) {
      c.putObject(
          b -> b.bucket(BUCKET).key("taken/it/db/done/MANIFEST"), RequestBody.fromString("{}"));
      c.putObject(
          b -> b.bucket(BUCKET).key("taken/it/db/running/.stowage-lock"),
          RequestBody.fromString("held"));
    }

    ProcessRunner.Result done = check(s3.sdkEnvironment(), s3.storageUrl(BUCKET, "taken"), "done");
    ProcessRunner.Result running =
        check(s3.sdkEnvironment(), s3.storageUrl(BUCKET, "taken"), "running");

    assertThat(done.exitCode()).as("%s", done).isEqualTo(5);
    assertThat(done.output()).contains("a complete backup named done already exists");
    assertThat(running.exitCode()).as("%s", running).isEqualTo(5);
    assertThat(running.output()).contains(".stowage-lock");
    assertThat(keys("taken/"))
        .containsExactlyInAnyOrder(
            "taken/it/db/done/MANIFEST", "taken/it/db/running/.stowage-lock");
  }
}
