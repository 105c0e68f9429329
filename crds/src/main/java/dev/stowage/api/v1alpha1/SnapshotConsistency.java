package dev.stowage.api.v1alpha1;

/** How consistent the VolumeSnapshot of a snapshot-mode backup is. */
public enum SnapshotConsistency {
  /** No connection to the server: InnoDB recovers the copy as after a power cut. */
  CrashConsistent,
  /** The snapshot is taken under a brief global read lock held over a connection to the server. */
  FlushTablesWithReadLock
}
