/**
 * MysqlRestore: the reconciler and its steps (the referenced backup, the target claim, its lock,
 * the engine Job, the outcome), never over data without an explicit overwrite.
 */
package dev.stowage.operator.restore;
