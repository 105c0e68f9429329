package dev.stowage.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.ValidationRule;

/** The ids the engine pod runs as: never root, never anything else of a security context. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class PodSecurity {
  static final long MAX_ID = 2147483647L;

  @Max(MAX_ID)
  @ValidationRule(
      value = "self >= 1",
      message = "runAsUser must be a uid of 1 or more: the engine never runs" + " as root",
      reason = "FieldValueInvalid")
  @JsonPropertyDescription("The uid of the engine container, at least 1.")
  private Long runAsUser;

  @Max(MAX_ID)
  @ValidationRule(
      value = "self >= 1",
      message =
          "runAsGroup must be a gid of 1 or more: the engine never runs" + " in the root group",
      reason = "FieldValueInvalid")
  @JsonPropertyDescription("The primary gid of the engine container, at least 1.")
  private Long runAsGroup;

  @Max(MAX_ID)
  @ValidationRule(
      value = "self >= 1",
      message =
          "fsGroup must be a gid of 1 or more: volumes are never given" + " to the root group",
      reason = "FieldValueInvalid")
  @JsonPropertyDescription(
      "The group that owns the mounted volumes (fsGroupChangePolicy OnRootMismatch), at least 1.")
  private Long fsGroup;

  public Long getRunAsUser() {
    return runAsUser;
  }

  public void setRunAsUser(Long runAsUser) {
    this.runAsUser = runAsUser;
  }

  public Long getRunAsGroup() {
    return runAsGroup;
  }

  public void setRunAsGroup(Long runAsGroup) {
    this.runAsGroup = runAsGroup;
  }

  public Long getFsGroup() {
    return fsGroup;
  }

  public void setFsGroup(Long fsGroup) {
    this.fsGroup = fsGroup;
  }
}
