package dev.stowage.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.ValidationRule;

/**
 * Where backups are stored: an administrator's store, an S3 bucket or a PersistentVolumeClaim,
 * exactly one.
 */
@ValidationRule(
    value =
        "(has(self.s3) ? 1 : 0) + (has(self.persistentVolumeClaim) ? 1 : 0)"
            + " + (has(self.storeRef) ? 1 : 0) == 1",
    message = "set exactly one storage kind: storeRef, s3 or persistentVolumeClaim",
    reason = "FieldValueInvalid")
@JsonInclude(JsonInclude.Include.NON_NULL)
public class BackupStorage {
  @JsonPropertyDescription(
      "A storage location the cluster's administrators provide (ClusterBackupStore or"
          + " BackupStore): its bucket, endpoint, base prefix and credentials are theirs, and"
          + " this namespace's backups go under <prefix>/<namespace>/. The choice on shared"
          + " clusters, where inline s3 may be turned off.")
  private StoreRef storeRef;

  @JsonPropertyDescription("An S3 bucket, on AWS or any S3-compatible store.")
  private S3Storage s3;

  @JsonPropertyDescription(
      "A PersistentVolumeClaim, in the resource's namespace, mounted by the engine" + " Job.")
  private VolumeStorage persistentVolumeClaim;

  public StoreRef getStoreRef() {
    return storeRef;
  }

  public void setStoreRef(StoreRef storeRef) {
    this.storeRef = storeRef;
  }

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
