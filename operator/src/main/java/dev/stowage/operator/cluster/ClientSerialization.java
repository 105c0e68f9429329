package dev.stowage.operator.cluster;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;

/**
 * The operator client's JSON mapping: every object it reads leaves out {@code
 * metadata.managedFields}. The operator never uses them, yet as parsed maps they were about half of
 * the heap with 10,000 MysqlBackups in the informer caches (bench/README.md, "Operator at fleet
 * scale"). An update sent without them keeps the server's own (a missing list is not an empty one).
 */
public final class ClientSerialization {

  private ClientSerialization() {}

  @JsonIgnoreProperties({"managedFields"})
  private abstract static class WithoutManagedFields {}

  /** A serialization that drops managedFields when reading and never writes them. */
  public static KubernetesSerialization withoutManagedFields() {
    ObjectMapper mapper = new ObjectMapper();
    mapper.addMixIn(ObjectMeta.class, WithoutManagedFields.class);
    return new KubernetesSerialization(mapper, true);
  }
}
