package dev.stowage.engine.it;

import static dev.stowage.engine.testing.EngineProcess.fileUrl;
import static org.assertj.core.api.Assertions.assertThat;

import dev.stowage.engine.testing.EngineProcess;
import dev.stowage.engine.testing.ProcessRunner;
import dev.stowage.engine.testing.StoredBackup;
import dev.stowage.engine.testing.TreeSnapshot;
import dev.stowage.engine.testing.Trees;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Symlinks and special files in a data directory are handled explicitly and reported, never
 * silently dropped or followed out of the tree.
 */
class SpecialFilesIT {

  private static final String DIRECTORY = "it/special";

  @TempDir Path dir;

  @Test
  void aSymlinkInsideTheTreeIsRestoredAsASymlinkAndAFifoIsReported() throws Exception {
    Path source = dir.resolve("source");
    Trees.writeSampleDatadir(source);
    Files.createSymbolicLink(source.resolve("orders-link.frm"), Path.of("shop/orders.frm"));
    mkfifo(source.resolve("shop/a.fifo"));
    Path storage = Files.createDirectories(dir.resolve("storage"));
    String name = "2026-01-04.000000.special";

    ProcessRunner.Result backup = backup(source, storage, name);

    assertThat(backup.exitCode()).as("backup\n%s", backup).isZero();
    assertThat(backup.output()).as("the fifo is reported").contains("a.fifo");

    Path target = dir.resolve("target");
    ProcessRunner.Result restore =
        EngineProcess.run(
            "restore",
            "--storage",
            fileUrl(storage),
            "--directory",
            DIRECTORY,
            "--name",
            name,
            "--datadir",
            target.toString());
    assertThat(restore.exitCode()).as("restore\n%s", restore).isZero();
    assertThat(Files.isSymbolicLink(target.resolve("orders-link.frm"))).isTrue();
    assertThat(Files.readSymbolicLink(target.resolve("orders-link.frm")))
        .isEqualTo(Path.of("shop/orders.frm"));
    assertThat(target.resolve("shop/a.fifo")).doesNotExist();
    assertThat(TreeSnapshot.of(target).filter(p -> !p.equals("orders-link.frm")).withoutTimes())
        .isEqualTo(
            TreeSnapshot.of(source)
                .filter(p -> !p.equals("orders-link.frm") && !p.equals("shop/a.fifo"))
                .withoutTimes());
  }

  @Test
  void aSymlinkOutOfTheTreeIsRefusedAndNamed() throws IOException {
    Path source = dir.resolve("source");
    Trees.writeSampleDatadir(source);
    Path elsewhere = Files.createDirectories(dir.resolve("elsewhere"));
    Files.writeString(elsewhere.resolve("secret.ibd"), "not part of this data directory\n");
    Files.createSymbolicLink(source.resolve("shop/secret.ibd"), elsewhere.resolve("secret.ibd"));
    Path storage = Files.createDirectories(dir.resolve("storage"));
    String name = "2026-01-04.000000.escape";

    ProcessRunner.Result backup = backup(source, storage, name);

    assertThat(backup.exitCode()).as("backup\n%s", backup).isNotZero();
    assertThat(backup.output()).contains("secret.ibd");
    assertThat(StoredBackup.at(storage, DIRECTORY, name).hasManifest()).isFalse();
  }

  private static ProcessRunner.Result backup(Path source, Path storage, String name) {
    return EngineProcess.run(
        List.of(
            "backup",
            "--datadir",
            source.toString(),
            "--storage",
            fileUrl(storage),
            "--directory",
            DIRECTORY,
            "--name",
            name,
            "--chunk-threshold",
            "8Mi",
            "--chunk-size",
            "4Mi"));
  }

  private static void mkfifo(Path path) throws Exception {
    Process p = new ProcessBuilder("mkfifo", path.toString()).inheritIO().start();
    assertThat(p.waitFor()).as("mkfifo %s", path).isZero();
  }
}
