package dev.stowage.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

/** A backup named by where it is stored, without a MysqlBackup. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class RestoreSource {
  @Required
  @JsonPropertyDescription(
      "Where the backup is stored: exactly one of storeRef, s3 or persistentVolumeClaim.")
  private BackupStorage storage;

  @Required
  @Size(max = 1024)
  @ValidationRule(
      value = ApiPatterns.RELATIVE_PATH_RULE,
      message = ApiPatterns.RELATIVE_PATH_MESSAGE,
      reason = "FieldValueInvalid")
  @JsonPropertyDescription(
      "Directory of the source's backups inside the storage (status.directory of"
          + " the MysqlBackup that wrote it, for example namespace/pvc). With a storeRef it"
          + " must be inside this namespace's own directory: start with <namespace>/.")
  private String directory;

  @Required
  @Size(max = 253)
  @Pattern(ApiPatterns.BACKUP_NAME)
  @JsonPropertyDescription(
      "Name of the backup inside the directory (status.backupName of the MysqlBackup"
          + " that wrote it), or latest for the newest complete backup there.")
  private String backupName;

  public BackupStorage getStorage() {
    return storage;
  }

  public void setStorage(BackupStorage storage) {
    this.storage = storage;
  }

  public String getDirectory() {
    return directory;
  }

  public void setDirectory(String directory) {
    this.directory = directory;
  }

  public String getBackupName() {
    return backupName;
  }

  public void setBackupName(String backupName) {
    this.backupName = backupName;
  }
}
