package dev.stowage.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.ValidationRule;

/** Where backups are stored: an S3 bucket or a PersistentVolumeClaim, exactly one. */
@ValidationRule(
    value = "has(self.s3) != has(self.persistentVolumeClaim)",
    message = "set exactly one storage kind: s3 or persistentVolumeClaim",
    reason = "FieldValueInvalid")
@JsonInclude(JsonInclude.Include.NON_NULL)
public class BackupStorage {
  @JsonPropertyDescription("An S3 bucket, on AWS or any S3-compatible store.")
  private S3Storage s3;

  @JsonPropertyDescription(
      "A PersistentVolumeClaim, in the resource's namespace, mounted by the engine" + " Job.")
  private VolumeStorage persistentVolumeClaim;

  public S3Storage getS3() {
    return s3;
  }

  public void setS3(S3Storage s3) {
    this.s3 = s3;
  }

  public VolumeStorage getPersistentVolumeClaim() {
    return persistentVolumeClaim;
  }

  public void setPersistentVolumeClaim(VolumeStorage persistentVolumeClaim) {
    this.persistentVolumeClaim = persistentVolumeClaim;
  }
}
