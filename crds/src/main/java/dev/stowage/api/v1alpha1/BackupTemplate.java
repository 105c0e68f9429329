package dev.stowage.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;

/** The MysqlBackup a MysqlBackupSchedule creates at each slot. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class BackupTemplate {
  @JsonPropertyDescription(
      "Labels and annotations of each MysqlBackup; the only metadata copied from the schedule.")
  private BackupTemplateMetadata metadata;

  @Required
  @JsonPropertyDescription(
      "The spec of each MysqlBackup, with the same fields and rules as MysqlBackup.spec. When"
          + " spec.retention is set and deletionPolicy is not, backups get deletionPolicy: Delete,"
          + " so that pruning a backup also removes its data. When activeDeadlineSeconds is unset,"
          + " each backup gets the smaller of 6 hours and the interval to the next slot.")
  private MysqlBackupSpec spec;

  public BackupTemplateMetadata getMetadata() {
    return metadata;
  }

  public void setMetadata(BackupTemplateMetadata metadata) {
    this.metadata = metadata;
  }

  public MysqlBackupSpec getSpec() {
    return spec;
  }

  public void setSpec(MysqlBackupSpec spec) {
    this.spec = spec;
  }
}
