package dev.stowage.engine.storage.s3;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.stowage.engine.testing.EngineProcess;
import dev.stowage.engine.testing.MariaDbServer;
import dev.stowage.engine.testing.ProcessRunner;
import dev.stowage.engine.testing.SampleSchema;
import dev.stowage.engine.testing.s3.FaultProxy;
import dev.stowage.engine.testing.s3.FaultProxy.Fault;
import dev.stowage.engine.testing.s3.VersityGw;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The engine against a real S3 server (VersityGW on loopback), with a fault-injecting proxy between
 * them: a real MariaDB data directory goes through 500s, 503 SlowDown, connection resets and stalls
 * and comes back byte for byte; faults that never stop end in exit 3 naming the object.
 */
class S3BackupRestoreIT {
  private static final String BUCKET = "stowage-it";
  private static final ObjectMapper JSON = new ObjectMapper();
  @TempDir static Path shared;
  static VersityGw s3;
  static Path source;
  static Map<String, String> checksums;

  @BeforeAll
  static void startServerAndMakeData() {
    EngineProcess.jar();
    s3 = VersityGw.start();
    s3.createBucket(BUCKET);
    source = shared.resolve("source");
    try (MariaDbServer server = MariaDbServer.installAndStart(source, shared.resolve("run-src"))) {
      SampleSchema.load(server);
      checksums = server.checksums(server.tables().keySet());
      server.shutdown();
    }
  }

  @AfterAll
  static void stopServer() {
    if (s3 != null) {
      s3.close();
    }
  }

  private static ProcessRunner.Result engine(Map<String, String> env, String... args) {
    return engineInJvm(List.of(), env, args);
  }

  private static ProcessRunner.Result engineInJvm(
      List<String> jvmOptions, Map<String, String> env, String... args) {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(jvmOptions);
    cmd.add("-jar");
    cmd.add(EngineProcess.jar().toString());
    cmd.addAll(List.of(args));
    return ProcessRunner.run(Duration.ofMinutes(10), null, env, cmd);
  }

  private static ProcessRunner.Result engine(String... args) {
    return engine(s3.sdkEnvironment(), args);
  }

  /** Small parts and a short read timeout so multipart uploads and stalls happen on test data. */
  private static String url(FaultProxy proxy, String prefix) {
    return s3.storageUrl(proxy == null ? s3.endpoint() : proxy.endpoint(), BUCKET, prefix)
        + "&partSize=5Mi&readTimeout=3s";
  }

  @Test
  void backupAndRestoreThroughInjectedFaultsComeBackByteForByte() throws Exception {
    try (FaultProxy proxy = FaultProxy.start(s3.endpoint())) {
      String url = url(proxy, "faults");
      proxy.inject(Fault.internalError(), "PUT", "/db/b1/", 3);
      proxy.inject(Fault.slowDown(), "PUT", "/db/b1/", 3);
      proxy.inject(Fault.resetMidBody(), "PUT", "partNumber", 2);
      proxy.inject(Fault.slowDown(), "POST", "uploads", 1);
      Path result = shared.resolve("backup.json");
      ProcessRunner.Result b =
          engine(
              "backup",
              "--datadir",
              source.toString(),
              "--storage",
              url,
              "--directory",
              "it/db",
              "--name",
              "b1",
              "--chunk-threshold",
              "32Mi",
              "--chunk-size",
              "32Mi",
              "--result-file",
              result.toString(),
              "--quiet");
      assertThat(b.exitCode()).as("%s%n%s", b, proxy.events()).isZero();
      JsonNode r = JSON.readTree(result.toFile());
      assertThat(r.get("chunks").asLong()).as("the big table is chunked").isGreaterThan(1);
      assertThat(proxy.events())
          .anyMatch(e -> e.contains("partNumber"))
          .anyMatch(e -> e.contains("SlowDown"))
          .anyMatch(e -> e.contains("InternalError"));

      proxy.clearRules();
      proxy.inject(Fault.internalError(), "GET", "/db/b1/MANIFEST", 2);
      proxy.inject(Fault.slowDown(), "GET", "/db/b1/", 3);
      // Chunk objects ("<file>-<chunk>") are large: cut them in the middle of the body.
      proxy.inject(Fault.resetMidBody(), "GET", "-0", 2);
      proxy.inject(Fault.stallMidBody(Duration.ofSeconds(8)), "GET", "-1", 1);
      Path target = shared.resolve("restored");
      ProcessRunner.Result rs =
          engine(
              "restore",
              "--storage",
              url,
              "--directory",
              "it/db",
              "--name",
              "latest",
              "--datadir",
              target.toString(),
              "--quiet");
      assertThat(rs.exitCode()).as("%s%n%s", rs, proxy.events()).isZero();
      assertThat(proxy.events())
          .anyMatch(e -> e.contains("reset"))
          .anyMatch(e -> e.contains("stall"));
      try (MariaDbServer restored = MariaDbServer.start(target, shared.resolve("run-restored"))) {
        assertThat(restored.checksums(checksums.keySet())).isEqualTo(checksums);
      }
    }
  }

