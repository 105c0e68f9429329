package dev.stowage.operator.status;

import io.fabric8.kubernetes.client.CustomResource;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.PrimaryUpdateAndCacheUtils;

/**
 * Writes a resource's status to the API server before the reconciler acts on what it records (the
 * replica count before a scale-down, the backup's name before its Job), and makes the next
 * reconcile read it back even if the informer has not caught up.
 */
public interface StatusWriter {

  <S, P extends CustomResource<?, S>> P write(P resource, S status, Context<P> context);

  /** The real one: an optimistic-locking status update, cached for the next reconcile. */
  static StatusWriter kubernetes() {
    return new StatusWriter() {
      @Override
      public <S, P extends CustomResource<?, S>> P write(P resource, S status, Context<P> context) {
        return PrimaryUpdateAndCacheUtils.updateStatusAndCacheResource(
            resource,
            context,
            r -> {
              r.setStatus(status);
              return r;
            });
      }
    };
  }
}
