package dev.stowage.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Size;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.Toleration;
import java.util.List;
import java.util.Map;

/**
 * The few settings of the engine Job's pod a tenant may change. Everything else (the image, the
 * security contexts) is the operator's: whoever may create a MysqlBackup must not get to run any
 * image as root, privileged, or on any node (issue 15, finding 1).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class PodSettings {
  @JsonPropertyDescription(
      "CPU and memory of the engine container. Memory use is bounded by concurrency"
          + " times the chunk buffers, never by the size of the database.")
  private ResourceRequirements resources;

  @Size(max = 64)
  @JsonPropertyDescription(
      "Node labels the pod must match. Only the key=value pairs the operator's"
          + " STOWAGE_ALLOWED_NODE_SELECTORS allows (default: none); any other fails the resource"
          + " with reason InvalidSpec. The pod also has to run where the volumes can be mounted.")
  private Map<String, @Size(max = 63) String> nodeSelector;

  @Size(max = 64)
  @JsonPropertyDescription(
      "Tolerations of the pod, for nodes with taints. Only those the operator's"
          + " STOWAGE_ALLOWED_TOLERATIONS allows (default: none); any other fails the resource"
          + " with reason InvalidSpec.")
  private List<Toleration> tolerations;

  @JsonPropertyDescription(
      "The user and groups the engine runs as, merged into the operator's hardened security"
          + " context (non-root, no privilege escalation, all capabilities dropped, read-only"
          + " root, RuntimeDefault seccomp), which cannot be changed. Set them to the MySQL"
          + " user's ids so that restored files keep their owner. Unset: the operator's"
          + " STOWAGE_MYSQL_UID and STOWAGE_MYSQL_GID. The engine image and its pull policy are"
          + " the operator's too (STOWAGE_ENGINE_IMAGE, STOWAGE_ENGINE_PULL_POLICY): v1alpha1"
          + " no longer has pod.image, pod.imagePullPolicy, a full pod.securityContext or"
          + " pod.containerSecurityContext.")
  private PodSecurity securityContext;

  public ResourceRequirements getResources() {
    return resources;
  }

  public void setResources(ResourceRequirements resources) {
    this.resources = resources;
  }

  public Map<String, String> getNodeSelector() {
    return nodeSelector;
  }

  public void setNodeSelector(Map<String, String> nodeSelector) {
    this.nodeSelector = nodeSelector;
  }

  public List<Toleration> getTolerations() {
    return tolerations;
  }

  public void setTolerations(List<Toleration> tolerations) {
    this.tolerations = tolerations;
  }

  public PodSecurity getSecurityContext() {
    return securityContext;
  }

  public void setSecurityContext(PodSecurity securityContext) {
    this.securityContext = securityContext;
  }
}
