package dev.stowage.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

/** The volume a restore writes into. */
@ValidationRule(
    value = "has(self.persistentVolumeClaim) != has(self.volumeClaimTemplate)",
    message =
        "set exactly one restore target: persistentVolumeClaim (an existing claim) or"
            + " volumeClaimTemplate (a claim to create)",
    reason = "FieldValueInvalid")
@JsonInclude(JsonInclude.Include.NON_NULL)
public class RestoreTarget {
  @Size(max = 253)
  @Pattern(ApiPatterns.DNS_SUBDOMAIN)
  @JsonPropertyDescription(
      "Name of an existing PersistentVolumeClaim in this namespace. The restore"
          + " waits while a running pod mounts it. Exactly one of persistentVolumeClaim or"
          + " volumeClaimTemplate.")
  private String persistentVolumeClaim;

  @JsonPropertyDescription(
      "A PersistentVolumeClaim that the operator creates, then restores into."
          + " Exactly one of persistentVolumeClaim or volumeClaimTemplate.")
  private VolumeClaimTemplate volumeClaimTemplate;

  @Size(max = 1024)
  @ValidationRule(
      value = ApiPatterns.RELATIVE_PATH_RULE,
      message = ApiPatterns.RELATIVE_PATH_MESSAGE,
      reason = "FieldValueInvalid")
  @JsonPropertyDescription(
      "Directory inside the volume that becomes the MySQL data directory, relative"
          + " to the volume's root (as source.subPath of the backup). Unset: the volume's root.")
  private String subPath;

  public String getPersistentVolumeClaim() {
    return persistentVolumeClaim;
  }

  public void setPersistentVolumeClaim(String persistentVolumeClaim) {
    this.persistentVolumeClaim = persistentVolumeClaim;
  }

  public VolumeClaimTemplate getVolumeClaimTemplate() {
    return volumeClaimTemplate;
  }

  public void setVolumeClaimTemplate(VolumeClaimTemplate volumeClaimTemplate) {
    this.volumeClaimTemplate = volumeClaimTemplate;
  }

  public String getSubPath() {
    return subPath;
  }

  public void setSubPath(String subPath) {
    this.subPath = subPath;
  }
}
