package dev.stowage.operator.schedule;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stowage.operator.schedule.OverdueRule.Input;
import dev.stowage.operator.schedule.OverdueRule.Reason;
import dev.stowage.operator.schedule.OverdueRule.Verdict;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class OverdueRuleTest {
  private static final Duration HOUR = Duration.ofHours(1);
  private static final Instant T0 = Instant.parse("2026-06-01T00:00:00Z");

  @Test
  void defaultOverdueAfterOfANightlyScheduleIsTwoDaysPlusTheDeadline() {
    CronSchedule nightly = CronSchedule.parse("0 2 * * *", null, "uid");
    assertThat(OverdueRule.defaultOverdueAfter(nightly, T0, HOUR)).isEqualTo(Duration.ofHours(49));
  }

  @Test
  void defaultOverdueAfterOfAWeekdayScheduleUsesTheWeekendGap() {
    // Mon-Fri 02:00: the longest gap among the next 8 slots is Friday to Monday, 72h.
    CronSchedule weekdays = CronSchedule.parse("0 2 * * 1-5", null, "uid");
    assertThat(OverdueRule.defaultOverdueAfter(weekdays, T0, HOUR))
        .isEqualTo(Duration.ofHours(2 * 72 + 1));
  }

  @Test
  void defaultOverdueAfterOfAnHourlyScheduleIsTwoHoursPlusTheDeadline() {
    CronSchedule hourly = CronSchedule.parse("@hourly", null, "uid");
    assertThat(OverdueRule.defaultOverdueAfter(hourly, T0, Duration.ofMinutes(5)))
        .isEqualTo(Duration.ofMinutes(125));
  }

  @Test
  void notOverdueWithinOverdueAfterOfTheLastSuccess() {
    Verdict v =
        OverdueRule.judge(
            new Input(
                T0.plus(Duration.ofHours(49)),
                T0.minusSeconds(1),
                T0,
                null,
                Duration.ofHours(49),
                false));
    assertThat(v.overdue()).isFalse();
    assertThat(v.reason()).isNull();
    assertThat(v.overdueAt()).isEqualTo(T0.plus(Duration.ofHours(49)));
  }

  @Test
  void neverSucceededCountsFromCreation() {
    Verdict v =
        OverdueRule.judge(
            new Input(T0.plus(Duration.ofHours(50)), T0, null, null, Duration.ofHours(49), false));
    assertThat(v.overdue()).isTrue();
    assertThat(v.reason()).isEqualTo(Reason.NeverSucceeded);
  }

  @Test
  void failedChildThenNextSlotRunsAndOverdueFlipsAfterOverdueAfter() {
    CronSchedule nightly = CronSchedule.parse("0 2 * * *", null, "uid");
    Duration overdueAfter = OverdueRule.defaultOverdueAfter(nightly, T0, HOUR);
    Instant success = Instant.parse("2026-06-01T02:30:00Z");
    // The failed child did not move anything: the next slot is still due and gets a child.
    SlotPlanner.Decision next =
        SlotPlanner.plan(
            nightly,
            new SlotPlanner.Input(
                Instant.parse("2026-06-02T02:00:00Z"),
                Instant.parse("2026-06-03T02:00:10Z"),
                HOUR,
                false,
                false));
    assertThat(next.createFor()).contains(Instant.parse("2026-06-03T02:00:00Z"));
    Instant secondFailure = Instant.parse("2026-06-03T02:25:00Z");

    Verdict before =
        OverdueRule.judge(
            new Input(success.plus(overdueAfter), T0, success, secondFailure, overdueAfter, false));
    assertThat(before.overdue()).isFalse();
    Verdict after =
        OverdueRule.judge(
            new Input(
                success.plus(overdueAfter).plusSeconds(1),
                T0,
                success,
                secondFailure,
                overdueAfter,
                false));
    assertThat(after.overdue()).isTrue();
    assertThat(after.reason()).isEqualTo(Reason.LastRunsFailed);
    assertThat(after.message()).contains(success.toString());
  }

  @Test
  void missedRunsAfterTheLastSuccessGiveRunsMissed() {
    Verdict v =
        OverdueRule.judge(
            new Input(
                T0.plus(Duration.ofDays(3)),
                T0,
                T0,
                T0.minusSeconds(60),
                Duration.ofHours(49),
                false));
    assertThat(v.reason()).isEqualTo(Reason.RunsMissed);
  }

  @Test
  void suspendedScheduleIsOverdueWithReasonSuspended() {
    Verdict v =
        OverdueRule.judge(
            new Input(T0.plus(Duration.ofDays(3)), T0, T0, null, Duration.ofHours(49), true));
    assertThat(v.overdue()).isTrue();
    assertThat(v.reason()).isEqualTo(Reason.Suspended);
  }
}
