package dev.stowage.operator.backup;

import static dev.stowage.api.v1alpha1.ConditionStatus.False;
import static dev.stowage.api.v1alpha1.ConditionStatus.True;
import static dev.stowage.operator.backup.MysqlBackupReconciler.QUIESCE_POLL;
import static dev.stowage.operator.backup.MysqlBackupReconciler.WAIT;

import dev.stowage.api.v1alpha1.MysqlBackupStatus;
import dev.stowage.api.v1alpha1.QuiesceStatus;
import dev.stowage.operator.cluster.Cluster;
import dev.stowage.operator.status.Conditions;
import dev.stowage.operator.status.EventRecorder;
import dev.stowage.operator.status.EventRecorder.Type;
import dev.stowage.operator.status.Reason;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Quiesces a backup's source: checks the StatefulSet to scale and scales it down just enough. */
final class Quiescer {
  // The reconciler's logger: the log reads as before this had a class of its own.
  private static final Logger log = LoggerFactory.getLogger(MysqlBackupReconciler.class);

  /**
   * How long a backup waits for the pod on its claim to stop after quiescing before it fails and
   * scales the StatefulSet back (a pod stuck terminating on a lost node, a pod of something else).
   */
  static final Duration QUIESCE_TIMEOUT = Duration.ofMinutes(10);

  /**
   * The replicas a StatefulSet had when this backup scaled it down, written on the StatefulSet in
   * the step before the scale-down: the scale-back is bounded by it, so a status.quiesce that was
   * written by someone else cannot scale the StatefulSet above what was observed.
   */
  static final String QUIESCED_FROM = "stowage.dev/quiesced-from";

  /** The uid of the MysqlBackup that wrote {@link #QUIESCED_FROM}. */
  static final String QUIESCED_BY = "stowage.dev/quiesced-by";

  private final Cluster cluster;
  private final EventRecorder events;
  private final Conditions conditions;

  Quiescer(Cluster cluster, EventRecorder events, Conditions conditions) {
    this.cluster = cluster;
    this.events = events;
    this.conditions = conditions;
  }

  /**
   * Whether the StatefulSet to quiesce exists and its pods mount the claim; returns when to look
   * again (Blocked, locks released, nothing scaled) or null when it may be scaled.
   */
  Duration target(BackupRun run, String stsName, Optional<StatefulSet> sts) {
    String ns = run.namespace();
    if (sts.isEmpty()) {
      run.unlockAll();
      return run.block(
          Reason.StatefulSetNotFound,
          "StatefulSet "
              + stsName
              + " (spec.source.quiesce.statefulSet) does not exist in "
              + ns
              + "; waiting for it",
          WAIT);
    }
    if (!QuiesceArithmetic.producesClaim(sts.get(), run.claim())) {
      run.unlockAll();
      String msg =
          "StatefulSet "
              + stsName
              + " (spec.source.quiesce.statefulSet) neither has a volumeClaimTemplate that gives"
              + " PersistentVolumeClaim "
              + run.claim()
              + " (<template>-"
              + stsName
              + "-<ordinal>) nor mounts it in its pod template"
              + QuiesceArithmetic.templatesText(sts.get())
              + "; nothing was scaled: set spec.source.quiesce.statefulSet to the StatefulSet"
              + " whose pod mounts the claim, in a new MysqlBackup";
      return run.block(Reason.StatefulSetDoesNotMountClaim, msg, WAIT);
    }
    return null;
  }

