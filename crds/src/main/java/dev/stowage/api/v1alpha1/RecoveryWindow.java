package dev.stowage.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Min;

/** What a MysqlBackupSchedule can restore from its succeeded backups. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class RecoveryWindow {
  @JsonPropertyDescription("When the oldest succeeded backup of the schedule was taken (RFC 3339).")
  private String oldestRestorableTime;

  @JsonPropertyDescription("When the newest succeeded backup was taken (RFC 3339).")
  private String newestRestorableTime;

  @Min(0)
  @JsonPropertyDescription("Succeeded backups of the schedule that still exist.")
  private Integer succeededBackups;

  @Min(0)
  @JsonPropertyDescription("Bytes stored by those backups, after compression.")
  private Long bytesStored;

  public String getOldestRestorableTime() {
    return oldestRestorableTime;
  }

  public void setOldestRestorableTime(String oldestRestorableTime) {
    this.oldestRestorableTime = oldestRestorableTime;
  }

  public String getNewestRestorableTime() {
    return newestRestorableTime;
  }

  public void setNewestRestorableTime(String newestRestorableTime) {
    this.newestRestorableTime = newestRestorableTime;
  }

  public Integer getSucceededBackups() {
    return succeededBackups;
  }

  public void setSucceededBackups(Integer succeededBackups) {
    this.succeededBackups = succeededBackups;
  }

  public Long getBytesStored() {
    return bytesStored;
  }

  public void setBytesStored(Long bytesStored) {
    this.bytesStored = bytesStored;
  }
}
