package dev.stowage.operator.cluster;

import dev.stowage.api.v1alpha1.EngineRunStatus;
import dev.stowage.operator.job.EngineProgressLog;
import dev.stowage.operator.job.EngineRun;
import dev.stowage.operator.job.EngineStart;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * One look at an engine Job (backup, check, rm or restore): its pods listed once, its outcome, and
 * whether an unfinished one cannot start. Every reconciler step that waits on a Job reads it here.
 */
public final class EngineJobWatch {

  /**
   * What the Job says now.
   *
   * @param stuck why its pod cannot start, for a Job that has not finished
   */
  public record Look(List<Pod> pods, EngineRun engine, Optional<EngineStart.Stuck> stuck) {
    public boolean finished() {
      return engine.finished();
    }

    /** Whether a pod runs the engine: until then pods send no events, so the caller polls. */
    public boolean engineStarted() {
      return pods.stream().anyMatch(EngineStart::engineStarted);
    }
  }

  private final Cluster cluster;
  private final Supplier<Instant> now;
  private final Duration podStart;
  private final EngineProgressLog progress;

  /**
   * @param now the reconcile's clock
   * @param podStart how long an engine pod may take to start (STOWAGE_ENGINE_START_DEADLINE)
   */
  public EngineJobWatch(Cluster cluster, Supplier<Instant> now, Duration podStart) {
    this.cluster = cluster;
    this.now = now;
    this.podStart = podStart;
    this.progress = new EngineProgressLog(cluster, now);
  }

  /**
   * While the engine runs: its progress into the status, from its log; returns when to look again
   * (pods send no events while the engine works).
   */
  public Duration progress(EngineRunStatus status, String namespace, Look look) {
    return progress.update(status, namespace, look.pods());
  }

  /** A succeeded run: its progress complete (read from the log if it was never looked at). */
  public void succeeded(EngineRunStatus status, String namespace, Look look) {
    progress.succeeded(status, namespace, look.pods());
  }

  public Look look(String namespace, Job job) {
    List<Pod> pods = cluster.jobPods(namespace, job);
    EngineRun engine = EngineRun.observe(job, pods);
    Optional<EngineStart.Stuck> stuck = Optional.empty();
    if (!engine.finished()) {
      // Only a pod still creating its containers is asked about its volumes' events.
      List<String> mountFailures =
          EngineStart.creating(pods)
              .map(p -> cluster.mountFailures(namespace, p.getMetadata().getName()))
              .orElse(List.of());
      stuck = EngineStart.cannotStart(job, pods, mountFailures, now.get(), podStart);
    }
    return new Look(pods, engine, stuck);
  }
}
