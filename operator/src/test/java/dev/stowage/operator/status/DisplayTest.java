package dev.stowage.operator.status;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class DisplayTest {
  @Test
  void sizesInBinaryUnitsWithOneDecimal() {
    assertThat(Display.size(0)).isEqualTo("0 B");
    assertThat(Display.size(1023)).isEqualTo("1023 B");
    assertThat(Display.size(1024)).isEqualTo("1.0 KiB");
    assertThat(Display.size(2_831_155)).isEqualTo("2.7 MiB");
    assertThat(Display.size(2_899_102_924L)).isEqualTo("2.7 GiB");
    assertThat(Display.size(1L << 40)).isEqualTo("1.0 TiB");
  }

  @Test
  void durationsAsKubectlShowsAges() {
    assertThat(Display.duration(0.42)).isEqualTo("0.4s");
    assertThat(Display.duration(9.5)).isEqualTo("9.5s");
    assertThat(Display.duration(59)).isEqualTo("59s");
    assertThat(Display.duration(92)).isEqualTo("1m32s");
    assertThat(Display.duration(3_725)).isEqualTo("1h2m");
  }
}
