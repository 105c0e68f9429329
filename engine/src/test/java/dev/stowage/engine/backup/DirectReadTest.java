package dev.stowage.engine.backup;

import static dev.stowage.engine.EngineFixture.DIR;
import static dev.stowage.engine.EngineFixture.MI;
import static org.assertj.core.api.Assertions.assertThat;

import com.sun.nio.file.ExtendedOpenOption;
import dev.stowage.engine.EngineFixture;
import dev.stowage.engine.compress.Buffers;
import dev.stowage.engine.core.DirectIo;
import dev.stowage.engine.restore.RestoreRunner;
import dev.stowage.engine.storage.file.FileStorage;
import dev.stowage.engine.testing.RefusingFileChannel;
import dev.stowage.engine.testing.TreeSnapshot;
import dev.stowage.engine.testing.Trees;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Source files read with O_DIRECT, and the reads that go through the page cache instead. */
class DirectReadTest {
  @TempDir Path tmp;

  private Path fileOf(int size) throws Exception {
    byte[] b = new byte[size];
    new Random(size).nextBytes(b);
    Path f = tmp.resolve("t.ibd");
    Files.write(f, b);
    return f;
  }

  private static long size(Path p) {
    try {
      return Files.size(p);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static byte[] bytes(ByteBuffer b) {
    byte[] out = new byte[b.flip().remaining()];
    b.get(out);
    return out;
  }

  @Test
  void readsWholeBlocksAndCountsOnlyWhatWasAskedFor() throws Exception {
    int size = 3 * 4096 + 100; // ends in a partial block
    Path f = fileOf(size);
    byte[] all = Files.readAllBytes(f);
    int alignment = DirectIo.alignmentFor(f);
    assertThat(alignment).as("the temp dir's file system takes O_DIRECT").isPositive();
    try (SourceReader r = SourceReader.direct(f, alignment)) {
      ByteBuffer buf = Buffers.direct(1 << 20);
      buf.limit(5000); // not a whole block: the read asks for two and keeps 5000 bytes
      assertThat(r.read(buf, 0)).isEqualTo(5000);
      assertThat(buf.position()).isEqualTo(5000);
      assertThat(bytes(buf)).isEqualTo(Arrays.copyOfRange(all, 0, 5000));

      buf.clear();
      assertThat(r.read(buf, 8192)).as("up to the end of the file").isEqualTo(size - 8192);
      assertThat(bytes(buf)).isEqualTo(Arrays.copyOfRange(all, 8192, size));
      assertThat(r.directBytes()).isEqualTo(5000 + size - 8192);

      buf.clear();
      assertThat(r.read(buf, 4 * 4096)).as("past the end").isLessThanOrEqualTo(0);
    }
  }

  @Test
  void unalignedPositionsAndHeapBuffersGoThroughThePageCache() throws Exception {
    Path f = fileOf(20_000);
    byte[] all = Files.readAllBytes(f);
    try (SourceReader r = SourceReader.direct(f, DirectIo.alignmentFor(f))) {
      ByteBuffer direct = Buffers.direct(1 << 20);
      direct.limit(1000);
      assertThat(r.read(direct, 123)).isEqualTo(1000);
      assertThat(bytes(direct)).isEqualTo(Arrays.copyOfRange(all, 123, 1123));

      ByteBuffer heap = ByteBuffer.allocate(4096);
      assertThat(r.read(heap, 4096)).isEqualTo(4096);
      assertThat(bytes(heap)).isEqualTo(Arrays.copyOfRange(all, 4096, 8192));

      ByteBuffer tight = Buffers.direct(4096);
      tight.position(100); // a buffer position off the page
      assertThat(r.read(tight, 0)).isEqualTo(3996);
      assertThat(r.directBytes()).isZero();
    }
  }

  @Test
  void aBackupReadsWithDirectIoAndRestoresTheSameBytes() throws Exception {
    Path data = tmp.resolve("data");
    EngineFixture.writeDatadir(data);
    Files.createDirectories(tmp.resolve("backups"));
    FileStorage files = new FileStorage(tmp.resolve("backups"));
    BackupRunner b =
        new BackupRunner(
            EngineFixture.backupSettings(data, "b1"), files, EngineFixture.fastRetrier());
    b.run();
    // Every byte backed up but ibdata1's: the guard reads the file it locks through its own
    // channel. (mysqld.pid is not backed up; shop/alias.frm is a symlink.)
    long all;
    try (var files0 = Files.walk(data)) {
      all =
          files0
              .filter(p -> Files.isRegularFile(p, java.nio.file.LinkOption.NOFOLLOW_LINKS))
              .mapToLong(DirectReadTest::size)
              .sum();
    }
    long notDirect = Files.size(data.resolve("ibdata1")) + Files.size(data.resolve("mysqld.pid"));
    assertThat(b.directBytes()).isEqualTo(all - notDirect);

    Path target = tmp.resolve("r");
    new RestoreRunner(
            EngineFixture.restoreSettings(target, "b1", 3, false),
            files,
            EngineFixture.fastRetrier(),
            RestoreRunner.FSYNC)
        .run();
    assertThat(TreeSnapshot.of(target).contentOnly())
        .isEqualTo(
            TreeSnapshot.of(data)
                .filter(p -> !p.equals("mysqld.pid") && !p.equals("shop/pipe"))
                .contentOnly());
  }

  @Test
  void noDirectIoReadsEverythingThroughThePageCache() throws Exception {
    Path data = tmp.resolve("data");
    Files.createDirectories(data);
    Trees.writePseudoData(data.resolve("t.ibd"), 5 * MI + 7, 1);
    FileStorage files = new FileStorage(Files.createDirectories(tmp.resolve("backups")));
    BackupRunner b =
        new BackupRunner(
            EngineFixture.backupSettings(data, "b1").withDirectIo(false),
            files,
            EngineFixture.fastRetrier());
    b.run();
    assertThat(b.directBytes()).isZero();
    assertThat(tmp.resolve("backups").resolve(DIR).resolve("b1").resolve("MANIFEST")).exists();
  }

  @Test
  void aFileSystemThatOpensForDirectIoButRefusesTheReadsGetsThePageCache() throws Exception {
    Path f = fileOf(10_000);
    byte[] all = Files.readAllBytes(f);
    FileChannel refusing =
        new RefusingFileChannel(
            FileChannel.open(f, StandardOpenOption.READ, ExtendedOpenOption.DIRECT));
    try (SourceReader r = SourceReader.direct(f, refusing, DirectIo.alignmentFor(f))) {
      ByteBuffer buf = Buffers.direct(1 << 20);
      buf.limit(8192);
      assertThat(r.read(buf, 0)).isEqualTo(8192);
      assertThat(bytes(buf)).isEqualTo(Arrays.copyOfRange(all, 0, 8192));
      buf.clear();
      assertThat(r.read(buf, 8192)).isEqualTo(10_000 - 8192);
      assertThat(bytes(buf)).isEqualTo(Arrays.copyOfRange(all, 8192, 10_000));
      assertThat(r.directBytes()).isZero();
    }
  }
}
