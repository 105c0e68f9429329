package dev.stowage.operator.job;

import io.fabric8.kubernetes.api.model.ContainerStateTerminated;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobCondition;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What an engine Job says of its run, observed from the Job's conditions and its pods' termination
 * messages: never remembered, always derived again.
 *
 * @param state running, succeeded or failed
 * @param result the engine's result from the deciding pod; status UNKNOWN while running
 * @param startTime when the Job started (RFC 3339), or null
 * @param completionTime when the Job finished (RFC 3339), or null while it runs
 * @param jobMessage why Kubernetes failed the Job (deadline, backoff limit), or null
 */
public record EngineRun(
    State state, EngineResult result, String startTime, String completionTime, String jobMessage) {

  public enum State {
    RUNNING,
    SUCCEEDED,
    FAILED
  }

  public boolean finished() {
    return state != State.RUNNING;
  }

  /** Observes a Job and its pods (oldest first). */
  public static EngineRun observe(Job job, List<Pod> pods) {
    Optional<JobCondition> complete = condition(job, "Complete");
    Optional<JobCondition> failed = condition(job, "Failed");
    String start = job.getStatus() == null ? null : job.getStatus().getStartTime();
    if (complete.isPresent()) {
      String end = job.getStatus().getCompletionTime();
      if (end == null) {
        end = complete.get().getLastTransitionTime();
      }
      return new EngineRun(State.SUCCEEDED, resultOf(pods, true), start, end, null);
    }
    if (failed.isPresent()) {
      JobCondition c = failed.get();
      String why = c.getReason() == null ? c.getMessage() : c.getReason() + ": " + c.getMessage();
      return new EngineRun(
          State.FAILED, resultOf(pods, false), start, c.getLastTransitionTime(), why);
    }
    return new EngineRun(State.RUNNING, EngineResult.parse(null), start, null, null);
  }

  /**
   * A message a person can act on for a failed run: the engine's own words and exit code when it
   * wrote them, otherwise what Kubernetes said and why the engine said nothing.
   */
  public String failureMessage() {
    if (result.status() != EngineResult.Status.UNKNOWN) {
      return result.failureMessage();
    }
    List<String> parts = new ArrayList<>();
    if (jobMessage != null) {
      parts.add("the Job failed (" + jobMessage + ")");
    }
    if (result.exitCode() != null) {
      parts.add(
          "the engine container exited with code "
              + result.exitCode()
              + (result.exitCode() == 137
                  ? " (killed: often for using more memory than its limit)"
                  : ""));
    }
    parts.add(result.problem() != null ? result.problem() : result.failureMessage());
    return String.join("; ", parts);
  }

  private static Optional<JobCondition> condition(Job job, String type) {
    if (job.getStatus() == null || job.getStatus().getConditions() == null) {
      return Optional.empty();
    }
    return job.getStatus().getConditions().stream()
        .filter(c -> type.equals(c.getType()) && "True".equals(c.getStatus()))
        .findFirst();
  }

  /**
   * The result of the pod that decided the run: the succeeded pod, or the newest pod whose engine
   * container terminated.
   */
  private static EngineResult resultOf(List<Pod> pods, boolean succeeded) {
    for (int i = pods.size() - 1; i >= 0; i--) {
      Pod pod = pods.get(i);
      String phase = pod.getStatus() == null ? null : pod.getStatus().getPhase();
      if (succeeded && !"Succeeded".equals(phase)) {
        continue;
      }
      Optional<ContainerStateTerminated> t = terminated(pod);
      if (t.isPresent()) {
        return withExitCode(EngineResult.parse(t.get().getMessage()), t.get().getExitCode());
      }
    }
    return EngineResult.parse(null);
  }

  private static Optional<ContainerStateTerminated> terminated(Pod pod) {
    if (pod.getStatus() == null || pod.getStatus().getContainerStatuses() == null) {
      return Optional.empty();
    }
    for (ContainerStatus s : pod.getStatus().getContainerStatuses()) {
      if (!EngineJobFactory.CONTAINER.equals(s.getName())) {
        continue;
      }
      if (s.getState() != null && s.getState().getTerminated() != null) {
        return Optional.of(s.getState().getTerminated());
      }
      if (s.getLastState() != null && s.getLastState().getTerminated() != null) {
        return Optional.of(s.getLastState().getTerminated());
      }
    }
    return Optional.empty();
  }

  /** The container's exit code wins over a missing one in the message (a killed engine). */
  private static EngineResult withExitCode(EngineResult r, Integer exitCode) {
    if (r.exitCode() != null || exitCode == null) {
      return r;
    }
    return new EngineResult(
        r.status(),
        exitCode,
        r.error(),
        r.object(),
        r.name(),
        r.files(),
        r.chunks(),
        r.bytesRead(),
        r.bytesStored(),
        r.bytesWritten(),
        r.durationSeconds(),
        r.engineVersion(),
        r.encryptionKeyId(),
        r.encryptionKeyForm(),
        r.targetHeldMarker(),
        r.problem());
  }
}
