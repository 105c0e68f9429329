package dev.stowage.operator.schedule;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stowage.operator.schedule.RetentionPlanner.Child;
import dev.stowage.operator.schedule.RetentionPlanner.Deletion;
import dev.stowage.operator.schedule.RetentionPlanner.Kept;
import dev.stowage.operator.schedule.RetentionPlanner.Phase;
import dev.stowage.operator.schedule.RetentionPlanner.Plan;
import dev.stowage.operator.schedule.RetentionPlanner.Policy;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class RetentionPlannerTest {
  private static final ZoneId UTC = ZoneId.of("Etc/UTC");

  /** One child per day at 01:00 UTC, named after its date. */
  private static List<Child> daily(LocalDate first, int days, Phase phase) {
    List<Child> out = new ArrayList<>();
    for (int i = 0; i < days; i++) {
      LocalDate d = first.plusDays(i);
      out.add(new Child("b-" + d, phase, d.atTime(1, 0).toInstant(ZoneOffset.UTC), false));
    }
    return out;
  }

  private static List<String> keptNames(Plan p) {
    return p.keep().stream().map(k -> k.child().name()).collect(Collectors.toList());
  }

  private static Map<String, List<String>> reasons(Plan p) {
    return p.keep().stream().collect(Collectors.toMap(k -> k.child().name(), Kept::reasons));
  }

  private static List<String> deletedNames(Plan p) {
    return p.delete().stream().map(d -> d.child().name()).collect(Collectors.toList());
  }

  @Test
  void fourHundredDailyBackupsKeepDaily7Weekly4Monthly12KeepsExactlyTheResticSet() {
    // 2025-10-31 .. 2026-12-04 (a Friday, ISO week 49), 400 days.
    List<Child> children = daily(LocalDate.parse("2025-10-31"), 400, Phase.Succeeded);
    Collections.shuffle(children, new Random(7));
    Plan p = RetentionPlanner.plan(children, Policy.of(0, 0, 7, 4, 12, 0, UTC));

    // restic: daily = the 7 newest days; weekly = the newest of ISO weeks 49, 48 (Sun 29 Nov),
    // 47 (Sun 22 Nov), 46 (Sun 15 Nov); monthly = the last day present of Dec 2026 back to Jan
    // 2026 (12 months); ORed, so overlaps count once: 7 + 2 + 10 = 19.
    assertThat(keptNames(p))
        .containsExactly(
            "b-2026-12-04",
            "b-2026-12-03",
            "b-2026-12-02",
            "b-2026-12-01",
            "b-2026-11-30",
            "b-2026-11-29",
            "b-2026-11-28",
            "b-2026-11-22",
            "b-2026-11-15",
            "b-2026-10-31",
            "b-2026-09-30",
            "b-2026-08-31",
            "b-2026-07-31",
            "b-2026-06-30",
            "b-2026-05-31",
            "b-2026-04-30",
            "b-2026-03-31",
            "b-2026-02-28",
            "b-2026-01-31");
    Map<String, List<String>> why = reasons(p);
    assertThat(why.get("b-2026-12-04")).containsExactly("keepDaily", "keepWeekly", "keepMonthly");
    assertThat(why.get("b-2026-11-30")).containsExactly("keepDaily", "keepMonthly");
    assertThat(why.get("b-2026-11-29")).containsExactly("keepDaily", "keepWeekly");
    assertThat(why.get("b-2026-11-15")).containsExactly("keepWeekly");
    assertThat(why.get("b-2026-01-31")).containsExactly("keepMonthly");
    // 381 to delete: the 10 oldest now, the rest in later passes.
    assertThat(deletedNames(p))
        .containsExactly(
            "b-2025-10-31",
            "b-2025-11-01",
            "b-2025-11-02",
            "b-2025-11-03",
            "b-2025-11-04",
            "b-2025-11-05",
            "b-2025-11-06",
            "b-2025-11-07",
            "b-2025-11-08",
            "b-2025-11-09");
    assertThat(p.deferred()).isEqualTo(371);
    assertThat(p.delete().get(0).reason())
        .contains("no retention rule keeps it")
        .contains("keepDaily 7");
  }

  @Test
  void resticDocumentedExampleTwelveSundaysKeepDaily4KeepsTheLastFour() {
    // doc/060_forget.rst: one backup every Sunday 2019-09-01 .. 2019-11-17, --keep-daily 4.
    List<Child> sundays = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      LocalDate d = LocalDate.parse("2019-09-01").plusWeeks(i);
      sundays.add(
          new Child("s-" + d, Phase.Succeeded, d.atTime(11, 0).toInstant(ZoneOffset.UTC), false));
    }
    Plan p = RetentionPlanner.plan(sundays, Policy.of(0, 0, 4, 0, 0, 0, UTC));
    assertThat(keptNames(p))
        .containsExactly("s-2019-11-17", "s-2019-11-10", "s-2019-11-03", "s-2019-10-27");
    assertThat(p.delete()).hasSize(8);
  }

  @Test
  void ruleWithCountLeftAlsoKeepsTheOldestAsResticDoes() {
    // Three backups on one day, keepDaily 3: the newest is the daily one and, as restic keeps the
    // oldest while a rule has count left, the oldest too; the middle one goes.
    Instant day = Instant.parse("2026-06-01T00:00:00Z");
    List<Child> c =
        List.of(
            new Child("a", Phase.Succeeded, day.plusSeconds(3600), false),
            new Child("b", Phase.Succeeded, day.plusSeconds(7200), false),
            new Child("c", Phase.Succeeded, day.plusSeconds(10800), false));
    Plan p = RetentionPlanner.plan(c, Policy.of(0, 0, 3, 0, 0, 0, UTC));
    assertThat(keptNames(p)).containsExactly("c", "a");
    assertThat(reasons(p).get("a")).containsExactly("keepDaily (oldest)");
    assertThat(deletedNames(p)).containsExactly("b");
  }

  @Test
  void calendarBucketsFollowTheScheduleTimeZone() {
    // 21:00Z and 21:30Z are 30 June in Berlin (CEST), 22:30Z is already 1 July there.
    List<Child> c =
        List.of(
            new Child("x2100", Phase.Succeeded, Instant.parse("2026-06-30T21:00:00Z"), false),
            new Child("x2130", Phase.Succeeded, Instant.parse("2026-06-30T21:30:00Z"), false),
            new Child("x2230", Phase.Succeeded, Instant.parse("2026-06-30T22:30:00Z"), false));
    Plan berlin = RetentionPlanner.plan(c, Policy.of(0, 0, 0, 0, 2, 0, ZoneId.of("Europe/Berlin")));
    assertThat(keptNames(berlin)).containsExactly("x2230", "x2130");
    Plan utc = RetentionPlanner.plan(c, Policy.of(0, 0, 0, 0, 2, 0, UTC));
    assertThat(keptNames(utc)).containsExactly("x2230", "x2100");
  }

  @Test
  void isoWeeksSpanTheYearBoundary() {
    // Mon 2024-12-30 .. Sun 2025-01-05 is ISO week 2025-W01: one weekly bucket across the year.
    List<Child> c = daily(LocalDate.parse("2024-12-28"), 9, Phase.Succeeded); // to 2025-01-05
    Plan p = RetentionPlanner.plan(c, Policy.of(0, 0, 0, 2, 0, 0, UTC));
    assertThat(keptNames(p)).containsExactly("b-2025-01-05", "b-2024-12-29");
  }

  @Test
  void thirtyDaysOfFailuresDeleteNoSuccess() {
    List<Child> children =
        new ArrayList<>(daily(LocalDate.parse("2026-05-01"), 7, Phase.Succeeded));
    children.addAll(daily(LocalDate.parse("2026-05-08"), 30, Phase.Failed));
    Plan p = RetentionPlanner.plan(children, Policy.of(0, 0, 7, 0, 0, 0, UTC));
    // Failures fill no daily bucket: the 7 successes are still the 7 newest daily backups.
    assertThat(keptNames(p))
        .containsAll(
            daily(LocalDate.parse("2026-05-01"), 7, Phase.Succeeded).stream()
                .map(Child::name)
                .toList());
    assertThat(p.delete()).extracting(d -> d.child().phase()).containsOnly(Phase.Failed);
    // The 3 newest failures stay (failedHistoryLimit 3), 27 go, 10 per pass, oldest first.
    assertThat(keptNames(p)).contains("b-2026-06-06", "b-2026-06-05", "b-2026-06-04");
    assertThat(deletedNames(p)).hasSize(10).first().isEqualTo("b-2026-05-08");
    assertThat(p.deferred()).isEqualTo(17);
    assertThat(p.delete().get(0).reason()).contains("failedHistoryLimit");
  }

  @Test
  void pinnedChildrenAreKeptAndNotCounted() {
    List<Child> c = new ArrayList<>(daily(LocalDate.parse("2026-06-01"), 5, Phase.Succeeded));
    Child pinnedNewest = c.get(4);
    c.set(4, new Child(pinnedNewest.name(), Phase.Succeeded, pinnedNewest.time(), true));
    Child pinnedOld = c.get(0);
    c.set(0, new Child(pinnedOld.name(), Phase.Succeeded, pinnedOld.time(), true));
    Plan p = RetentionPlanner.plan(c, Policy.of(2, 0, 0, 0, 0, 0, UTC));
    // keepLast 2 counts only unpinned ones: 06-04 and 06-03, plus both pins.
    assertThat(keptNames(p))
        .containsExactly("b-2026-06-05", "b-2026-06-04", "b-2026-06-03", "b-2026-06-01");
    assertThat(reasons(p).get("b-2026-06-05")).containsExactly("pinned");
    assertThat(deletedNames(p)).containsExactly("b-2026-06-02");
  }

  @Test
  void keepWithinAfterATenDayOutageKeepsTheWindowOfTheNewestSuccess() {
    // Daily successes until 1 June, then nothing for 10 days: the window is 72h back from 1 June,
    // whatever today is, so the outage empties nothing.
    List<Child> c = daily(LocalDate.parse("2026-05-01"), 32, Phase.Succeeded);
    Policy policy = new Policy(0, 0, 0, 0, 0, 0, Duration.ofHours(72), 1, 3, UTC);
    Plan p = RetentionPlanner.plan(c, policy);
    assertThat(keptNames(p))
        .containsExactly("b-2026-06-01", "b-2026-05-31", "b-2026-05-30", "b-2026-05-29");
    assertThat(reasons(p).get("b-2026-05-29").get(0)).startsWith("keepWithin PT72H");
    assertThat(p.delete()).hasSize(10);
    assertThat(p.deferred()).isEqualTo(18);
  }

  @Test
  void keepWithinIsMeasuredFromTheNewestSuccessNotTheNewestFailure() {
    List<Child> c = new ArrayList<>(daily(LocalDate.parse("2026-05-01"), 10, Phase.Succeeded));
    c.addAll(daily(LocalDate.parse("2026-05-11"), 10, Phase.Failed));
    Plan p = RetentionPlanner.plan(c, new Policy(0, 0, 0, 0, 0, 0, Duration.ofDays(2), 1, 0, UTC));
    assertThat(keptNames(p)).containsExactly("b-2026-05-10", "b-2026-05-09", "b-2026-05-08");
  }

  @Test
  void minSucceededKeepsTheNewestSuccessesWhenTheRulesKeepFewer() {
    List<Child> c = daily(LocalDate.parse("2026-05-01"), 10, Phase.Succeeded);
    Plan p = RetentionPlanner.plan(c, new Policy(0, 0, 0, 0, 0, 0, Duration.ofHours(1), 3, 3, UTC));
    assertThat(keptNames(p)).containsExactly("b-2026-05-10", "b-2026-05-09", "b-2026-05-08");
    assertThat(reasons(p).get("b-2026-05-09")).containsExactly("minSucceeded 3");
  }

  @Test
  void pinsDoNotCountTowardMinSucceeded() {
    List<Child> c = new ArrayList<>(daily(LocalDate.parse("2026-05-01"), 3, Phase.Succeeded));
    Child newest = c.get(2);
    c.set(2, new Child(newest.name(), Phase.Succeeded, newest.time(), true));
    Plan p = RetentionPlanner.plan(c, new Policy(0, 0, 0, 0, 0, 0, Duration.ofHours(1), 1, 3, UTC));
    // keepWithin 1h of the newest success (the pin) reaches no unpinned one: the floor adds 05-02.
    assertThat(keptNames(p)).containsExactly("b-2026-05-03", "b-2026-05-02");
    assertThat(deletedNames(p)).containsExactly("b-2026-05-01");
  }

  @Test
  void activeChildrenAreNeverDeletedNorCounted() {
    List<Child> c = new ArrayList<>(daily(LocalDate.parse("2026-05-01"), 3, Phase.Succeeded));
    c.add(new Child("running", Phase.Active, Instant.parse("2026-05-04T01:00:00Z"), false));
    c.add(new Child("stuck", Phase.Active, Instant.parse("2026-04-01T01:00:00Z"), false));
    Plan p = RetentionPlanner.plan(c, Policy.of(1, 0, 0, 0, 0, 0, UTC));
    assertThat(keptNames(p)).containsExactly("running", "b-2026-05-03", "stuck");
    assertThat(reasons(p).get("stuck")).containsExactly("active");
    assertThat(deletedNames(p)).containsExactly("b-2026-05-01", "b-2026-05-02");
  }

  @Test
  void atMostTenDeletionsPerPassOldestFirst() {
    List<Child> c = daily(LocalDate.parse("2026-01-01"), 26, Phase.Succeeded);
    Plan p = RetentionPlanner.plan(c, Policy.of(1, 0, 0, 0, 0, 0, UTC));
    assertThat(p.delete()).hasSize(RetentionPlanner.MAX_DELETIONS_PER_PASS);
    assertThat(deletedNames(p).get(0)).isEqualTo("b-2026-01-01");
    assertThat(deletedNames(p).get(9)).isEqualTo("b-2026-01-10");
    assertThat(p.deferred()).isEqualTo(15);
    assertThat(p.delete()).extracting(Deletion::reason).allMatch(r -> r.contains("keepLast 1"));
  }

  @Test
  void emptyPolicyAndBadFloorsAreRefused() {
    assertThatThrownBy(() -> Policy.of(0, 0, 0, 0, 0, 0, UTC))
        .isInstanceOf(InvalidScheduleException.class)
        .hasMessageContaining("spec.retention")
        .hasMessageContaining("keepLast");
    assertThatThrownBy(() -> new Policy(1, 0, 0, 0, 0, 0, null, 0, 3, UTC))
        .hasMessageContaining("spec.retention.minSucceeded");
    assertThatThrownBy(() -> new Policy(-1, 0, 0, 0, 0, 0, null, 1, 3, UTC))
        .hasMessageContaining("0 or more");
  }
}
