package dev.stowage.operator.schedule;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stowage.operator.schedule.SlotPlanner.Decision;
import dev.stowage.operator.schedule.SlotPlanner.Input;
import dev.stowage.operator.schedule.SlotPlanner.MissedReason;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import org.junit.jupiter.api.Test;

class SlotPlannerTest {
  private static final Duration HOUR = Duration.ofHours(1);
  private static final CronSchedule HOURLY = CronSchedule.parse("0 * * * *", null, "uid");
  private static final CronSchedule NIGHTLY = CronSchedule.parse("0 2 * * *", null, "uid");

  private static Instant at(String utc) {
    return Instant.parse(utc);
  }

  private static Decision plan(
      CronSchedule s, Instant cursor, Instant now, boolean active, boolean suspended) {
    return SlotPlanner.plan(s, new Input(cursor, now, HOUR, active, suspended));
  }

  @Test
  void operatorDownAcrossThreeSlotsWithinDeadlineCreatesOneChildForTheLatestAndMissesTwo() {
    // Last run 1 June 02:00; the operator comes back on 4 June at 02:30: slots 2, 3, 4 June passed.
    Decision d =
        plan(NIGHTLY, at("2026-06-01T02:00:00Z"), at("2026-06-04T02:30:00Z"), false, false);
    assertThat(d.createFor()).contains(at("2026-06-04T02:00:00Z"));
    assertThat(d.missedCount()).isEqualTo(2);
    assertThat(d.missedCountCapped()).isFalse();
    assertThat(d.missedReason()).isEqualTo(MissedReason.OperatorDown);
    assertThat(d.lastMissed()).isEqualTo(at("2026-06-03T02:00:00Z"));
    assertThat(d.newCursor()).isEqualTo(at("2026-06-04T02:00:00Z"));
    assertThat(d.requeueAt()).contains(at("2026-06-05T02:00:00Z"));
  }

  @Test
  void operatorDownAcrossThreeSlotsBeyondDeadlineCreatesNothingAndMissesThree() {
    Decision d =
        plan(NIGHTLY, at("2026-06-01T02:00:00Z"), at("2026-06-04T03:00:01Z"), false, false);
    assertThat(d.createFor()).isEmpty();
    assertThat(d.missedCount()).isEqualTo(3);
    assertThat(d.missedReason()).isEqualTo(MissedReason.DeadlineExceeded);
    assertThat(d.lastMissed()).isEqualTo(at("2026-06-04T02:00:00Z"));
    assertThat(d.newCursor()).isEqualTo(at("2026-06-04T02:00:00Z"));
  }

  @Test
  void slotExactlyAtTheDeadlineStillRuns() {
    Decision d =
        plan(NIGHTLY, at("2026-06-03T02:00:00Z"), at("2026-06-04T03:00:00Z"), false, false);
    assertThat(d.createFor()).contains(at("2026-06-04T02:00:00Z"));
    assertThat(d.missedCount()).isZero();
    assertThat(d.missedReason()).isNull();
  }

  @Test
  void childRunningAcrossTwoSlotsMissesBothWithConcurrencyForbidAndTheNextSlotRuns() {
    Instant cursor = at("2026-06-01T10:00:00Z");
    Decision first = plan(HOURLY, cursor, at("2026-06-01T11:00:05Z"), true, false);
    assertThat(first.createFor()).isEmpty();
    assertThat(first.missedCount()).isEqualTo(1);
    assertThat(first.missedReason()).isEqualTo(MissedReason.ConcurrencyForbid);
    assertThat(first.newCursor()).isEqualTo(at("2026-06-01T11:00:00Z"));

    // A reconcile between slots (the child's status changed) decides nothing new.
    Decision between = plan(HOURLY, first.newCursor(), at("2026-06-01T11:40:00Z"), true, false);
    assertThat(between.createFor()).isEmpty();
    assertThat(between.missedCount()).isZero();
    assertThat(between.newCursor()).isEqualTo(first.newCursor());

    Decision second = plan(HOURLY, between.newCursor(), at("2026-06-01T12:00:05Z"), true, false);
    assertThat(second.missedCount()).isEqualTo(1);
    assertThat(second.missedReason()).isEqualTo(MissedReason.ConcurrencyForbid);
    assertThat(second.lastMissed()).isEqualTo(at("2026-06-01T12:00:00Z"));

    Decision third = plan(HOURLY, second.newCursor(), at("2026-06-01T13:00:05Z"), false, false);
    assertThat(third.createFor()).contains(at("2026-06-01T13:00:00Z"));
    assertThat(third.missedCount()).isZero();
  }

