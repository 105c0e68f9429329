package dev.stowage.operator.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The Grafana dashboard (deploy/components/grafana-dashboard) against the operator's meters: every
 * metric a panel or template variable queries is one the operator exports, so a rename on either
 * side fails here (MonitoringE2E then checks the same against a real Prometheus).
 */
class DashboardMetricsTest {
  static final Path DASHBOARD =
      Path.of("..", "deploy", "components", "grafana-dashboard", "stowage-dashboard.json");

  @Test
  void everyMetricTheDashboardQueriesIsExported() throws IOException {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    new JvmMemoryMetrics().bindTo(registry);
    ScheduleMetrics schedules = new ScheduleMetrics(registry);
    schedules.update(
        "prod",
        "nightly",
        new ScheduleMetrics.Snapshot(
            Instant.parse("2030-01-01T00:00:00Z"),
            Instant.parse("2030-01-02T02:35:00Z"),
            Instant.parse("2030-01-01T02:35:00Z"),
            Instant.parse("2030-01-03T02:30:00Z"),
            26 * 3600L,
            false,
            Instant.parse("2030-01-01T02:30:00Z"),
            12345L));
    schedules.missedRuns("prod", "nightly", "ConcurrencyForbid", 1);
    schedules.backupSucceeded("prod", "nightly", 12.0, 1000L, 400L);
    OperatorMetrics operator = new OperatorMetrics(registry);
    operator.backupFinished("prod", OperatorMetrics.Result.succeeded, 12.0, 1000L, 400L);
    operator.backupBlocked("prod", "uid-1", true);
    new ReconcileMetrics(registry).register("mysqlbackupschedule");
    String scrape = registry.scrape();

    Set<String> queried = new TreeSet<>();
    JsonNode dashboard = new ObjectMapper().readTree(DASHBOARD.toFile());
    Pattern metric = Pattern.compile("\\b(stowage_[a-z_]+|jvm_[a-z_]+)");
    for (JsonNode text : dashboard.findValues("expr")) {
      collect(metric.matcher(text.asText()), queried);
    }
    for (JsonNode v : dashboard.path("templating").path("list")) {
      collect(metric.matcher(v.path("definition").asText()), queried);
    }
    assertThat(queried).contains("stowage_schedule_runs_total", "stowage_reconciles_total");
    for (String name : queried) {
      assertThat(scrape)
          .as("the dashboard queries %s", name)
          .containsPattern("(?m)^" + name + "\\{");
    }
  }

  private static void collect(Matcher m, Set<String> into) {
    while (m.find()) {
      into.add(m.group(1));
    }
  }
}
