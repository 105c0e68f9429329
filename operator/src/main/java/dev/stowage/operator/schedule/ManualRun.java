package dev.stowage.operator.schedule;

/**
 * Whether a run outside the cron slots is wanted now: a changed {@code spec.trigger} (a GitOps-
 * visible "back up now") or {@code spec.immediate} on a schedule that has never run.
 */
public final class ManualRun {
  /** What to do about a manual run in this reconcile. */
  public enum Action {
    /** Nothing was asked for, or it was already done. */
    None,
    /** Create one {@code <schedule>-manual-<yyyyMMddHHmmss>} child now. */
    Create,
    /** Asked for, but a child is unfinished (Forbid): keep it pending, at most one. */
    WaitForActiveChild,
    /** Asked for, but the schedule is suspended: it runs after resume, unless changed again. */
    WaitForResume
  }

  /** Which label value the child gets ({@code stowage.dev/trigger}). */
  public enum Kind {
    manual,
    immediate
  }

  /**
   * The decision.
   *
   * @param kind why the run is wanted, or null with {@link Action#None}
   */
  public record Decision(Action action, Kind kind) {}

  /**
   * What the reconciler tells us.
   *
   * @param trigger {@code spec.trigger}, null or empty when unset
   * @param lastTrigger {@code status.lastTrigger}: the trigger value already acted on
   * @param immediate {@code spec.immediate}
   * @param neverRun no slot and no immediate run yet ({@code status.lastScheduleTime} and {@code
   *     status.lastScheduledBackup} both unset)
   */
  public record Input(
      String trigger,
      String lastTrigger,
      boolean immediate,
      boolean neverRun,
      boolean childActive,
      boolean suspended) {}

  private ManualRun() {}

  /** Decides; a new trigger wins over immediate (one child serves both). */
  public static Decision decide(Input in) {
    Kind kind = null;
    if (in.trigger() != null && !in.trigger().isEmpty() && !in.trigger().equals(in.lastTrigger())) {
      kind = Kind.manual;
    } else if (in.immediate() && in.neverRun()) {
      kind = Kind.immediate;
    }
    if (kind == null) {
      return new Decision(Action.None, null);
    }
    if (in.suspended()) {
      return new Decision(Action.WaitForResume, kind);
    }
    if (in.childActive()) {
      return new Decision(Action.WaitForActiveChild, kind);
    }
    return new Decision(Action.Create, kind);
  }
}
