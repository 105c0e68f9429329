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
 * A storage location for one namespace, owned by whoever administers it (tenants that only use it
 * need no write access to it): resources in that namespace name it in storeRef.
 */
@Group(MysqlBackup.GROUP)
@Version(MysqlBackup.VERSION)
@Singular("backupstore")
@Plural("backupstores")
@ShortNames("bs")
@Categories("stowage")
@AdditionalPrinterColumn(name = "Bucket", jsonPath = ".spec.s3.bucket", type = Type.STRING)
@AdditionalPrinterColumn(name = "Prefix", jsonPath = ".spec.s3.prefix", type = Type.STRING)
@AdditionalPrinterColumn(name = "Age", jsonPath = ".metadata.creationTimestamp", type = Type.DATE)
public class BackupStore extends CustomResource<BackupStoreSpec, Void> implements Namespaced {
  // Overridden only to carry the description that kubectl explain shows for spec.
  @Override
  @Required
  @JsonPropertyDescription(
      "The bucket and how the engine reaches it. Resources of this namespace store under"
          + " <prefix>/<namespace>/ only.")
  public BackupStoreSpec getSpec() {
    return super.getSpec();
  }
}
