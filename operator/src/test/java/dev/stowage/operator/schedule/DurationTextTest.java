package dev.stowage.operator.schedule;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class DurationTextTest {
  @ParameterizedTest
  @CsvSource({"90s, 90", "30m, 1800", "72h, 259200", "14d, 1209600", "2w, 1209600", "' 1h ', 3600"})
  void wholeNumberAndUnitParse(String text, long seconds) {
    assertThat(DurationText.parse("spec.retention.keepWithin", text))
        .isEqualTo(Duration.ofSeconds(seconds));
  }

  @ParameterizedTest
  @ValueSource(strings = {"14x", "1mo", "1y", "1h30m", "-5h", "h", "5", "1.5h", "72H", ""})
  void otherTextIsRefusedNamingTheFieldAndTheForm(String text) {
    assertThatThrownBy(() -> DurationText.parse("spec.overdueAfter", text))
        .isInstanceOf(InvalidScheduleException.class)
        .hasMessageStartingWith("spec.overdueAfter: '" + text + "'")
        .hasMessageContaining("for example 90s, 30m, 72h, 14d");
  }

  @ParameterizedTest
  @ValueSource(strings = {"0s", "0d"})
  void zeroIsRefused(String text) {
    assertThatThrownBy(() -> DurationText.parse("spec.retention.keepWithin", text))
        .hasMessageContaining("greater than zero");
  }
}
