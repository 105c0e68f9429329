package dev.stowage.operator.job;

import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Whether an unfinished engine Job's pod can still start, read from the pod's state: an
 * unschedulable pod, an image or configuration error, or a pod (or no pod at all) still waiting
 * past the start deadline. A pod whose engine container never ran has touched no data, so the
 * caller may give back the database at once.
 */
public final class EngineStart {

  /** Waiting reasons the kubelet does not get out of by itself in useful time. */
  static final Set<String> CANNOT_START =
      Set.of(
          "ErrImagePull",
          "ImagePullBackOff",
          "InvalidImageName",
          "CreateContainerError",
          "ErrImageNeverPull");

  private EngineStart() {}

  /**
   * Why a Job's engine cannot start.
   *
   * @param why what is wrong, for status.message, naming the pod and the spec field to fix
   * @param engineRan whether an engine container of this Job ever started (an earlier pod that
   *     failed), so the volume may have been written to
   */
  public record Stuck(String why, boolean engineRan) {}

  /**
   * Why the engine of an unfinished Job cannot start, or empty while it runs or may still start.
   *
   * @param now the time to measure the start deadline against
   * @param deadline how long a pod (or the Job without a pod) may wait before it counts as stuck
   */
  public static Optional<Stuck> cannotStart(
      Job job, List<Pod> pods, Instant now, Duration deadline) {
    return cannotStart(job, pods, List.of(), now, deadline);
  }

  /**
   * The pod that still creates its containers (waiting for its volumes), if any: its kubelet events
   * say why, its status does not.
   */
  public static Optional<Pod> creating(List<Pod> pods) {
    return pods.stream()
        .filter(p -> !finished(p) && !engineStarted(p))
        .filter(
            p ->
                containerStatuses(p).isEmpty()
                    || containerStatuses(p).stream()
                        .anyMatch(
                            s ->
                                s.getState() != null
                                    && s.getState().getWaiting() != null
                                    && "ContainerCreating"
                                        .equals(s.getState().getWaiting().getReason())))
        .reduce((first, last) -> last);
  }

  /**
   * As {@link #cannotStart(Job, List, Instant, Duration)}, with the messages of the FailedMount
   * events of the pod that still creates its containers: a Secret or ConfigMap (or one of its keys)
   * that does not exist is permanent, as with environment variables.
   */
  public static Optional<Stuck> cannotStart(
      Job job, List<Pod> pods, List<String> mountFailures, Instant now, Duration deadline) {
    boolean ran = pods.stream().anyMatch(EngineStart::engineStarted);
    Pod waiting = null;
    for (Pod p : pods) {
      if (!finished(p)) {
        waiting = p;
      }
    }
    if (waiting == null) {
      if (!pods.isEmpty() || job.getMetadata() == null) {
        return Optional.empty(); // a failed pod: the Job controller replaces it or fails the Job
      }
      Instant created = time(job.getMetadata().getCreationTimestamp());
      if (created != null && Duration.between(created, now).compareTo(deadline) > 0) {
        return Optional.of(
            new Stuck(
                "no engine pod was created within "
                    + text(deadline)
                    + " of Job "
                    + job.getMetadata().getName()
                    + " (a ResourceQuota, LimitRange or admission policy may refuse it: see"
                    + " kubectl describe job "
                    + job.getMetadata().getName()
                    + ")",
                ran));
      }
      return Optional.empty();
    }
    if (engineStarted(waiting)) {
      return Optional.empty();
    }
    String pod = "pod " + waiting.getMetadata().getName();
    String waitingReason = null;
    for (PodCondition c : conditions(waiting)) {
      if ("PodScheduled".equals(c.getType())
          && "False".equals(c.getStatus())
          && "Unschedulable".equals(c.getReason())) {
        if (bindingClaim(c.getMessage())) {
          // A claim just created (a restore's template) is unbound for a moment: give it the
          // start deadline rather than failing at once.
          waitingReason = "Unschedulable: " + c.getMessage();
          continue;
        }
        return Optional.of(
            new Stuck(
                pod
                    + " cannot be scheduled: "
                    + c.getMessage()
                    + " (check spec.pod.resources, spec.pod.nodeSelector and"
                    + " spec.pod.tolerations)",
                ran));
      }
    }
    for (String failure : mountFailures) {
      if (permanentMountFailure(failure)) {
        return Optional.of(
            new Stuck(
                pod
                    + ": a volume could not be mounted ("
                    + failure
                    + ")"
                    + hint("CreateContainerConfigError", failure),
                ran));
      }
    }
    for (ContainerStatus s : containerStatuses(waiting)) {
      var w = s.getState() == null ? null : s.getState().getWaiting();
      if (w == null || w.getReason() == null) {
        continue;
      }
      String text = w.getReason() + (w.getMessage() == null ? "" : " (" + w.getMessage() + ")");
      if (CANNOT_START.contains(w.getReason())
          || permanentConfigError(w.getReason(), w.getMessage())) {
        return Optional.of(new Stuck(pod + ": " + text + hint(w.getReason(), w.getMessage()), ran));
      }
      waitingReason = text;
    }
    Instant created = time(waiting.getMetadata().getCreationTimestamp());
    if (created != null && Duration.between(created, now).compareTo(deadline) > 0) {
      return Optional.of(
          new Stuck(
              pod
                  + " has not started within "
                  + text(deadline)
                  + (waitingReason == null ? "" : " (" + waitingReason + ")")
                  + "; see kubectl describe pod "
                  + waiting.getMetadata().getName(),
              ran));
    }
    return Optional.empty();
  }