  @Test
  void lsVerifyInspectAndRmWorkOnS3() throws Exception {
    String url = url(null, "tools");
    assertThat(
            engine(
                    "backup",
                    "--datadir",
                    source.toString(),
                    "--storage",
                    url,
                    "--directory",
                    "it/db",
                    "--name",
                    "2026-01-01.000000.a",
                    "--quiet")
                .exitCode())
        .isZero();
    assertThat(
            engine(
                    "backup",
                    "--datadir",
                    source.toString(),
                    "--storage",
                    url,
                    "--directory",
                    "it/db",
                    "--name",
                    "2026-01-02.000000.a",
                    "--quiet")
                .exitCode())
        .isZero();
    ProcessRunner.Result twice =
        engine(
            "backup",
            "--datadir",
            source.toString(),
            "--storage",
            url,
            "--directory",
            "it/db",
            "--name",
            "2026-01-02.000000.a",
            "--quiet");
    assertThat(twice.exitCode()).as("a complete backup is never overwritten").isEqualTo(5);
    assertThat(twice.stderr()).contains("already exists");
    ProcessRunner.Result ls = engine("ls", "--storage", url, "--directory", "it/db");
    assertThat(ls.stdout()).containsSubsequence("2026-01-01.000000.a", "2026-01-02.000000.a");
    assertThat(
            engine("verify", "--storage", url, "--directory", "it/db", "--name", "latest")
                .exitCode())
        .isZero();
    assertThat(
            engine("inspect", "--storage", url, "--directory", "it/db", "--name", "latest")
                .stdout())
        .contains("2026-01-02.000000.a")
        .contains("MANIFEST:     valid");

    ProcessRunner.Result rm =
        engine("rm", "--storage", url, "--directory", "it/db", "--name", "2026-01-01.000000.a");
    assertThat(rm.exitCode()).isZero();
    assertThat(rm.stdout()).contains("deleted");
    try (S3Client client = s3.clientBuilder().build()) {
      assertThat(
              client
                  .listObjectsV2(r -> r.bucket(BUCKET).prefix("tools/it/db/2026-01-01.000000.a/"))
                  .contents())
          .isEmpty();
    }
    ProcessRunner.Result again =
        engine("rm", "--storage", url, "--directory", "it/db", "--name", "2026-01-01.000000.a");
    assertThat(again.exitCode()).isZero();
    assertThat(again.stdout()).contains("nothing to delete");
    assertThat(engine("ls", "--storage", url, "--directory", "it/db").stdout())
        .doesNotContain("2026-01-01.000000.a");
  }

