package dev.stowage.api.v1alpha1;

/** What a MysqlBackupSchedule does with a slot that comes due while one of its backups runs. */
public enum ConcurrencyPolicy {
  /** The slot is missed (reason ConcurrencyForbid), never queued. */
  Forbid
}
