package dev.stowage.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

/** Backups stored on a PersistentVolumeClaim that the engine Job mounts. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class VolumeStorage {
  @Required
  @Size(max = 253)
  @Pattern(ApiPatterns.DNS_SUBDOMAIN)
  @JsonPropertyDescription(
      "Name of the PersistentVolumeClaim, in the resource's namespace, that holds" + " backups.")
  private String claimName;

  @Size(max = 1024)
  @ValidationRule(
      value = ApiPatterns.RELATIVE_PATH_RULE,
      message = ApiPatterns.RELATIVE_PATH_MESSAGE,
      reason = "FieldValueInvalid")
  @JsonPropertyDescription(
      "Directory inside the volume under which backups are stored, relative to its"
          + " root (for example backups/mysql). It must exist. Unset: the volume's root.")
  private String path;

  public String getClaimName() {
    return claimName;
  }

  public void setClaimName(String claimName) {
    this.claimName = claimName;
  }

  public String getPath() {
    return path;
  }

  public void setPath(String path) {
    this.path = path;
  }
}
