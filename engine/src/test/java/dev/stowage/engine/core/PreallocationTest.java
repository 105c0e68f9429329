package dev.stowage.engine.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** fallocate(2) through JNA on the temp directory's file system (ext4 on these machines). */
class PreallocationTest {
  @TempDir Path tmp;

  /** Bytes the file system gave the file (st_blocks x 512), as {@code stat} reports them. */
  static long allocated(Path file) throws Exception {
    Process p = new ProcessBuilder("stat", "-c", "%b %B", file.toString()).start();
    String[] out = new String(p.getInputStream().readAllBytes()).trim().split(" ");
    assertThat(p.waitFor()).isZero();
    return Long.parseLong(out[0]) * Long.parseLong(out[1]);
  }

  @Test
  void allocatesTheWholeFileAndSetsItsLength() throws Exception {
    Path f = Files.createFile(tmp.resolve("ibdata1"));
    long size = 5L * 1024 * 1024 + 123;
    Preallocation.FALLOCATE.allocate(f, size);
    assertThat(Files.size(f)).isEqualTo(size);
    assertThat(allocated(f)).isGreaterThanOrEqualTo(size);
    // Allocated blocks read as zeros until written.
    ByteBuffer tail = ByteBuffer.allocate(4096);
    try (FileChannel ch = FileChannel.open(f)) {
      ch.read(tail, size - 4096);
    }
    assertThat(tail.array()).containsOnly(0);
  }

  @Test
  void aSparseFileOfTheSameLengthHasNoBlocks() throws Exception {
    // The contrast that the restore tests rely on: sized without allocation, a file has none.
    Path f = Files.createFile(tmp.resolve("sparse"));
    try (FileChannel ch = FileChannel.open(f, java.nio.file.StandardOpenOption.WRITE)) {
      ch.write(ByteBuffer.wrap(new byte[1]), 5L * 1024 * 1024);
    }
    assertThat(allocated(f)).isLessThan(64 * 1024);
  }

  @Test
  void neverFollowsASymlink() throws Exception {
    Path real = Files.createFile(tmp.resolve("real"));
    Path link = Files.createSymbolicLink(tmp.resolve("link"), real);
    assertThatThrownBy(() -> Preallocation.FALLOCATE.allocate(link, 1 << 20))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("cannot open " + link);
    assertThat(Files.size(real)).isZero();
  }

  @Test
  void aMissingFileIsAnErrorThatNamesIt() {
    Path missing = tmp.resolve("missing");
    assertThatThrownBy(() -> Preallocation.FALLOCATE.allocate(missing, 4096))
        .isInstanceOf(IOException.class)
        .hasMessageContaining(missing.toString())
        .hasMessageContaining("No such file");
    assertThat(missing).doesNotExist();
  }

  @Test
  void moreThanTheFileSystemHoldsIsAnErrorNotAFallback() throws Exception {
    Path f = Files.createFile(tmp.resolve("huge"));
    // 1 EiB: beyond any file system here (EFBIG or ENOSPC), which must stop a restore.
    assertThatThrownBy(() -> Preallocation.FALLOCATE.allocate(f, 1L << 60))
        .isInstanceOf(Preallocation.NoSpaceException.class)
        .hasMessageContaining("cannot allocate " + (1L << 60) + " bytes for " + f);
    assertThat(Files.size(f)).isZero();
  }

  @Test
  void noneNeverAllocates() throws Exception {
    Path f = Files.createFile(tmp.resolve("f"));
    assertThatThrownBy(() -> Preallocation.NONE.allocate(f, 4096))
        .isInstanceOf(Preallocation.UnavailableException.class);
    assertThat(Files.size(f)).isZero();
  }
}
