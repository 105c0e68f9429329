package dev.stowage.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

/** When a MysqlBackupSchedule backs up, what each backup looks like, and which backups it keeps. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class MysqlBackupScheduleSpec {
  /** A 5-field cron expression or a macro, in RE2 for the CEL rule below. */
  static final String SCHEDULE_FORM =
      "^ *(@(?i:hourly|daily|midnight|weekly|monthly|yearly|annually)(?i:-random)?"
          + "|[^ @]+( +[^ ]+){4}) *$";

  @Required
  @Size(min = 1, max = 100)
  @ValidationRule(
      value = "!self.matches('^ *(?i:CRON_TZ|TZ)=')",
      message =
          "spec.schedule must not carry a time zone prefix (CRON_TZ= or TZ=): remove it and set"
              + " spec.timeZone instead, for example timeZone: Europe/Berlin",
      reason = "FieldValueInvalid")
  @ValidationRule(
      value = "self.matches('^ *(?i:CRON_TZ|TZ)=') || self.matches('" + SCHEDULE_FORM + "')",
      message =
          "spec.schedule must be a 5-field cron expression (minute hour day-of-month month"
              + " day-of-week, for example '30 2 * * *') or one of @hourly, @daily, @weekly,"
              + " @monthly, @yearly, optionally with -random (@daily-random); no seconds or year"
              + " field, and the zone goes in spec.timeZone",
      reason = "FieldValueInvalid")
  @JsonPropertyDescription(
      "When to back up: a 5-field cron expression (minute hour day-of-month month day-of-week,"
          + " for example '30 2 * * *'), or @hourly, @daily, @weekly, @monthly or @yearly. A"
          + " macro with -random (for example @daily-random) picks its minute and hour from the"
          + " schedule's UID, so that many schedules do not all start at midnight; the result is"
          + " shown in status.effectiveSchedule. Read in spec.timeZone.")
  private String schedule;

  @Default(TIME_ZONE_DEFAULT)
  @Size(max = 64)
  @Pattern("^[A-Za-z][A-Za-z0-9_+-]*(/[A-Za-z0-9_+-]+)*$")
  // The API server's CEL library loads IANA zones: an unknown name fails evaluation, and the
  // request with it. The operator checks the name again (Stalled) in case the server knows more.
  @ValidationRule(
      value = "timestamp('2000-01-01T00:00:00Z').getHours(self) >= 0",
      message =
          "spec.timeZone must be an IANA time zone name such as Europe/Berlin, America/New_York"
              + " or Etc/UTC",
      reason = "FieldValueInvalid")
  @JsonPropertyDescription(
      "IANA time zone the schedule and the retention's calendar buckets are read in (default"
          + " Etc/UTC). Across a change to summer time, a slot in the skipped hour runs once at"
          + " the first valid instant after it; a slot in the repeated hour runs once.")
  private String timeZone;

  static final String TIME_ZONE_DEFAULT = "Etc/UTC";

  @Default("false")
  @JsonPropertyDescription(
      "Stop creating backups: a running one finishes, slots while suspended are recorded as"
          + " missed (reason Suspended) and are not caught up on resume. Retention keeps"
          + " running.")
  private Boolean suspend;

  @Default("false")
  @JsonPropertyDescription("Back up once as soon as the schedule is created, then on schedule.")
  private Boolean immediate;

  @Size(max = 253)
  @JsonPropertyDescription(
      "Any new value starts one backup now, named <schedule>-manual-<yyyyMMddHHmmss>, for"
          + " example a date or a ticket number committed to Git. If a backup is running, it"
          + " starts when that one ends (at most one waits). The last value acted on is"
          + " status.lastTrigger.")
  private String trigger;

  @Default("3600")
  @Min(60)
  @JsonPropertyDescription(
      "Seconds after its slot within which a backup may still start (default 3600, at least"
          + " 60). Backups stop the database, so an operator that was down does not catch up"
          + " later than this: older slots are recorded as missed. A backup that has not"
          + " started by then fails with NotStartedInTime.")
  private Long startingDeadlineSeconds;

  @Default("Forbid")
  @JsonPropertyDescription(
      "Forbid (the only value): a slot that comes due while a backup of this schedule has not"
          + " finished is missed (reason ConcurrencyForbid), never queued.")
  private ConcurrencyPolicy concurrencyPolicy;

  @Size(max = 10)
  @Pattern(ApiPatterns.DURATION)
  @JsonPropertyDescription(
      "How long after the last successful backup the schedule is Overdue (a whole number and"
          + " one unit of s, m, h, d or w, for example 26h). Unset: twice the longest gap between"
          + " the next 8 slots, plus startingDeadlineSeconds.")
  private String overdueAfter;

  @Default("Retain")
  @JsonPropertyDescription(
      "What happens to the schedule's backups when it is deleted: Retain (default) keeps the"
          + " MysqlBackups and their data, no longer owned by the schedule; Delete deletes the"
          + " MysqlBackups, each of which then keeps or removes its data by its own"
          + " deletionPolicy.")
  private DeletionPolicy deletionPolicy;

  @Required
  @JsonPropertyDescription("The MysqlBackup created at each slot.")
  private BackupTemplate backupTemplate;

  @JsonPropertyDescription(
      "Which of this schedule's backups to keep; the others are deleted after each backup and"
          + " hourly, at most 10 per pass. Unset: every backup is kept.")
  private Retention retention;

  public String getSchedule() {
    return schedule;
  }

  public void setSchedule(String schedule) {
    this.schedule = schedule;
  }

  public String getTimeZone() {
    return timeZone;
  }

  public void setTimeZone(String timeZone) {
    this.timeZone = timeZone;
  }

  public Boolean getSuspend() {
    return suspend;
  }

  public void setSuspend(Boolean suspend) {
    this.suspend = suspend;
  }

  public Boolean getImmediate() {
    return immediate;
  }

  public void setImmediate(Boolean immediate) {
    this.immediate = immediate;
  }

  public String getTrigger() {
    return trigger;
  }

  public void setTrigger(String trigger) {
    this.trigger = trigger;
  }

  public Long getStartingDeadlineSeconds() {
    return startingDeadlineSeconds;
  }

  public void setStartingDeadlineSeconds(Long startingDeadlineSeconds) {
    this.startingDeadlineSeconds = startingDeadlineSeconds;
  }

  public ConcurrencyPolicy getConcurrencyPolicy() {
    return concurrencyPolicy;
  }

  public void setConcurrencyPolicy(ConcurrencyPolicy concurrencyPolicy) {
    this.concurrencyPolicy = concurrencyPolicy;
  }

  public String getOverdueAfter() {
    return overdueAfter;
  }

  public void setOverdueAfter(String overdueAfter) {
    this.overdueAfter = overdueAfter;
  }

  public DeletionPolicy getDeletionPolicy() {
    return deletionPolicy;
  }

  public void setDeletionPolicy(DeletionPolicy deletionPolicy) {
    this.deletionPolicy = deletionPolicy;
  }

  public BackupTemplate getBackupTemplate() {
    return backupTemplate;
  }

  public void setBackupTemplate(BackupTemplate backupTemplate) {
    this.backupTemplate = backupTemplate;
  }

  public Retention getRetention() {
    return retention;
  }

  public void setRetention(Retention retention) {
    this.retention = retention;
  }
}