  @Test
  void suspendedSlotsAreMissedAndNotCaughtUpOnResume() {
    Decision s1 = plan(HOURLY, at("2026-06-01T09:00:00Z"), at("2026-06-01T10:00:05Z"), false, true);
    assertThat(s1.createFor()).isEmpty();
    assertThat(s1.missedReason()).isEqualTo(MissedReason.Suspended);
    assertThat(s1.missedCount()).isEqualTo(1);
    Decision s2 = plan(HOURLY, s1.newCursor(), at("2026-06-01T11:00:05Z"), false, true);
    assertThat(s2.missedReason()).isEqualTo(MissedReason.Suspended);
    assertThat(s2.newCursor()).isEqualTo(at("2026-06-01T11:00:00Z"));

    // Resumed at 11:30: the suspended 11:00 slot is not run late.
    Decision resumed = plan(HOURLY, s2.newCursor(), at("2026-06-01T11:30:00Z"), false, false);
    assertThat(resumed.createFor()).isEmpty();
    assertThat(resumed.missedCount()).isZero();
    assertThat(resumed.requeueAt()).contains(at("2026-06-01T12:00:00Z"));
    Decision next = plan(HOURLY, resumed.newCursor(), at("2026-06-01T12:00:01Z"), false, false);
    assertThat(next.createFor()).contains(at("2026-06-01T12:00:00Z"));
  }

  @Test
  void noCatchUpForSlotsBeforeCreation() {
    Instant created = at("2026-06-01T10:30:00Z");
    Decision early = plan(HOURLY, created, at("2026-06-01T10:45:00Z"), false, false);
    assertThat(early.createFor()).isEmpty();
    assertThat(early.missedCount()).isZero();
    assertThat(early.newCursor()).isEqualTo(created);
    assertThat(early.requeueAt()).contains(at("2026-06-01T11:00:00Z"));

    // First reconcile only at 12:10: 11:00 is missed, 10:00 (before creation) is not counted.
    Decision late = plan(HOURLY, created, at("2026-06-01T12:10:00Z"), false, false);
    assertThat(late.createFor()).contains(at("2026-06-01T12:00:00Z"));
    assertThat(late.missedCount()).isEqualTo(1);
    assertThat(late.lastMissed()).isEqualTo(at("2026-06-01T11:00:00Z"));
  }

  @Test
  void sameSlotIsNeverDecidedTwice() {
    Decision d = plan(HOURLY, at("2026-06-01T12:00:00Z"), at("2026-06-01T12:20:00Z"), false, false);
    assertThat(d.createFor()).isEmpty();
    assertThat(d.slotDue(at("2026-06-01T12:00:00Z"))).isFalse();
  }

  @Test
  void cursorYearsBackFindsTheExactLatestSlotAndCapsTheMissedCount() {
    CronSchedule everyMinute = CronSchedule.parse("*/1 * * * *", null, "uid");
    Decision d =
        plan(everyMinute, at("2020-01-01T00:00:00Z"), at("2026-12-05T08:57:30Z"), false, false);
    assertThat(d.createFor()).contains(at("2026-12-05T08:57:00Z"));
    assertThat(d.newCursor()).isEqualTo(at("2026-12-05T08:57:00Z"));
    // About 3.6 million slots passed: counting stops at the cap and says so.
    assertThat(d.missedCountCapped()).isTrue();
    assertThat(d.missedCount()).isEqualTo(SlotPlanner.MISSED_COUNT_CAP);
    assertThat(d.lastMissed()).isEqualTo(at("2026-12-05T08:56:00Z"));
  }

