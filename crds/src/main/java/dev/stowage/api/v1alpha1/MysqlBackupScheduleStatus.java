package dev.stowage.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Min;
import java.util.ArrayList;
import java.util.List;

/** What the operator observed of a MysqlBackupSchedule: its cursor, its backups and its health. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class MysqlBackupScheduleStatus implements ObservedStatus {
  @Min(0)
  @JsonPropertyDescription("The metadata.generation this status was computed from.")
  private Long observedGeneration;

  @JsonPropertyDescription(
      "Ready, Reconciling and Stalled (kstatus: kubectl wait, Flux and Argo CD read them), Suspended, LastBackupSucceeded, Overdue (reason NeverSucceeded, LastRunsFailed, RunsMissed or Suspended) and RetentionFailing. Ready says the schedule is valid and scheduling; failing backups show in Overdue, not in Ready.")
  private List<Condition> conditions = new ArrayList<>();

  @JsonPropertyDescription(
      "The 5-field cron expression that is scheduled (a -random macro resolved).")
  private String effectiveSchedule;

  @JsonPropertyDescription(
      "The latest slot handled, backed up or missed (RFC 3339): the scheduler's memory. Unset: the schedule's creation.")
  private String lastScheduleTime;

  @JsonPropertyDescription("The MysqlBackup created for the latest slot.")
  private String lastScheduledBackup;

  @JsonPropertyDescription("The next slot (RFC 3339).")
  private String nextScheduleTime;

  @JsonPropertyDescription("MysqlBackups of this schedule that have not finished.")
  private List<String> active;

  @JsonPropertyDescription("When the newest succeeded backup finished (RFC 3339).")
  private String lastSuccessfulTime;

  @JsonPropertyDescription("The newest succeeded MysqlBackup.")
  private String lastSuccessfulBackup;

  @JsonPropertyDescription("When the newest failed backup failed (RFC 3339).")
  private String lastFailedTime;

  @JsonPropertyDescription("The newest failed MysqlBackup.")
  private String lastFailedBackup;

  @JsonPropertyDescription("The spec.trigger value last acted on.")
  private String lastTrigger;

  @JsonPropertyDescription("Slots that passed without a backup, and why.")
  private MissedRuns missedRuns;

  @JsonPropertyDescription("The span of time the schedule's succeeded backups can restore.")
  private RecoveryWindow recoveryWindow;

  @JsonPropertyDescription("What retention last did.")
  private RetentionStatus retention;

  @JsonPropertyDescription(
      "What the schedule is doing or why it cannot, in words a person can act on.")
  private String message;

  public Long getObservedGeneration() {
    return observedGeneration;
  }

  public void setObservedGeneration(Long observedGeneration) {
    this.observedGeneration = observedGeneration;
  }

  public List<Condition> getConditions() {
    return conditions;
  }

  public void setConditions(List<Condition> conditions) {
    this.conditions = conditions;
  }

  public String getEffectiveSchedule() {
    return effectiveSchedule;
  }

  public void setEffectiveSchedule(String effectiveSchedule) {
    this.effectiveSchedule = effectiveSchedule;
  }

  public String getLastScheduleTime() {
    return lastScheduleTime;
  }

  public void setLastScheduleTime(String lastScheduleTime) {
    this.lastScheduleTime = lastScheduleTime;
  }

  public String getLastScheduledBackup() {
    return lastScheduledBackup;
  }

  public void setLastScheduledBackup(String lastScheduledBackup) {
    this.lastScheduledBackup = lastScheduledBackup;
  }

  public String getNextScheduleTime() {
    return nextScheduleTime;
  }

  public void setNextScheduleTime(String nextScheduleTime) {
    this.nextScheduleTime = nextScheduleTime;
  }

  public List<String> getActive() {
    return active;
  }

  public void setActive(List<String> active) {
    this.active = active;
  }

  public String getLastSuccessfulTime() {
    return lastSuccessfulTime;
  }

  public void setLastSuccessfulTime(String lastSuccessfulTime) {
    this.lastSuccessfulTime = lastSuccessfulTime;
  }

  public String getLastSuccessfulBackup() {
    return lastSuccessfulBackup;
  }

  public void setLastSuccessfulBackup(String lastSuccessfulBackup) {
    this.lastSuccessfulBackup = lastSuccessfulBackup;
  }

  public String getLastFailedTime() {
    return lastFailedTime;
  }

  public void setLastFailedTime(String lastFailedTime) {
    this.lastFailedTime = lastFailedTime;
  }

  public String getLastFailedBackup() {
    return lastFailedBackup;
  }

  public void setLastFailedBackup(String lastFailedBackup) {
    this.lastFailedBackup = lastFailedBackup;
  }

  public String getLastTrigger() {
    return lastTrigger;
  }

  public void setLastTrigger(String lastTrigger) {
    this.lastTrigger = lastTrigger;
  }

  public MissedRuns getMissedRuns() {
    return missedRuns;
  }

  public void setMissedRuns(MissedRuns missedRuns) {
    this.missedRuns = missedRuns;
  }

  public RecoveryWindow getRecoveryWindow() {
    return recoveryWindow;
  }

  public void setRecoveryWindow(RecoveryWindow recoveryWindow) {
    this.recoveryWindow = recoveryWindow;
  }

  public RetentionStatus getRetention() {
    return retention;
  }

  public void setRetention(RetentionStatus retention) {
    this.retention = retention;
  }

  public String getMessage() {
    return message;
  }

  public void setMessage(String message) {
    this.message = message;
  }
}
