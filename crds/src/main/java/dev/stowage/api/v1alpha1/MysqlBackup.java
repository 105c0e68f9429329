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

/** One backup of a MySQL data volume, run once as an engine Job; its spec cannot change. */
@Group(MysqlBackup.GROUP)
@Version(MysqlBackup.VERSION)
@Singular("mysqlbackup")
@Plural("mysqlbackups")
@ShortNames("mbk")
@Categories("stowage")
@AdditionalPrinterColumn(
    name = "Phase",
    jsonPath = ".status.phase",
    type = Type.STRING,
    getDescription = "Pending, Running, Succeeded or Failed")
@AdditionalPrinterColumn(
    name = "Source",
    jsonPath = ".spec.source.persistentVolumeClaim",
    type = Type.STRING,
    getDescription = "The PersistentVolumeClaim backed up")
@AdditionalPrinterColumn(
    name = "Progress",
    jsonPath = ".status.progress.display",
    type = Type.STRING,
    getDescription = "How far a running engine is: percent, total size, time left")
@AdditionalPrinterColumn(
    name = "Size",
    jsonPath = ".status.size",
    type = Type.STRING,
    getDescription = "Stored size after compression (status.bytesStored for the exact bytes)")
@AdditionalPrinterColumn(
    name = "Duration",
    jsonPath = ".status.duration",
    type = Type.STRING,
    getDescription = "How long the engine ran (status.durationSeconds for the exact figure)")
// Why it waits or failed, in one word (ClaimInUse, PreflightFailed...): the Ready condition's
// reason.
@AdditionalPrinterColumn(
    name = "Reason",
    jsonPath = ".status.conditions[?(@.type==\"Ready\")].reason",
    type = Type.STRING)
@AdditionalPrinterColumn(name = "Age", jsonPath = ".metadata.creationTimestamp", type = Type.DATE)
public class MysqlBackup extends CustomResource<MysqlBackupSpec, MysqlBackupStatus>
    implements Namespaced {
  public static final String GROUP = "stowage.dev";
  public static final String VERSION = "v1alpha1";

  // Overridden only to carry the descriptions that kubectl explain shows for spec and status.
  // Immutable here rather than on MysqlBackupSpec, which a MysqlBackupSchedule's template reuses
  // and which must stay editable there.
  @Override
  @Required
  @ValidationRule(
      value = "self == oldSelf",
      message =
          "spec is immutable: a MysqlBackup records one backup; create a new MysqlBackup instead",
      reason = "FieldValueForbidden")
  @JsonPropertyDescription(
      "What to back up, where to and how. Immutable: create a new MysqlBackup for another backup.")
  public MysqlBackupSpec getSpec() {
    return super.getSpec();
  }

  @Override
  @JsonPropertyDescription(
      "What the operator observed: phase, conditions and the result of the backup.")
  public MysqlBackupStatus getStatus() {
    return super.getStatus();
  }
}
