package dev.stowage.operator.testing;

import dev.stowage.operator.status.EventRecorder;
import dev.stowage.operator.status.Reason;
import io.fabric8.kubernetes.api.model.HasMetadata;
import java.util.ArrayList;
import java.util.List;

/** Keeps events as "Type Reason: message". */
public final class RecordingEvents implements EventRecorder {

  public final List<String> events = new ArrayList<>();

  @Override
  public void record(HasMetadata resource, Type type, Reason reason, String message) {
    events.add(type + " " + reason + ": " + message);
  }
}
