package dev.stowage.api.v1alpha1;

/** What happens to stored backup data when its MysqlBackup is deleted. */
public enum DeletionPolicy {
  Retain,
  Delete
}
