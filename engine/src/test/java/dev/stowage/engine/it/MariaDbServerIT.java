package dev.stowage.engine.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stowage.engine.testing.MariaDbServer;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The facts the engine's live-server check and the other ITs rely on, checked on the MariaDB this
 * machine has: a running server holds a lock on {@code ibdata1} that another process's shared-lock
 * probe sees, and releases it on a clean shutdown; a data directory can be restarted.
 */
class MariaDbServerIT {

  @TempDir Path dir;

  @Test
  void aRunningServerHoldsALockOnIbdata1ThatAProbeSeesAndReleasesItOnShutdown() throws IOException {
    Path datadir = dir.resolve("data");
    try (MariaDbServer server = MariaDbServer.installAndStart(datadir, dir.resolve("run"))) {
      assertThat(server.scalar("SELECT @@version")).contains("MariaDB");
      assertThat(probeSharedLock(datadir.resolve("ibdata1"))).as("probe while running").isFalse();
      server.shutdown();
      assertThat(server.isRunning()).isFalse();
    }
    assertThat(probeSharedLock(datadir.resolve("ibdata1"))).as("probe after shutdown").isTrue();

    try (MariaDbServer again = MariaDbServer.start(datadir, dir.resolve("run2"))) {
      again.sql(
          "CREATE DATABASE d; USE d; CREATE TABLE t (id INT PRIMARY KEY)"
              + " SELECT seq AS id FROM seq_1_to_100;");
      assertThat(again.scalar("SELECT SUM(id) FROM d.t")).isEqualTo("5050");
      assertThat(again.tables()).containsEntry("d.t", "InnoDB");
    }
  }

  private static boolean probeSharedLock(Path file) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      FileLock lock = ch.tryLock(0, Long.MAX_VALUE, true);
      if (lock == null) {
        return false;
      }
      lock.release();
      return true;
    }
  }
}
