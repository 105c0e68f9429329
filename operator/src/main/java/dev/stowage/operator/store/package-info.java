/** BackupStores and ClusterBackupStores: where a resource's storage.storeRef points. */
package dev.stowage.operator.store;
