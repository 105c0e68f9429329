package dev.stowage.engine.storage.s3;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stowage.engine.testing.EngineProcess;
import dev.stowage.engine.testing.ProcessRunner;
import dev.stowage.engine.testing.s3.VersityGw;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * Issue 15, finding 7, against a real VersityGW (v1.7.0, posix backend). VersityGW implements no
 * server-side encryption: it accepts the SSE request headers of all three modes, ignores them,
 * stores the bytes as sent and answers without the confirming headers. So what can be proven here
 * is the engine's refusal to store backups unencrypted on such a store, for each mode, before any
 * data is read, leaving nothing in the bucket; and the checks made before anything is contacted.
 */
class S3EncryptionIT {
  private static final String BUCKET = "stowage-sse-it";
  private static final byte[] KEY = new byte[32];

  static {
    for (int i = 0; i < KEY.length; i++) {
      KEY[i] = (byte) (i * 13 + 5);
    }
  }

  private static final String KEY_B64 = Base64.getEncoder().encodeToString(KEY);

  static VersityGw http;
  static VersityGw https;

  @TempDir Path tmp;

  @BeforeAll
  static void startServers() {
    EngineProcess.jar();
    http = VersityGw.start();
    http.createBucket(BUCKET);
    https = VersityGw.startTls();
    https.createBucket(BUCKET);
  }

  @AfterAll
  static void stopServers() {
    if (http != null) {
      http.close();
    }
    if (https != null) {
      https.close();
    }
  }

  private static ProcessRunner.Result engine(VersityGw s3, List<String> args) {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-jar");
    cmd.add(EngineProcess.jar().toString());
    cmd.addAll(args);
    return ProcessRunner.run(Duration.ofMinutes(2), null, s3.sdkEnvironment(), cmd);
  }

  private static List<String> keys(VersityGw s3, String prefix) {
    try (S3Client c = s3.clientBuilder().build()) {
      return c.listObjectsV2(b -> b.bucket(BUCKET).prefix(prefix)).contents().stream()
          .map(S3Object::key)
          .toList();
    }
  }

  private Path dataDir() throws Exception {
    Path d = tmp.resolve("data");
    Files.createDirectories(d.resolve("db"));
    Files.write(d.resolve("db/t.ibd"), new byte[64 << 10]);
    Files.writeString(d.resolve("db/db.opt"), "default-character-set=utf8mb4\n");
    return d;
  }

  private Path keyFile() throws Exception {
    Path k = tmp.resolve("sse-c.key");
    Files.write(k, KEY);
    return k;
  }

  private ProcessRunner.Result backup(VersityGw s3, String prefix, String... sse) throws Exception {
    List<String> args =
        new ArrayList<>(
            List.of(
                "backup",
                "--datadir",
                dataDir().toString(),
                "--storage",
                s3.storageUrl(BUCKET, prefix),
                "--directory",
                "ns/db",
                "--name",
                "b1",
                "--quiet",
                "--result-file",
                tmp.resolve("result.json").toString()));
    args.addAll(List.of(sse));
    return engine(s3, args);
  }

  private String result() throws Exception {
    return Files.readString(tmp.resolve("result.json"));
  }

  @Test
  void sseS3BackupOnAStoreThatIgnoresSseIsRefusedAndLeavesNothing() throws Exception {
    ProcessRunner.Result r = backup(http, "sse-s3", "--s3-sse=AES256");

    assertThat(r.exitCode()).as("%s", r).isEqualTo(3);
    assertThat(r.output())
        .contains("did not confirm SSE-S3 (AES256)")
        .contains("x-amz-server-side-encryption: AES256 (it answered without it)")
        .contains("s3://" + BUCKET + "/sse-s3/ns/db/b1/");
    assertThat(result()).contains("\"exitCode\":3").contains("did not confirm SSE-S3");
    assertThat(keys(http, "sse-s3/")).isEmpty();
  }

  @Test
  void sseKmsBackupOnAStoreThatIgnoresSseIsRefusedAndLeavesNothing() throws Exception {
    ProcessRunner.Result r =
        backup(http, "sse-kms", "--s3-sse=aws:kms", "--s3-sse-kms-key-id=alias/backups");

    assertThat(r.exitCode()).as("%s", r).isEqualTo(3);
    assertThat(r.output()).contains("did not confirm SSE-KMS (KMS key alias/backups)");
    assertThat(keys(http, "sse-kms/")).isEmpty();
  }

