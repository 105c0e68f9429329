package dev.stowage.engine.storage.s3;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** How S3Storage fits the buffers its ranged GETs share into the heap a run leaves for them. */
class S3RangeBudgetTest {
  private static final long MIB = 1 << 20;
  private static final RangedGets EIGHT_OF_8MI = new RangedGets(true, 128 * MIB, 8 << 20, 8);

  private static S3Storage storage() {
    // Never reached: these tests make no request.
    return new S3Storage(
        S3Options.parse(
            "s3://b/p?endpoint=http%3A%2F%2F127.0.0.1%3A9&region=us-east-1&pathStyle=true"),
        2,
        EIGHT_OF_8MI);
  }

  @Test
  void buffersThatFitAreLeftAlone() {
    try (S3Storage s = storage()) {
      s.fitSharedReadBuffers(8 * 9 * MIB, Long.MAX_VALUE);
      assertThat(s.rangeBuffersAllowed()).isEqualTo(8);
    }
  }

  @Test
  void noObjectOverTheThresholdLeavesThemAloneInAnyHeap() {
    try (S3Storage s = storage()) {
      s.fitSharedReadBuffers(MIB, 128 * MIB);
      assertThat(s.rangeBuffersAllowed()).isEqualTo(8);
    }
  }

  @Test
  void fewerFitAndAreAllowed() {
    try (S3Storage s = storage()) {
      // Each 8 MiB range is counted with a G1 region more: 30 MiB holds 3.
      s.fitSharedReadBuffers(30 * MIB, Long.MAX_VALUE);
      assertThat(s.rangeBuffersAllowed()).isEqualTo(3);
    }
  }

  @Test
  void whenNotEvenTwoFitRangedGetsAreOffForTheRun() {
    try (S3Storage s = storage()) {
      s.fitSharedReadBuffers(17 * MIB, Long.MAX_VALUE);
      assertThat(s.rangeBuffersAllowed()).isZero();
    }
  }

  @Test
  void aNegativeHeapLeftTurnsThemOff() {
    try (S3Storage s = storage()) {
      s.fitSharedReadBuffers(-5 * MIB, Long.MAX_VALUE);
      assertThat(s.rangeBuffersAllowed()).isZero();
    }
  }
}