  /** Scales the StatefulSet down just enough; returns when to look again, or null when done. */
  Duration scaleDown(BackupRun run, String stsName) {
    MysqlBackupStatus status = run.status();
    String ns = run.namespace();
    // Live: the replica count read here is recorded as what to scale back to.
    Optional<StatefulSet> sts = cluster.currentStatefulSet(ns, stsName);
    Duration invalid = target(run, stsName, sts);
    if (invalid != null) {
      return invalid;
    }
    int replicas = QuiesceArithmetic.replicas(sts.get());
    if (status.getQuiesce() == null || status.getQuiesce().getOriginalReplicas() == null) {
      // Written before scaling: a restart in between must still know what to scale back to.
      QuiesceStatus q = new QuiesceStatus();
      q.setStatefulSet(stsName);
      q.setOriginalReplicas(replicas);
      status.setQuiesce(q);
      run.saveNow();
    }
    if (observedReplicas(sts.get(), run).isEmpty()) {
      // On the StatefulSet itself, before the scale-down: what the scale-back may not exceed.
      Map<String, String> note = new HashMap<>();
      note.put(QUIESCED_FROM, Integer.toString(replicas));
      note.put(QUIESCED_BY, run.backup().getMetadata().getUid());
      cluster.annotateStatefulSet(ns, stsName, note);
    }
    int target = QuiesceArithmetic.replicasWithout(sts.get(), run.mounting(), run.claim());
    run.quiescedTo(target);
    if (status.getQuiesce().getScaledDownTime() == null && replicas <= target) {
      // Already low enough (scaled down by someone, or a restart after our scale-down was
      // lost): the wait for the pod to stop starts now.
      status.getQuiesce().setScaledDownTime(conditions.now());
      run.saveNow();
    }
    if (replicas > target) {
      cluster.scaleStatefulSet(ns, stsName, target);
      status.getQuiesce().setScaledDownTime(conditions.now());
      String msg =
          "scaled StatefulSet "
              + stsName
              + " from "
              + replicas
              + " to "
              + QuiesceArithmetic.replicasText(target)
              + " to stop the pod that mounts "
              + run.claim();
      conditions.set(
          status.getConditions(),
          Conditions.QUIESCED,
          True,
          Reason.ScaledDown.name(),
          msg,
          run.generation());
      events.record(run.backup(), Type.Normal, Reason.ScaledDown, msg);
      log.info(msg);
      run.saveNow();
    }
    return null;
  }

  /**
   * While pods still mount the claim after the scale-down: Blocked until they stop, failed (and the
   * StatefulSet scaled back) when they have not within {@link #QUIESCE_TIMEOUT}. Returns when to
   * look again, or null when it failed.
   */
  Duration awaitStopped(BackupRun run, String sts, List<Pod> onClaim) {
    MysqlBackupStatus status = run.status();
    String pods = Cluster.podNames(onClaim);
    Duration waited =
        Duration.between(
            Instant.parse(status.getQuiesce().getScaledDownTime()),
            Instant.parse(conditions.now()));
    if (waited.compareTo(QUIESCE_TIMEOUT) > 0) {
      run.fail(
          Reason.Failed,
          "pod "
              + pods
              + " still mounts PersistentVolumeClaim "
              + run.claim()
              + " "
              + QUIESCE_TIMEOUT.toMinutes()
              + " minutes after StatefulSet "
              + sts
              + " was scaled down; check that spec.source.quiesce.statefulSet is the one whose"
              + " pod mounts the claim, and why the pod does not stop; StatefulSet "
              + sts
              + " gets its replicas back");
      run.settle();
      return null;
    }
    return run.block(
        Reason.ClaimInUse,
        "waiting for pod "
            + pods
            + " to stop (StatefulSet "
            + sts
            + " scaled from "
            + status.getQuiesce().getOriginalReplicas()
            + " to "
            + QuiesceArithmetic.replicasText(run.quiescedTo())
            + ")",
        QUIESCE_POLL);
  }

