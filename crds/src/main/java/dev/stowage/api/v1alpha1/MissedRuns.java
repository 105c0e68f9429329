package dev.stowage.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Min;

/** Slots of a MysqlBackupSchedule that passed without a backup. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class MissedRuns {
  @Min(0)
  @JsonPropertyDescription("Slots missed since the schedule was created.")
  private Long total;

  @JsonPropertyDescription("The latest missed slot (RFC 3339).")
  private String lastMissedTime;

  @JsonPropertyDescription(
      "Why it was missed: OperatorDown, DeadlineExceeded, ConcurrencyForbid, SourceBusy, Suspended or BackupNameCollision.")
  private String lastMissedReason;

  public Long getTotal() {
    return total;
  }

  public void setTotal(Long total) {
    this.total = total;
  }

  public String getLastMissedTime() {
    return lastMissedTime;
  }

  public void setLastMissedTime(String lastMissedTime) {
    this.lastMissedTime = lastMissedTime;
  }

  public String getLastMissedReason() {
    return lastMissedReason;
  }

  public void setLastMissedReason(String lastMissedReason) {
    this.lastMissedReason = lastMissedReason;
  }
}
