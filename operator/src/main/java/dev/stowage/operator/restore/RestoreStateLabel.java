package dev.stowage.operator.restore;

import static dev.stowage.operator.restore.MysqlRestoreReconciler.ANNOTATION_STATE_BEFORE;
import static dev.stowage.operator.restore.MysqlRestoreReconciler.FAILED;
import static dev.stowage.operator.restore.MysqlRestoreReconciler.IN_PROGRESS;
import static dev.stowage.operator.restore.MysqlRestoreReconciler.LABEL_RESTORE_STATE;

import dev.stowage.api.v1alpha1.MysqlRestoreStatus;
import dev.stowage.operator.cluster.Cluster;
import dev.stowage.operator.status.EventRecorder;
import dev.stowage.operator.status.EventRecorder.Type;
import dev.stowage.operator.status.Reason;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.HashMap;
import java.util.Map;

/**
 * The restore-state label of a restore's target claim: in-progress before anything writes, then
 * complete, failed (a partial restore, said in status and a Warning event), or the state it had
 * before when the engine never wrote.
 */
final class RestoreStateLabel {
  private final Cluster cluster;
  private final EventRecorder events;

  RestoreStateLabel(Cluster cluster, EventRecorder events) {
    this.cluster = cluster;
    this.events = events;
  }

  /** Labels the target in-progress, remembering its former state, before anything writes. */
  void markInProgress(RestoreRun run) {
    PersistentVolumeClaim pvc = cluster.claim(run.namespace(), run.claim()).orElse(null);
    if (pvc == null) {
      return; // the Job would not start either; its failure says why
    }
    Map<String, String> labels = pvc.getMetadata().getLabels();
    String former = labels == null ? null : labels.get(LABEL_RESTORE_STATE);
    var annotations = pvc.getMetadata().getAnnotations();
    Map<String, String> note = new HashMap<>();
    if (annotations == null || !annotations.containsKey(ANNOTATION_STATE_BEFORE)) {
      note.put(ANNOTATION_STATE_BEFORE, former == null ? "" : former);
    }
    markClaim(run, IN_PROGRESS, note);
  }

  void markFailed(RestoreRun run) {
    MysqlRestoreStatus status = run.status();
    markClaim(run, FAILED, null);
    String msg =
        "PersistentVolumeClaim "
            + run.claim()
            + " holds a partial restore and is labelled "
            + LABEL_RESTORE_STATE
            + "="
            + FAILED
            + " (its data directory holds .stowage-restore-in-progress): do not start a database"
            + " on it; restore it again with a new MysqlRestore and spec.overwrite: true";
    status.setMessage(status.getMessage() + ". " + msg);
    events.record(run.restore(), Type.Warning, Reason.ClaimIncomplete, msg);
  }

  /** The engine never wrote: the claim gets back the state it had before this restore. */
  void markUntouched(RestoreRun run) {
    PersistentVolumeClaim pvc = cluster.claim(run.namespace(), run.claim()).orElse(null);
    if (pvc == null) {
      return;
    }
    var annotations = pvc.getMetadata().getAnnotations();
    String former = annotations == null ? null : annotations.get(ANNOTATION_STATE_BEFORE);
    markClaim(run, former == null || former.isEmpty() ? null : former, null);
  }

  /** Sets the restore-state label (null removes it); the former-state note goes with it. */
  void markClaim(RestoreRun run, String state, Map<String, String> annotations) {
    Map<String, String> labels = new HashMap<>();
    labels.put(LABEL_RESTORE_STATE, state);
    Map<String, String> notes = new HashMap<>();
    if (annotations != null) {
      notes.putAll(annotations);
    } else {
      notes.put(ANNOTATION_STATE_BEFORE, null);
    }
    try {
      cluster.labelClaim(run.namespace(), run.claim(), labels, notes);
    } catch (KubernetesClientException e) {
      if (e.getCode() != 404) {
        throw e;
      }
    }
  }
}
