package dev.stowage.engine.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The fast RFC 3339 path accepts and refuses exactly what {@link Instant#parse} does. */
class FileAttributesTest {

  @Test
  void timesAsTheEngineWritesThemParseAsInstantParseDoes() {
    SplittableRandom rnd = new SplittableRandom(7);
    for (int i = 0; i < 20_000; i++) {
      long seconds =
          rnd.nextLong(Instant.parse("0001-01-01T00:00:00Z").getEpochSecond(), 253402300800L);
      int nanos =
          switch (i % 4) {
            case 0 -> 0;
            case 1 -> rnd.nextInt(1000) * 1_000_000;
            case 2 -> rnd.nextInt(1_000_000) * 1000;
            default -> rnd.nextInt(1_000_000_000);
          };
      String written = FileAttributes.time(FileTime.from(Instant.ofEpochSecond(seconds, nanos)));
      assertThat(FileAttributes.parseInstant(written))
          .as(written)
          .isEqualTo(Instant.parse(written));
    }
  }

  @Test
  void everyFractionLengthParsesAsInstantParseDoes() {
    String base = "2024-02-29T23:59:59";
    String digits = "123456789";
    assertThat(FileAttributes.parseInstant(base + "Z")).isEqualTo(Instant.parse(base + "Z"));
    for (int k = 1; k <= 9; k++) {
      String s = base + "." + digits.substring(0, k) + "Z";
      assertThat(FileAttributes.parseInstant(s)).as(s).isEqualTo(Instant.parse(s));
    }
  }

  @Test
  void whatInstantParseRefusesIsRefusedTheSameWay() {
    for (String s :
        List.of(
            "2023-02-29T00:00:00Z",
            "2024-13-01T00:00:00Z",
            "2024-00-01T00:00:00Z",
            "2024-01-32T00:00:00Z",
            "2024-01-01T25:00:00Z",
            "2024-01-01T00:60:00Z",
            "2024-01-01T00:00:00.1234567890Z",
            "2024-01-01T00:00:00",
            "2024-01-01 00:00:00Z",
            "2024-1-01T00:00:00Z",
            "2024-01-01T00:00:0xZ",
            "2024-01-01T00:00:00+01:00x",
            "+2024-01-01T00:00:00Z1",
            "")) {
      assertThatThrownBy(() -> Instant.parse(s))
          .as("Instant.parse(%s)", s)
          .isInstanceOf(DateTimeParseException.class);
      assertThatThrownBy(() -> FileAttributes.parseInstant(s))
          .as(s)
          .isInstanceOf(DateTimeParseException.class);
    }
  }

  @Test
  void whatOnlyInstantParseAcceptsStillParses() {
    // An offset, a leap second, a year beyond 9999, a lowercase t or z, a point without digits: not
    // the fast path's shape.
    for (String s :
        List.of(
            "2024-01-01T00:00:00+01:00",
            "2016-12-31T23:59:60Z",
            "+12024-01-01T00:00:00Z",
            "2024-01-01T00:00:00z",
            "2024-01-01t00:00:00Z",
            "2024-01-01T00:00:00.Z",
            "2024-01-01T00:00:00.000000000Z")) {
      assertThat(FileAttributes.parseInstant(s)).as(s).isEqualTo(Instant.parse(s));
    }
  }

  @Test
  void checksumsAreEightLowercaseHexDigits() {
    SplittableRandom rnd = new SplittableRandom(3);
    for (long crc : new long[] {0, 1, 0xabcdefL, 0x7fffffffL, 0x80000000L, 0xffffffffL}) {
      assertThat(ChecksumChannels.hex(crc)).isEqualTo(String.format("%08x", crc));
    }
    for (int i = 0; i < 10_000; i++) {
      long crc = rnd.nextLong(1L << 32);
      assertThat(ChecksumChannels.hex(crc)).isEqualTo(String.format("%08x", crc));
    }
  }
}
