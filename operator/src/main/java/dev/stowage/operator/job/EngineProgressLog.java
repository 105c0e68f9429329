package dev.stowage.operator.job;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.stowage.api.v1alpha1.EngineProgress;
import dev.stowage.api.v1alpha1.EngineRunStatus;
import dev.stowage.operator.cluster.Cluster;
import dev.stowage.operator.status.Display;
import io.fabric8.kubernetes.api.model.Pod;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * A running engine's progress, read from the newest {@code {"stowageProgress":{...}}} line of its
 * pod's log into {@code status.progress}, at most once per {@link #INTERVAL} per resource (the
 * engine prints one every 5 s).
 */
public final class EngineProgressLog {
  /** The engine's key (engine/README, "Progress"); a line that starts so is a progress line. */
  static final String KEY = "stowageProgress";

  /** How often a running engine's log is read, and so when its reconcile looks again. */
  public static final Duration INTERVAL = Duration.ofSeconds(10);

  /** Lines read from the end of the log: progress lines come every 5 s, log lines are rare. */
  static final int TAIL_LINES = 20;

  private static final ObjectMapper JSON = new ObjectMapper();

  private final Cluster cluster;
  private final Supplier<Instant> now;

  public EngineProgressLog(Cluster cluster, Supplier<Instant> now) {
    this.cluster = cluster;
    this.now = now;
  }

  /**
   * Updates {@code status.progress} from the newest running pod of the Job, unless it was read less
   * than {@link #INTERVAL} ago; returns when to look again.
   */
  public Duration update(EngineRunStatus status, String namespace, List<Pod> pods) {
    Instant t = now.get();
    EngineProgress last = status.getProgress();
    if (last != null && last.getObservedTime() != null) {
      Duration since = Duration.between(Instant.parse(last.getObservedTime()), t);
      if (since.compareTo(INTERVAL) < 0) {
        return INTERVAL.minus(since);
      }
    }
    Optional<Pod> running = newestRunning(pods);
    if (running.isEmpty()) {
      return INTERVAL;
    }
    read(status, namespace, running.get());
    return INTERVAL;
  }

  /** The last complete progress line of a log tail, if any. */
  static Optional<EngineProgress> newest(String log) {
    String[] lines = log.split("\n");
    for (int i = lines.length - 1; i >= 0; i--) {
      Optional<EngineProgress> p = parse(lines[i].strip());
      if (p.isPresent()) {
        return p;
      }
    }
    return Optional.empty();
  }

  /** One progress line, or empty when the line is anything else (or cut short). */
  static Optional<EngineProgress> parse(String line) {
    if (!line.startsWith("{\"" + KEY + "\"")) {
      return Optional.empty();
    }
    JsonNode p;
    try {
      p = JSON.readTree(line).get(KEY);
    } catch (IOException e) {
      return Optional.empty();
    }
    if (p == null
        || !p.path("bytesDone").canConvertToLong()
        || !p.path("bytesTotal").canConvertToLong()) {
      return Optional.empty();
    }
    EngineProgress e = new EngineProgress();
    e.setBytesDone(nonNegative(p.get("bytesDone").asLong()));
    e.setBytesTotal(nonNegative(p.get("bytesTotal").asLong()));
    e.setObjectsDone(nonNegative(p.path("objectsDone").asLong(0)));
    e.setObjectsTotal(nonNegative(p.path("objectsTotal").asLong(0)));
    e.setPercent((int) Math.min(100, nonNegative(p.path("percent").asLong(0))));
    e.setBytesPerSecond(nonNegative(p.path("bytesPerSecond").asLong(0)));
    if (p.has("etaSeconds")) {
      e.setEtaSeconds(nonNegative(p.get("etaSeconds").asLong()));
    }
    e.setDisplay(display(e));
    return Optional.of(e);
  }

  /**
   * A succeeded run: its progress says all of it is done. A run too short to have been looked at
   * while it ran gets its figures from the engine's last line first.
   */
  public void succeeded(EngineRunStatus status, String namespace, List<Pod> pods) {
    if (status.getProgress() == null && !pods.isEmpty()) {
      read(status, namespace, pods.get(pods.size() - 1));
    }
    complete(status);
  }

  /** The newest progress line of a pod's engine log into the status, if it has one. */
  private void read(EngineRunStatus status, String namespace, Pod pod) {
    cluster
        .engineLogTail(namespace, pod.getMetadata().getName(), TAIL_LINES)
        .flatMap(EngineProgressLog::newest)
        .ifPresent(
            p -> {
              p.setObservedTime(now.get().toString());
              status.setProgress(p);
            });
  }

  /** The whole work done: what a succeeded run's progress finally says. */
  static void complete(EngineRunStatus status) {
    EngineProgress p = status.getProgress();
    if (p == null || p.getBytesTotal() == null) {
      return;
    }
    p.setBytesDone(p.getBytesTotal());
    p.setObjectsDone(p.getObjectsTotal());
    p.setPercent(100);
    p.setEtaSeconds(0L);
    p.setDisplay(display(p));
  }

  /** "38% of 2.7 GiB, 1m12s left"; "100% of 2.7 GiB" when done. */
  static String display(EngineProgress p) {
    String s = p.getPercent() + "% of " + Display.size(p.getBytesTotal());
    Long eta = p.getEtaSeconds();
    if (p.getPercent() < 100 && eta != null) {
      s += ", " + Display.duration(eta) + " left";
    }
    return s;
  }

  private static long nonNegative(long v) {
    return Math.max(0, v);
  }

  private static Optional<Pod> newestRunning(List<Pod> pods) {
    for (int i = pods.size() - 1; i >= 0; i--) {
      Pod p = pods.get(i);
      if (p.getStatus() != null && "Running".equals(p.getStatus().getPhase())) {
        return Optional.of(p);
      }
    }
    return Optional.empty();
  }
}
