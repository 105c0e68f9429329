package dev.stowage.operator.status;

import dev.stowage.operator.job.EngineStorage;
import dev.stowage.operator.status.EventRecorder.Type;
import io.fabric8.kubernetes.api.model.HasMetadata;

/** The Warning event of an engine Job that reaches its storage over plain http://. */
public final class InsecureEndpoint {
  private InsecureEndpoint() {}

  /** Records the warning on {@code resource} when {@code storage} is plain http://. */
  public static void warn(EventRecorder events, HasMetadata resource, EngineStorage storage) {
    if (storage.insecureEndpoint() == null) {
      return;
    }
    events.record(
        resource,
        Type.Warning,
        Reason.InsecureEndpoint,
        "the engine reaches "
            + storage.insecureEndpoint()
            + " over plain http://: the access key id, request signatures and all data cross the"
            + " network unencrypted (storage.s3.insecure: true); use https:// outside a trusted"
            + " network");
  }
}
