package dev.stowage.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;

/** How the operator connects to the MySQL server whose volume it snapshots. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class MysqlConnection {
  @Required
  @JsonPropertyDescription(
      "A Secret, in the MysqlBackup's namespace, with the keys host, port, user and password of"
          + " an account allowed to take a global read lock (RELOAD, or BACKUP_ADMIN on"
          + " MariaDB).")
  private LocalSecretRef connectionSecretRef;

  public LocalSecretRef getConnectionSecretRef() {
    return connectionSecretRef;
  }

  public void setConnectionSecretRef(LocalSecretRef connectionSecretRef) {
    this.connectionSecretRef = connectionSecretRef;
  }
}
