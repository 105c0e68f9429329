package dev.stowage.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Min;

/** What the operator changed to quiesce the source, so that it can undo it after a restart. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class QuiesceStatus {
  @JsonPropertyDescription("The StatefulSet that was scaled down.")
  private String statefulSet;

  @Min(0)
  @JsonPropertyDescription(
      "Its spec.replicas before the operator scaled it down, recorded before the"
          + " scale-down and restored when the backup ends.")
  private Integer originalReplicas;

  @JsonPropertyDescription("When the StatefulSet was scaled down (RFC 3339).")
  private String scaledDownTime;

  @JsonPropertyDescription(
      "When the original replica count was restored (RFC 3339); unset while the"
          + " StatefulSet is still scaled down.")
  private String restoredTime;

  public String getStatefulSet() {
    return statefulSet;
  }

  public void setStatefulSet(String statefulSet) {
    this.statefulSet = statefulSet;
  }

  public Integer getOriginalReplicas() {
    return originalReplicas;
  }

  public void setOriginalReplicas(Integer originalReplicas) {
    this.originalReplicas = originalReplicas;
  }

  public String getScaledDownTime() {
    return scaledDownTime;
  }

  public void setScaledDownTime(String scaledDownTime) {
    this.scaledDownTime = scaledDownTime;
  }

  public String getRestoredTime() {
    return restoredTime;
  }

  public void setRestoredTime(String restoredTime) {
    this.restoredTime = restoredTime;
  }
}
