package dev.stowage.operator.status;

import static dev.stowage.api.v1alpha1.ConditionStatus.False;
import static dev.stowage.api.v1alpha1.ConditionStatus.True;

import dev.stowage.api.v1alpha1.EngineRunStatus;
import dev.stowage.api.v1alpha1.Phase;
import dev.stowage.operator.job.EngineResult;
import dev.stowage.operator.job.EngineRun;

/**
 * The status transitions a MysqlBackup and a MysqlRestore share: waiting, running, succeeded and
 * failed, each with its phase, message and conditions, in one place.
 */
public final class StatusProjector {

  /** Most characters of status.message (and the Ready condition's message) on failure. */
  public static final int MAX_MESSAGE_CHARS = 2048;

  private final Conditions conditions;

  public StatusProjector(Conditions conditions) {
    this.conditions = conditions;
  }

  /** A message cut to {@link #MAX_MESSAGE_CHARS}, marked where cut. */
  static String capped(String message) {
    if (message == null || message.length() <= MAX_MESSAGE_CHARS) {
      return message;
    }
    return message.substring(0, MAX_MESSAGE_CHARS) + "... [truncated]";
  }

  /** Whether a phase is final: Succeeded or Failed. */
  public static boolean isDone(Phase phase) {
    return phase == Phase.Succeeded || phase == Phase.Failed;
  }

  /** Waiting for something outside the resource: Pending, Blocked True, Ready False. */
  public void block(EngineRunStatus s, Reason reason, String message, Long generation) {
    s.setPhase(Phase.Pending);
    s.setMessage(message);
    conditions.set(s.getConditions(), Conditions.BLOCKED, True, reason.name(), message, generation);
    conditions.set(s.getConditions(), Conditions.READY, False, reason.name(), message, generation);
    reconciling(s, reason, message, generation);
  }

  /** kstatus: in progress, and so neither stalled nor done. */
  private void reconciling(EngineRunStatus s, Reason reason, String message, Long generation) {
    conditions.set(
        s.getConditions(), Conditions.RECONCILING, True, reason.name(), message, generation);
    Conditions.remove(s.getConditions(), Conditions.STALLED);
  }

  /** The engine Job runs (or was just created): Running, Blocked False, Ready False. */
  public void running(EngineRunStatus s, String jobName, String message, Long generation) {
    s.setPhase(Phase.Running);
    s.setMessage(message);
    conditions.set(
        s.getConditions(),
        Conditions.BLOCKED,
        False,
        Reason.JobCreated.name(),
        "the engine Job " + jobName + " has the claim",
        generation);
    conditions.set(
        s.getConditions(), Conditions.READY, False, Reason.Running.name(), message, generation);
    reconciling(s, Reason.Running, message, generation);
  }

  /** Failed for good, with a message a person can act on. */
  public void fail(EngineRunStatus s, Reason reason, String message, Long generation) {
    message = capped(message);
    s.setPhase(Phase.Failed);
    s.setMessage(message);
    if (s.getCompletionTime() == null) {
      // Failed before an engine run finished (a refused spec, the pre-flight, a pod that cannot
      // start): it ended now. An engine run's own end time is set before, by finished().
      s.setCompletionTime(conditions.now());
    }
    conditions.set(s.getConditions(), Conditions.READY, False, reason.name(), message, generation);
    Conditions.remove(s.getConditions(), Conditions.RECONCILING);
    conditions.set(s.getConditions(), Conditions.STALLED, True, reason.name(), message, generation);
  }

  /**
   * A finished engine run's shared results (times, files, chunks, bytes read, duration, version)
   * and its phase: Succeeded with {@code successMessage}, or Failed with the engine's error.
   */
  public void finished(EngineRunStatus s, EngineRun run, String successMessage, Long generation) {
    EngineResult r = run.result();
    s.setCompletionTime(run.completionTime());
    s.setDurationSeconds(r.durationSeconds());
    s.setDuration(r.durationSeconds() == null ? null : Display.duration(r.durationSeconds()));
    s.setEngineVersion(r.engineVersion());
    if (run.state() == EngineRun.State.FAILED) {
      fail(s, Reason.Failed, run.failureMessage(), generation);
      return;
    }
    s.setFiles(r.files());
    s.setChunks(r.chunks());
    s.setBytesRead(r.bytesRead());
    String message = successMessage + (r.problem() == null ? "" : " (" + r.problem() + ")");
    s.setPhase(Phase.Succeeded);
    s.setMessage(message);
    conditions.set(
        s.getConditions(), Conditions.READY, True, Reason.Succeeded.name(), message, generation);
    Conditions.remove(s.getConditions(), Conditions.RECONCILING);
    Conditions.remove(s.getConditions(), Conditions.STALLED);
  }
}
