package dev.stowage.operator.backup;

import dev.stowage.api.v1alpha1.MysqlBackup;
import dev.stowage.api.v1alpha1.MysqlBackupStatus;
import dev.stowage.api.v1alpha1.QuiesceStatus;
import dev.stowage.operator.status.Reason;
import java.time.Duration;

/** One reconcile of one MysqlBackup, as the reconciler's collaborators see it. */
interface BackupRun {
  MysqlBackup backup();

  /** The status being built in this reconcile. */
  MysqlBackupStatus status();

  String namespace();

  /** The source claim. */
  String claim();

  /** The StatefulSet to quiesce (spec.source.quiesce.statefulSet), or null. */
  default String statefulSetName() {
    var q = backup().getSpec().getSource().getQuiesce();
    return q == null ? null : q.getStatefulSet();
  }

  /** The unfinished pods that mount the claim, listed once per reconcile. */
  java.util.List<io.fabric8.kubernetes.api.model.Pod> mounting();

  /** Releases the claim's and the StatefulSet's locks held by this backup. */
  void unlockAll();

  /** Notes the replicas the StatefulSet was scaled down to, for the wait message. */
  void quiescedTo(int replicas);

  /** The replicas the StatefulSet was scaled down to in this reconcile. */
  int quiescedTo();

  Long generation();

  /** The stored backup for people: the storage without its options, directory and name. */
  String where();

  /** Writes the status now, before acting on what it records. */
  void saveNow();

  void fail(Reason reason, String message);

  /** Scales the StatefulSet back and unlocks the claim, once; both survive a restart. */
  void settle();

  /** Whether the StatefulSet was never scaled down, or has been scaled back. */
  default boolean settled() {
    QuiesceStatus q = status().getQuiesce();
    return q == null || q.getOriginalReplicas() == null || q.getRestoredTime() != null;
  }

  /** Blocked for the reason; returns when to look again. */
  Duration block(Reason reason, String message, Duration again);
}
