package dev.stowage.operator.schedule;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stowage.operator.metrics.ScheduleMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The schedule metrics as Prometheus scrapes them, checked against the names the shipped alerts
 * (deploy/components/prometheus-rules/rules.yaml) query: a rename on either side fails here.
 */
class ScheduleMetricsTest {
  static final Path RULES = Path.of("..", "deploy", "components", "prometheus-rules", "rules.yaml");

  final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  final ScheduleMetrics metrics = new ScheduleMetrics(registry);

  void exportEverything() {
    metrics.update(
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
    for (ScheduleMetrics.Run r : ScheduleMetrics.Run.values()) {
      metrics.runs("prod", "nightly", r, 1);
    }
    metrics.retentionDeleted("prod", "nightly", 2);
    metrics.retentionError("prod", "nightly");
  }

  @Test
  void everyMetricTheAlertsQueryIsExportedWithNamespaceAndScheduleLabels() throws IOException {
    exportEverything();
    String scrape = registry.scrape();
    Set<String> queried = new TreeSet<>();
    Matcher m = Pattern.compile("stowage_[a-z_]+").matcher(Files.readString(RULES));
    while (m.find()) {
      queried.add(m.group());
    }
    assertThat(queried).isNotEmpty();
    for (String name : queried) {
      assertThat(scrape)
          .as("rules.yaml queries %s", name)
          .containsPattern("(?m)^" + name + "\\{[^}]*namespace=\"prod\"[^}]*schedule=\"nightly\"");
    }
  }

  @Test
  void exportsTheNamesOfTheIssue() {
    exportEverything();
    String scrape = registry.scrape();
    for (String name :
        new String[] {
          "stowage_schedule_last_success_timestamp_seconds",
          "stowage_schedule_last_failure_timestamp_seconds",
          "stowage_schedule_next_run_timestamp_seconds",
          "stowage_schedule_overdue_after_seconds",
          "stowage_schedule_suspended",
          "stowage_schedule_runs_total",
          "stowage_schedule_oldest_restorable_timestamp_seconds",
          "stowage_schedule_bytes_stored",
          "stowage_retention_deleted_total",
          "stowage_retention_errors_total"
        }) {
      assertThat(scrape).containsPattern("(?m)^" + name + "\\{");
    }
    assertThat(scrape).contains("result=\"missed\"").contains("result=\"skipped\"");
  }

  @Test
  void countersStartAtZeroWithTheFirstGauges() {
    metrics.update(
        "prod",
        "fresh",
        new ScheduleMetrics.Snapshot(
            Instant.parse("2030-01-01T00:00:00Z"), null, null, null, 3600L, false, null, 0L));
    String scrape = registry.scrape();
    for (ScheduleMetrics.Run r : ScheduleMetrics.Run.values()) {
      assertThat(scrape)
          .contains(
              "stowage_schedule_runs_total{namespace=\"prod\",result=\""
                  + r
                  + "\",schedule=\"fresh\"} 0.0");
    }
    assertThat(scrape)
        .contains("stowage_retention_deleted_total{namespace=\"prod\",schedule=\"fresh\"} 0.0")
        .contains("stowage_retention_errors_total{namespace=\"prod\",schedule=\"fresh\"} 0.0");
  }

  @Test
  void missedRunsAreCountedByReason() {
    metrics.missedRuns("prod", "nightly", "ConcurrencyForbid", 2);
    metrics.missedRuns("prod", "nightly", "Suspended", 1);
    metrics.missedRuns("prod", "nightly", "Suspended", 0);
    assertThat(registry.scrape())
        .contains(
            "stowage_schedule_missed_runs_total{namespace=\"prod\",reason=\"ConcurrencyForbid\","
                + "schedule=\"nightly\"} 2.0")
        .contains(
            "stowage_schedule_missed_runs_total{namespace=\"prod\",reason=\"Suspended\","
                + "schedule=\"nightly\"} 1.0");
  }

  @Test
  void aSucceededBackupGivesTheNewestDurationAndBytesAndTheirTotals() {
    metrics.backupSucceeded("prod", "nightly", 10.0, 5000L, 2000L);
    metrics.backupSucceeded("prod", "nightly", 20.0, 7000L, null);
    String scrape = registry.scrape();
    assertThat(scrape)
        .contains(
            "stowage_schedule_last_backup_duration_seconds{namespace=\"prod\",schedule=\"nightly\"}"
                + " 20.0")
        .contains(
            "stowage_schedule_last_backup_read_bytes{namespace=\"prod\",schedule=\"nightly\"}"
                + " 7000.0")
        .contains(
            "stowage_schedule_backup_read_bytes_total{namespace=\"prod\",schedule=\"nightly\"}"
                + " 12000.0")
        .contains(
            "stowage_schedule_backup_stored_bytes_total{namespace=\"prod\",schedule=\"nightly\"}"
                + " 2000.0")
        .contains(
            "stowage_schedule_backup_duration_seconds_sum{namespace=\"prod\",schedule=\"nightly\"}"
                + " 30.0");
    metrics.forget("prod", "nightly");
    assertThat(registry.scrape()).doesNotContain("schedule=\"nightly\"");
  }

  @Test
  void aNeverSucceededScheduleHasNoLastSuccessSampleAndADeletedOneNoneAtAll() {
    metrics.update(
        "prod",
        "fresh",
        new ScheduleMetrics.Snapshot(
            Instant.parse("2030-01-01T00:00:00Z"), null, null, null, 3600L, false, null, 0L));
    assertThat(registry.scrape())
        .contains(
            "stowage_schedule_created_timestamp_seconds{namespace=\"prod\",schedule=\"fresh\"}")
        .doesNotContain(
            "stowage_schedule_last_success_timestamp_seconds{namespace=\"prod\",schedule=\"fresh\"}");
    metrics.forget("prod", "fresh");
    assertThat(registry.scrape()).doesNotContain("schedule=\"fresh\"");
  }
}
