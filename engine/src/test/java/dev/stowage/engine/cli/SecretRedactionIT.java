package dev.stowage.engine.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.stowage.engine.testing.EngineProcess;
import dev.stowage.engine.testing.ProcessRunner;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 10, case 12: an S3 endpoint that echoes the request headers (and, misconfigured, even the
 * secret) in its error answers must not get the session token, the secret key or the request
 * signature into the engine's stdout, stderr or result file.
 *
 * <p>The endpoint is a real HTTP server on 127.0.0.1 (the JDK's), answering every request with 400
 * and everything it received: in the XML error body and, for HEAD requests that have no body, in
 * the request-id headers the SDK puts into its exception messages.
 */
class SecretRedactionIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String ACCESS_KEY = "AKIAECHOTESTKEY00001";
  // Shaped like real ones: a 40-character secret, a base64 session token with '/', '+' and '='.
  private static final String SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEchoSecret";
  private static final String TOKEN =
      "IQoJb3JpZ2luX2VjEPr//////////wEaCXVzLWVhc3QtMSJHMEUCIQD+echo+session+token/Zm9vYmFy==";

  @TempDir Path tmp;
  private HttpServer server;
  private final List<String> signatures = new CopyOnWriteArrayList<>();
  private final List<String> authorizations = new CopyOnWriteArrayList<>();

  @BeforeEach
  void startEchoEndpoint() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/", this::echo);
    server.start();
  }

  @AfterEach
  void stop() {
    server.stop(0);
  }

  private void echo(HttpExchange ex) throws IOException {
    try (ex) {
      try (InputStream in = ex.getRequestBody()) {
        in.readAllBytes();
      }
      List<String> headers = new ArrayList<>();
      ex.getRequestHeaders().forEach((k, vs) -> vs.forEach(v -> headers.add(k + ": " + v)));
      String auth = ex.getRequestHeaders().getFirst("Authorization");
      if (auth != null) {
        authorizations.add(auth);
        Matcher m = Pattern.compile("Signature=([0-9a-f]+)").matcher(auth);
        if (m.find()) {
          signatures.add(m.group(1));
        }
      }
      String echoed =
          ex.getRequestMethod()
              + " "
              + ex.getRequestURI()
              + "?X-Amz-Credential="
              + ACCESS_KEY
              + "%2F20260101%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Signature=deadbeef0123"
              + " | "
              + String.join(" | ", headers)
              + " | server config: aws_secret_access_key="
              + SECRET;
      ex.getResponseHeaders().add("x-amz-request-id", "echo " + echoed);
      ex.getResponseHeaders().add("x-amz-id-2", String.join("; ", headers));
      if ("HEAD".equals(ex.getRequestMethod())) {
        ex.sendResponseHeaders(400, -1);
        return;
      }
      byte[] body =
          ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>InvalidArgument</Code>"
                  + "<Message>the request was:\n"
                  + xml(String.join("\n", headers))
                  + "\n"
                  + xml(echoed)
                  + "</Message><RequestId>echo</RequestId></Error>")
              .getBytes(StandardCharsets.UTF_8);
      ex.getResponseHeaders().add("Content-Type", "application/xml");
      ex.sendResponseHeaders(400, body.length);
      ex.getResponseBody().write(body);
    }
  }

  private static String xml(String s) {
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
  }

  private ProcessRunner.Result engine(String... args) {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-jar");
    cmd.add(EngineProcess.jar().toString());
    cmd.addAll(List.of(args));
    return ProcessRunner.run(
        Duration.ofMinutes(5),
        null,
        Map.of(
            "AWS_ACCESS_KEY_ID", ACCESS_KEY,
            "AWS_SECRET_ACCESS_KEY", SECRET,
            "AWS_SESSION_TOKEN", TOKEN,
            "AWS_REGION", "us-east-1"),
        cmd);
  }

  private String storageUrl() {
    String endpoint = "http://127.0.0.1:" + server.getAddress().getPort();
    return "s3://echo-bucket/prefix?endpoint="
        + URLEncoder.encode(endpoint, StandardCharsets.UTF_8)
        + "&region=us-east-1&pathStyle=true";
  }

  @Test
  void anEndpointEchoingRequestHeadersLeaksNoTokenSecretOrSignature() throws Exception {
    Path data = Files.createDirectories(tmp.resolve("data"));
    Files.writeString(data.resolve("aria_log_control"), "x");
    Path result = tmp.resolve("result.json");
    ProcessRunner.Result backup =
        engine(
            "backup",
            "--datadir",
            data.toString(),
            "--storage",
            storageUrl(),
            "--directory",
            "ns/db",
            "--name",
            "b1",
            "--quiet",
            "--result-file",
            result.toString());
    ProcessRunner.Result ls =
        engine(
            "ls",
            "--storage",
            storageUrl(),
            "--directory",
            "ns/db",
            "--result-file",
            tmp.resolve("ls.json").toString());

    assertThat(authorizations).as("the engine reached the endpoint, signed").isNotEmpty();
    assertThat(signatures).isNotEmpty();
    String resultText = Files.readString(result, StandardCharsets.UTF_8);
    String lsResultText = Files.readString(tmp.resolve("ls.json"), StandardCharsets.UTF_8);
    for (String out :
        List.of(backup.stdout(), backup.stderr(), resultText, ls.output(), lsResultText)) {
      assertThat(out)
          .doesNotContain(TOKEN)
          .doesNotContain(URLEncoder.encode(TOKEN, StandardCharsets.UTF_8))
          .doesNotContain(TOKEN.substring(0, 24))
          .doesNotContain(SECRET)
          .doesNotContain(URLEncoder.encode(SECRET, StandardCharsets.UTF_8))
          .doesNotContain("deadbeef0123")
          .doesNotContain("Credential=" + ACCESS_KEY)
          .doesNotContain(ACCESS_KEY + "%2F20260101");
      for (String signature : signatures) {
        assertThat(out).doesNotContain(signature);
      }
    }

    // And it still says what went wrong, where.
    assertThat(backup.exitCode()).as("%s", backup).isEqualTo(3);
    assertThat(backup.stderr()).contains("s3://echo-bucket/prefix/ns/db/b1").contains("400");
    assertThat(backup.stderr()).contains("***");
    JsonNode r = JSON.readTree(resultText);
    assertThat(r.get("status").asText()).isEqualTo("Failed");
    assertThat(r.get("exitCode").asInt()).isEqualTo(3);
    assertThat(r.get("error").asText()).contains("cannot").contains("echo-bucket").contains("400");
    assertThat(ls.exitCode()).as("%s", ls).isEqualTo(3);
    assertThat(ls.stderr()).contains("InvalidArgument").contains("***");
  }
}
