package dev.stowage.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimSpec;

/** A PersistentVolumeClaim to create for a restore. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class VolumeClaimTemplate {
  @Required
  @JsonPropertyDescription("Name, labels and annotations of the claim.")
  private ClaimMetadata metadata;

  @Required
  @JsonPropertyDescription(
      "Spec of the claim (storageClassName, accessModes, resources.requests.storage"
          + " large enough for the restored data directory).")
  private PersistentVolumeClaimSpec spec;

  public ClaimMetadata getMetadata() {
    return metadata;
  }

  public void setMetadata(ClaimMetadata metadata) {
    this.metadata = metadata;
  }

  public PersistentVolumeClaimSpec getSpec() {
    return spec;
  }

  public void setSpec(PersistentVolumeClaimSpec spec) {
    this.spec = spec;
  }
}
