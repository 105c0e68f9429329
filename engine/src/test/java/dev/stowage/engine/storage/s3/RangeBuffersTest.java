package dev.stowage.engine.storage.s3;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RangeBuffersTest {
  @Test
  void aLimitHoldsThePermitsAboveItSoNoMoreBuffersExistAtOnce() throws Exception {
    RangeBuffers buffers = new RangeBuffers(8, 1024);

    buffers.limit(2);

    assertThat(buffers.count()).isEqualTo(2);
    byte[] a = buffers.take();
    byte[] b = buffers.tryTake();
    assertThat(b).isNotNull();
    assertThat(buffers.tryTake()).as("a third buffer beyond the limit").isNull();
    buffers.give(a);
    assertThat(buffers.tryTake()).as("a buffer given back is taken again").isNotNull();
    assertThat(buffers.allocated()).isEqualTo(2);
  }

  @Test
  void aLimitDropsSpareBuffersAlreadyMade() throws Exception {
    RangeBuffers buffers = new RangeBuffers(8, 1024);
    byte[][] taken = new byte[8][];
    for (int i = 0; i < 8; i++) {
      taken[i] = buffers.take();
    }
    for (byte[] b : taken) {
      buffers.give(b);
    }

    buffers.limit(2);

    assertThat(buffers.allocated()).as("buffers the heap keeps").isEqualTo(2);
  }

  @Test
  void aLimitWhileBuffersAreOutBindsOnceTheyComeBack() throws Exception {
    RangeBuffers buffers = new RangeBuffers(8, 1024);
    byte[] a = buffers.take();
    byte[] b = buffers.take();
    byte[] c = buffers.take();

    buffers.limit(2); // does not wait for the three out
    assertThat(buffers.tryTake()).as("three out, two allowed").isNull();
    buffers.give(a);
    buffers.give(b);
    buffers.give(c);

    assertThat(buffers.allocated())
        .as("the third, given back over the limit, is dropped")
        .isEqualTo(2);
    assertThat(buffers.tryTake()).isNotNull();
    assertThat(buffers.tryTake()).isNotNull();
    assertThat(buffers.tryTake()).isNull();
  }

  @Test
  void aLimitNeverGoesBelowOneNorRaisesTheCount() {
    RangeBuffers buffers = new RangeBuffers(4, 1024);

    buffers.limit(0);
    assertThat(buffers.count()).isEqualTo(1);
    buffers.limit(3);
    assertThat(buffers.count()).as("a limit only lowers").isEqualTo(1);
  }
}