  /**
   * The replicas this backup observed before its scale-down, from the StatefulSet's own annotation
   * (only when this very backup, by uid, wrote it).
   */
  static Optional<Integer> observedReplicas(StatefulSet sts, BackupRun run) {
    Map<String, String> a = sts.getMetadata().getAnnotations();
    if (a == null
        || a.get(QUIESCED_FROM) == null
        || !String.valueOf(run.backup().getMetadata().getUid()).equals(a.get(QUIESCED_BY))) {
      return Optional.empty();
    }
    try {
      return Optional.of(Integer.parseInt(a.get(QUIESCED_FROM)));
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
  }

  /**
   * Gives the StatefulSet its replicas back, once: the Quiesced condition records it. Status is not
   * an input: the StatefulSet is the one the spec names, and its replicas come back to what both
   * status.quiesce.originalReplicas and the StatefulSet's {@link #QUIESCED_FROM} annotation agree
   * on, never above what was observed; without the annotation nothing is scaled up.
   */
  void scaleBack(BackupRun run) {
    MysqlBackupStatus status = run.status();
    QuiesceStatus q = status.getQuiesce();
    if (q == null || q.getOriginalReplicas() == null || q.getRestoredTime() != null) {
      return;
    }
    String stsName = run.statefulSetName();
    String back;
    if (stsName == null || (q.getStatefulSet() != null && !q.getStatefulSet().equals(stsName))) {
      back =
          "status.quiesce.statefulSet is "
              + q.getStatefulSet()
              + " but spec.source.quiesce.statefulSet is "
              + (stsName == null ? "not set" : stsName)
              + ": the status is not acted on, nothing was scaled";
      events.record(run.backup(), Type.Warning, Reason.StatusMismatch, back);
    } else {
      back = scaleBack(run, stsName, q.getOriginalReplicas());
    }
    q.setRestoredTime(conditions.now());
    conditions.set(
        status.getConditions(),
        Conditions.QUIESCED,
        False,
        Reason.ScaledUp.name(),
        back,
        run.generation());
  }

  /** Scales the spec's StatefulSet back, bounded by what was observed; returns what happened. */
  private String scaleBack(BackupRun run, String stsName, int recorded) {
    String ns = run.namespace();
    Optional<StatefulSet> found = cluster.currentStatefulSet(ns, stsName); // live, as above
    if (found.isEmpty()) {
      return "StatefulSet " + stsName + " is gone: nothing to scale back";
    }
    StatefulSet sts = found.get();
    Optional<Integer> observed = observedReplicas(sts, run);
    if (observed.isEmpty()) {
      String msg =
          "StatefulSet "
              + stsName
              + " carries no "
              + QUIESCED_FROM
              + " annotation of this backup, so status.quiesce.originalReplicas ("
              + recorded
              + ") is not trusted alone and nothing was scaled up; scale it back yourself if it"
              + " should run";
      events.record(run.backup(), Type.Warning, Reason.StatusMismatch, msg);
      log.warn(msg);
      return msg;
    }
    int target = Math.min(recorded, observed.get());
    if (recorded != observed.get()) {
      events.record(
          run.backup(),
          Type.Warning,
          Reason.StatusMismatch,
          "status.quiesce.originalReplicas is "
              + recorded
              + " but StatefulSet "
              + stsName
              + " had "
              + observed.get()
              + " when it was scaled down ("
              + QUIESCED_FROM
              + "): scaling back to "
              + target
              + ", never above what was observed");
    }
    int now = QuiesceArithmetic.replicas(sts);
    if (now < target) {
      cluster.scaleStatefulSet(ns, stsName, target);
      String msg =
          "scaled StatefulSet "
              + stsName
              + " back from "
              + now
              + " to "
              + QuiesceArithmetic.replicasText(target);
      events.record(run.backup(), Type.Normal, Reason.ScaledUp, msg);
      log.info(msg);
    }
    Map<String, String> done = new HashMap<>();
    done.put(QUIESCED_FROM, null);
    done.put(QUIESCED_BY, null);
    cluster.annotateStatefulSet(ns, stsName, done);
    return "StatefulSet " + stsName + " is back to " + QuiesceArithmetic.replicasText(target);
  }
}
