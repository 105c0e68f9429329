package dev.stowage.operator.testing;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.stowage.operator.status.StatusWriter;
import io.fabric8.kubernetes.client.CustomResource;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import java.util.List;

/** Keeps each written status on the resource, like the API server would, and logs the write. */
public final class RecordingStatusWriter implements StatusWriter {

  private static final ObjectMapper JSON = new ObjectMapper();
  private final List<String> log;
  public int writes;

  public RecordingStatusWriter(List<String> log) {
    this.log = log;
  }

  @Override
  public <S, P extends CustomResource<?, S>> P write(P resource, S status, Context<P> context) {
    writes++;
    log.add("status " + JSON.valueToTree(status));
    resource.setStatus(status);
    // Every write makes a new resourceVersion, which a patch based on the old one conflicts with.
    String was = resource.getMetadata().getResourceVersion();
    resource
        .getMetadata()
        .setResourceVersion(Long.toString(was == null ? 1 : Long.parseLong(was) + 1));
    return resource;
  }
}
