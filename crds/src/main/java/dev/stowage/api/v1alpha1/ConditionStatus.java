package dev.stowage.api.v1alpha1;

/** The status of a condition, as in every Kubernetes API. */
public enum ConditionStatus {
  True,
  False,
  Unknown
}
