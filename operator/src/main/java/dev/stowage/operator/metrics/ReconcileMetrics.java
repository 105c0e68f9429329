package dev.stowage.operator.metrics;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.javaoperatorsdk.operator.api.monitoring.Metrics;
import io.javaoperatorsdk.operator.api.reconciler.Constants;
import io.javaoperatorsdk.operator.api.reconciler.RetryInfo;
import io.javaoperatorsdk.operator.processing.Controller;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * JOSDK's reconciliations as Prometheus metrics, labelled {@code controller} (the reconciler's
 * name: mysqlbackup, mysqlrestore, mysqlbackupschedule): {@code stowage_reconciles_total{result}}
 * (success, error: a reconcile that threw and is retried), {@code stowage_reconcile_queue}
 * (resources submitted to the shared thread pool that no thread runs yet) and {@code
 * stowage_reconcile_running} (resources a thread reconciles now). Both counters and gauges exist
 * from the controller's registration, at 0, so the dashboard shows 0 rather than no data.
 */
public final class ReconcileMetrics implements Metrics {

  /** What a finished reconciliation ended as. */
  public enum Result {
    success,
    error
  }

  /** The resources one controller has submitted and started, by namespace/name. */
  private record Work(Set<String> submitted, Set<String> started) {}

  private final MeterRegistry registry;
  private final Map<String, Work> work = new ConcurrentHashMap<>();

  public ReconcileMetrics(MeterRegistry registry) {
    this.registry = registry;
  }

  @Override
  public void controllerRegistered(Controller<? extends HasMetadata> controller) {
    register(controller.getConfiguration().getName());
  }

  /** Creates the controller's meters at 0 (what {@link #controllerRegistered} does). */
  public void register(String controller) {
    work(controller);
  }

  @Override
  public void reconcileCustomResource(
      HasMetadata resource, RetryInfo retryInfo, Map<String, Object> metadata) {
    work(controller(metadata)).submitted().add(key(resource));
  }

  @Override
  public void reconciliationExecutionStarted(HasMetadata resource, Map<String, Object> metadata) {
    Work w = work(controller(metadata));
    w.submitted().add(key(resource));
    w.started().add(key(resource));
  }

  /** Called once per submission, also when JOSDK skips it without starting (resource gone). */
  @Override
  public void reconciliationExecutionFinished(HasMetadata resource, Map<String, Object> metadata) {
    Work w = work(controller(metadata));
    w.started().remove(key(resource));
    w.submitted().remove(key(resource));
  }

  @Override
  public void finishedReconciliation(HasMetadata resource, Map<String, Object> metadata) {
    counter(controller(metadata), Result.success).increment();
  }

  @Override
  public void failedReconciliation(
      HasMetadata resource, Exception exception, Map<String, Object> metadata) {
    counter(controller(metadata), Result.error).increment();
  }

  private Work work(String controller) {
    return work.computeIfAbsent(
        controller,
        c -> {
          Work w = new Work(ConcurrentHashMap.newKeySet(), ConcurrentHashMap.newKeySet());
          Gauge.builder(
                  "stowage.reconcile.queue",
                  w,
                  x -> Math.max(0, x.submitted().size() - x.started().size()))
              .description("Resources submitted for reconciliation that no thread runs yet")
              .tags("controller", c)
              .register(registry);
          Gauge.builder("stowage.reconcile.running", w, x -> x.started().size())
              .description("Resources being reconciled now")
              .tags("controller", c)
              .register(registry);
          for (Result r : Result.values()) {
            counter(c, r);
          }
          return w;
        });
  }

  private Counter counter(String controller, Result result) {
    return Counter.builder("stowage.reconciles")
        .description("Reconciliations finished, by result (error: it threw, and is retried)")
        .tags("controller", controller, "result", result.name())
        .register(registry);
  }

  private static String controller(Map<String, Object> metadata) {
    Object name = metadata == null ? null : metadata.get(Constants.CONTROLLER_NAME);
    return name == null ? "unknown" : name.toString();
  }

  private static String key(HasMetadata resource) {
    return resource.getMetadata().getNamespace() + "/" + resource.getMetadata().getName();
  }
}
