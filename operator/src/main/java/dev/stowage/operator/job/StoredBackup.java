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

  /**
   * A stored backup for people: the storage URL without its options, then directory and name, for
   * example {@code s3://backups/mariadb/prod/data-mariadb-0/2026-11-25.161409.nightly}.
   */
  public static String describe(String location, String directory, String name) {
    String base = location == null ? "" : location;
    int q = base.indexOf('?');
    if (q >= 0) {
      base = base.substring(0, q);
    }
    while (base.endsWith("/")) {
      base = base.substring(0, base.length() - 1);
    }
    return base + "/" + directory + "/" + name;
  }
}
