package dev.stowage.operator.testing;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.api.config.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.IndexedResourceCache;
import io.javaoperatorsdk.operator.api.reconciler.RetryInfo;
import io.javaoperatorsdk.operator.api.reconciler.dependent.managed.ManagedWorkflowAndDependentResourceContext;
import io.javaoperatorsdk.operator.processing.event.EventSourceRetriever;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;

/**
 * A hand-written JOSDK context for reconciler tests. The reconcilers reach the cluster only through
 * {@link dev.stowage.operator.cluster.Cluster} and their {@code StatusWriter}, so every other
 * method says loudly that a reconciler started to depend on it.
 */
public final class TestContext<P extends HasMetadata> implements Context<P> {

  private final P primary;
  private final RetryInfo retry;

  public TestContext(P primary) {
    this(primary, null);
  }

  private TestContext(P primary, RetryInfo retry) {
    this.primary = primary;
    this.retry = retry;
  }

  /** A context for JOSDK's given retry attempt after an error. */
  public static <P extends HasMetadata> TestContext<P> retrying(
      P primary, int attempt, boolean last) {
    return new TestContext<>(
        primary,
        new RetryInfo() {
          @Override
          public int getAttemptCount() {
            return attempt;
          }

          @Override
          public boolean isLastAttempt() {
            return last;
          }
        });
  }

  @Override
  public Optional<RetryInfo> getRetryInfo() {
    return Optional.ofNullable(retry);
  }

  @Override
  public <R> Set<R> getSecondaryResources(Class<R> expectedType) {
    throw unused("getSecondaryResources");
  }

  @Override
  public <R> Optional<R> getSecondaryResource(Class<R> expectedType, String eventSourceName) {
    throw unused("getSecondaryResource");
  }

  @Override
  public ControllerConfiguration<P> getControllerConfiguration() {
    throw unused("getControllerConfiguration");
  }

  @Override
  public ManagedWorkflowAndDependentResourceContext managedWorkflowAndDependentResourceContext() {
    throw unused("managedWorkflowAndDependentResourceContext");
  }

  @Override
  public EventSourceRetriever<P> eventSourceRetriever() {
    throw unused("eventSourceRetriever");
  }

  @Override
  public KubernetesClient getClient() {
    throw unused("getClient");
  }

  @Override
  public ExecutorService getWorkflowExecutorService() {
    throw unused("getWorkflowExecutorService");
  }

  @Override
  public P getPrimaryResource() {
    return primary;
  }

  @Override
  public IndexedResourceCache<P> getPrimaryCache() {
    throw unused("getPrimaryCache");
  }

  @Override
  public boolean isNextReconciliationImminent() {
    return false;
  }

  @Override
  public boolean isPrimaryResourceDeleted() {
    return false;
  }

  @Override
  public boolean isPrimaryResourceFinalStateUnknown() {
    return false;
  }

  private static UnsupportedOperationException unused(String method) {
    return new UnsupportedOperationException(
        "reconcilers reach the cluster through Cluster and StatusWriter, not Context." + method);
  }
}
