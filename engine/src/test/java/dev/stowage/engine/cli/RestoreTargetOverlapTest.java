package dev.stowage.engine.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stowage.engine.EngineFixture;
import dev.stowage.engine.testing.TreeSnapshot;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 10, case 2: {@code restore --overwrite} into (or around) the storage it reads from deleted
 * every backup there. A target that overlaps the storage root or the backup's directory, {@code /},
 * or the parent of a mount point that is not a data directory is refused with exit 2 before
 * anything is touched.
 */
class RestoreTargetOverlapTest {
  @TempDir Path tmp;
  Path store;
  TreeSnapshot storeBefore;

  @BeforeEach
  void backUp() throws Exception {
    Path data = tmp.resolve("data");
    Files.createDirectories(data.resolve("shop"));
    Files.writeString(data.resolve("ibdata1"), "system tablespace");
    Files.writeString(data.resolve("shop/t.ibd"), "table");
    store = tmp.resolve("backups");
    Files.createDirectories(store);
    assertThat(
            StowageCli.execute(
                "backup",
                "--datadir",
                data.toString(),
                "--storage",
                "file://" + store,
                "--directory",
                EngineFixture.DIR,
                "--name",
                "b1",
                "--quiet"))
        .isZero();
    storeBefore = TreeSnapshot.of(store);
  }

  private int restore(Path datadir, String... extra) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "restore",
                "--storage",
                "file://" + store,
                "--directory",
                EngineFixture.DIR,
                "--name",
                "b1",
                "--datadir",
                datadir.toString(),
                "--overwrite",
                "--quiet"));
    args.addAll(List.of(extra));
    return StowageCli.execute(args.toArray(String[]::new));
  }

  private void assertBackupsSurvive() {
    assertThat(TreeSnapshot.of(store)).isEqualTo(storeBefore);
    assertThat(store.resolve(EngineFixture.DIR).resolve("b1/MANIFEST")).isRegularFile();
  }

  @Test
  void overwriteWithTheDatadirEqualToTheStorageRootIsRefused() {
    assertThat(restore(store)).isEqualTo(2);
    assertBackupsSurvive();
  }

  @Test
  void overwriteWithTheDatadirInsideTheStorageRootIsRefused() {
    assertThat(restore(store.resolve("ns"))).isEqualTo(2);
    assertBackupsSurvive();
  }

  @Test
  void overwriteWithTheDatadirEqualToTheBackupsOwnDirectoryIsRefused() {
    assertThat(restore(store.resolve(EngineFixture.DIR).resolve("b1"))).isEqualTo(2);
    assertBackupsSurvive();
  }

  @Test
  void overwriteWithTheDatadirContainingTheStorageRootIsRefused() throws Exception {
    Files.writeString(tmp.resolve("unrelated.txt"), "kept");
    assertThat(restore(tmp)).isEqualTo(2);
    assertBackupsSurvive();
    assertThat(tmp.resolve("unrelated.txt")).hasContent("kept");
  }

  @Test
  void anInnodbDataDirEqualToTheStorageRootIsRefused() {
    assertThat(
            restore(tmp.resolve("restored"), "--innodb-data-dir", store.resolve("ns").toString()))
        .isEqualTo(2);
    assertBackupsSurvive();
    assertThat(tmp.resolve("restored")).doesNotExist();
  }

  @Test
  void anInnodbLogDirContainingTheStorageRootIsRefused() {
    assertThat(restore(tmp.resolve("restored"), "--innodb-log-dir", tmp.toString())).isEqualTo(2);
    assertBackupsSurvive();
    assertThat(tmp.resolve("restored")).doesNotExist();
  }

  @Test
  void aDatadirThatIsASymlinkToTheStorageRootIsRefused() throws Exception {
    Path link = Files.createSymbolicLink(tmp.resolve("looks-harmless"), store);
    assertThat(restore(link)).isEqualTo(2);
    assertBackupsSurvive();
  }

  @Test
  void aBackupDirectoryThatIsASymlinkIntoTheDatadirIsRefused() throws Exception {
    // The backup's own directory lives (through a symlink) inside the target.
    Path target = tmp.resolve("target");
    Path real = store.resolve(EngineFixture.DIR).resolve("b1");
    Files.createDirectories(target);
    Files.move(real, target.resolve("b1-real"));
    Files.createSymbolicLink(real, target.resolve("b1-real"));
    TreeSnapshot targetBefore = TreeSnapshot.of(target);
    assertThat(restore(target)).isEqualTo(2);
    assertThat(TreeSnapshot.of(target)).isEqualTo(targetBefore);
  }

  @Test
  void theRootDirectoryIsRefused() {
    // Without --overwrite, so that a regression can never wipe the machine: the refusal of "/"
    // comes before (and does not depend on) the non-empty check that would answer exit 5.
    List<String> args =
        List.of(
            "restore",
            "--storage",
            "file://" + store,
            "--directory",
            EngineFixture.DIR,
            "--name",
            "b1",
            "--datadir",
            "/",
            "--quiet");
    assertThat(StowageCli.execute(args.toArray(String[]::new))).isEqualTo(2);
    assertBackupsSurvive();
  }

  @Test
  void aParentOfAMountPointThatIsNotADataDirectoryIsRefused() throws Exception {
    // A typo of --datadir /var for /var/lib/mysql, where /var/lib/mysql is its own volume.
    Path var = tmp.resolve("var");
    Path mysql = Files.createDirectories(var.resolve("lib/mysql"));
    Files.writeString(var.resolve("syslog"), "not a database");
    Process p =
        new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", mysql.toString())
            .inheritIO()
            .start();
    assertThat(p.waitFor()).as("mounting a tmpfs (the tests run as root)").isZero();
    try {
      Files.writeString(mysql.resolve("ibdata1"), "the real database");
      TreeSnapshot varBefore = TreeSnapshot.of(var);
      assertThat(restore(var)).isEqualTo(2);
      assertThat(TreeSnapshot.of(var)).isEqualTo(varBefore);
      assertBackupsSurvive();
      // The mount point itself is a fine target.
      assertThat(restore(mysql)).isZero();
      assertThat(mysql.resolve("shop/t.ibd")).hasContent("table");
    } finally {
      new ProcessBuilder("umount", mysql.toString()).inheritIO().start().waitFor();
    }
  }
}
