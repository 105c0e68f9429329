package dev.stowage.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import java.util.Map;

/** The metadata a created PersistentVolumeClaim gets. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ClaimMetadata {
  @Required
  @Size(max = 253)
  @Pattern(ApiPatterns.DNS_SUBDOMAIN)
  @JsonPropertyDescription(
      "Name of the claim, in this namespace. A claim of that name that already"
          + " exists is used only if the operator created it for this restore.")
  private String name;

  @Size(max = 64)
  @JsonPropertyDescription("Labels of the claim.")
  private Map<String, @Size(max = 63) String> labels;

  @Size(max = 64)
  @JsonPropertyDescription(
      "Not allowed: refused at apply time (annotations steer provisioners: selected node,"
          + " provisioner, storage parameters). Kept in the schema so that it is refused with a"
          + " message rather than dropped without one.")
  private Map<String, @Size(max = 4096) String> annotations;

  public String getName() {
    return name;
  }

  public void setName(String name) {
    this.name = name;
  }

  public Map<String, String> getLabels() {
    return labels;
  }

  public void setLabels(Map<String, String> labels) {
    this.labels = labels;
  }

  public Map<String, String> getAnnotations() {
    return annotations;
  }

  public void setAnnotations(Map<String, String> annotations) {
    this.annotations = annotations;
  }
}
