package dev.stowage.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimSpec;

/**
 * A PersistentVolumeClaim to create for a restore: access modes, storage class, size and labels
 * only. Everything else a claim can say (a volume to bind, a data source, a selector, provisioner
 * annotations) would let a restore take or fill a volume that is not new, so it is refused at apply
 * time (CEL) and never copied by the operator.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class VolumeClaimTemplate {
  @Required
  @ValidationRule(
      value = "!has(self.annotations)",
      message =
          "spec.target.volumeClaimTemplate.metadata.annotations are not allowed: annotations"
              + " steer provisioners (selected node, provisioner, storage parameters); remove"
              + " them, and set labels or spec.storageClassName instead",
      reason = "FieldValueForbidden")
  @JsonPropertyDescription(
      "Name and labels of the claim. Annotations are refused (they steer provisioners).")
  private ClaimMetadata metadata;

  @Required
  @ValidationRule(
      value = "!has(self.volumeName)",
      message =
          "spec.target.volumeClaimTemplate.spec.volumeName is not allowed: a restore never binds"
              + " an existing PersistentVolume (it may hold someone's data); remove it, and the"
              + " claim gets a new volume from its storage class",
      reason = "FieldValueForbidden")
  @ValidationRule(
      value = "!has(self.dataSource) && !has(self.dataSourceRef)",
      message =
          "spec.target.volumeClaimTemplate.spec.dataSource and dataSourceRef are not allowed: the"
              + " restore fills the new claim from the backup, never from another claim or"
              + " snapshot; remove them",
      reason = "FieldValueForbidden")
  @ValidationRule(
      value = "!has(self.storageClassName) || size(self.storageClassName) <= 253",
      message =
          "spec.target.volumeClaimTemplate.spec.storageClassName is longer than 253 characters,"
              + " which no StorageClass name is",
      reason = "FieldValueInvalid")
  @ValidationRule(
      value = "!has(self.selector)",
      message =
          "spec.target.volumeClaimTemplate.spec.selector is not allowed: it picks an existing"
              + " PersistentVolume; remove it",
      reason = "FieldValueForbidden")
  @ValidationRule(
      value = "!has(self.volumeMode)",
      message =
          "spec.target.volumeClaimTemplate.spec.volumeMode is not allowed: a restore writes a"
              + " file system; remove it",
      reason = "FieldValueForbidden")
  @ValidationRule(
      value = "!has(self.volumeAttributesClassName)",
      message =
          "spec.target.volumeClaimTemplate.spec.volumeAttributesClassName is not allowed; set"
              + " spec.storageClassName instead",
      reason = "FieldValueForbidden")
  @ValidationRule(
      value =
          "has(self.resources) && has(self.resources.requests)"
              + " && 'storage' in self.resources.requests",
      message =
          "spec.target.volumeClaimTemplate.spec.resources.requests.storage is required: the size"
              + " of the new claim, large enough for the restored data directory",
      reason = "FieldValueRequired")
  @ValidationRule(
      value =
          "!has(self.resources) || (!has(self.resources.limits)"
              + " && (!has(self.resources.requests)"
              + " || self.resources.requests.all(k, k == 'storage')))",
      message =
          "spec.target.volumeClaimTemplate.spec.resources may only request storage: remove"
              + " resources.limits and every request but storage",
      reason = "FieldValueForbidden")
  @JsonPropertyDescription(
      "Spec of the claim: accessModes, storageClassName and resources.requests.storage (large"
          + " enough for the restored data directory), nothing else. volumeName, dataSource,"
          + " dataSourceRef, selector, volumeMode, volumeAttributesClassName and limits are"
          + " refused: a restore only ever writes into a new, empty volume.")
  private PersistentVolumeClaimSpec spec;

  public ClaimMetadata getMetadata() {
    return metadata;
  }

  public void setMetadata(ClaimMetadata metadata) {
    this.metadata = metadata;
  }

  public PersistentVolumeClaimSpec getSpec() {
    return spec;
  }

  public void setSpec(PersistentVolumeClaimSpec spec) {
    this.spec = spec;
  }
}
