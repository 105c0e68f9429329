package dev.stowage.engine.restore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stowage.engine.compress.Buffers;
import dev.stowage.engine.core.DirectIo;
import dev.stowage.engine.testing.DelegatingFileChannel;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
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

  // --- overlapped objects (whole files): full buffers written by the worker's writer thread ---

  @Test
  void anOverlappedObjectWritesTheSameBytesFromPiecesOfAnySize() throws IOException {
    byte[] data = bytes(5 * DirectWriter.STAGING + 4321, 7);
    for (boolean direct : new boolean[] {true, false}) {
      DirectWriter w = new DirectWriter();
      try (DirectWriter.Chunk c =
          w.chunk(file, DirectWriter.O_DIRECT.open(file), BASE, alignment, true)) {
        feed(c, data, direct, DirectWriter.STAGING, 1, 4095, DirectWriter.STAGING + 3, 100_000);
        c.finish();
        assertThat(c.directBytes()).isEqualTo(data.length / alignment * alignment);
      } finally {
        w.shutdown();
      }
      assertThat(readBack(BASE, data.length)).as("direct buffers: " + direct).isEqualTo(data);
    }
  }

  /**
   * A channel whose first {@code slowWrites} positional writes take {@code delayMs} each, recording
   * when each starts and ends.
   */
  static final class SlowChannel extends DelegatingFileChannel {
    final List<String> log = Collections.synchronizedList(new ArrayList<>());
    final long delayMs;
    final AtomicInteger slowWrites;
    volatile IOException failure;

    SlowChannel(FileChannel inner, long delayMs) {
      this(inner, delayMs, Integer.MAX_VALUE);
    }

    SlowChannel(FileChannel inner, long delayMs, int slowWrites) {
      super(inner);
      this.delayMs = delayMs;
      this.slowWrites = new AtomicInteger(slowWrites);
    }

    @Override
    public int write(ByteBuffer src, long position) throws IOException {
      log.add("start " + position);
      try {
        if (slowWrites.getAndDecrement() > 0) {
          Thread.sleep(delayMs);
        }
      } catch (InterruptedException e) {
        throw new IOException(e);
      }
      if (failure != null) {
        throw failure;
      }
      int n = super.write(src, position);
      log.add("end " + position);
      return n;
    }
  }

  @Test
  void anOverlappedWriteIsInFlightWhileTheWorkerGoesOn() throws IOException {
    SlowChannel ch = new SlowChannel(DirectWriter.O_DIRECT.open(file), 800);
    DirectWriter w = new DirectWriter();
    byte[] data = bytes(2 * DirectWriter.STAGING, 8);
    try (DirectWriter.Chunk c = w.chunk(file, ch, BASE, alignment, true)) {
      long t0 = System.nanoTime();
      feed(c, Arrays.copyOf(data, DirectWriter.STAGING), true, DirectWriter.STAGING);
      long handedOverMs = (System.nanoTime() - t0) / 1_000_000;
      assertThat(handedOverMs).as("the worker did not wait for the device").isLessThan(800);
      // The next buffer waits for the first write: at most one is in flight.
      ByteBuffer next = Buffers.direct(DirectWriter.STAGING);
      next.put(data, DirectWriter.STAGING, DirectWriter.STAGING).flip();
      c.write(next, DirectWriter.STAGING);
      // A copy taken under the list's lock: the writer thread may be adding the next write.
      assertThat(List.copyOf(ch.log)).startsWith("start " + BASE, "end " + BASE);
      c.finish();
    } finally {
      w.shutdown();
    }
    assertThat(readBack(BASE, data.length)).isEqualTo(data);
  }

  @Test
  void aRetryWaitsForTheFailedAttemptsWriteInFlight() throws IOException {
    // The first attempt's buffer is still being written (slowly) when the retry writes the same
    // offset, from the worker itself (a piece smaller than a buffer): if the old write landed
    // last, the damaged attempt's bytes would stay in the file.
    SlowChannel ch = new SlowChannel(DirectWriter.O_DIRECT.open(file), 500, 1);
    DirectWriter w = new DirectWriter();
    byte[] damaged = bytes(DirectWriter.STAGING, 9);
    byte[] good = bytes(DirectWriter.STAGING + 777, 10);
    try (DirectWriter.Chunk c = w.chunk(file, ch, BASE, alignment, true)) {
      feed(c, damaged, true, DirectWriter.STAGING);
      feed(c, good, true, 4096, DirectWriter.STAGING);
      c.finish();
    } finally {
      w.shutdown();
    }
    assertThat(readBack(BASE, good.length)).isEqualTo(good);
    assertThat(List.copyOf(ch.log)).startsWith("start " + BASE, "end " + BASE, "start " + BASE);
  }

  @Test
  void aFailedOverlappedWriteFailsTheObject() throws IOException {
    SlowChannel ch = new SlowChannel(DirectWriter.O_DIRECT.open(file), 0);
    ch.failure = new IOException("Input/output error (injected)");
    DirectWriter w = new DirectWriter();
    try (DirectWriter.Chunk c = w.chunk(file, ch, BASE, alignment, true)) {
      feed(c, bytes(DirectWriter.STAGING, 11), true, DirectWriter.STAGING); // handed over
      assertThatThrownBy(c::finish)
          .isInstanceOf(IOException.class)
          .hasMessageContaining("Input/output error (injected)");
    } finally {
      w.shutdown();
    }
  }

  @Test
  void closingAnObjectWaitsForItsWriteInFlight() throws IOException {
    SlowChannel ch = new SlowChannel(DirectWriter.O_DIRECT.open(file), 300);
    DirectWriter w = new DirectWriter();
    byte[] data = bytes(DirectWriter.STAGING, 12);
    try (DirectWriter.Chunk c = w.chunk(file, ch, BASE, alignment, true)) {
      feed(c, data, true, DirectWriter.STAGING); // then the object fails elsewhere: no finish
    } finally {
      w.shutdown();
    }
    assertThat(List.copyOf(ch.log)).containsExactly("start " + BASE, "end " + BASE);
    assertThat(readBack(BASE, data.length)).isEqualTo(data);
  }
}
