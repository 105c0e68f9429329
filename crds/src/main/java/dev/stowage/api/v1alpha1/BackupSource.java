package dev.stowage.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

/** The volume a MysqlBackup copies, and how to make it quiescent first. */
@ValidationRule(
    value = "!(has(self.quiesce) && has(self.snapshot))",
    message =
        "set at most one of spec.source.quiesce (stop the server for a cold copy) and"
            + " spec.source.snapshot (copy a VolumeSnapshot of the live volume)",
    reason = "FieldValueForbidden")
@JsonInclude(JsonInclude.Include.NON_NULL)
public class BackupSource {
  @Required
  @Size(max = 253)
  @Pattern(ApiPatterns.DNS_SUBDOMAIN)
  @JsonPropertyDescription(
      "Name of the PersistentVolumeClaim, in the MysqlBackup's namespace, that"
          + " holds the MySQL data directory.")
  private String persistentVolumeClaim;

  @Size(max = 1024)
  @ValidationRule(
      value = ApiPatterns.RELATIVE_PATH_RULE,
      message = ApiPatterns.RELATIVE_PATH_MESSAGE,
      reason = "FieldValueInvalid")
  @JsonPropertyDescription(
      "Directory inside the volume that is the MySQL data directory, relative to"
          + " the volume's root (for example mysql). Unset: the volume's root.")
  private String subPath;

  @JsonPropertyDescription(
      "How to stop the MySQL server that uses the volume while it is copied. Unset:"
          + " the backup waits, with a Blocked condition, while a running pod mounts the volume.")
  private Quiesce quiesce;

  @JsonPropertyDescription(
      "Back up the live volume instead: the operator takes a CSI VolumeSnapshot of the claim,"
          + " clones it into a temporary claim and runs the engine on the clone; the server keeps"
          + " running. Needs the VolumeSnapshot API and a VolumeSnapshotClass for the claim's"
          + " CSI driver. Exclusive with quiesce.")
  private SnapshotSource snapshot;

  public String getPersistentVolumeClaim() {
    return persistentVolumeClaim;
  }

  public void setPersistentVolumeClaim(String persistentVolumeClaim) {
    this.persistentVolumeClaim = persistentVolumeClaim;
  }

  public String getSubPath() {
    return subPath;
  }

  public void setSubPath(String subPath) {
    this.subPath = subPath;
  }

  public Quiesce getQuiesce() {
    return quiesce;
  }

  public void setQuiesce(Quiesce quiesce) {
    this.quiesce = quiesce;
  }

  public SnapshotSource getSnapshot() {
    return snapshot;
  }

  public void setSnapshot(SnapshotSource snapshot) {
    this.snapshot = snapshot;
  }
}
