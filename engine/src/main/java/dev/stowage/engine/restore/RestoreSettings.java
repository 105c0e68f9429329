package dev.stowage.engine.restore;

import dev.stowage.engine.backup.BackupSettings;
import dev.stowage.engine.core.Roots;

/** Everything a restore needs to know. */
public record RestoreSettings(
    Roots roots, String directory, String name, int concurrency, boolean overwrite, boolean quiet) {
  public RestoreSettings {
    BackupSettings.checkConcurrency(concurrency);
  }
}