  @Test
  void missedCountBelowTheCapIsExact() {
    CronSchedule everyMinute = CronSchedule.parse("*/1 * * * *", null, "uid");
    // 999 slots strictly between the cursor and the due slot.
    Instant cursor = at("2026-06-01T00:00:00Z");
    Decision d = plan(everyMinute, cursor, cursor.plus(Duration.ofMinutes(1000)), false, false);
    assertThat(d.missedCount()).isEqualTo(999);
    assertThat(d.missedCountCapped()).isFalse();
  }

  @Test
  void berlinSpringForwardDayRunsTheGapSlotOnce() {
    CronSchedule berlin = CronSchedule.parse("30 2 * * *", "Europe/Berlin", "uid");
    Instant gapEnd = OffsetDateTime.parse("2026-03-29T03:00:00+02:00").toInstant();
    Decision d =
        SlotPlanner.plan(
            berlin,
            new Input(
                OffsetDateTime.parse("2026-03-28T02:30:00+01:00").toInstant(),
                OffsetDateTime.parse("2026-03-29T03:10:00+02:00").toInstant(),
                HOUR,
                false,
                false));
    assertThat(d.createFor()).contains(gapEnd);
    Decision again =
        SlotPlanner.plan(
            berlin,
            new Input(
                gapEnd,
                OffsetDateTime.parse("2026-03-29T04:00:00+02:00").toInstant(),
                HOUR,
                false,
                false));
    assertThat(again.createFor()).isEmpty();
  }

  @Test
  void berlinFallBackDayRunsTheAmbiguousSlotOnce() {
    CronSchedule berlin = CronSchedule.parse("30 2 * * *", "Europe/Berlin", "uid");
    Instant first = OffsetDateTime.parse("2026-10-25T02:30:00+02:00").toInstant();
    Decision d =
        SlotPlanner.plan(
            berlin,
            new Input(
                OffsetDateTime.parse("2026-10-24T02:30:00+02:00").toInstant(),
                OffsetDateTime.parse("2026-10-25T02:35:00+02:00").toInstant(),
                HOUR,
                false,
                false));
    assertThat(d.createFor()).contains(first);
    // An hour later the wall clock shows 02:35 again: nothing is due.
    Decision secondPass =
        SlotPlanner.plan(
            berlin,
            new Input(
                first,
                OffsetDateTime.parse("2026-10-25T02:35:00+01:00").toInstant(),
                HOUR,
                false,
                false));
    assertThat(secondPass.createFor()).isEmpty();
    assertThat(secondPass.missedCount()).isZero();
    assertThat(secondPass.requeueAt())
        .contains(OffsetDateTime.parse("2026-10-26T02:30:00+01:00").toInstant());
  }

  @Test
  void injectedActiveDeadlineIsTheGapToTheNextSlotCappedAtSixHours() {
    assertThat(SlotPlanner.defaultActiveDeadline(NIGHTLY, at("2026-06-01T02:00:00Z")))
        .isEqualTo(Duration.ofHours(6));
    assertThat(SlotPlanner.defaultActiveDeadline(HOURLY, at("2026-06-01T02:00:00Z")))
        .isEqualTo(HOUR);
    CronSchedule twiceAt = CronSchedule.parse("0 1,3 * * *", null, "uid");
    assertThat(SlotPlanner.defaultActiveDeadline(twiceAt, at("2026-06-01T01:00:00Z")))
        .isEqualTo(Duration.ofHours(2));
    assertThat(SlotPlanner.defaultActiveDeadline(twiceAt, at("2026-06-01T03:00:00Z")))
        .isEqualTo(Duration.ofHours(6));
  }
}
