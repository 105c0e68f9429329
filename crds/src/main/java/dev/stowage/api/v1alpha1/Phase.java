package dev.stowage.api.v1alpha1;

/** Where a backup or restore is in its life; derived from its Job on every reconcile. */
public enum Phase {
  Pending,
  Running,
  Succeeded,
  Failed
}
