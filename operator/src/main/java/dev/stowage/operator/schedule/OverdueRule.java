package dev.stowage.operator.schedule;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * When a schedule is overdue (its newest success is too old) and why: the {@code Overdue}
 * condition, the {@code _overdue_after_seconds} metric and the alert all use this one rule.
 */
public final class OverdueRule {
  /** How many upcoming slots the default {@code overdueAfter} looks at. */
  public static final int SLOTS_LOOKED_AT = 8;

  /** The {@code Overdue} condition's reason. */
  public enum Reason {
    /** No child of this schedule has ever succeeded. */
    NeverSucceeded,
    /** The newest finished child failed. */
    LastRunsFailed,
    /** Slots since the newest success were missed (deadline, Forbid, operator down). */
    RunsMissed,
    /** The schedule is suspended. */
    Suspended
  }

  /**
   * What the rule needs from status.
   *
   * @param since the creation time, used when nothing succeeded yet
   * @param lastSuccess {@code status.lastSuccessfulTime}, or null
   * @param lastFailure {@code status.lastFailedTime}, or null
   */
  public record Input(
      Instant now,
      Instant since,
      Instant lastSuccess,
      Instant lastFailure,
      Duration overdueAfter,
      boolean suspended) {}

  /**
   * The verdict.
   *
   * @param overdueAt when the schedule is (or becomes) overdue without a new success: the instant
   *     to requeue at
   * @param reason why, when overdue; null otherwise
   */
  public record Verdict(boolean overdue, Instant overdueAt, Reason reason, String message) {}

  private OverdueRule() {}

  /**
   * The default {@code overdueAfter}: twice the longest gap between the next {@value
   * #SLOTS_LOOKED_AT} slots after {@code from}, plus the starting deadline, so one cadence-relative
   * rule fits hourly and monthly schedules alike.
   */
  public static Duration defaultOverdueAfter(
      CronSchedule schedule, Instant from, Duration startingDeadline) {
    List<Instant> slots = schedule.nextSlots(from, SLOTS_LOOKED_AT);
    Duration longest = Duration.ZERO;
    for (int i = 1; i < slots.size(); i++) {
      Duration gap = Duration.between(slots.get(i - 1), slots.get(i));
      if (gap.compareTo(longest) > 0) {
        longest = gap;
      }
    }
    return longest.multipliedBy(2).plus(startingDeadline);
  }

  /** Decides the {@code Overdue} condition. */
  public static Verdict judge(Input in) {
    Instant base = in.lastSuccess() != null ? in.lastSuccess() : in.since();
    Instant at = base.plus(in.overdueAfter());
    if (!in.now().isAfter(at)) {
      return new Verdict(false, at, null, "the newest success is within overdueAfter");
    }
    Reason reason;
    String message;
    if (in.suspended()) {
      reason = Reason.Suspended;
      message = "the schedule is suspended and no backup succeeded since " + base;
    } else if (in.lastSuccess() == null) {
      reason = Reason.NeverSucceeded;
      message = "no backup of this schedule has succeeded since it was created at " + base;
    } else if (in.lastFailure() != null && in.lastFailure().isAfter(in.lastSuccess())) {
      reason = Reason.LastRunsFailed;
      message = "the last success was at " + base + "; runs since then failed";
    } else {
      reason = Reason.RunsMissed;
      message = "the last success was at " + base + "; runs since then were missed";
    }
    return new Verdict(true, at, reason, message + " (overdueAfter " + in.overdueAfter() + ")");
  }
}
