package dev.stowage.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;

/** How the operator stops the MySQL server for a cold copy. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class Quiesce {
  @Required
  @Size(max = 253)
  @Pattern(ApiPatterns.DNS_SUBDOMAIN)
  @JsonPropertyDescription(
      "Name of the StatefulSet, in the MysqlBackup's namespace, whose pod mounts the volume. The"
          + " operator scales it down just far enough to stop that pod, runs the backup and scales"
          + " it back to the replica count it had, which it records in status.quiesce first.")
  private String statefulSet;

  public String getStatefulSet() {
    return statefulSet;
  }

  public void setStatefulSet(String statefulSet) {
    this.statefulSet = statefulSet;
  }
}
