package dev.stowage.operator.status;

import dev.stowage.api.v1alpha1.Condition;
import dev.stowage.api.v1alpha1.ConditionStatus;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Sets standard conditions on a status: one per type, {@code lastTransitionTime} kept while the
 * status does not flip, and the generation it was computed from.
 */
public final class Conditions {

  /** True once the backup or restore succeeded; False with the reason while it cannot yet. */
  public static final String READY = "Ready";

  /** True while the resource waits for something outside it (a pod, a claim, another backup). */
  public static final String BLOCKED = "Blocked";

  /**
   * True once the pre-flight check proved the storage reachable, writable and free under the
   * backup's name: remembered, so that the check runs once, before anything is stopped.
   */
  public static final String STORAGE_CHECKED = "StorageChecked";

  /**
   * On a failed backup whose engine may have stored objects: False until the operator's rm Job
   * removed them (a failed backup is never restorable), then True.
   */
  public static final String PARTIAL_REMOVED = "PartialBackupRemoved";

  /** True while the source StatefulSet is scaled down for the backup. */
  public static final String QUIESCED = "Quiesced";

  /** kstatus: True while the operator works towards the outcome (Pending, Running); else absent. */
  public static final String RECONCILING = "Reconciling";

  /** kstatus: True once the resource failed for good (a new resource is needed); else absent. */
  public static final String STALLED = "Stalled";

  private final Clock clock;

  public Conditions(Clock clock) {
    this.clock = clock;
  }

  /** Sets (or replaces) the condition of {@code type} in {@code conditions}. */
  public void set(
      List<Condition> conditions,
      String type,
      ConditionStatus status,
      String reason,
      String message,
      Long generation) {
    Optional<Condition> old = find(conditions, type);
    Condition c = new Condition();
    c.setType(type);
    c.setStatus(status);
    c.setReason(reason);
    c.setMessage(message);
    c.setObservedGeneration(generation);
    c.setLastTransitionTime(
        old.filter(o -> o.getStatus() == status)
            .map(Condition::getLastTransitionTime)
            .orElse(now()));
    conditions.removeIf(o -> type.equals(o.getType()));
    conditions.add(c);
  }

  /** Removes the condition of {@code type}, if any. */
  public static void remove(List<Condition> conditions, String type) {
    conditions.removeIf(o -> type.equals(o.getType()));
  }

  public static Optional<Condition> find(List<Condition> conditions, String type) {
    return conditions.stream().filter(c -> Objects.equals(type, c.getType())).findFirst();
  }

  /** Now in RFC 3339, to the second, as Kubernetes writes times. */
  public String now() {
    return Instant.now(clock).truncatedTo(ChronoUnit.SECONDS).toString();
  }
}
