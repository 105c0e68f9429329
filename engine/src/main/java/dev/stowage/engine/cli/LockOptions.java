package dev.stowage.engine.cli;

import dev.stowage.engine.lock.BackupLock;
import java.time.Duration;
import picocli.CommandLine.Option;

/** {@code --lock-stale-after}, the same for every command that looks at a backup's lock. */
final class LockOptions {
  @Option(
      names = "--lock-stale-after",
      paramLabel = "DURATION",
      defaultValue = "2m",
      description =
          "A backup's lock (.stowage-lock) with no heartbeat for this long is stale: its run is"
              + " taken for dead, so a backup of the name takes it over, rm deletes the incomplete"
              + " backup, ls shows it as stale and check lets it pass (default: ${DEFAULT-VALUE};"
              + " e.g. 90s, 5m).")
  String staleAfter;

  Duration staleAfter() {
    return BackupLock.parseDuration("--lock-stale-after", staleAfter);
  }
}
