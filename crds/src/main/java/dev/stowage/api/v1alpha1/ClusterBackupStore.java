package dev.stowage.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn.Type;
import io.fabric8.generator.annotation.Required;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Categories;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Singular;
import io.fabric8.kubernetes.model.annotation.Version;

/**
 * A storage location owned by the cluster's administrators, for the namespaces it allows: tenants
 * name it in storeRef and never see or choose its endpoint, bucket or base prefix.
 */
@Group(MysqlBackup.GROUP)
@Version(MysqlBackup.VERSION)
@Singular("clusterbackupstore")
@Plural("clusterbackupstores")
@ShortNames("cbs")
@Categories("stowage")
@AdditionalPrinterColumn(name = "Bucket", jsonPath = ".spec.s3.bucket", type = Type.STRING)
@AdditionalPrinterColumn(name = "Prefix", jsonPath = ".spec.s3.prefix", type = Type.STRING)
@AdditionalPrinterColumn(name = "Age", jsonPath = ".metadata.creationTimestamp", type = Type.DATE)
public class ClusterBackupStore extends CustomResource<ClusterBackupStoreSpec, Void> {
  // Overridden only to carry the description that kubectl explain shows for spec.
  @Override
  @Required
  @JsonPropertyDescription(
      "The bucket, how the engine reaches it, and which namespaces may use it. Each namespace"
          + " stores under <prefix>/<namespace>/ only.")
  public ClusterBackupStoreSpec getSpec() {
    return super.getSpec();
  }
}
