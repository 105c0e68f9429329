package dev.stowage.operator.status;

/** Why a condition or event is what it is: the closed set of reasons the operator reports. */
public enum Reason {
  /** The engine Job was created. */
  JobCreated,
  /** The engine reaches its storage over plain http:// (insecure: true). */
  InsecureEndpoint,
  /** The engine Job is running. */
  Running,
  Succeeded,
  Failed,
  /** A running pod mounts the claim and nothing may stop it. */
  ClaimInUse,
  /**
   * A Job of the name of the resource's engine Job exists that it did not create: never adopted or
   * read.
   */
  ForeignJob,
  /** A Lease of the name of a Stowage lock exists that Stowage did not make: never taken over. */
  ForeignLease,
  /**
   * A status names another stored backup than the spec and metadata do: refused, never acted on.
   */
  StatusMismatch,
  /** Another backup or restore holds the claim. */
  WaitingForClaim,
  /** Another backup has the StatefulSet to quiesce scaled down. */
  WaitingForStatefulSet,
  /** The claim does not exist (yet). */
  ClaimNotFound,
  /** The referenced MysqlBackup does not exist or has not succeeded yet. */
  WaitingForBackup,
  /** The StatefulSet was scaled down to stop the pod that mounts the claim. */
  ScaledDown,
  /** The StatefulSet got its replicas back. */
  ScaledUp,
  /** The StatefulSet to quiesce neither has a claim template for the claim nor mounts it. */
  StatefulSetDoesNotMountClaim,
  /** The StatefulSet to quiesce does not exist. */
  StatefulSetNotFound,
  /** The target claim was created from the volumeClaimTemplate. */
  ClaimCreated,
  /** The stored backup is being deleted (deletionPolicy Delete). */
  Deleting,
  /** The stored backup was deleted. */
  Deleted,
  /** The stored backup could not be deleted. */
  DeleteFailed,
  /** A running backup was stopped because its resource was deleted. */
  Cancelled,
  /** The engine pod cannot start (unschedulable, image or configuration error, too slow). */
  EnginePodCannotStart,
  /** The pre-flight check of the storage runs. */
  CheckingStorage,
  /** The pre-flight check proved the storage reachable, writable and free under the name. */
  StorageChecked,
  /** The pre-flight check failed: nothing was stopped. */
  PreflightFailed,
  /** The storage claim does not exist or cannot be used. */
  StorageClaimNotFound,
  /** A volumeClaimTemplate names a claim that exists and that this restore did not create. */
  ClaimExists,
  /** An overwrite restore could not start within its deadline. */
  OverwriteDeadlineExceeded,
  /** A restore's target claim holds a partial restore. */
  ClaimIncomplete,
  /** The objects a failed backup stored are being removed. */
  RemovingPartialBackup,
  /** The objects a failed backup stored were removed. */
  PartialBackupRemoved,
  /** The objects a failed backup stored could not be removed. */
  PartialBackupNotRemoved,
  /** The spec cannot be acted on. */
  InvalidSpec,
  /** A schedule created a MysqlBackup for a slot, a trigger or immediate. */
  BackupCreated,
  /** A schedule's slot passed without a backup; the message says why. */
  MissedSchedule,
  /** A MysqlBackup of the child's name exists and is not this schedule's: the slot is skipped. */
  BackupNameCollision,
  /** A schedule's template carried GitOps tracking keys, which its backups do not get. */
  TemplateMetadataStripped,
  /** A schedule's backup got activeDeadlineSeconds because its template sets none. */
  ActiveDeadlineSet,
  /** Retention deleted a MysqlBackup; the message says why no rule kept it. */
  RetentionDeleted,
  /** Retention could not delete a MysqlBackup or its data. */
  RetentionFailed,
  /** A schedule's backup did not start by its slot plus startingDeadlineSeconds. */
  NotStartedInTime,
  /** A deleted schedule left its backups in place (deletionPolicy Retain). */
  BackupsRetained,
  /** Snapshot mode: the API server does not serve the VolumeSnapshot API. */
  SnapshotApiMissing,
  /** Snapshot mode: no VolumeSnapshotClass (the named one, or one for the claim's driver). */
  NoVolumeSnapshotClass,
  /** Snapshot mode: the VolumeSnapshot was created. */
  SnapshotCreated,
  /** Snapshot mode: waiting for the VolumeSnapshot to be ready to use. */
  TakingSnapshot,
  /** Snapshot mode: the VolumeSnapshot is ready; the backup is of its creationTime. */
  SnapshotReady,
  /** Snapshot mode: the VolumeSnapshot failed (its status.error) or never became ready. */
  SnapshotFailed,
  /** Snapshot mode: the clone claim was created from the VolumeSnapshot. */
  CloneCreated,
  /** Snapshot mode: waiting for the clone claim to be provisioned. */
  ProvisioningClone,
  /** Snapshot mode: the clone claim could not be provisioned. */
  CloneNotProvisioned,
  /** Snapshot mode: the clone or the snapshot could not be deleted (tried again). */
  SnapshotCleanupFailed,
  /**
   * FlushTablesWithReadLock: the connection Secret is missing, lacks a key, or the operator may not
   * read it; nothing was created.
   */
  ConnectionSecretUnusable,
  /** FlushTablesWithReadLock: the global read lock is held; the snapshot is taken under it. */
  ReadLockTaken,
  /** FlushTablesWithReadLock: the snapshot had its creationTime and the lock was released. */
  ReadLockReleased,
  /**
   * FlushTablesWithReadLock: the lock was not taken, or not held until the snapshot was cut (its
   * limit, a lost connection, an operator restart); nothing is copied.
   */
  ReadLockFailed
}
