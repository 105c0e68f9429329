package dev.stowage.engine.backup;

import static dev.stowage.engine.EngineFixture.DIR;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stowage.engine.EngineFixture;
import dev.stowage.engine.core.RunSummary;
import dev.stowage.engine.error.EngineException;
import dev.stowage.engine.error.ExitCode;
import dev.stowage.engine.manifest.Manifest;
import dev.stowage.engine.manifest.ManifestCodec;
import dev.stowage.engine.storage.FaultyStorage;
import dev.stowage.engine.storage.file.FileStorage;
import dev.stowage.engine.testing.TreeSnapshot;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BackupRunnerTest {
  @TempDir Path tmp;

  private Path datadir() throws Exception {
    Path d = tmp.resolve("data");
    EngineFixture.writeDatadir(d);
    return d;
  }

  private Path backupDir(String name) {
    return tmp.resolve("backups").resolve(DIR).resolve(name);
  }

  @Test
  void roundTripSurvivesTransientFaultsAndKeepsModesTimesEmptyDirsAndLinks() throws Exception {
    Path data = datadir();
    Files.createDirectories(tmp.resolve("backups"));
    FaultyStorage storage =
        new FaultyStorage(new FileStorage(tmp.resolve("backups")))
            .failCreate("3-0", 2)
            .failMidWrite("3-1", 1)
            .failCreate("0", 1);
    RunSummary b = EngineFixture.backup(storage, data, "b1");
    assertThat(b.skipped()).singleElement().asString().contains("shop/pipe");
    assertThat(b.chunks()).isEqualTo(3 + 4); // ibdata1 9Mi+ -> 3 chunks, orders.ibd 13Mi -> 4
    Manifest m = ManifestCodec.read(Files.readAllBytes(backupDir("b1").resolve("MANIFEST")), "m");
    assertThat(m.fileEntries)
        .extracting(f -> f.base + "/" + f.name)
        .contains("InnoDBData/ibdata1", "InnoDBLog/ib_logfile0", "Data/shop/orders.ibd")
        .doesNotContain("Data/mysqld.pid", "Data/shop/pipe", "Data/shop/alias.frm");
    assertThat(Files.list(backupDir("b1")).map(p -> p.getFileName().toString()))
        .noneMatch(n -> n.startsWith(".tmp-"));

    storage.corruptRead("3-3", 1).failOpen("3-1", 2);
    Path target = tmp.resolve("restored");
    RunSummary r = EngineFixture.restore(storage, target, "b1");
    assertThat(r.bytesWritten()).isEqualTo(b.bytesRead());
    TreeSnapshot src =
        TreeSnapshot.of(data).filter(p -> !p.equals("mysqld.pid") && !p.equals("shop/pipe"));
    TreeSnapshot dst = TreeSnapshot.of(target);
    assertThat(dst.withoutTimes()).isEqualTo(src.withoutTimes());
    assertThat(dst.fileMtimeSeconds()).isEqualTo(src.fileMtimeSeconds());
    assertThat(dst.entries().get("empty_schema").mtimeMillis())
        .isEqualTo(src.entries().get("empty_schema").mtimeMillis());
    assertThat(dst.entries().get("shop/orders.frm").mtimeMillis())
        .isEqualTo(src.entries().get("shop/orders.frm").mtimeMillis());
    assertThat(Files.readSymbolicLink(target.resolve("shop/alias.frm")))
        .isEqualTo(Path.of("orders.frm"));
    assertThat(storage.opens.get("3-3").get()).isEqualTo(2);
  }

  @Test
  void persistentFailureWritesNoManifestNamesTheObjectAndARerunSucceeds() throws Exception {
    Path data = datadir();
    Files.createDirectories(tmp.resolve("backups"));
    FileStorage files = new FileStorage(tmp.resolve("backups"));
    FaultyStorage storage = new FaultyStorage(files).failCreate("3-2", 100);
    assertThatThrownBy(() -> EngineFixture.backup(storage, data, "b1"))
        .isInstanceOf(EngineException.class)
        .hasMessageContaining("no MANIFEST was written")
        .hasMessageContaining("3-2")
        .satisfies(e -> assertThat(((EngineException) e).exitCode()).isEqualTo(ExitCode.STORAGE));
    assertThat(backupDir("b1").resolve("MANIFEST")).doesNotExist();

    EngineFixture.backup(files, data, "b1");
    assertThat(backupDir("b1").resolve("MANIFEST")).exists();
    EngineFixture.restore(files, tmp.resolve("r"), "b1");
    assertThat(TreeSnapshot.of(tmp.resolve("r")).contentOnly())
        .isEqualTo(
            TreeSnapshot.of(data)
                .filter(p -> !p.equals("mysqld.pid") && !p.equals("shop/pipe"))
                .contentOnly());
  }

  @Test
  void neverOverwritesACompleteBackup() throws Exception {
    Path data = datadir();
    Files.createDirectories(tmp.resolve("backups"));
    FileStorage files = new FileStorage(tmp.resolve("backups"));
    EngineFixture.backup(files, data, "b1");
    byte[] before = Files.readAllBytes(backupDir("b1").resolve("MANIFEST"));
    assertThatThrownBy(() -> EngineFixture.backup(files, data, "b1"))
        .isInstanceOf(EngineException.class)
        .hasMessageContaining("already exists")
        .satisfies(e -> assertThat(((EngineException) e).exitCode()).isEqualTo(ExitCode.UNSAFE));
    assertThat(Files.readAllBytes(backupDir("b1").resolve("MANIFEST"))).isEqualTo(before);
  }

  @Test
  void refusesADataDirectoryWhoseIbdataIsLockedByAnotherProcess() throws Exception {
    Path data = datadir();
    Files.createDirectories(tmp.resolve("backups"));
    // Another process takes the same kind of POSIX lock InnoDB takes on ibdata1.
    Process holder =
        new ProcessBuilder(
                "python3",
                "-c",
                "import fcntl,sys\nf=open(sys.argv[1],'r+b')\nfcntl.lockf(f,fcntl.LOCK_EX)\nprint('locked',flush=True)\nsys.stdin.read()",
                data.resolve("ibdata1").toString())
            .start();
    try {
      String line = new BufferedReader(new InputStreamReader(holder.getInputStream())).readLine();
      assertThat(line).isEqualTo("locked");
      assertThatThrownBy(
              () -> EngineFixture.backup(new FileStorage(tmp.resolve("backups")), data, "b1"))
          .isInstanceOf(EngineException.class)
          .hasMessageContaining("running mysqld")
          .hasMessageContaining("ibdata1")
          .satisfies(e -> assertThat(((EngineException) e).exitCode()).isEqualTo(ExitCode.UNSAFE));
      assertThat(backupDir("b1")).doesNotExist();
    } finally {
      holder.destroy();
      holder.waitFor(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void holdsTheLockForTheWholeBackupSoAServerCannotStartMeanwhile() throws Exception {
    Path data = datadir();
    Files.createDirectories(tmp.resolve("backups"));
    java.util.List<Integer> probes = new java.util.concurrent.CopyOnWriteArrayList<>();
    FaultyStorage storage =
        new FaultyStorage(new FileStorage(tmp.resolve("backups"))) {
          @Override
          public dev.stowage.engine.storage.ObjectWriter create(
              dev.stowage.engine.storage.BackupLocation location, String object, boolean replace) {
            if (object.equals("MANIFEST") || object.equals("0")) {
              probes.add(tryExclusiveLock(data.resolve("ibdata1")));
            }
            return super.create(location, object, replace);
          }
        };
    EngineFixture.backup(storage, data, "b1");
    // What mysqld does at start-up (an exclusive fcntl lock) fails while the backup runs...
    assertThat(probes).hasSize(2).allMatch(rc -> rc == 1);
    // ...and works again once it is over.
    assertThat(tryExclusiveLock(data.resolve("ibdata1"))).isZero();
  }

  private static int tryExclusiveLock(Path file) {
    try {
      Process p =
          new ProcessBuilder(
                  "python3",
                  "-c",
                  "import fcntl,sys\nf=open(sys.argv[1],'r+b')\ntry:\n fcntl.lockf(f,fcntl.LOCK_EX|fcntl.LOCK_NB)\nexcept OSError:\n sys.exit(1)",
                  file.toString())
              .inheritIO()
              .start();
      return p.waitFor();
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void refusesASymlinkThatLeavesTheTree() throws Exception {
    Path data = datadir();
    Files.createDirectories(tmp.resolve("backups"));
    Files.createSymbolicLink(data.resolve("shop/outside.ibd"), tmp.resolve("elsewhere.ibd"));
    assertThatThrownBy(
            () -> EngineFixture.backup(new FileStorage(tmp.resolve("backups")), data, "b1"))
        .hasMessageContaining("shop/outside.ibd")
        .hasMessageContaining("outside the data directory")
        .satisfies(e -> assertThat(((EngineException) e).exitCode()).isEqualTo(ExitCode.UNSAFE));
  }

  @Test
  void refusesAHalfRestoredDataDirectory() throws Exception {
    Path data = datadir();
    Files.createDirectories(tmp.resolve("backups"));
    Files.writeString(data.resolve(".stowage-restore-in-progress"), "x");
    assertThatThrownBy(
            () -> EngineFixture.backup(new FileStorage(tmp.resolve("backups")), data, "b1"))
        .hasMessageContaining("never finished")
        .satisfies(e -> assertThat(((EngineException) e).exitCode()).isEqualTo(ExitCode.UNSAFE));
  }

  @Test
  void missingStorageRootIsAStorageErrorNotASilentMkdir() throws Exception {
    Path data = datadir();
    assertThatThrownBy(() -> EngineFixture.backup(new FileStorage(tmp.resolve("typo")), data, "b1"))
        .hasMessageContaining("does not exist")
        .satisfies(e -> assertThat(((EngineException) e).exitCode()).isEqualTo(ExitCode.STORAGE));
    assertThat(tmp.resolve("typo")).doesNotExist();
  }

  @Test
  void anEmptyDataDirectoryIsRefusedAndNothingIsStored() throws Exception {
    Path empty = Files.createDirectories(tmp.resolve("empty-datadir"));
    Files.createDirectories(empty.resolve("lost+found"));
    Path backups = Files.createDirectories(tmp.resolve("backups"));
    assertThatThrownBy(() -> EngineFixture.backup(new FileStorage(backups), empty, "b1"))
        .hasMessageContaining("holds no files: nothing to back up")
        .satisfies(
            e ->
                assertThat(((EngineException) e).exitCode()).isEqualTo(ExitCode.INVALID_ARGUMENTS));
    try (var left = Files.list(backups)) {
      assertThat(left).isEmpty();
    }
  }
}
