package dev.stowage.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/**
 * The VolumeSnapshot and clone claim of a snapshot-mode backup, named here before they are created.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class SnapshotStatus {
  @JsonPropertyDescription(
      "Name of the VolumeSnapshot of the source claim, recorded before it is created.")
  private String name;

  @JsonPropertyDescription(
      "When the storage system cut the snapshot (its status.creationTime, RFC 3339): the point in"
          + " time the backup represents.")
  private String creationTime;

  @JsonPropertyDescription("Whether the snapshot was ready to be cloned.")
  private Boolean readyToUse;

  @JsonPropertyDescription(
      "Name of the temporary claim cloned from the snapshot, which the engine Job reads;"
          + " recorded before it is created, deleted when the Job has finished.")
  private String cloneClaim;

  @JsonPropertyDescription(
      "FlushTablesWithReadLock: when the operator issued FLUSH TABLES WITH READ LOCK (RFC 3339),"
          + " recorded before the VolumeSnapshot is created.")
  private String readLockTime;

  @JsonPropertyDescription(
      "FlushTablesWithReadLock: how long writes were blocked, in milliseconds, from the FLUSH"
          + " statement to UNLOCK TABLES once the snapshot had its creationTime.")
  private Long readLockHeldMillis;

  public String getReadLockTime() {
    return readLockTime;
  }

  public void setReadLockTime(String readLockTime) {
    this.readLockTime = readLockTime;
  }

  public Long getReadLockHeldMillis() {
    return readLockHeldMillis;
  }

  public void setReadLockHeldMillis(Long readLockHeldMillis) {
    this.readLockHeldMillis = readLockHeldMillis;
  }

  public String getName() {
    return name;
  }

  public void setName(String name) {
    this.name = name;
  }

  public String getCreationTime() {
    return creationTime;
  }

  public void setCreationTime(String creationTime) {
    this.creationTime = creationTime;
  }

  public Boolean getReadyToUse() {
    return readyToUse;
  }

  public void setReadyToUse(Boolean readyToUse) {
    this.readyToUse = readyToUse;
  }

  public String getCloneClaim() {
    return cloneClaim;
  }

  public void setCloneClaim(String cloneClaim) {
    this.cloneClaim = cloneClaim;
  }
}
