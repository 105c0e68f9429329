package dev.stowage.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.ValidationRule;

/** Which backup to restore, into which volume, and how: fixed when the MysqlRestore is created. */
@ValidationRule(
    value = "self == oldSelf",
    message =
        "spec is immutable: a MysqlRestore records one restore; create a new MysqlRestore instead",
    reason = "FieldValueForbidden")
@ValidationRule(
    value = "has(self.backup) != has(self.source)",
    message =
        "set exactly one restore source: backup (a MysqlBackup) or source (storage, directory and"
            + " backupName)",
    reason = "FieldValueInvalid")
@JsonInclude(JsonInclude.Include.NON_NULL)
public class MysqlRestoreSpec {
  @JsonPropertyDescription(
      "The MysqlBackup, in this namespace, whose backup is restored. Its backup must"
          + " have Succeeded. Exactly one of backup or source.")
  private BackupReference backup;

  @JsonPropertyDescription(
      "Where the backup is stored, for a backup whose MysqlBackup is gone or lives"
          + " in another cluster. Exactly one of backup or source.")
  private RestoreSource source;

  @Required
  @JsonPropertyDescription(
      "The volume restored into: an existing PersistentVolumeClaim or one created"
          + " from a template.")
  private RestoreTarget target;

  @Default("false")
  @JsonPropertyDescription(
      "Replace whatever the target volume holds. When false (default) a target"
          + " that is not empty (lost+found aside) fails the restore and nothing is written.")
  private Boolean overwrite;

  @Default("false")
  @JsonPropertyDescription(
      "Restore auto.cnf, and with it the source server's server_uuid. When false (default)"
          + " auto.cnf is left out and the restored server makes a new server_uuid at its first"
          + " start, so that a copy never joins replication under the source's identity. Set it"
          + " true to replace a server by its own backup (the engine's --keep-server-uuid).")
  private Boolean keepServerUuid;

  @Min(1)
  @Max(64)
  @JsonPropertyDescription(
      "Objects downloaded, decompressed and written in parallel (1 to 64). Unset: from S3,"
          + " twice the cores of the Job's container, at least 8 (several GETs in flight keep"
          + " the cores busy); from a volume, the number of cores, at least 8.")
  private Integer concurrency;

  @Min(0)
  @Max(10)
  @JsonPropertyDescription(
      "Not used: a restore's Job never retries a failed engine pod by itself (its backoffLimit"
          + " is 0), so that a retry can never write into a volume that a database has mounted"
          + " since. To try again, create a new MysqlRestore (with overwrite: true for a target"
          + " the failed restore wrote to). Kept so that existing manifests still apply.")
  private Integer backoffLimit;

  @Min(1)
  @JsonPropertyDescription(
      "Seconds the Job may run, retries included, before it is stopped and the"
          + " restore fails (the Job's activeDeadlineSeconds). Unset: no limit.")
  private Long activeDeadlineSeconds;

  @JsonPropertyDescription(
      "The key(s) of an encrypted backup, from a Secret in this namespace. Required to restore an"
          + " encrypted backup; refused with an unencrypted one. Unset: the backup must be"
          + " unencrypted.")
  private RestoreEncryption encryption;

  @JsonPropertyDescription(
      "The few settings of the engine Job's pod a tenant may change: resources, the uid and"
          + " gids, and scheduling within the operator's allowlist.")
  private PodSettings pod;

  public BackupReference getBackup() {
    return backup;
  }

  public void setBackup(BackupReference backup) {
    this.backup = backup;
  }

  public RestoreSource getSource() {
    return source;
  }

  public void setSource(RestoreSource source) {
    this.source = source;
  }

  public RestoreTarget getTarget() {
    return target;
  }

  public void setTarget(RestoreTarget target) {
    this.target = target;
  }

  public Boolean getOverwrite() {
    return overwrite;
  }

  public void setOverwrite(Boolean overwrite) {
    this.overwrite = overwrite;
  }

  public Boolean getKeepServerUuid() {
    return keepServerUuid;
  }

  public void setKeepServerUuid(Boolean keepServerUuid) {
    this.keepServerUuid = keepServerUuid;
  }

  public Integer getConcurrency() {
    return concurrency;
  }

  public void setConcurrency(Integer concurrency) {
    this.concurrency = concurrency;
  }

  public Integer getBackoffLimit() {
    return backoffLimit;
  }

  public void setBackoffLimit(Integer backoffLimit) {
    this.backoffLimit = backoffLimit;
  }

  public Long getActiveDeadlineSeconds() {
    return activeDeadlineSeconds;
  }

  public void setActiveDeadlineSeconds(Long activeDeadlineSeconds) {
    this.activeDeadlineSeconds = activeDeadlineSeconds;
  }

  public PodSettings getPod() {
    return pod;
  }

  public void setPod(PodSettings pod) {
    this.pod = pod;
  }

  public RestoreEncryption getEncryption() {
    return encryption;
  }

  public void setEncryption(RestoreEncryption encryption) {
    this.encryption = encryption;
  }
}
