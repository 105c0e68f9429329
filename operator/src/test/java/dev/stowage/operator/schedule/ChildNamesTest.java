package dev.stowage.operator.schedule;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.time.OffsetDateTime;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ChildNamesTest {
  private static final String DNS_1123_LABEL = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";

  @Test
  void scheduledChildIsNamedAfterTheSlotInUtc() {
    Instant slot = OffsetDateTime.parse("2026-03-29T03:00:00+02:00").toInstant();
    assertThat(ChildNames.scheduled("nightly", slot)).isEqualTo("nightly-202603290100");
  }

  @Test
  void fiftyCharacterScheduleGivesSixtyThreeCharacterChildNames() {
    String name = "a".repeat(49) + "z";
    String child = ChildNames.scheduled(name, Instant.parse("2026-12-31T23:59:00Z"));
    assertThat(child).hasSize(63).matches(DNS_1123_LABEL).endsWith("-202612312359");
  }

  @Test
  void manualChildCarriesSecondsAndIsAValidObjectName() {
    Instant at = Instant.parse("2026-06-01T12:34:56.789Z");
    assertThat(ChildNames.manual("nightly", at)).isEqualTo("nightly-manual-20260601123456");
    // 72 characters for a 50-character schedule: a valid DNS-1123 subdomain, not a label value.
    assertThat(ChildNames.manual("b".repeat(50), at)).hasSize(72).matches(DNS_1123_LABEL);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        "Nightly",
        "-nightly",
        "nightly-",
        "night_ly",
        ""
      })
  void namesThatCannotGiveValidChildNamesAreRefused(String name) {
    assertThatThrownBy(() -> ChildNames.scheduled(name, Instant.EPOCH))
        .isInstanceOf(InvalidScheduleException.class)
        .hasMessageContaining("metadata.name")
        .hasMessageContaining("50");
  }
}