  /**
   * Whether a CreateContainerConfigError names something missing from the spec (a Secret, a
   * ConfigMap, a key, a user). The same reason also covers the kubelet's own transient cache misses
   * ("failed to sync secret cache: timed out waiting for the condition"), which clear by themselves
   * and so only count once the start deadline has passed.
   */
  static boolean permanentConfigError(String reason, String message) {
    if (!"CreateContainerConfigError".equals(reason)) {
      return false;
    }
    String m = message == null ? "" : message.toLowerCase(java.util.Locale.ROOT);
    return m.contains("not found")
        || m.contains("couldn't find key")
        || m.contains("runasnonroot")
        || m.contains("non-numeric user");
  }

  /** A Secret, ConfigMap or key of a volume that does not exist: the kubelet cannot fix that. */
  static boolean permanentMountFailure(String message) {
    String m = message == null ? "" : message.toLowerCase(java.util.Locale.ROOT);
    return (m.contains("secret") || m.contains("configmap"))
        && (m.contains("not found") || m.contains("non-existent"));
  }

  /** Whether the scheduler only waits for a claim to bind, which a provisioner may still do. */
  static boolean bindingClaim(String message) {
    String m = message == null ? "" : message.toLowerCase(java.util.Locale.ROOT);
    return m.contains("unbound") || m.contains("persistentvolumeclaim");
  }

  /** Which field of the resource to look at, for the errors that name one. */
  private static String hint(String reason, String message) {
    String m = message == null ? "" : message.toLowerCase(java.util.Locale.ROOT);
    if (m.contains("\"" + EncryptionKeys.VOLUME + "\"")) {
      return "; check spec.encryption.keySecretRef or passphraseSecretRef (and a restore's"
          + " spec.encryption.additionalKeys): the Secret and every key named must exist in the"
          + " resource's namespace (each key holding 32 random bytes or their base64, a"
          + " passphrase at least 12 characters); nothing was stopped or written";
    }
    if ("CreateContainerConfigError".equals(reason)
        && m.contains("\"" + EngineStorage.CA_VOLUME + "\"")) {
      return "; check spec.storage.s3.caBundleRef (or the caBundleRef of the store named by"
          + " spec.storage.storeRef): the object and its key must exist in the resource's"
          + " namespace";
    }
    if ("CreateContainerConfigError".equals(reason) && m.contains("secret")) {
      return "; check spec.storage.s3.credentialsSecretRef (or the credentialsSecretRef of the"
          + " store named by spec.storage.storeRef): the Secret and its keys must exist in the"
          + " resource's namespace";
    }
    if ("CreateContainerConfigError".equals(reason) && m.contains("configmap")) {
      return "; check spec.storage.s3.caBundle";
    }
    if (reason.contains("Image")) {
      return "; the engine image is the operator's (STOWAGE_ENGINE_IMAGE,"
          + " STOWAGE_ENGINE_PULL_POLICY): ask the cluster administrator to check it";
    }
    return "";
  }

  /** Whether the engine container of a pod is running or has run. */
  public static boolean engineStarted(Pod pod) {
    for (ContainerStatus s : containerStatuses(pod)) {
      if (!EngineJobFactory.CONTAINER.equals(s.getName())) {
        continue;
      }
      if (s.getState() != null
          && (s.getState().getRunning() != null || s.getState().getTerminated() != null)) {
        return true;
      }
      if (s.getLastState() != null && s.getLastState().getTerminated() != null) {
        return true;
      }
    }
    return false;
  }

  private static boolean finished(Pod p) {
    String phase = p.getStatus() == null ? null : p.getStatus().getPhase();
    return "Succeeded".equals(phase) || "Failed".equals(phase);
  }

  private static List<PodCondition> conditions(Pod p) {
    return p.getStatus() == null || p.getStatus().getConditions() == null
        ? List.of()
        : p.getStatus().getConditions();
  }

  private static List<ContainerStatus> containerStatuses(Pod p) {
    List<ContainerStatus> all = new ArrayList<>();
    if (p.getStatus() != null && p.getStatus().getInitContainerStatuses() != null) {
      all.addAll(p.getStatus().getInitContainerStatuses());
    }
    if (p.getStatus() != null && p.getStatus().getContainerStatuses() != null) {
      all.addAll(p.getStatus().getContainerStatuses());
    }
    return all;
  }

  private static Instant time(String rfc3339) {
    if (rfc3339 == null || rfc3339.isEmpty()) {
      return null;
    }
    try {
      return OffsetDateTime.parse(rfc3339).toInstant();
    } catch (DateTimeParseException e) {
      return null;
    }
  }

  /** "2 minutes", "90 seconds". */
  public static String text(Duration d) {
    long s = d.getSeconds();
    if (s % 3600 == 0 && s > 0) {
      return (s / 3600) + (s == 3600 ? " hour" : " hours");
    }
    if (s % 60 == 0 && s > 0) {
      return (s / 60) + (s == 60 ? " minute" : " minutes");
    }
    return s + (s == 1 ? " second" : " seconds");
  }
}
