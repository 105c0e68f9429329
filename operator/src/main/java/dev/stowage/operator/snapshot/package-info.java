/** Snapshot mode: the VolumeSnapshotClass choice and the VolumeSnapshot and clone objects. */
package dev.stowage.operator.snapshot;
