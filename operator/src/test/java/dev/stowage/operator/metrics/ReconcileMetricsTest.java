package dev.stowage.operator.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.javaoperatorsdk.operator.api.reconciler.Constants;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** JOSDK's callbacks, in the order its EventProcessor makes them, as Prometheus scrapes them. */
class ReconcileMetricsTest {

  final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  final ReconcileMetrics metrics = new ReconcileMetrics(registry);
  final Map<String, Object> schedules = Map.of(Constants.CONTROLLER_NAME, "schedules");

  static ConfigMap resource(String name) {
    return new ConfigMapBuilder()
        .withNewMetadata()
        .withNamespace("prod")
        .withName(name)
        .endMetadata()
        .build();
  }

  String sample(String name, String result) {
    return name
        + "{controller=\"schedules\""
        + (result == null ? "" : ",result=\"" + result + "\"")
        + "} ";
  }

  @Test
  void aRegisteredControllerHasEveryMeterAtZero() {
    metrics.register("schedules");
    assertThat(registry.scrape())
        .contains(sample("stowage_reconciles_total", "success") + "0.0")
        .contains(sample("stowage_reconciles_total", "error") + "0.0")
        .contains(sample("stowage_reconcile_queue", null) + "0.0")
        .contains(sample("stowage_reconcile_running", null) + "0.0");
  }

  @Test
  void submittedResourcesWaitInTheQueueUntilAThreadStartsThem() {
    metrics.register("schedules");
    metrics.reconcileCustomResource(resource("a"), null, schedules);
    metrics.reconcileCustomResource(resource("b"), null, schedules);
    assertThat(registry.scrape())
        .contains(sample("stowage_reconcile_queue", null) + "2.0")
        .contains(sample("stowage_reconcile_running", null) + "0.0");
    metrics.reconciliationExecutionStarted(resource("a"), schedules);
    assertThat(registry.scrape())
        .contains(sample("stowage_reconcile_queue", null) + "1.0")
        .contains(sample("stowage_reconcile_running", null) + "1.0");
    metrics.finishedReconciliation(resource("a"), schedules);
    metrics.reconciliationExecutionFinished(resource("a"), schedules);
    // b is skipped (its resource left the cache): finished without having started.
    metrics.reconciliationExecutionFinished(resource("b"), schedules);
    assertThat(registry.scrape())
        .contains(sample("stowage_reconcile_queue", null) + "0.0")
        .contains(sample("stowage_reconcile_running", null) + "0.0")
        .contains(sample("stowage_reconciles_total", "success") + "1.0");
  }

  @Test
  void aReconcileThatThrowsCountsAsAnErrorEachTime() {
    metrics.register("schedules");
    for (int i = 0; i < 3; i++) {
      metrics.reconcileCustomResource(resource("a"), null, schedules);
      metrics.reconciliationExecutionStarted(resource("a"), schedules);
      metrics.failedReconciliation(resource("a"), new IllegalStateException("boom"), schedules);
      metrics.reconciliationExecutionFinished(resource("a"), schedules);
    }
    assertThat(registry.scrape())
        .contains(sample("stowage_reconciles_total", "error") + "3.0")
        .contains(sample("stowage_reconciles_total", "success") + "0.0")
        .contains(sample("stowage_reconcile_running", null) + "0.0");
  }
}
