package dev.stowage.engine.restore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stowage.engine.compress.Buffers;
import dev.stowage.engine.core.DirectIo;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One chunk through {@link DirectWriter} into a real file (ext4 or whatever the temp dir is on).
 */
class DirectWriterTest {
  @TempDir Path tmp;
  Path file;
  int alignment;

  static final long BASE = 3 * 4096 * 16; // a chunk that starts inside the file

  @BeforeEach
  void presize() throws IOException {
    file = tmp.resolve("ibdata1");
    try (FileChannel ch =
        FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      ch.write(ByteBuffer.wrap(new byte[1]), BASE + 4 * DirectWriter.STAGING + 10_000);
    }
    alignment = DirectIo.alignmentFor(file);
    assertThat(alignment).as("the temp dir's file system takes O_DIRECT").isPositive();
  }

  private static byte[] bytes(int n, long seed) {
    byte[] b = new byte[n];
    new Random(seed).nextBytes(b);
    return b;
  }

  private byte[] readBack(long at, int n) throws IOException {
    ByteBuffer b = ByteBuffer.allocate(n);
    try (FileChannel ch = FileChannel.open(file)) {
      while (b.hasRemaining() && ch.read(b, at + b.position()) > 0) {}
    }
    return b.array();
  }

  /** Hands {@code data} to the chunk in pieces of the given sizes, as a decompressor would. */
  private static void feed(DirectWriter.Chunk c, byte[] data, boolean direct, int... pieces)
      throws IOException {
    int at = 0;
    for (int i = 0; at < data.length; i++) {
      int n = Math.min(pieces[i % pieces.length], data.length - at);
      ByteBuffer buf = direct ? Buffers.direct(n) : ByteBuffer.allocate(n);
      buf.put(data, at, n).flip();
      c.write(buf, at);
      assertThat(buf.hasRemaining()).as("the sink takes every byte").isFalse();
      at += n;
    }
  }

  @Test
  void wholeBlocksGoDirectAndTheUnalignedTailThroughThePageCache() throws IOException {
    byte[] data = bytes(2 * DirectWriter.STAGING + 12_345, 1);
    DirectWriter w = new DirectWriter();
    try (DirectWriter.Chunk c = w.chunk(file, DirectWriter.O_DIRECT.open(file), BASE, alignment)) {
      feed(c, data, true, DirectWriter.STAGING); // the decompressor's full, aligned buffers
      c.finish();
      assertThat(c.directBytes()).isEqualTo(data.length / alignment * alignment);
    }
    assertThat(readBack(BASE, data.length)).isEqualTo(data);
    assertThat(readBack(0, (int) BASE)).as("before the chunk").containsOnly(0);
  }

  @Test
  void piecesOfAnySizeAndMemoryAreGatheredIntoAlignedWrites() throws IOException {
    byte[] data = bytes(3 * DirectWriter.STAGING + 777, 2);
    for (boolean direct : new boolean[] {true, false}) {
      DirectWriter w = new DirectWriter();
      try (DirectWriter.Chunk c =
          w.chunk(file, DirectWriter.O_DIRECT.open(file), BASE, alignment)) {
        feed(c, data, direct, 1, 4095, 4097, 100_000, DirectWriter.STAGING + 3);
        c.finish();
        assertThat(c.directBytes()).isEqualTo(data.length / alignment * alignment);
      }
      assertThat(readBack(BASE, data.length)).as("direct buffers: " + direct).isEqualTo(data);
    }
  }

  @Test
  void aRetryStartsTheObjectAgainAndDropsWhatWasStaged() throws IOException {
    byte[] first = bytes(DirectWriter.STAGING + 5000, 3); // a download that broke off
    byte[] second = bytes(2 * DirectWriter.STAGING + 99, 4);
    DirectWriter w = new DirectWriter();
    try (DirectWriter.Chunk c = w.chunk(file, DirectWriter.O_DIRECT.open(file), BASE, alignment)) {
      feed(c, first, true, 3000);
      feed(c, second, true, 65_536);
      c.finish();
    }
    assertThat(readBack(BASE, second.length)).isEqualTo(second);
  }

  @Test
  void aWorkerReusesItsBufferChunkAfterChunk() throws IOException {
    DirectWriter w = new DirectWriter();
    byte[] a = bytes(DirectWriter.STAGING / 2 + 1, 5); // leaves a staged tail behind
    byte[] b = bytes(DirectWriter.STAGING, 6);
    long second = BASE + 2L * DirectWriter.STAGING;
    try (DirectWriter.Chunk c = w.chunk(file, DirectWriter.O_DIRECT.open(file), BASE, alignment)) {
      feed(c, a, true, 4096);
      c.finish();
    }
    try (DirectWriter.Chunk c =
        w.chunk(file, DirectWriter.O_DIRECT.open(file), second, alignment)) {
      feed(c, b, true, 4096);
      c.finish();
    }
    assertThat(readBack(BASE, a.length)).isEqualTo(a);
    assertThat(readBack(second, b.length)).isEqualTo(b);
    byte[] between = readBack(BASE + a.length, (int) (second - BASE - a.length));
    assertThat(between).as("nothing of the first chunk's staging leaks past it").containsOnly(0);
  }

  @Test
  void aChunkAtAnUnalignedOffsetIsRefused() throws IOException {
    DirectWriter w = new DirectWriter();
    try (FileChannel ch = DirectWriter.O_DIRECT.open(file)) {
      assertThatThrownBy(() -> w.chunk(file, ch, BASE + 1, alignment))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("not aligned");
    }
    assertThat(Arrays.equals(readBack(BASE, 10), new byte[10])).isTrue();
  }
}
