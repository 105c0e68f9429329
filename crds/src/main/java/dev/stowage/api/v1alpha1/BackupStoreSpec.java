package dev.stowage.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;

/**
 * Where a store keeps backups and how the engine reaches it: what a BackupStore holds, and a
 * ClusterBackupStore besides the namespaces allowed to use it.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class BackupStoreSpec {
  @Required
  @JsonPropertyDescription(
      "The bucket. Its prefix is the base under which each namespace gets its own directory,"
          + " <prefix>/<namespace>/; credentialsSecretRef and caBundleRef name a Secret and a"
          + " ConfigMap in the namespace of the resource that uses the store, so that each"
          + " namespace can have a credential limited to its own directory.")
  private S3Storage s3;

  @Size(max = 253)
  @Pattern(ApiPatterns.DNS_SUBDOMAIN)
  @JsonPropertyDescription(
      "ServiceAccount of the engine Jobs, in the namespace of the resource that uses the store,"
          + " for credentials from a workload identity (EKS IRSA or Pod Identity, GKE, Azure)"
          + " instead of keys. Unset: the namespace's default ServiceAccount, with no API token"
          + " mounted.")
  private String serviceAccountName;

  public S3Storage getS3() {
    return s3;
  }

  public void setS3(S3Storage s3) {
    this.s3 = s3;
  }

  public String getServiceAccountName() {
    return serviceAccountName;
  }

  public void setServiceAccountName(String serviceAccountName) {
    this.serviceAccountName = serviceAccountName;
  }
}
