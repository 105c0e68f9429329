package dev.stowage.operator.schedule;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * Decides, from the schedule's cursor and the clock, whether a slot is due now, whether it gets a
 * child or is missed (and why), and where the cursor moves.
 *
 * <p>The due slot S is the latest slot with {@code cursor < S <= now}, found with one
 * previous-execution lookup however far back the cursor is. The slots between the cursor and S are
 * only counted, for {@code status.missedRuns}; that count walks slot by slot but stops at {@value
 * #MISSED_COUNT_CAP} (then {@link Decision#missedCountCapped()} is true and the count means "at
 * least"), because a general cron expression has no closed-form slot count and a cursor years back
 * on a per-minute schedule must not cost millions of steps.
 */
public final class SlotPlanner {
  /** How many slots between the cursor and S are counted one by one at most. */
  public static final int MISSED_COUNT_CAP = 1000;

  /** Why a slot got no child; the reason of the {@code MissedSchedule} event. */
  public enum MissedReason {
    /** The operator did not reconcile at those slots, and a later slot is still in time. */
    OperatorDown,
    /** The newest due slot is older than {@code startingDeadlineSeconds}: nothing runs late. */
    DeadlineExceeded,
    /** A child of this schedule is still unfinished (Forbid): the slot is dropped, never queued. */
    ConcurrencyForbid,
    /** The schedule is suspended; suspended slots are never caught up. */
    Suspended,
    /** Another backup or restore holds the claim (decided by the reconciler, not the planner). */
    SourceBusy,
    /** A MysqlBackup of the child's name is not this schedule's (decided by the reconciler). */
    BackupNameCollision
  }

  /** What the reconciler tells the planner; {@code cursor} is lastScheduleTime or creation time. */
  public record Input(
      Instant cursor,
      Instant now,
      Duration startingDeadline,
      boolean childActive,
      boolean suspended) {
    public Input {
      Objects.requireNonNull(cursor, "cursor");
      Objects.requireNonNull(now, "now");
      Objects.requireNonNull(startingDeadline, "startingDeadline");
    }
  }

  /**
   * The outcome of one reconcile.
   *
   * @param createFor the slot to create a child for, if any
   * @param missedCount how many slots were missed in this decision (0 when none)
   * @param missedCountCapped true when the walk stopped at {@value #MISSED_COUNT_CAP}: at least
   *     that many were missed
   * @param missedReason why they were missed, or null when none was
   * @param lastMissed the newest missed slot, or null when none was
   * @param newCursor the new {@code status.lastScheduleTime} (unchanged when nothing was due)
   * @param requeueAt the next slot after now, the timer hint for the next reconcile (empty when the
   *     schedule never fires again)
   */
  public record Decision(
      Optional<Instant> createFor,
      long missedCount,
      boolean missedCountCapped,
      MissedReason missedReason,
      Instant lastMissed,
      Instant newCursor,
      Optional<Instant> requeueAt) {

    /** True when a slot was due in this reconcile (the cursor moves). */
    public boolean slotDue(Instant oldCursor) {
      return !newCursor.equals(oldCursor);
    }
  }

  private SlotPlanner() {}

  /** Decides what this reconcile does; pure: same inputs, same answer. */
  public static Decision plan(CronSchedule schedule, Input in) {
    Optional<Instant> requeue = schedule.nextAfter(in.now());
    Optional<Instant> latest = schedule.latestAtOrBefore(in.now());
    if (latest.isEmpty() || !latest.get().isAfter(in.cursor())) {
      // Nothing due: every slot up to now is at or before the cursor (or before creation).
      return new Decision(Optional.empty(), 0, false, null, null, in.cursor(), requeue);
    }
    Instant s = latest.get();
    Count older = countBetween(schedule, in.cursor(), s);

    if (in.suspended()) {
      return missedAll(s, older, MissedReason.Suspended, requeue);
    }
    if (in.childActive()) {
      return missedAll(s, older, MissedReason.ConcurrencyForbid, requeue);
    }
    boolean inTime = Duration.between(s, in.now()).compareTo(in.startingDeadline()) <= 0;
    if (!inTime) {
      return missedAll(s, older, MissedReason.DeadlineExceeded, requeue);
    }
    if (older.count == 0) {
      return new Decision(Optional.of(s), 0, false, null, null, s, requeue);
    }
    return new Decision(
        Optional.of(s),
        older.count,
        older.capped,
        MissedReason.OperatorDown,
        schedule.latestBefore(s).orElseThrow(),
        s,
        requeue);
  }

  /** The cap on the injected {@code activeDeadlineSeconds}. */
  public static final Duration MAX_DEFAULT_ACTIVE_DEADLINE = Duration.ofHours(6);

  /**
   * The {@code activeDeadlineSeconds} injected into a child whose template sets none: min(6h, the
   * gap from its slot to the next slot), so a hung backup never overlaps the next one. When the
   * schedule never fires again: then the 6h cap applies.
   */
  public static Duration defaultActiveDeadline(CronSchedule schedule, Instant slot) {
    return schedule
        .nextAfter(slot)
        .map(n -> Duration.between(slot, n))
        .filter(gap -> gap.compareTo(MAX_DEFAULT_ACTIVE_DEADLINE) < 0)
        .orElse(MAX_DEFAULT_ACTIVE_DEADLINE);
  }

  private static Decision missedAll(
      Instant s, Count older, MissedReason reason, Optional<Instant> requeue) {
    return new Decision(Optional.empty(), older.count + 1, older.capped, reason, s, s, requeue);
  }

  private record Count(long count, boolean capped) {}

  /** The slots strictly between {@code from} and {@code to}, walked one by one up to the cap. */
  private static Count countBetween(CronSchedule schedule, Instant from, Instant to) {
    long n = 0;
    Instant c = from;
    while (true) {
      Optional<Instant> next = schedule.nextAfter(c);
      if (next.isEmpty() || !next.get().isBefore(to)) {
        return new Count(n, false);
      }
      if (n == MISSED_COUNT_CAP) {
        return new Count(n, true);
      }
      n++;
      c = next.get();
    }
  }
}
