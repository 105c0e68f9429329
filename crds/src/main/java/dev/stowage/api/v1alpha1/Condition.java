package dev.stowage.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import java.util.Objects;

/** One aspect of a resource's state, with the shape of Kubernetes' metav1.Condition. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class Condition {
  @Required
  @Size(max = 316)
  @Pattern("^[A-Za-z][A-Za-z0-9]*$")
  @JsonPropertyDescription(
      "Type of the condition, in CamelCase (for example Ready, Blocked or" + " Quiesced).")
  private String type;

  @Required
  @JsonPropertyDescription("True, False or Unknown.")
  private ConditionStatus status;

  @Size(max = 1024)
  @Pattern("^([A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?)?$")
  @JsonPropertyDescription(
      "Why the condition last changed, as one CamelCase word for programs (for"
          + " example WaitingForPod).")
  private String reason;

  @Size(max = 32768)
  @JsonPropertyDescription("What happened and what a person can do about it.")
  private String message;

  @JsonPropertyDescription(
      "When the status last changed (RFC 3339); kept when only the reason or" + " message changed.")
  private String lastTransitionTime;

  @Min(0)
  @JsonPropertyDescription("The metadata.generation the condition was computed from.")
  private Long observedGeneration;

  public String getType() {
    return type;
  }

  public void setType(String type) {
    this.type = type;
  }

  public ConditionStatus getStatus() {
    return status;
  }

  public void setStatus(ConditionStatus status) {
    this.status = status;
  }

  public String getReason() {
    return reason;
  }

  public void setReason(String reason) {
    this.reason = reason;
  }

  public String getMessage() {
    return message;
  }

  public void setMessage(String message) {
    this.message = message;
  }

  public String getLastTransitionTime() {
    return lastTransitionTime;
  }

  public void setLastTransitionTime(String lastTransitionTime) {
    this.lastTransitionTime = lastTransitionTime;
  }

  public Long getObservedGeneration() {
    return observedGeneration;
  }

  public void setObservedGeneration(Long observedGeneration) {
    this.observedGeneration = observedGeneration;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Condition c
        && Objects.equals(type, c.type)
        && status == c.status
        && Objects.equals(reason, c.reason)
        && Objects.equals(message, c.message)
        && Objects.equals(lastTransitionTime, c.lastTransitionTime)
        && Objects.equals(observedGeneration, c.observedGeneration);
  }

  @Override
  public int hashCode() {
    return Objects.hash(type, status, reason, message, lastTransitionTime, observedGeneration);
  }

  @Override
  public String toString() {
    return type + "=" + status + " (" + reason + "): " + message;
  }
}
