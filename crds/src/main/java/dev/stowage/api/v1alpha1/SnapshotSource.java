package dev.stowage.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

/**
 * A backup of the live volume: the operator takes a CSI VolumeSnapshot of the claim, clones it into
 * a temporary claim and runs the engine on the clone, so the database keeps running.
 */
@ValidationRule(
    value =
        "!has(self.consistency) || self.consistency != 'FlushTablesWithReadLock'"
            + " || (has(self.mysql) && has(self.mysql.connectionSecretRef))",
    message =
        "consistency FlushTablesWithReadLock connects to the server: set"
            + " mysql.connectionSecretRef to a Secret with host, port, user and password",
    reason = "FieldValueRequired")
@JsonInclude(JsonInclude.Include.NON_NULL)
public class SnapshotSource {
  @Size(max = 253)
  @Pattern(ApiPatterns.DNS_SUBDOMAIN)
  @JsonPropertyDescription(
      "The VolumeSnapshotClass of the snapshot. Unset: the class whose driver is the claim's"
          + " CSI driver, the one annotated snapshot.storage.kubernetes.io/is-default-class:"
          + " \"true\" when there are several.")
  private String volumeSnapshotClassName;

  @Size(max = 253)
  @Pattern(ApiPatterns.DNS_SUBDOMAIN)
  @JsonPropertyDescription(
      "The StorageClass of the temporary claim cloned from the snapshot. Unset: the source"
          + " claim's.")
  private String storageClassName;

  @Default("CrashConsistent")
  @JsonPropertyDescription(
      "CrashConsistent (default): the snapshot is taken with no connection to the server, and"
          + " InnoDB recovers it like after a power cut. FlushTablesWithReadLock: the snapshot is"
          + " taken under a brief global read lock (needs mysql.connectionSecretRef).")
  private SnapshotConsistency consistency;

  @JsonPropertyDescription("How to reach the server, for consistency FlushTablesWithReadLock.")
  private MysqlConnection mysql;

  @Min(1)
  @Max(600)
  @Default("30")
  @JsonPropertyDescription(
      "FlushTablesWithReadLock: the most seconds the global read lock may be held, counted from"
          + " the FLUSH statement (waiting for running statements included) to UNLOCK TABLES."
          + " When the snapshot has no creationTime by then, the lock is released and the backup"
          + " fails rather than stall the application. Default 30.")
  private Integer lockLimitSeconds;

  @Default("false")
  @JsonPropertyDescription(
      "Whether the VolumeSnapshot stays after the backup (it is owned by the MysqlBackup and goes"
          + " with it). Default false: it is deleted once the engine Job has finished.")
  private Boolean keepSnapshot;

  public String getVolumeSnapshotClassName() {
    return volumeSnapshotClassName;
  }

  public void setVolumeSnapshotClassName(String volumeSnapshotClassName) {
    this.volumeSnapshotClassName = volumeSnapshotClassName;
  }

  public String getStorageClassName() {
    return storageClassName;
  }

  public void setStorageClassName(String storageClassName) {
    this.storageClassName = storageClassName;
  }

  public SnapshotConsistency getConsistency() {
    return consistency;
  }

  public void setConsistency(SnapshotConsistency consistency) {
    this.consistency = consistency;
  }

  public MysqlConnection getMysql() {
    return mysql;
  }

  public void setMysql(MysqlConnection mysql) {
    this.mysql = mysql;
  }

  public Integer getLockLimitSeconds() {
    return lockLimitSeconds;
  }

  public void setLockLimitSeconds(Integer lockLimitSeconds) {
    this.lockLimitSeconds = lockLimitSeconds;
  }

  public Boolean getKeepSnapshot() {
    return keepSnapshot;
  }

  public void setKeepSnapshot(Boolean keepSnapshot) {
    this.keepSnapshot = keepSnapshot;
  }
}
