package dev.stowage.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;

/** A storage location an administrator owns: a ClusterBackupStore or a BackupStore. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class StoreRef {
  @Default("ClusterBackupStore")
  @JsonPropertyDescription(
      "ClusterBackupStore (default: cluster-wide, for the namespaces it allows) or BackupStore (in"
          + " the resource's namespace).")
  private StoreKind kind;

  @Required
  @Size(max = 253)
  @Pattern(ApiPatterns.DNS_SUBDOMAIN)
  @JsonPropertyDescription("Name of the store.")
  private String name;

  public StoreRef() {}

  public StoreRef(StoreKind kind, String name) {
    this.kind = kind;
    this.name = name;
  }

  public StoreKind getKind() {
    return kind;
  }

  public void setKind(StoreKind kind) {
    this.kind = kind;
  }

  public String getName() {
    return name;
  }

  public void setName(String name) {
    this.name = name;
  }

  /** The kind, ClusterBackupStore when unset (the schema's default). */
  public StoreKind kindOrDefault() {
    return kind == null ? StoreKind.ClusterBackupStore : kind;
  }
}
