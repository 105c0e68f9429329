package dev.stowage.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Size;
import java.util.List;

/** What retention last did for a MysqlBackupSchedule. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class RetentionStatus {
  @JsonPropertyDescription("When retention last ran (RFC 3339).")
  private String lastRunTime;

  @Size(max = 10)
  @JsonPropertyDescription(
      "The MysqlBackups deleted by the latest passes, newest first (at most 10).")
  private List<String> lastDeleted;

  @Min(0)
  @JsonPropertyDescription("MysqlBackups retention has deleted since the schedule was created.")
  private Long deletedTotal;

  @JsonPropertyDescription("With dryRun: the MysqlBackups retention would delete now.")
  private List<String> wouldDelete;

  public String getLastRunTime() {
    return lastRunTime;
  }

  public void setLastRunTime(String lastRunTime) {
    this.lastRunTime = lastRunTime;
  }

  public List<String> getLastDeleted() {
    return lastDeleted;
  }

  public void setLastDeleted(List<String> lastDeleted) {
    this.lastDeleted = lastDeleted;
  }

  public Long getDeletedTotal() {
    return deletedTotal;
  }

  public void setDeletedTotal(Long deletedTotal) {
    this.deletedTotal = deletedTotal;
  }

  public List<String> getWouldDelete() {
    return wouldDelete;
  }

  public void setWouldDelete(List<String> wouldDelete) {
    this.wouldDelete = wouldDelete;
  }
}
