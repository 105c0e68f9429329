package dev.stowage.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import java.util.List;

/** A BackupStore for the whole cluster, and which namespaces may use it. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ClusterBackupStoreSpec extends BackupStoreSpec {
  @Required
  @Size(min = 1, max = 1000)
  @JsonPropertyDescription(
      "Namespaces whose MysqlBackups, MysqlRestores and MysqlBackupSchedules may use this store,"
          + " or * for all. A resource in any other namespace that names the store fails, saying"
          + " so.")
  private List<@Size(max = 63) @Pattern("^([a-z0-9]([-a-z0-9]*[a-z0-9])?|[*])$") String>
      allowedNamespaces;

  public List<String> getAllowedNamespaces() {
    return allowedNamespaces;
  }

  public void setAllowedNamespaces(List<String> allowedNamespaces) {
    this.allowedNamespaces = allowedNamespaces;
  }

  /** Whether a resource in {@code namespace} may use the store. */
  public boolean allows(String namespace) {
    return allowedNamespaces != null
        && (allowedNamespaces.contains("*") || allowedNamespaces.contains(namespace));
  }
}
