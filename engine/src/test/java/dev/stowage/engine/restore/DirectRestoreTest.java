package dev.stowage.engine.restore;

import static dev.stowage.engine.EngineFixture.DIR;
import static dev.stowage.engine.EngineFixture.MI;
import static org.assertj.core.api.Assertions.assertThat;

import dev.stowage.engine.EngineFixture;
import dev.stowage.engine.backup.BackupRunner;
import dev.stowage.engine.backup.BackupSettings;
import dev.stowage.engine.core.FileSystemSync;
import dev.stowage.engine.core.Preallocation;
import dev.stowage.engine.core.RestoreMarker;
import dev.stowage.engine.core.Roots;
import dev.stowage.engine.storage.BackupLocation;
import dev.stowage.engine.storage.FaultyStorage;
import dev.stowage.engine.storage.file.FileStorage;
import dev.stowage.engine.testing.RefusingFileChannel;
import dev.stowage.engine.testing.TreeSnapshot;
import dev.stowage.engine.testing.Trees;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Chunks written with O_DIRECT, and every way a restore falls back to the page cache: the same
 * bytes either way.
 */
class DirectRestoreTest {
  @TempDir Path tmp;
  Path data;
  FileStorage files;

  // 9 MiB + 4321 in 4 MiB chunks: two whole chunks and a short one ending in a partial block.
  static final long IBDATA = 9 * MI + 4321;

  @BeforeEach
  void dataDirectory() throws Exception {
    data = tmp.resolve("data");
    Files.createDirectories(data.resolve("shop"));
    Trees.writePseudoData(data.resolve("ibdata1"), IBDATA, 1);
    Trees.writePseudoData(data.resolve("shop/orders.ibd"), 13 * MI, 2);
    Trees.writePseudoData(data.resolve("shop/small.ibd"), 100_000, 3);
    Files.createDirectories(tmp.resolve("backups"));
    files = new FileStorage(tmp.resolve("backups"));
  }

  /** With {@code chunkSize} 0: chunking off, every file one object. */
  private void backUp(long chunkSize) {
    BackupSettings s =
        new BackupSettings(
            new Roots(data, null, null),
            new BackupLocation(DIR, "b1"),
            chunkSize,
            chunkSize,
            "zstd",
            1,
            3,
            false,
            true);
    new BackupRunner(s, files, EngineFixture.fastRetrier()).run();
  }

  private RestoreRunner runner(
      dev.stowage.engine.storage.BackupStorage s,
      Path target,
      boolean directIo,
      DirectWriter.Opener opener) {
    return new RestoreRunner(
        EngineFixture.restoreSettings(target, "b1", 3, false).withDirectIo(directIo),
        s,
        EngineFixture.fastRetrier(),
        RestoreRunner.FSYNC,
        null,
        opener,
        Preallocation.FALLOCATE,
        FileSystemSync.SYNCFS);
  }

  private void assertRestored(Path target) throws IOException {
    assertThat(TreeSnapshot.of(target).contentOnly())
        .isEqualTo(TreeSnapshot.of(data).contentOnly());
    assertThat(target.resolve(RestoreMarker.NAME)).doesNotExist();
  }

  /** What O_DIRECT writes of a chunked file: all but each chunk's last partial block. */
  private static long aligned(long bytes) {
    return bytes / 4096 * 4096;
  }

  @Test
  void chunksAreWrittenWithDirectIoExceptTheirPartialLastBlocks() throws Exception {
    backUp(4 * MI);
    Path target = tmp.resolve("r");
    RestoreRunner r = runner(files, target, true, DirectWriter.O_DIRECT);
    r.run();
    assertRestored(target);
    // The small file is one object, written through the page cache.
    assertThat(r.directBytes()).isEqualTo(aligned(IBDATA) + 13 * MI);
  }

  @Test
  void noDirectIoWritesEverythingThroughThePageCache() throws Exception {
    backUp(4 * MI);
    Path target = tmp.resolve("r");
    RestoreRunner r = runner(files, target, false, DirectWriter.O_DIRECT);
    r.run();
    assertRestored(target);
    assertThat(r.directBytes()).isZero();
  }

  @Test
  void aFileSystemThatRefusesDirectIoGetsThePageCache() throws Exception {
    backUp(4 * MI);
    Path target = tmp.resolve("r");
    DirectWriter.Opener refusing =
        file -> {
          throw new IOException("Invalid argument (O_DIRECT refused, injected)");
        };
    RestoreRunner r = runner(files, target, true, refusing);
    r.run();
    assertRestored(target);
    assertThat(r.directBytes()).isZero();
  }

  @Test
  void chunksAtUnalignedOffsetsGoThroughThePageCache() throws Exception {
    long chunk = 4 * MI + 1; // a chunk size that is not a multiple of the block: offsets 0, 4Mi+1..
    backUp(chunk);
    Path target = tmp.resolve("r");
    RestoreRunner r = runner(files, target, true, DirectWriter.O_DIRECT);
    r.run();
    assertRestored(target);
    // Only the first chunk of each file starts aligned.
    assertThat(r.directBytes()).isEqualTo(2 * aligned(chunk));
  }

  @Test
  void aDamagedDownloadIsRetriedAndRewrittenWithDirectIo() throws Exception {
    backUp(4 * MI);
    // Chunk 1 of shop/orders.ibd (file 0 of this backup's MANIFEST) arrives damaged twice, then
    // whole.
    FaultyStorage s = new FaultyStorage(files).corruptRead("0-1", 2);
    Path target = tmp.resolve("r");
    RestoreRunner r = runner(s, target, true, DirectWriter.O_DIRECT);
    r.run();
    assertThat(s.opens.get("0-1").get()).isEqualTo(3);
    assertRestored(target);
  }

  @Test
  void wholeFilesOfEightMebibytesOrMoreAreWrittenWithDirectIoToo() throws Exception {
    backUp(0);
    Path target = tmp.resolve("r");
    RestoreRunner r = runner(files, target, true, DirectWriter.O_DIRECT);
    r.run();
    assertRestored(target);
    // ibdata1 and orders.ibd, one object each; small.ibd (100 kB) through the page cache.
    assertThat(r.directBytes()).isEqualTo(aligned(IBDATA) + 13 * MI);
  }

  @Test
  void aWholeFileRetriedAfterADamagedDownloadIsRewrittenWithDirectIo() throws Exception {
    backUp(0);
    FaultyStorage s = new FaultyStorage(files).corruptRead("0", 2); // shop/orders.ibd
    Path target = tmp.resolve("r");
    RestoreRunner r = runner(s, target, true, DirectWriter.O_DIRECT);
    r.run();
    assertThat(s.opens.get("0").get()).isEqualTo(3);
    assertRestored(target);
  }

  @Test
  void aFileSystemThatOpensForDirectIoButRefusesTheWritesGetsThePageCache() throws Exception {
    backUp(4 * MI);
    Path target = tmp.resolve("r");
    DirectWriter.Opener refusingWrites =
        file -> new RefusingFileChannel(DirectWriter.O_DIRECT.open(file));
    RestoreRunner r = runner(files, target, true, refusingWrites);
    r.run();
    assertRestored(target);
    assertThat(r.directBytes()).isZero();
  }
}