  /**
   * Every backup worker holds an upload part (5 MiB here) on the heap: 64 of them do not fit in a
   * 64 MiB heap, which used to fail with "Java heap space" (at 48 MiB, seen). Fewer run (half the
   * heap over 5 MiB, a region and the TLS buffer each: 4 or 5 as G1 reports the heap), the log says
   * why, and the backup verifies.
   */
  @Test
  void aBackupWithMoreUploadPartsThanTheHeapHoldsRunsWithFewerWorkersAndSaysSo() {
    String url = url(null, "heap");
    ProcessRunner.Result b =
        engineInJvm(
            List.of("-Xmx64m"),
            s3.sdkEnvironment(),
            "backup",
            "--datadir",
            source.toString(),
            "--storage",
            url,
            "--directory",
            "it/db",
            "--name",
            "h1",
            "--chunk-threshold",
            "4Mi",
            "--chunk-size",
            "4Mi",
            "--concurrency",
            "64",
            "--quiet");

    assertThat(b.exitCode()).as("%s", b).isZero();
    assertThat(b.stderr())
        .containsPattern("--concurrency 64: only [45] backup workers fit in this JVM's heap")
        .contains("-Xmx");
    ProcessRunner.Result v =
        engine("verify", "--storage", url, "--directory", "it/db", "--name", "h1");
    assertThat(v.exitCode()).as("%s", v).isZero();
  }

  @Test
  void faultsThatNeverStopExitThreeNamingTheObjectAndLeaveNoManifest() throws Exception {
    try (FaultProxy proxy = FaultProxy.start(s3.endpoint())) {
      String url = url(proxy, "persistent");
      proxy.injectAlways(Fault.internalError(), "PUT", "/db/b2/0");
      ProcessRunner.Result b =
          engine(
              "backup",
              "--datadir",
              source.toString(),
              "--storage",
              url,
              "--directory",
              "it/db",
              "--name",
              "b2",
              "--quiet");
      assertThat(b.exitCode()).as("%s", b).isEqualTo(3);
      assertThat(b.stderr()).contains("b2/0").contains("InternalError").contains("no MANIFEST");
      proxy.clearRules();
      assertThat(engine("ls", "--storage", url, "--directory", "it/db").stdout())
          .doesNotContain("b2");

      // A download that fails every time: restore exits 3 naming the object, the marker stays.
      assertThat(
              engine(
                      "backup",
                      "--datadir",
                      source.toString(),
                      "--storage",
                      url,
                      "--directory",
                      "it/db",
                      "--name",
                      "b3",
                      "--quiet")
                  .exitCode())
          .isZero();
      proxy.injectAlways(Fault.slowDown(), "GET", "/db/b3/1");
      Path target = shared.resolve("never");
      ProcessRunner.Result r =
          engine(
              "restore",
              "--storage",
              url,
              "--directory",
              "it/db",
              "--name",
              "b3",
              "--datadir",
              target.toString(),
              "--quiet");
      assertThat(r.exitCode()).as("%s", r).isEqualTo(3);
      assertThat(r.stderr()).contains("b3/1").contains("SlowDown");
      assertThat(target.resolve(".stowage-restore-in-progress")).exists();
    }
  }

