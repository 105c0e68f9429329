package dev.stowage.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Size;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.Toleration;
import java.util.List;
import java.util.Map;

/** Settings of the engine Job's pod that a user may need to change. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class PodSettings {
  @Size(min = 1, max = 1024)
  @JsonPropertyDescription(
      "Engine container image. Unset: the image the operator was installed with.")
  private String image;

  @JsonPropertyDescription(
      "When the kubelet pulls the image: Always, IfNotPresent or Never. Unset: the"
          + " Kubernetes default for the image's tag.")
  private PullPolicy imagePullPolicy;

  @JsonPropertyDescription(
      "CPU and memory of the engine container. Memory use is bounded by concurrency"
          + " times the chunk buffers, never by the size of the database.")
  private ResourceRequirements resources;

  @Size(max = 64)
  @JsonPropertyDescription(
      "Node labels the pod must match. The pod also has to run where the volumes"
          + " can be mounted.")
  private Map<String, String> nodeSelector;

  @Size(max = 64)
  @JsonPropertyDescription("Tolerations of the pod, for nodes with taints.")
  private List<Toleration> tolerations;

  @JsonPropertyDescription(
      "Pod security context. Set runAsUser, runAsGroup and fsGroup to the MySQL user's ids so that"
          + " restored files keep their owner. Unset: the operator's default, the ids of the MySQL"
          + " user.")
  private PodSecurityContext securityContext;

  @JsonPropertyDescription(
      "Security context of the engine container (for example a read-only root file"
          + " system or dropped capabilities).")
  private SecurityContext containerSecurityContext;

  public String getImage() {
    return image;
  }

  public void setImage(String image) {
    this.image = image;
  }

  public PullPolicy getImagePullPolicy() {
    return imagePullPolicy;
  }

  public void setImagePullPolicy(PullPolicy imagePullPolicy) {
    this.imagePullPolicy = imagePullPolicy;
  }

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

  public PodSecurityContext getSecurityContext() {
    return securityContext;
  }

  public void setSecurityContext(PodSecurityContext securityContext) {
    this.securityContext = securityContext;
  }

  public SecurityContext getContainerSecurityContext() {
    return containerSecurityContext;
  }

  public void setContainerSecurityContext(SecurityContext containerSecurityContext) {
    this.containerSecurityContext = containerSecurityContext;
  }
}
