package dev.stowage.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn.Type;
import io.fabric8.generator.annotation.Required;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Categories;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Singular;
import io.fabric8.kubernetes.model.annotation.Version;

/**
 * One restore of a backup into a PersistentVolumeClaim, run once as an engine Job; its spec cannot
 * change.
 */
@Group(MysqlBackup.GROUP)
@Version(MysqlBackup.VERSION)
@Singular("mysqlrestore")
@Plural("mysqlrestores")
@ShortNames("mrs")
@Categories("stowage")
@AdditionalPrinterColumn(
    name = "Phase",
    jsonPath = ".status.phase",
    type = Type.STRING,
    getDescription = "Pending, Running, Succeeded or Failed")
@AdditionalPrinterColumn(
    name = "Source",
    jsonPath = ".status.backupName",
    type = Type.STRING,
    getDescription = "The backup restored")
@AdditionalPrinterColumn(
    name = "Progress",
    jsonPath = ".status.progress.display",
    type = Type.STRING,
    getDescription = "How far a running engine is: percent, total size, time left")
@AdditionalPrinterColumn(
    name = "Size",
    jsonPath = ".status.size",
    type = Type.STRING,
    getDescription = "Size written to the target volume (status.bytesWritten for the exact bytes)")
@AdditionalPrinterColumn(
    name = "Duration",
    jsonPath = ".status.duration",
    type = Type.STRING,
    getDescription = "How long the engine ran (status.durationSeconds for the exact figure)")
@AdditionalPrinterColumn(
    name = "RTO",
    jsonPath = ".status.timeToRestore",
    type = Type.STRING,
    getDescription = "Measured time to restore: from the MysqlRestore's creation to data on disk")
// Why it waits or failed, in one word (ClaimInUse, PreflightFailed...): the Ready condition's
// reason.
@AdditionalPrinterColumn(
    name = "Reason",
    jsonPath = ".status.conditions[?(@.type==\"Ready\")].reason",
    type = Type.STRING)
@AdditionalPrinterColumn(name = "Age", jsonPath = ".metadata.creationTimestamp", type = Type.DATE)
public class MysqlRestore extends CustomResource<MysqlRestoreSpec, MysqlRestoreStatus>
    implements Namespaced {
  // Overridden only to carry the descriptions that kubectl explain shows for spec and status.
  @Override
  @Required
  @JsonPropertyDescription(
      "Which backup to restore, into which volume and how. Immutable: create a new MysqlRestore for"
          + " another restore.")
  public MysqlRestoreSpec getSpec() {
    return super.getSpec();
  }

  @Override
  @JsonPropertyDescription(
      "What the operator observed: phase, conditions and the result of the restore.")
  public MysqlRestoreStatus getStatus() {
    return super.getStatus();
  }
}
