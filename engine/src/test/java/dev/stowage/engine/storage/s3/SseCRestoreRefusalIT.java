package dev.stowage.engine.storage.s3;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import dev.stowage.engine.testing.EngineProcess;
import dev.stowage.engine.testing.LoopbackCertificate;
import dev.stowage.engine.testing.ProcessRunner;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 15, finding 7: a restore of an SSE-C backup without its key, or with another key, fails
 * with a message naming {@code --s3-sse-c-key-file} before it writes or deletes anything.
 *
 * <p>VersityGW (the test S3 server) implements no SSE-C, so it cannot refuse such a read. The
 * endpoint here is a real HTTPS server on 127.0.0.1 (the JDK's) that answers object reads exactly
 * as AWS S3 documents for an object stored with SSE-C: a GET without the key is 400 {@code
 * InvalidRequest} with AWS's message, a HEAD without it a bare 400, and a read whose key MD5 is not
 * the object's key is 403 {@code AccessDenied}. It stands in for an encrypting store only for this
 * refusal; nothing else about S3 is imitated (a listing is empty, anything else is 501).
 */
class SseCRestoreRefusalIT {
  private static final byte[] OBJECT_KEY = new byte[32];
  private static final byte[] OTHER_KEY = new byte[32];

  static {
    for (int i = 0; i < 32; i++) {
      OBJECT_KEY[i] = (byte) (i + 1);
      OTHER_KEY[i] = (byte) (200 - i);
    }
  }

  @TempDir Path tmp;
  private HttpsServer server;
  private Path caPem;
  private String objectKeyMd5;
  private final List<String> requests = new CopyOnWriteArrayList<>();

  @BeforeEach
  void start() throws Exception {
    objectKeyMd5 =
        Base64.getEncoder().encodeToString(MessageDigest.getInstance("MD5").digest(OBJECT_KEY));
    LoopbackCertificate cert = LoopbackCertificate.create(tmp);
    caPem = cert.exportPem(tmp.resolve("tls.pem"));
    SSLContext ssl = cert.serverContext();
    server = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.setHttpsConfigurator(new HttpsConfigurator(ssl));
    server.createContext("/", this::answer);
    server.start();
  }

  @AfterEach
  void stop() {
    if (server != null) {
      server.stop(0);
    }
  }

  private static void run(String... cmd) {
    ProcessRunner.Result r = ProcessRunner.run(Duration.ofMinutes(1), cmd);
    assertThat(r.exitCode()).as("%s", r).isZero();
  }

  private void answer(HttpExchange ex) throws IOException {
    try (ex) {
      try (InputStream in = ex.getRequestBody()) {
        in.readAllBytes();
      }
      String method = ex.getRequestMethod();
      String query = ex.getRequestURI().getRawQuery();
      requests.add(method + " " + ex.getRequestURI());
      ex.getResponseHeaders().add("x-amz-request-id", "sse-c-refusal");
      if (method.equals("GET") && query != null && query.contains("list-type=2")) {
        send(
            ex,
            200,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><ListBucketResult"
                + " xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Name>b</Name><Prefix></Prefix>"
                + "<KeyCount>0</KeyCount><MaxKeys>1000</MaxKeys><IsTruncated>false</IsTruncated>"
                + "</ListBucketResult>");
        return;
      }
      if (!method.equals("GET") && !method.equals("HEAD")) {
        send(ex, 501, error("NotImplemented", "not part of this test"));
        return;
      }
      String md5 = ex.getRequestHeaders().getFirst("x-amz-server-side-encryption-customer-key-MD5");
      if (md5 == null) {
        send(
            ex,
            400,
            error(
                "InvalidRequest",
                "The object was stored using a form of Server Side Encryption. The correct"
                    + " parameters must be provided to retrieve the object."));
      } else if (!md5.equals(objectKeyMd5)) {
        send(ex, 403, error("AccessDenied", "Access Denied"));
      } else {
        send(ex, 501, error("NotImplemented", "the right key: not part of this test"));
      }
    }
  }

  private static String error(String code, String message) {
    return "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>"
        + code
        + "</Code><Message>"
        + message
        + "</Message><RequestId>sse-c-refusal</RequestId></Error>";
  }

  private static void send(HttpExchange ex, int status, String body) throws IOException {
    if (ex.getRequestMethod().equals("HEAD")) {
      ex.sendResponseHeaders(status, -1);
      return;
    }
    byte[] b = body.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().add("Content-Type", "application/xml");
    ex.sendResponseHeaders(status, b.length);
    ex.getResponseBody().write(b);
  }

  private String storageUrl() {
    return "s3://b/p?endpoint="
        + URLEncoder.encode(
            "https://127.0.0.1:" + server.getAddress().getPort(), StandardCharsets.UTF_8)
        + "&region=us-east-1&pathStyle=true&caBundle="
        + URLEncoder.encode(caPem.toString(), StandardCharsets.UTF_8);
  }

  /** A target holding an old data directory, restored over with --overwrite. */
  private Path target() throws IOException {
    Path t = tmp.resolve("target");
    Files.createDirectories(t.resolve("mysql"));
    Files.writeString(t.resolve("ibdata1"), "old system tablespace");
    Files.writeString(t.resolve("mysql/user.MYD"), "old");
    return t;
  }

  private ProcessRunner.Result restore(Path target, String... extra) {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-jar");
    cmd.add(EngineProcess.jar().toString());
    cmd.addAll(
        List.of(
            "restore",
            "--storage",
            storageUrl(),
            "--directory",
            "ns/db",
            "--name",
            "b1",
            "--datadir",
            target.toString(),
            "--overwrite",
            "--result-file",
            tmp.resolve("result.json").toString()));
    cmd.addAll(List.of(extra));
    return ProcessRunner.run(
        Duration.ofMinutes(2),
        null,
        Map.of(
            "AWS_ACCESS_KEY_ID", "AKIASSECTEST00000001",
            "AWS_SECRET_ACCESS_KEY", "sse-c-refusal-test-secret-0000000000000",
            "AWS_REGION", "us-east-1"),
        cmd);
  }

  private static void assertUntouched(Path t) throws IOException {
    assertThat(Files.readString(t.resolve("ibdata1"))).isEqualTo("old system tablespace");
    assertThat(Files.readString(t.resolve("mysql/user.MYD"))).isEqualTo("old");
    assertThat(t.resolve(".stowage-restore-in-progress")).doesNotExist();
    try (var s = Files.list(t)) {
      assertThat(s.map(p -> p.getFileName().toString()))
          .containsExactlyInAnyOrder("ibdata1", "mysql");
    }
  }

  @Test
  void restoreOfAnSseCBackupWithoutTheKeyFailsNamingTheOptionAndWritesNothing() throws Exception {
    Path t = target();

    ProcessRunner.Result r = restore(t);

    assertThat(r.exitCode()).as("%s", r).isEqualTo(3);
    assertThat(r.output())
        .contains("encrypted with a customer key (SSE-C)")
        .contains("--s3-sse-c-key-file");
    assertThat(Files.readString(tmp.resolve("result.json")))
        .contains("--s3-sse-c-key-file")
        .contains("\"exitCode\":3");
    assertThat(requests).anyMatch(q -> q.contains("MANIFEST"));
    assertUntouched(t);
  }

  @Test
  void restoreOfAnSseCBackupWithAnotherKeyFailsNamingTheKeyFileAndWritesNothing() throws Exception {
    Path t = target();
    Path wrong = tmp.resolve("wrong.key");
    Files.write(wrong, OTHER_KEY);

    ProcessRunner.Result r = restore(t, "--s3-sse-c-key-file", wrong.toString());

    assertThat(r.exitCode()).as("%s", r).isEqualTo(3);
    assertThat(r.output())
        .contains("not the one the object was written with")
        .contains("--s3-sse-c-key-file");
    String b64 = Base64.getEncoder().encodeToString(OTHER_KEY);
    assertThat(r.output()).doesNotContain(b64);
    assertThat(Files.readString(tmp.resolve("result.json"))).doesNotContain(b64);
    assertUntouched(t);
  }
}
