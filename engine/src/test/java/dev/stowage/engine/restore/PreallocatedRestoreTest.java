package dev.stowage.engine.restore;

import static dev.stowage.engine.EngineFixture.MI;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stowage.engine.EngineFixture;
import dev.stowage.engine.core.FileSystemSync;
import dev.stowage.engine.core.Preallocation;
import dev.stowage.engine.core.RestoreMarker;
import dev.stowage.engine.error.EngineException;
import dev.stowage.engine.storage.BackupStorage;
import dev.stowage.engine.storage.FaultyStorage;
import dev.stowage.engine.storage.file.FileStorage;
import dev.stowage.engine.testing.TreeSnapshot;
import dev.stowage.engine.testing.Trees;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Chunked files get their blocks before their chunks are written (core/Preallocation). */
class PreallocatedRestoreTest {
  @TempDir Path tmp;
  Path data;
  FileStorage files;

  static final long ORDERS = 13 * MI + 777; // file 0 of the MANIFEST: chunks 0-0 .. 0-3

  @BeforeEach
  void chunkedBackup() throws Exception {
    data = tmp.resolve("data");
    Files.createDirectories(data.resolve("shop"));
    Trees.writePseudoData(data.resolve("shop/orders.ibd"), ORDERS, 1);
    Trees.writePseudoData(data.resolve("ibdata1"), 9 * MI, 2);
    Trees.writePseudoData(data.resolve("shop/small.ibd"), 100_000, 3);
    Files.createDirectories(tmp.resolve("backups"));
    files = new FileStorage(tmp.resolve("backups"));
    EngineFixture.backup(files, data, "b1"); // 4 MiB chunks
  }

  private RestoreRunner runner(BackupStorage s, Path target, Preallocation preallocation) {
    return new RestoreRunner(
        EngineFixture.restoreSettings(target, "b1", 3, false),
        s,
        EngineFixture.fastRetrier(),
        RestoreRunner.FSYNC,
        null,
        DirectWriter.O_DIRECT,
        preallocation,
        FileSystemSync.SYNCFS);
  }

  /** Objects of the backup (not its MANIFEST) that the restore opened. */
  private static List<String> objectsOpened(FaultyStorage s) {
    return s.opens.keySet().stream().filter(o -> o.matches("\\d+(-\\d+)?")).sorted().toList();
  }

  @Test
  void aChunkedFileIsAllocatedWholeBeforeItsChunksAreWritten() throws Exception {
    // Its first chunk never arrives intact: only preallocation can have given the file all its
    // blocks (a sparse file has those of the chunks written, at most 9 MiB of its 13).
    FaultyStorage s = new FaultyStorage(files).corruptRead("0-0", 100);
    Path target = tmp.resolve("r");
    assertThatThrownBy(() -> runner(s, target, Preallocation.FALLOCATE).run())
        .isInstanceOf(EngineException.class);
    Path orders = target.resolve("shop/orders.ibd");
    assertThat(Files.size(orders)).isEqualTo(ORDERS);
    assertThat(RestoreRunner.allocatedBytes(List.of(orders))).isGreaterThanOrEqualTo(ORDERS);
    assertThat(target.resolve(RestoreMarker.NAME)).exists();
  }

  @Test
  void aRestoreIntoAllocatedFilesWritesTheSameBytes() throws Exception {
    Path target = tmp.resolve("r");
    runner(files, target, Preallocation.FALLOCATE).run();
    assertThat(TreeSnapshot.of(target).contentOnly())
        .isEqualTo(TreeSnapshot.of(data).contentOnly());
    assertThat(target.resolve(RestoreMarker.NAME)).doesNotExist();
  }

  @Test
  void aFileSystemThatCannotAllocateGetsSparseFilesAndTheSameBytes() throws Exception {
    Path target = tmp.resolve("r");
    runner(files, target, Preallocation.NONE).run();
    assertThat(TreeSnapshot.of(target).contentOnly())
        .isEqualTo(TreeSnapshot.of(data).contentOnly());
    assertThat(target.resolve(RestoreMarker.NAME)).doesNotExist();
  }

  @Test
  void aTargetWithoutTheSpaceStopsTheRestoreBeforeAnyObjectIsRead() throws Exception {
    FaultyStorage s = new FaultyStorage(files);
    Path target = tmp.resolve("r");
    Preallocation full =
        (file, size) -> {
          throw new Preallocation.NoSpaceException(
              "cannot allocate " + size + " bytes for " + file + ": No space left on device",
              "free space on the target",
              null);
        };
    assertThatThrownBy(() -> runner(s, target, full).run())
        .isInstanceOf(EngineException.class)
        .hasMessageContaining("cannot allocate " + ORDERS + " bytes for ")
        .hasMessageContaining("No space left on device: free space on the target, then run")
        .hasMessageContaining("--overwrite");
    assertThat(objectsOpened(s)).isEmpty();
    assertThat(target.resolve(RestoreMarker.NAME)).exists();
  }
}
