package dev.stowage.operator.cluster;

import dev.stowage.operator.job.EngineJobFactory;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;

/** The engine Jobs a reconciler watches, mapped to their owner of its kind. */
public final class EngineJobInformer {

  private EngineJobInformer() {}

  public static <P extends HasMetadata> InformerEventSource<Job, P> of(
      Class<P> owner, EventSourceContext<P> context) {
    var config =
        InformerEventSourceConfiguration.from(Job.class, owner)
            .withLabelSelector(EngineJobFactory.LABEL_MANAGED_BY + "=stowage-operator")
            .withInformerListLimit(ClusterCaches.LIST_PAGE)
            .build();
    return new InformerEventSource<>(config, context);
  }
}
