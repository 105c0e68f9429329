package dev.stowage.operator.schedule;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.cronutils.model.CronType;
import com.cronutils.model.definition.CronDefinitionBuilder;
import com.cronutils.model.time.ExecutionTime;
import com.cronutils.parser.CronParser;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.zone.ZoneOffsetTransition;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class CronScheduleTest {
  private static final ZoneId BERLIN = ZoneId.of("Europe/Berlin");

  private static Instant at(String offsetDateTime) {
    return OffsetDateTime.parse(offsetDateTime).toInstant();
  }

  private static List<Instant> slotsBetween(CronSchedule s, Instant from, Instant to) {
    List<Instant> out = new ArrayList<>();
    Instant c = from;
    while (true) {
      Instant n = s.nextAfter(c).orElseThrow();
      if (!n.isBefore(to)) {
        return out;
      }
      out.add(n);
      c = n;
    }
  }

  @Test
  void dailyInUtcHasNextAndLatestSlots() {
    CronSchedule s = CronSchedule.parse("30 2 * * *", null, "uid");
    assertThat(s.zone()).isEqualTo(ZoneId.of("Etc/UTC"));
    assertThat(s.nextAfter(at("2026-06-01T02:30:00Z"))).contains(at("2026-06-02T02:30:00Z"));
    assertThat(s.latestAtOrBefore(at("2026-06-01T02:30:00Z"))).contains(at("2026-06-01T02:30:00Z"));
    assertThat(s.latestAtOrBefore(at("2026-06-01T02:29:59Z"))).contains(at("2026-05-31T02:30:00Z"));
    assertThat(s.latestBefore(at("2026-06-01T02:30:00Z"))).contains(at("2026-05-31T02:30:00Z"));
  }

  @Test
  void berlinSpringForwardSlotInTheGapRunsOnceAtTheEndOfTheGap() {
    // 2026-03-29: Berlin jumps from 02:00 CET to 03:00 CEST; 02:30 does not exist that day.
    CronSchedule s = CronSchedule.parse("30 2 * * *", "Europe/Berlin", "uid");
    Instant gapEnd = at("2026-03-29T03:00:00+02:00");
    assertThat(s.nextAfter(at("2026-03-28T12:00:00+01:00"))).contains(gapEnd);
    assertThat(s.nextAfter(gapEnd)).contains(at("2026-03-30T02:30:00+02:00"));
    assertThat(s.latestAtOrBefore(at("2026-03-29T05:00:00+02:00"))).contains(gapEnd);
    assertThat(s.latestAtOrBefore(at("2026-03-29T01:59:59+01:00")))
        .contains(at("2026-03-28T02:30:00+01:00"));
    assertThat(
            slotsBetween(
                s, at("2026-03-29T00:00:00+01:00").minusNanos(1), at("2026-03-30T00:00:00+02:00")))
        .containsExactly(gapEnd);
  }

  @Test
  void berlinFallBackAmbiguousSlotRunsOnceAtItsFirstOccurrence() {
    // 2026-10-25: Berlin goes from 03:00 CEST back to 02:00 CET; 02:30 happens twice.
    CronSchedule s = CronSchedule.parse("30 2 * * *", "Europe/Berlin", "uid");
    Instant first = at("2026-10-25T02:30:00+02:00");
    assertThat(s.nextAfter(at("2026-10-24T12:00:00+02:00"))).contains(first);
    assertThat(s.nextAfter(first)).contains(at("2026-10-26T02:30:00+01:00"));
    // In the second pass of the repeated hour, the slot has already been.
    assertThat(s.nextAfter(at("2026-10-25T02:15:00+01:00")))
        .contains(at("2026-10-26T02:30:00+01:00"));
    assertThat(s.latestAtOrBefore(at("2026-10-25T02:15:00+01:00"))).contains(first);
    assertThat(s.latestAtOrBefore(at("2026-10-25T02:45:00+01:00"))).contains(first);
    assertThat(
            slotsBetween(
                s, at("2026-10-25T00:00:00+02:00").minusNanos(1), at("2026-10-26T00:00:00+01:00")))
        .containsExactly(first);
  }

  @Test
  void cronUtilsOnTheRealZoneSkipsTheGapAndRunsTheAmbiguousSlotTwice() {
    // Why CronSchedule computes on wall-clock time: the library on the real zone does neither of
    // the DST rules. If cron-utils changes this, revisit CronSchedule.place.
    ExecutionTime raw =
        ExecutionTime.forCron(
            new CronParser(CronDefinitionBuilder.instanceDefinitionFor(CronType.UNIX))
                .parse("30 2 * * *"));
    ZonedDateTime beforeSpring = LocalDateTime.parse("2026-03-28T12:00").atZone(BERLIN);
    assertThat(raw.nextExecution(beforeSpring).orElseThrow().toInstant())
        .isEqualTo(at("2026-03-30T02:30:00+02:00"));
    ZonedDateTime firstPass = ZonedDateTime.ofInstant(at("2026-10-25T02:31:00+02:00"), BERLIN);
    assertThat(raw.nextExecution(firstPass).orElseThrow().toInstant())
        .isEqualTo(at("2026-10-25T02:30:00+01:00"));
  }

  @Test
  void hourlyOnTheFallBackDayRunsTheRepeatedHourOnce() {
    CronSchedule s = CronSchedule.parse("30 * * * *", "Europe/Berlin", "uid");
    assertThat(s.nextSlots(at("2026-10-25T01:00:00+02:00"), 3))
        .containsExactly(
            at("2026-10-25T01:30:00+02:00"),
            at("2026-10-25T02:30:00+02:00"),
            at("2026-10-25T03:30:00+01:00"));
  }

  @Test
  void everyQuarterHourInTheSpringGapCollapsesIntoOneSlotAtTheEndOfTheGap() {
    CronSchedule s = CronSchedule.parse("*/15 * * * *", "Europe/Berlin", "uid");
    assertThat(s.nextSlots(at("2026-03-29T01:40:00+01:00"), 3))
        .containsExactly(
            at("2026-03-29T01:45:00+01:00"),
            at("2026-03-29T03:00:00+02:00"),
            at("2026-03-29T03:15:00+02:00"));
  }

  @Test
  void newYorkSpringForwardAlsoRunsAtTheEndOfTheGap() {
    // 2026-03-08: New York jumps from 02:00 EST to 03:00 EDT.
    CronSchedule s = CronSchedule.parse("30 2 * * *", "America/New_York", "uid");
    assertThat(s.nextAfter(at("2026-03-07T12:00:00-05:00")))
        .contains(at("2026-03-08T03:00:00-04:00"));
  }

  @ParameterizedTest
  @CsvSource({
    "@hourly, 0 * * * *",
    "@daily, 0 0 * * *",
    "@midnight, 0 0 * * *",
    "@weekly, 0 0 * * 0",
    "@monthly, 0 0 1 * *",
    "@yearly, 0 0 1 1 *",
    "@annually, 0 0 1 1 *",
    "'  15 3  * * 1-5 ', 15 3 * * 1-5"
  })
  void macrosAndSpacingGiveTheEffectiveFiveFieldExpression(String schedule, String effective) {
    assertThat(CronSchedule.parse(schedule, "Etc/UTC", "uid").effectiveExpression())
        .isEqualTo(effective);
  }

  @Test
  void randomMacrosAreStableForOneSeedAndSpreadAcrossSeeds() {
    String a = CronSchedule.parse("@daily-random", null, "0b3f-uid-1").effectiveExpression();
    assertThat(CronSchedule.parse("@daily-random", null, "0b3f-uid-1").effectiveExpression())
        .isEqualTo(a);
    assertThat(a).matches("([0-9]|[1-5][0-9]) ([0-9]|1[0-9]|2[0-3]) \\* \\* \\*");
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < 40; i++) {
      seen.add(CronSchedule.parse("@daily-random", null, "uid-" + i).effectiveExpression());
    }
    assertThat(seen).hasSizeGreaterThan(20);
    assertThat(CronSchedule.parse("@hourly-random", null, "x").effectiveExpression())
        .matches("[0-9]+ \\* \\* \\* \\*");
    assertThat(CronSchedule.parse("@weekly-random", null, "x").effectiveExpression())
        .matches("[0-9]+ [0-9]+ \\* \\* 0");
    assertThat(CronSchedule.parse("@monthly-random", null, "x").effectiveExpression())
        .matches("[0-9]+ [0-9]+ 1 \\* \\*");
    assertThat(CronSchedule.parse("@yearly-random", null, "x").effectiveExpression())
        .matches("[0-9]+ [0-9]+ 1 1 \\*");
    // The same seed picks the same minute and hour for every macro.
    String[] daily =
        CronSchedule.parse("@daily-random", null, "x").effectiveExpression().split(" ");
    String[] weekly =
        CronSchedule.parse("@weekly-random", null, "x").effectiveExpression().split(" ");
    assertThat(weekly[0]).isEqualTo(daily[0]);
    assertThat(weekly[1]).isEqualTo(daily[1]);
  }

  @Test
  void randomMacroWithoutSeedIsRefused() {
    assertThatThrownBy(() -> CronSchedule.parse("@daily-random", null, ""))
        .hasMessageContaining("seed");
  }

  @Test
  void sixFieldCronIsRefusedNamingTimeZone() {
    assertThatThrownBy(() -> CronSchedule.parse("0 30 2 * * *", null, "uid"))
        .isInstanceOf(InvalidScheduleException.class)
        .hasMessageContaining("spec.schedule")
        .hasMessageContaining("6 fields")
        .hasMessageContaining("spec.timeZone");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {"CRON_TZ=Europe/Berlin 30 2 * * *", "TZ=UTC 30 2 * * *", "cron_tz=UTC 0 * * * *"})
  void timeZonePrefixIsRefusedNamingTimeZone(String schedule) {
    assertThatThrownBy(() -> CronSchedule.parse(schedule, null, "uid"))
        .isInstanceOf(InvalidScheduleException.class)
        .hasMessageContaining("spec.timeZone")
        .hasMessageContaining("prefix");
  }

  @ParameterizedTest
  @ValueSource(strings = {"Europe/Berln", "+02:00", "UTC+2", "CET-1", "Mars/Olympus"})
  void zonesThatAreNotIanaNamesAreRefused(String zone) {
    assertThatThrownBy(() -> CronSchedule.parse("0 * * * *", zone, "uid"))
        .isInstanceOf(InvalidScheduleException.class)
        .hasMessageContaining("spec.timeZone")
        .hasMessageContaining(zone)
        .hasMessageContaining("IANA");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {"61 * * * *", "* * *", "every day", "@fortnightly", "@sometimes-random", ""})
  void malformedSchedulesAreRefusedNamingTheField(String schedule) {
    assertThatThrownBy(() -> CronSchedule.parse(schedule, null, "uid"))
        .isInstanceOf(InvalidScheduleException.class)
        .hasMessageStartingWith("spec.schedule:");
  }

  @Test
  void scheduleThatNeverMatchesIsRefused() {
    assertThatThrownBy(() -> CronSchedule.parse("0 0 30 2 *", null, "uid"))
        .isInstanceOf(InvalidScheduleException.class)
        .hasMessageContaining("never matches");
  }

  @Test
  void dayOfMonthAndDayOfWeekTogetherMeanEitherAsInUnixCron() {
    // 1st of the month OR Monday: after Sunday 2026-10-25 comes Monday 26th, not 1 November.
    CronSchedule s = CronSchedule.parse("0 0 1 * 1", null, "uid");
    assertThat(s.nextAfter(at("2026-10-25T12:00:00Z"))).contains(at("2026-10-26T00:00:00Z"));
    assertThat(CronSchedule.parse("0 0 * * 7", null, "uid").nextAfter(at("2026-10-26T00:00:00Z")))
        .contains(at("2026-11-01T00:00:00Z"));
  }

  @ParameterizedTest
  @CsvSource({
    "30 2 * * *, Europe/Berlin",
    "*/7 1-3 * * *, Europe/Berlin",
    "15 * * * 0, America/New_York",
    "0 0 1 * *, Australia/Lord_Howe",
    "45 23 * * 1-5, Etc/UTC",
    "0 0 * * *, America/Santiago"
  })
  void nextAndLatestAgreeAtRandomInstantsAcrossDstYears(String expression, String zone) {
    // Lord Howe shifts by 30 minutes; Santiago's gap is at midnight.
    CronSchedule s = CronSchedule.parse(expression, zone, "uid");
    Random random = new Random(42);
    Instant from = at("2025-01-01T00:00:00Z");
    long span = Duration.ofDays(730).getSeconds();
    List<Instant> probes = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      probes.add(from.plusSeconds((long) (random.nextDouble() * span)));
    }
    // And every 7 minutes for 3 hours either side of each DST transition in those two years.
    ZoneOffsetTransition tr = ZoneId.of(zone).getRules().nextTransition(from);
    while (tr != null && tr.getInstant().isBefore(from.plusSeconds(span))) {
      for (int k = -26; k <= 26; k++) {
        probes.add(tr.getInstant().plusSeconds(k * 7L * 60 + 13));
      }
      tr = ZoneId.of(zone).getRules().nextTransition(tr.getInstant());
    }
    for (Instant t : probes) {
      Instant latest = s.latestAtOrBefore(t).orElseThrow();
      Instant next = s.nextAfter(t).orElseThrow();
      assertThat(latest).as("latest at or before %s", t).isBeforeOrEqualTo(t);
      assertThat(next).as("next after %s", t).isAfter(t);
      // Nothing in between: the slot after latest is next, and the one before next is latest.
      assertThat(s.nextAfter(latest)).as("after latest of %s", t).contains(next);
      assertThat(s.latestBefore(next)).as("before next of %s", t).contains(latest);
    }
  }
}