  @Test
  void sseCBackupOnAStoreThatIgnoresSseIsRefusedAndTheKeyIsNeverPrinted() throws Exception {
    ProcessRunner.Result r = backup(https, "sse-c", "--s3-sse-c-key-file", keyFile().toString());

    assertThat(r.exitCode()).as("%s", r).isEqualTo(3);
    assertThat(r.output())
        .contains("S3 server-side encryption: SSE-C (customer key with MD5 ")
        .contains("did not confirm SSE-C")
        .contains("customer-algorithm: AES256 and the key's MD5 (it answered without them)");
    assertThat(keys(https, "sse-c/")).isEmpty();
    for (String text : List.of(r.output(), result())) {
      assertThat(text)
          .doesNotContain(KEY_B64)
          .doesNotContain(new String(KEY, StandardCharsets.ISO_8859_1));
    }
  }

  @Test
  void checkWithSseOnAStoreThatIgnoresItFailsBeforeADatabaseIsStopped() {
    ProcessRunner.Result r =
        engine(
            http,
            List.of(
                "check",
                "--storage",
                http.storageUrl(BUCKET, "check"),
                "--directory",
                "ns/db",
                "--name",
                "b1",
                "--s3-sse=AES256"));

    assertThat(r.exitCode()).as("%s", r).isEqualTo(3);
    assertThat(r.output()).contains("did not confirm SSE-S3");
    assertThat(keys(http, "check/")).isEmpty();
  }

  @Test
  void withoutSseTheSameBackupSucceeds() throws Exception {
    // The refusals above come from the SSE options, not from the store or the data.
    ProcessRunner.Result r = backup(http, "plain", "--s3-sse=none");

    assertThat(r.exitCode()).as("%s", r).isZero();
    assertThat(keys(http, "plain/ns/db/b1/")).contains("plain/ns/db/b1/MANIFEST");
  }

  @Test
  void sseCOverPlainHttpIsRefusedBeforeAnythingIsSent() throws Exception {
    ProcessRunner.Result r =
        backup(http, "sse-c-http", "--s3-sse-c-key-file", keyFile().toString());

    assertThat(r.exitCode()).as("%s", r).isEqualTo(2);
    assertThat(r.output()).contains("plain http").contains("https://");
    assertThat(keys(http, "sse-c-http/")).isEmpty();
  }

  @Test
  void restoreWithAnUnusableKeyFileExitsTwoNamingTheFileWithoutTouchingTheTarget()
      throws Exception {
    Path target = tmp.resolve("target");
    Files.createDirectories(target);
    Files.writeString(target.resolve("keep"), "old");
    Path shortKey = tmp.resolve("short.key");
    Files.write(shortKey, new byte[31]);
    for (Path keyFile : List.of(shortKey, tmp.resolve("missing.key"))) {
      ProcessRunner.Result r =
          engine(
              https,
              List.of(
                  "restore",
                  "--storage",
                  https.storageUrl(BUCKET, "sse-c"),
                  "--directory",
                  "ns/db",
                  "--name",
                  "b1",
                  "--datadir",
                  target.toString(),
                  "--overwrite",
                  "--s3-sse-c-key-file",
                  keyFile.toString()));

      assertThat(r.exitCode()).as("%s", r).isEqualTo(2);
      assertThat(r.output()).contains("--s3-sse-c-key-file " + keyFile);
      assertThat(Files.readString(target.resolve("keep"))).isEqualTo("old");
      assertThat(target.resolve(".stowage-restore-in-progress")).doesNotExist();
    }
  }

  @Test
  void sseCAndAnotherModeTogetherExitTwo() throws Exception {
    ProcessRunner.Result r =
        backup(https, "both", "--s3-sse=AES256", "--s3-sse-c-key-file", keyFile().toString());

    assertThat(r.exitCode()).as("%s", r).isEqualTo(2);
    assertThat(r.output()).contains("were both given");
    assertThat(keys(https, "both/")).isEmpty();
  }
}
