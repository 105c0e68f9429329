package dev.stowage.operator.restore;

import dev.stowage.api.v1alpha1.MysqlBackup;
import dev.stowage.api.v1alpha1.MysqlRestore;
import dev.stowage.api.v1alpha1.MysqlRestoreStatus;
import dev.stowage.operator.status.Reason;

/** One reconcile of one MysqlRestore, as the reconciler's collaborators see it. */
interface RestoreRun {
  MysqlRestore restore();

  /** The status being built in this reconcile. */
  MysqlRestoreStatus status();

  String namespace();

  /** The target claim. */
  String claim();

  Long generation();

  /** The MysqlBackup named by spec.backup, once found; null when spec.source names the backup. */
  MysqlBackup referenced();

  void referenced(MysqlBackup backup);

  /** The backup read, for people: the storage without its options, directory and name. */
  String where();

  /** Writes the status now, before acting on what it records. */
  void saveNow();

  void fail(Reason reason, String message);

  /**
   * Blocked for the reason; returns when to look again, or null when an overwrite restore waited
   * past its start deadline and failed instead.
   */
  java.time.Duration block(Reason reason, String message);

  /** Unlocks the claim and ends any wait. */
  void settle();
}