  @Test
  void aBackupKilledHalfwayLeavesNoManifestAndALaterOneSucceeds() throws Exception {
    try (FaultProxy proxy = FaultProxy.start(s3.endpoint())) {
      String url = url(proxy, "killed");
      // Should every object be stored before the kill, the MANIFEST upload hangs: never written.
      proxy.injectAlways(Fault.stall(Duration.ofSeconds(60)), "PUT", "/db/k1/MANIFEST");
      List<String> cmd =
          List.of(
              Path.of(System.getProperty("java.home"), "bin", "java").toString(),
              "-jar",
              EngineProcess.jar().toString(),
              "backup",
              "--datadir",
              source.toString(),
              "--storage",
              url,
              "--directory",
              "it/db",
              "--name",
              "k1",
              "--quiet",
              "--chunk-threshold",
              "8Mi",
              "--chunk-size",
              "8Mi");
      ProcessBuilder pb =
          new ProcessBuilder(cmd)
              .redirectErrorStream(true)
              .redirectOutput(shared.resolve("killed.log").toFile());
      pb.environment().putAll(s3.sdkEnvironment());
      Process p = pb.start();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (proxy.events().stream()
                  .filter(e -> e.startsWith("PUT") && e.endsWith("-> 200"))
                  .count()
              < 5
          && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      assertThat(p.isAlive()).as("backup still running after 5 uploads").isTrue();
      new ProcessBuilder("kill", "-KILL", Long.toString(p.pid())).start().waitFor();
      p.waitFor(30, TimeUnit.SECONDS);
      proxy.clearRules();
      try (S3Client client = s3.clientBuilder().build()) {
        var keys =
            client.listObjectsV2(r -> r.bucket(BUCKET).prefix("killed/it/db/k1/")).contents();
        assertThat(keys).as("some objects were stored").isNotEmpty();
        assertThat(keys).noneMatch(o -> o.key().endsWith("/MANIFEST"));
      }
      assertThat(engine("ls", "--storage", url, "--directory", "it/db").stdout())
          .doesNotContain("k1");
      // The killed run's lock stays until it is stale: a rerun at once is refused...
      ProcessRunner.Result early =
          engine(
              "backup",
              "--datadir",
              source.toString(),
              "--storage",
              url,
              "--directory",
              "it/db",
              "--name",
              "k1",
              "--quiet");
      assertThat(early.exitCode()).as("%s", early).isEqualTo(5);
      assertThat(early.stderr()).contains("being written by another run");
      // ...and one after the stale time takes the interrupted backup over.
      Thread.sleep(3000);
      ProcessRunner.Result again =
          engine(
              "backup",
              "--datadir",
              source.toString(),
              "--storage",
              url,
              "--directory",
              "it/db",
              "--name",
              "k1",
              "--quiet",
              "--lock-stale-after",
              "2s");
      assertThat(again.exitCode()).as("%s", again).isZero();
      assertThat(again.stderr()).contains("took over");
      assertThat(
              engine("verify", "--storage", url, "--directory", "it/db", "--name", "k1").exitCode())
          .isZero();
    }
  }

  @Test
  void wrongCredentialsMissingBucketAndWrongEndpointEachSayWhat() throws Exception {
    String url = url(null, "errors");
    Map<String, String> badSecret = new HashMap<>(s3.sdkEnvironment());
    badSecret.put("AWS_SECRET_ACCESS_KEY", "not-the-secret-0123456789");
    ProcessRunner.Result a = engine(badSecret, "ls", "--storage", url, "--directory", "it/db");
    assertThat(a.exitCode()).isEqualTo(3);
    assertThat(a.stderr())
        .contains("secret key")
        .doesNotContain("not-the-secret-0123456789")
        .doesNotContain(s3.secretKey());

    // A backup starts with a HEAD of the MANIFEST, whose 403 has no body: the message must still
    // say which credential is wrong.
    ProcessRunner.Result hb =
        engine(
            badSecret,
            "backup",
            "--datadir",
            source.toString(),
            "--storage",
            url,
            "--directory",
            "it/db",
            "--name",
            "denied");
    assertThat(hb.exitCode()).isEqualTo(3);
    assertThat(hb.stderr()).contains("SignatureDoesNotMatch").contains("AWS_SECRET_ACCESS_KEY");

    Map<String, String> badKey = new HashMap<>(s3.sdkEnvironment());
    badKey.put("AWS_ACCESS_KEY_ID", "UNKNOWNKEY");
    ProcessRunner.Result k = engine(badKey, "ls", "--storage", url, "--directory", "it/db");
    assertThat(k.exitCode()).isEqualTo(3);
    assertThat(k.stderr()).contains("access key").contains("credentials");

    ProcessRunner.Result nb =
        engine("ls", "--storage", s3.storageUrl("no-such-bucket", "x"), "--directory", "it/db");
    assertThat(nb.exitCode()).isEqualTo(3);
    assertThat(nb.stderr()).contains("bucket \"no-such-bucket\" does not exist");

    int closed;
    try (ServerSocket ss = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      closed = ss.getLocalPort();
    }
    ProcessRunner.Result ne =
        engine(
            "ls",
            "--storage",
            s3.storageUrl(java.net.URI.create("http://127.0.0.1:" + closed), BUCKET, "x"),
            "--directory",
            "it/db");
    assertThat(ne.exitCode()).isEqualTo(3);
    assertThat(ne.stderr()).contains("cannot reach http://127.0.0.1:" + closed);
    assertThat(a.stderr() + k.stderr() + nb.stderr() + ne.stderr()).doesNotContain(s3.secretKey());
  }
}
