package dev.stowage.operator.job;

import dev.stowage.api.v1alpha1.BackupStorage;

/**
 * One backup where the engine finds it: a storage, the directory of its source inside it, and its
 * name there ({@code latest} for the newest complete one, on restore).
 */
public record StoredBackup(BackupStorage storage, String directory, String name) {
  /** The storage as the engine's URL, for status.location; it holds no credentials. */
  public String location() {
    return EngineStorage.url(storage);
  }
}
