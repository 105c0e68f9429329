/**
 * Connections from the operator to a MySQL or MariaDB server: only the global read lock that a
 * snapshot backup of consistency FlushTablesWithReadLock holds while the storage cuts its snapshot
 * ({@link dev.stowage.operator.mysql.ReadLocks}).
 */
package dev.stowage.operator.mysql;
