package dev.stowage.operator.status;

import io.fabric8.kubernetes.api.model.HasMetadata;

/** Records Kubernetes events on a resource; the same event is recorded once. */
public interface EventRecorder {

  enum Type {
    Normal,
    Warning
  }

  void record(HasMetadata resource, Type type, Reason reason, String message);
}
