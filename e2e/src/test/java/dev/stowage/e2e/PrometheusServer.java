package dev.stowage.e2e;

import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real Prometheus (Debian's {@code prometheus} package, {@code /usr/bin/prometheus}; {@code
 * PROMETHEUS} overrides the binary) run by a test: it listens on 127.0.0.1 on a free port, keeps
 * its data in a temp directory, scrapes the given targets as job {@code stowage-operator} every 5 s
 * with {@code honor_labels} (as the shipped PodMonitor does) and evaluates the given rule files.
 * {@link #close} stops it and deletes the directory.
 */
final class PrometheusServer implements AutoCloseable {

  static final String JOB = "stowage-operator";

  private final Process process;
  private final Path dir;
  private final int port;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private static final ObjectMapper JSON = new ObjectMapper();

  private PrometheusServer(Process process, Path dir, int port) {
    this.process = process;
    this.dir = dir;
    this.port = port;
  }

  /** Starts Prometheus scraping {@code target} (host:port, path /metrics) and waits until ready. */
  static PrometheusServer start(String target, Path... ruleFiles) throws IOException {
    String binary = System.getenv().getOrDefault("PROMETHEUS", "/usr/bin/prometheus");
    if (!Files.isExecutable(Path.of(binary))) {
      throw new IllegalStateException(
          binary
              + " is not there: install Debian's prometheus package (scripts/ensure-deps.sh does)"
              + " or set PROMETHEUS to its binary");
    }
    Path dir = Files.createTempDirectory("stowage-e2e-prometheus-");
    StringBuilder config = new StringBuilder();
    config.append("global:\n  scrape_interval: 5s\n  evaluation_interval: 5s\n");
    config.append("rule_files:\n");
    for (Path r : ruleFiles) {
      config
          .append("  - ")
          .append(JSON.writeValueAsString(r.toAbsolutePath().toString()))
          .append('\n');
    }
    config
        .append("scrape_configs:\n  - job_name: ")
        .append(JOB)
        .append("\n    honor_labels: true\n    metrics_path: /metrics\n")
        .append("    static_configs:\n      - targets: [")
        .append(JSON.writeValueAsString(target))
        .append("]\n");
    Files.writeString(dir.resolve("prometheus.yml"), config);
    int port = freePort();
    Process p =
        new ProcessBuilder(
                binary,
                "--config.file=" + dir.resolve("prometheus.yml"),
                "--storage.tsdb.path=" + dir.resolve("data"),
                "--storage.tsdb.retention.time=1h",
                "--web.listen-address=127.0.0.1:" + port,
                "--log.level=warn")
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("prometheus.log").toFile())
            .start();
    PrometheusServer server = new PrometheusServer(p, dir, port);
    try {
      await("Prometheus ready on 127.0.0.1:" + port)
          .atMost(Duration.ofSeconds(60))
          .pollInterval(Duration.ofMillis(500))
          .until(
              () -> {
                if (!p.isAlive()) {
                  throw new IllegalStateException(
                      "Prometheus exited with " + p.exitValue() + ":\n" + server.log());
                }
                return server.get("/-/ready").statusCode() == 200;
              });
    } catch (RuntimeException e) {
      server.close();
      throw e;
    }
    return server;
  }

  /** The result of an instant query, {@code data.result}; fails on an error of Prometheus. */
  JsonNode query(String promql) {
    HttpResponse<String> r =
        get("/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8));
    JsonNode body = parse(r.body());
    if (r.statusCode() != 200 || !"success".equals(body.path("status").asText())) {
      throw new PromQlError(
          promql, body.path("errorType").asText() + ": " + body.path("error").asText(r.body()));
    }
    return body.path("data").path("result");
  }

  /** Prometheus's {@code /api/v1/<path>} as JSON ({@code data}). */
  JsonNode api(String path) {
    return parse(get("/api/v1/" + path).body()).path("data");
  }

  /** Prometheus's own log (for failure messages). */
  String log() {
    try {
      return Files.readString(dir.resolve("prometheus.log"));
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }

  /** A query Prometheus refused (a parse or evaluation error). */
  static final class PromQlError extends RuntimeException {
    PromQlError(String promql, String error) {
      super(error + " in: " + promql);
    }
  }

  private HttpResponse<String> get(String path) {
    try {
      return http.send(
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
              .timeout(Duration.ofSeconds(30))
              .GET()
              .build(),
          HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new UncheckedIOException("GET " + path + " from Prometheus", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private JsonNode parse(String body) {
    try {
      return JSON.readTree(body);
    } catch (IOException e) {
      throw new UncheckedIOException("Prometheus answered no JSON: " + body, e);
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(20, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
    try (Stream<Path> files = Files.walk(dir)) {
      List<Path> all = new ArrayList<>(files.sorted(Comparator.reverseOrder()).toList());
      for (Path f : all) {
        Files.deleteIfExists(f);
      }
    } catch (IOException e) {
      System.err.println("could not delete " + dir + ": " + e);
    }
  }
}
