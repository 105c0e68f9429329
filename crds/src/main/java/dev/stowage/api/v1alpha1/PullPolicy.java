package dev.stowage.api.v1alpha1;

/** The image pull policies of a container. */
public enum PullPolicy {
  Always,
  IfNotPresent,
  Never
}
