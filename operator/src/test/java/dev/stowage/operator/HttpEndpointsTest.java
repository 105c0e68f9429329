package dev.stowage.operator;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Counter;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** The probes and the metrics page over real HTTP on loopback. */
class HttpEndpointsTest {

  final HttpClient http = HttpClient.newHttpClient();

  HttpResponse<String> get(HttpEndpoints server, String path) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path)).build(),
        HttpResponse.BodyHandlers.ofString());
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
}
