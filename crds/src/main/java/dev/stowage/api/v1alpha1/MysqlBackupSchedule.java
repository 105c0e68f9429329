package dev.stowage.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn.Type;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Categories;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Singular;
import io.fabric8.kubernetes.model.annotation.Version;

/** A backup policy: MysqlBackups created on a cron schedule and pruned by retention rules. */
@Group(MysqlBackup.GROUP)
@Version(MysqlBackup.VERSION)
@Singular("mysqlbackupschedule")
@Plural("mysqlbackupschedules")
@ShortNames("mbs")
@Categories("stowage")
// Backups are named <schedule>-<yyyyMMddHHmm> and <schedule>-manual-<yyyyMMddHHmmss>: 50 leaves
// room for both within the 63 characters of a label value.
@ValidationRule(
    value = "self.metadata.name.size() <= 50",
    message =
        "metadata.name of a MysqlBackupSchedule must be at most 50 characters, so that its"
            + " backups' names (<schedule>-manual-<yyyyMMddHHmmss>) stay valid; choose a shorter"
            + " name",
    reason = "FieldValueInvalid")
@AdditionalPrinterColumn(
    name = "Schedule",
    jsonPath = ".spec.schedule",
    type = Type.STRING,
    getDescription = "The cron expression")
@AdditionalPrinterColumn(
    name = "TimeZone",
    jsonPath = ".spec.timeZone",
    type = Type.STRING,
    getDescription = "The zone the schedule is read in")
@AdditionalPrinterColumn(
    name = "Suspend",
    jsonPath = ".spec.suspend",
    type = Type.BOOLEAN,
    getDescription = "Whether new backups are stopped")
@AdditionalPrinterColumn(
    name = "LastSuccess",
    jsonPath = ".status.lastSuccessfulTime",
    type = Type.DATE,
    getDescription = "When the newest succeeded backup finished")
// A string, not a date: kubectl prints a date in the future as <invalid>.
@AdditionalPrinterColumn(
    name = "Next",
    jsonPath = ".status.nextScheduleTime",
    type = Type.STRING,
    getDescription = "The next slot (RFC 3339)")
@AdditionalPrinterColumn(
    name = "Overdue",
    jsonPath = ".status.conditions[?(@.type==\"Overdue\")].status",
    type = Type.STRING,
    getDescription = "True when the last success is older than spec.overdueAfter")
@AdditionalPrinterColumn(name = "Age", jsonPath = ".metadata.creationTimestamp", type = Type.DATE)
public class MysqlBackupSchedule
    extends CustomResource<MysqlBackupScheduleSpec, MysqlBackupScheduleStatus>
    implements Namespaced {

  // Overridden only to carry the descriptions that kubectl explain shows for spec and status.
  @Override
  @Required
  @JsonPropertyDescription(
      "When to back up, what each MysqlBackup looks like, and which backups to keep.")
  public MysqlBackupScheduleSpec getSpec() {
    return super.getSpec();
  }

  @Override
  @JsonPropertyDescription(
      "What the operator observed: the schedule's cursor, its backups, missed slots and"
          + " retention.")
  public MysqlBackupScheduleStatus getStatus() {
    return super.getStatus();
  }
}
