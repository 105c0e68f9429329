package dev.stowage.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

/**
 * Which of a schedule's backups are kept; the others are deleted, with the semantics of restic's
 * {@code forget}.
 */
@ValidationRule(
    value =
        "has(self.keepLast) || has(self.keepHourly) || has(self.keepDaily) || has(self.keepWeekly)"
            + " || has(self.keepMonthly) || has(self.keepYearly) || has(self.keepWithin)",
    message =
        "spec.retention needs at least one keep rule (keepLast, keepHourly, keepDaily, keepWeekly,"
            + " keepMonthly, keepYearly or keepWithin); to keep every backup, remove spec.retention",
    reason = "FieldValueRequired")
@JsonInclude(JsonInclude.Include.NON_NULL)
public class Retention {
  @Min(1)
  @JsonPropertyDescription("Keep the N newest backups.")
  private Integer keepLast;

  @Min(1)
  @JsonPropertyDescription(
      "Keep the newest backup of each of the last N hours that have a backup (hours of"
          + " spec.timeZone).")
  private Integer keepHourly;

  @Min(1)
  @JsonPropertyDescription(
      "Keep the newest backup of each of the last N days that have a backup (calendar days of"
          + " spec.timeZone).")
  private Integer keepDaily;

  @Min(1)
  @JsonPropertyDescription(
      "Keep the newest backup of each of the last N ISO weeks (Monday to Sunday) that have a"
          + " backup.")
  private Integer keepWeekly;

  @Min(1)
  @JsonPropertyDescription(
      "Keep the newest backup of each of the last N calendar months that have a backup.")
  private Integer keepMonthly;

  @Min(1)
  @JsonPropertyDescription(
      "Keep the newest backup of each of the last N calendar years that have a backup.")
  private Integer keepYearly;

  @Size(max = 10)
  @Pattern(ApiPatterns.DURATION)
  @JsonPropertyDescription(
      "Keep every succeeded backup taken within this long of the newest succeeded backup (not"
          + " of now, so an outage never empties the repository): a whole number and one unit"
          + " of s, m, h, d or w, for example 72h or 14d.")
  private String keepWithin;

  @Default("1")
  @Min(1)
  @JsonPropertyDescription(
      "However the rules above fall, keep at least this many of the newest succeeded backups"
          + " (default 1).")
  private Integer minSucceeded;

  @Default("3")
  @Min(0)
  @JsonPropertyDescription(
      "Failed backups kept for inspection, newest first (default 3); their partial data is"
          + " always removed.")
  private Integer failedHistoryLimit;

  @Default("false")
  @JsonPropertyDescription(
      "Only report what would be deleted in status.retention.wouldDelete; delete nothing.")
  private Boolean dryRun;

  public Integer getKeepLast() {
    return keepLast;
  }

  public void setKeepLast(Integer keepLast) {
    this.keepLast = keepLast;
  }

  public Integer getKeepHourly() {
    return keepHourly;
  }

  public void setKeepHourly(Integer keepHourly) {
    this.keepHourly = keepHourly;
  }

  public Integer getKeepDaily() {
    return keepDaily;
  }

  public void setKeepDaily(Integer keepDaily) {
    this.keepDaily = keepDaily;
  }

  public Integer getKeepWeekly() {
    return keepWeekly;
  }

  public void setKeepWeekly(Integer keepWeekly) {
    this.keepWeekly = keepWeekly;
  }

  public Integer getKeepMonthly() {
    return keepMonthly;
  }

  public void setKeepMonthly(Integer keepMonthly) {
    this.keepMonthly = keepMonthly;
  }

  public Integer getKeepYearly() {
    return keepYearly;
  }

  public void setKeepYearly(Integer keepYearly) {
    this.keepYearly = keepYearly;
  }

  public String getKeepWithin() {
    return keepWithin;
  }

  public void setKeepWithin(String keepWithin) {
    this.keepWithin = keepWithin;
  }

  public Integer getMinSucceeded() {
    return minSucceeded;
  }

  public void setMinSucceeded(Integer minSucceeded) {
    this.minSucceeded = minSucceeded;
  }

  public Integer getFailedHistoryLimit() {
    return failedHistoryLimit;
  }

  public void setFailedHistoryLimit(Integer failedHistoryLimit) {
    this.failedHistoryLimit = failedHistoryLimit;
  }

  public Boolean getDryRun() {
    return dryRun;
  }

  public void setDryRun(Boolean dryRun) {
    this.dryRun = dryRun;
  }
}
