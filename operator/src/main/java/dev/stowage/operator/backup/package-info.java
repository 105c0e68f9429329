/**
 * MysqlBackup: the reconciler and its steps in order (claim lock, pre-flight, quiesce or snapshot,
 * engine Job, outcome, give-back), each recorded in status before it acts.
 */
package dev.stowage.operator.backup;
