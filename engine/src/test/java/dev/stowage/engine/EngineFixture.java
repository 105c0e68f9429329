package dev.stowage.engine;

import dev.stowage.engine.backup.BackupRunner;
import dev.stowage.engine.backup.BackupSettings;
import dev.stowage.engine.core.Retrier;
import dev.stowage.engine.core.Roots;
import dev.stowage.engine.core.RunSummary;
import dev.stowage.engine.restore.RestoreRunner;
import dev.stowage.engine.restore.RestoreSettings;
import dev.stowage.engine.storage.BackupLocation;
import dev.stowage.engine.storage.BackupStorage;
import dev.stowage.engine.testing.Trees;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;

/** A small data directory with every kind of entry, and runners wired for fast unit tests. */
public final class EngineFixture {
  public static final long MI = 1 << 20;
  public static final String DIR = "ns/db";

  private EngineFixture() {}

  /** ibdata1 (chunked), a chunked table, small files, an empty schema, a symlink, a FIFO. */
  public static void writeDatadir(Path d) throws IOException, InterruptedException {
    Files.createDirectories(d.resolve("shop"));
    Files.createDirectories(d.resolve("empty_schema"));
    Trees.writePseudoData(d.resolve("ibdata1"), 9 * MI + 4321, 1);
    Trees.writePseudoData(d.resolve("ib_logfile0"), 2 * MI, 2);
    Trees.writePseudoData(d.resolve("shop/orders.ibd"), 13 * MI, 3);
    Trees.writePseudoData(d.resolve("shop/orders.frm"), 1000, 4);
    Files.writeString(d.resolve("shop/db.opt"), "default-character-set=utf8mb4\n");
    Files.write(d.resolve("empty.MYD"), new byte[0]);
    Files.writeString(d.resolve("mysqld.pid"), "123\n");
    Files.createSymbolicLink(d.resolve("shop/alias.frm"), Path.of("orders.frm"));
    Process p = new ProcessBuilder("mkfifo", d.resolve("shop/pipe").toString()).start();
    if (p.waitFor() != 0) {
      throw new IOException("mkfifo failed");
    }
    Files.setPosixFilePermissions(
        d.resolve("shop/orders.ibd"), PosixFilePermissions.fromString("rw-r-----"));
    Files.setPosixFilePermissions(
        d.resolve("empty_schema"), PosixFilePermissions.fromString("rwxr-x---"));
    Files.setLastModifiedTime(
        d.resolve("shop/orders.frm"),
        FileTime.from(Instant.parse("2024-02-03T04:05:06.123456789Z")));
    Files.setLastModifiedTime(
        d.resolve("empty_schema"), FileTime.from(Instant.parse("2023-01-01T00:00:00Z")));
  }

  public static Retrier fastRetrier() {
    return new Retrier(4, 1, 5);
  }

  public static BackupSettings backupSettings(Path datadir, String name) {
    return new BackupSettings(
        new Roots(datadir, null, null),
        new BackupLocation(DIR, name),
        4 * MI,
        4 * MI,
        "zstd",
        1,
        3,
        false,
        true);
  }

  public static RunSummary backup(BackupStorage storage, Path datadir, String name) {
    return new BackupRunner(backupSettings(datadir, name), storage, fastRetrier()).run();
  }

  public static RestoreSettings restoreSettings(
      Path target, String name, int concurrency, boolean overwrite) {
    return new RestoreSettings(
        new Roots(target, null, null), DIR, name, concurrency, overwrite, true);
  }

  public static RunSummary restore(BackupStorage storage, Path target, String name) {
    return new RestoreRunner(
            restoreSettings(target, name, 3, false), storage, fastRetrier(), RestoreRunner.FSYNC)
        .run();
  }
}
