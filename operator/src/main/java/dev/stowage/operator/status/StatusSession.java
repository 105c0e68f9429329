package dev.stowage.operator.status;

import dev.stowage.api.v1alpha1.EngineRunStatus;
import dev.stowage.api.v1alpha1.ObservedStatus;
import dev.stowage.api.v1alpha1.Phase;
import io.fabric8.kubernetes.client.CustomResource;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import java.util.function.Supplier;

/**
 * The status one reconcile builds, for every reconciler: a copy of the stored one, written at once
 * when an action depends on it and at the end only if it changed, with the generation observed.
 */
public final class StatusSession<S extends ObservedStatus, P extends CustomResource<?, S>> {
  private final StatusWriter writer;
  private final Context<P> context;
  private final Class<S> type;
  private final Long generation;
  private final S before;
  private final S status;
  private P current;
  private boolean written;

  /**
   * @param empty the status of a resource that has none yet
   */
  public StatusSession(
      P resource, Context<P> context, StatusWriter writer, Class<S> type, Supplier<S> empty) {
    this.writer = writer;
    this.context = context;
    this.type = type;
    this.generation = resource.getMetadata().getGeneration();
    this.current = resource;
    this.before = StatusCopies.copy(resource.getStatus(), type);
    this.status = before == null ? empty.get() : StatusCopies.copy(before, type);
  }

  /** The status being built; the steps of the reconcile change it in place. */
  public S status() {
    return status;
  }

  /** Whether this reconcile finished the resource (Succeeded or Failed), to be reported once. */
  public boolean finishing() {
    if (!(status instanceof EngineRunStatus run)) {
      return false; // a schedule never finishes
    }
    Phase was = before == null ? null : ((EngineRunStatus) before).getPhase();
    return run.getPhase() != was && StatusProjector.isDone(run.getPhase());
  }

  /** Writes the status now, before acting on what it records. */
  public void saveNow() {
    status.setObservedGeneration(generation);
    current = writer.write(current, StatusCopies.copy(status, type), context);
    written = true;
  }

  /** Writes the status if it differs from the stored one. */
  public void saveIfChanged() {
    status.setObservedGeneration(generation);
    if (!StatusCopies.same(status, current.getStatus())) {
      current = writer.write(current, status, context);
      written = true;
    }
  }

  /**
   * Whether this reconcile wrote the status: the resource JOSDK handed in then has a stale
   * resourceVersion, so a patch JOSDK bases on it (removing the finalizer) would conflict.
   */
  public boolean written() {
    return written;
  }
}
