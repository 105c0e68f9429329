package dev.stowage.engine.restore;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stowage.engine.EngineFixture;
import dev.stowage.engine.storage.file.FileStorage;
import dev.stowage.engine.testing.Trees;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What --overwrite frees is counted in allocated blocks (issue 10, case 3): a sparse file for its
 * blocks, a real file for its size, so an overwrite of a full volume by a backup that fits still
 * runs.
 */
class OverwriteSpaceTest {
  @TempDir Path tmp;

  @Test
  void allocatedBytesCountsBlocksNotSizes() throws Exception {
    Path real = tmp.resolve("real.ibd");
    Trees.writePseudoData(real, 400_000, 1);
    Path sparse = tmp.resolve("sparse.ibd");
    try (RandomAccessFile f = new RandomAccessFile(sparse.toFile(), "rw")) {
      f.setLength(1L << 30);
    }
    Path dir = Files.createDirectories(tmp.resolve("dir/sub"));
    Trees.writePseudoData(dir.resolve("t.ibd"), 200_000, 2);

    assertThat(RestoreRunner.allocatedBytes(List.of(real))).isBetween(400_000L, 500_000L);
    assertThat(RestoreRunner.allocatedBytes(List.of(sparse))).isLessThan(100_000L);
    assertThat(RestoreRunner.allocatedBytes(List.of(real, sparse, tmp.resolve("dir"))))
        .isBetween(600_000L, 720_000L);
  }

  @Test
  void anOverwriteOfAFullVolumeByABackupThatFitsOnceTheOldDataIsGoneRuns() throws Exception {
    Path data = Files.createDirectories(tmp.resolve("data"));
    Trees.writePseudoData(data.resolve("ibdata1"), 500_000, 3);
    Files.createDirectories(tmp.resolve("backups"));
    FileStorage files = new FileStorage(tmp.resolve("backups"));
    EngineFixture.backup(files, data, "b1");

    Path small = Files.createDirectories(tmp.resolve("small"));
    Process p =
        new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", small.toString())
            .inheritIO()
            .start();
    assertThat(p.waitFor()).as("mounting a small tmpfs (the tests run as root)").isZero();
    try {
      Trees.writePseudoData(small.resolve("old.ibd"), 800_000, 4); // ~200 KB left free
      new RestoreRunner(
              EngineFixture.restoreSettings(small, "b1", 2, true),
              files,
              EngineFixture.fastRetrier(),
              RestoreRunner.FSYNC)
          .run();
      assertThat(small.resolve("old.ibd")).doesNotExist();
      assertThat(Files.mismatch(small.resolve("ibdata1"), data.resolve("ibdata1"))).isEqualTo(-1);
    } finally {
      new ProcessBuilder("umount", small.toString()).inheritIO().start().waitFor();
    }
  }
}
