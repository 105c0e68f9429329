package dev.stowage.operator;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Counter;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** The probes and the metrics page over real HTTP on loopback. */
class HttpEndpointsTest {

  final HttpClient http = HttpClient.newHttpClient();

  HttpResponse<String> get(HttpEndpoints server, String path) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
            // Well below the liveness probe's timeoutSeconds (3) in deploy/operator.yaml.
            .timeout(Duration.ofSeconds(2))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  static HttpEndpoints healthy() throws Exception {
    return new HttpEndpoints(
        "127.0.0.1",
        0,
        () -> true,
        () -> true,
        new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
  }

  static Socket connect(HttpEndpoints server) throws Exception {
    Socket s = new Socket();
    s.connect(new InetSocketAddress("127.0.0.1", server.port()), 2000);
    return s;
  }

  @Test
  void clientsThatConnectAndSendNothingDoNotHoldUpHealthz() throws Exception {
    List<Socket> idle = new ArrayList<>();
    try (HttpEndpoints server = healthy()) {
      server.start();
      for (int i = 0; i < 20; i++) {
        idle.add(connect(server));
      }
      for (int i = 0; i < 3; i++) {
        assertThat(get(server, "/healthz").statusCode()).isEqualTo(200);
      }
    } finally {
      for (Socket s : idle) {
        s.close();
      }
    }
  }

  @Test
  void clientsSendingTheirHeadersByteByByteDoNotHoldUpHealthz() throws Exception {
    List<Socket> slow = new ArrayList<>();
    List<Thread> drips = new ArrayList<>();
    try (HttpEndpoints server = healthy()) {
      server.start();
      for (int i = 0; i < 8; i++) {
        Socket s = connect(server);
        slow.add(s);
        Thread t =
            new Thread(
                () -> {
                  byte[] head =
                      "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n\r\n"
                          .getBytes(StandardCharsets.US_ASCII);
                  try {
                    OutputStream out = s.getOutputStream();
                    for (byte b : head) {
                      out.write(b);
                      out.flush();
                      Thread.sleep(100);
                    }
                  } catch (Exception e) {
                    // closed by the server or by the test: either is fine here
                  }
                });
        t.setDaemon(true);
        t.start();
        drips.add(t);
      }
      Thread.sleep(300);
      for (int i = 0; i < 3; i++) {
        assertThat(get(server, "/healthz").statusCode()).isEqualTo(200);
      }
    } finally {
      for (Socket s : slow) {
        s.close();
      }
      for (Thread t : drips) {
        t.interrupt();
      }
    }
  }

  @Test
  void probesFollowTheOperatorAndMetricsArePrometheusText() throws Exception {
    AtomicBoolean ready = new AtomicBoolean(false);
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    Counter.builder("stowage.backups").tag("result", "succeeded").register(registry).increment();
    try (HttpEndpoints server =
        new HttpEndpoints("127.0.0.1", 0, () -> true, ready::get, registry)) {
      server.start();
      assertThat(get(server, "/healthz").statusCode()).isEqualTo(200);
      assertThat(get(server, "/readyz").statusCode()).isEqualTo(503);
      ready.set(true);
      assertThat(get(server, "/readyz").statusCode()).isEqualTo(200);
      HttpResponse<String> metrics = get(server, "/metrics");
      assertThat(metrics.statusCode()).isEqualTo(200);
      assertThat(metrics.body()).contains("stowage_backups_total{result=\"succeeded\"} 1.0");
    }
  }

  @Test
  void aProbeThatThrowsIsNotHealthy() throws Exception {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    try (HttpEndpoints server =
        new HttpEndpoints(
            "127.0.0.1",
            0,
            () -> {
              throw new IllegalStateException("informer stopped");
            },
            () -> true,
            registry)) {
      server.start();
      assertThat(get(server, "/healthz").statusCode()).isEqualTo(503);
    }
  }

  /** Reads until the server closes the connection; the bytes read, as text. */
  static String readUntilClosed(Socket s) throws Exception {
    s.setSoTimeout(10_000);
    InputStream in = s.getInputStream();
    return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
  }

  @Test
  void aClientThatSendsNothingIsCutOffAfterTheRequestTimeout() throws Exception {
    try (HttpEndpoints server =
            new HttpEndpoints(
                "127.0.0.1",
                0,
                () -> true,
                () -> true,
                new PrometheusMeterRegistry(PrometheusConfig.DEFAULT),
                Duration.ofMillis(500));
        Socket idle = connect(server)) {
      server.start();
      long start = System.nanoTime();
      assertThat(readUntilClosed(idle)).isEmpty();
      assertThat(Duration.ofNanos(System.nanoTime() - start))
          .isBetween(Duration.ofMillis(400), Duration.ofSeconds(3));
    }
  }

  @Test
  void aClientStillDrippingItsHeadIsCutOffAtTheDeadlineNotPerByte() throws Exception {
    try (HttpEndpoints server =
            new HttpEndpoints(
                "127.0.0.1",
                0,
                () -> true,
                () -> true,
                new PrometheusMeterRegistry(PrometheusConfig.DEFAULT),
                Duration.ofMillis(800));
        Socket slow = connect(server)) {
      server.start();
      long start = System.nanoTime();
      OutputStream out = slow.getOutputStream();
      boolean cutOff = false;
      // One byte every 100 ms, each well within any per-read timeout, for up to 5 seconds.
      for (int i = 0; i < 50 && !cutOff; i++) {
        try {
          out.write('a');
          out.flush();
          Thread.sleep(100);
        } catch (java.io.IOException e) {
          cutOff = true;
        }
      }
      if (!cutOff) {
        slow.setSoTimeout(100);
        try {
          cutOff = slow.getInputStream().read() < 0;
        } catch (java.io.IOException e) {
          cutOff = true;
        }
      }
      assertThat(cutOff).as("connection closed by the server").isTrue();
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
    }
  }

  @Test
  void anOversizedHeadIsRefusedWith431() throws Exception {
    try (HttpEndpoints server = healthy();
        Socket s = connect(server)) {
      server.start();
      s.getOutputStream()
          .write(
              ("GET /healthz HTTP/1.1\r\nX-Big: " + "a".repeat(HttpEndpoints.MAX_HEAD_BYTES))
                  .getBytes(StandardCharsets.US_ASCII));
      assertThat(readUntilClosed(s)).startsWith("HTTP/1.1 431 ");
    }
  }

  @Test
  void unknownPathsAndMethodsAndHeadRequests() throws Exception {
    try (HttpEndpoints server = healthy()) {
      server.start();
      assertThat(get(server, "/nope").statusCode()).isEqualTo(404);
      assertThat(get(server, "/healthz?verbose=1").statusCode()).isEqualTo(200);
      HttpResponse<String> post =
          http.send(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/healthz"))
                  .POST(HttpRequest.BodyPublishers.noBody())
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(post.statusCode()).isEqualTo(405);
      try (Socket s = connect(server)) {
        s.getOutputStream()
            .write("HEAD /healthz HTTP/1.0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        String reply = readUntilClosed(s);
        assertThat(reply).startsWith("HTTP/1.1 200 OK\r\n").endsWith("\r\n\r\n");
      }
      try (Socket s = connect(server)) {
        s.getOutputStream().write("garbage\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        assertThat(readUntilClosed(s)).startsWith("HTTP/1.1 400 ");
      }
    }
  }

  @Test
  void moreConnectionsThanTheLimitPushOutTheOldestIdleOne() throws Exception {
    List<Socket> idle = new ArrayList<>();
    try (HttpEndpoints server = healthy()) {
      server.start();
      for (int i = 0; i < HttpEndpoints.MAX_CONNECTIONS + 10; i++) {
        idle.add(connect(server));
      }
      assertThat(get(server, "/healthz").statusCode()).isEqualTo(200);
      // The first ones were pushed out to make room.
      assertThat(readUntilClosed(idle.get(0))).isEmpty();
    } finally {
      for (Socket s : idle) {
        s.close();
      }
    }
  }

  @Test
  void aHeadArrivingAByteAtATimeWithinTheTimeoutIsAnswered() throws Exception {
    try (HttpEndpoints server = healthy()) {
      server.start();
      for (String head :
          List.of("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n", "GET /readyz HTTP/1.0\n\n")) {
        try (Socket s = connect(server)) {
          s.setTcpNoDelay(true);
          OutputStream out = s.getOutputStream();
          for (byte b : head.getBytes(StandardCharsets.US_ASCII)) {
            out.write(b);
            out.flush();
            Thread.sleep(2);
          }
          assertThat(readUntilClosed(s)).startsWith("HTTP/1.1 200 OK\r\n").endsWith("\r\n\r\nok\n");
        }
      }
    }
  }
}
