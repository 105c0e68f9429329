package dev.stowage.engine.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stowage.engine.error.EngineException;
import org.junit.jupiter.api.Test;

class SizesTest {
  @Test
  void parsesBytesAndBinarySuffixes() {
    assertThat(Sizes.parse("--x", "0")).isZero();
    assertThat(Sizes.parse("--x", "123")).isEqualTo(123);
    assertThat(Sizes.parse("--x", "4Ki")).isEqualTo(4096);
    assertThat(Sizes.parse("--x", "64Mi")).isEqualTo(64L << 20);
    assertThat(Sizes.parse("--x", "2Gi")).isEqualTo(2L << 30);
    assertThat(Sizes.parse("--x", "1Ti")).isEqualTo(1L << 40);
  }

  @Test
  void refusesNegativeMalformedAndOverflowingValuesNamingTheOption() {
    assertThatThrownBy(() -> Sizes.parse("--chunk-size", "-4Mi"))
        .isInstanceOf(EngineException.class)
        .hasMessageContaining("--chunk-size")
        .hasMessageContaining("-4Mi");
    assertThatThrownBy(() -> Sizes.parse("--chunk-size", "64MB"))
        .hasMessageContaining("not a size");
    assertThatThrownBy(() -> Sizes.parse("--chunk-size", "9999999999Ti"))
        .hasMessageContaining("too large");
    assertThatThrownBy(() -> Sizes.parse("--chunk-size", "99999999999999999999"))
        .hasMessageContaining("too large");
  }

  @Test
  void printsQuantitiesAndHumanSizes() {
    assertThat(Sizes.quantity(64L << 20)).isEqualTo("64Mi");
    assertThat(Sizes.quantity(1000)).isEqualTo("1000");
    assertThat(Sizes.human(1536)).isEqualTo("1.50 KiB");
  }
}
