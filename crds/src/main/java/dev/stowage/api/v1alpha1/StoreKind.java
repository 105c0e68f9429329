package dev.stowage.api.v1alpha1;

/** The kind of an administrator's storage location that a storeRef names. */
public enum StoreKind {
  ClusterBackupStore,
  BackupStore
}
