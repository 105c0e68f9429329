package dev.stowage.operator.restore;

import static dev.stowage.operator.restore.MysqlRestoreReconciler.ANNOTATION_RESTORE_UID;
import static dev.stowage.operator.restore.MysqlRestoreReconciler.LABEL_RESTORED_BY;

import dev.stowage.api.v1alpha1.MysqlRestore;
import dev.stowage.api.v1alpha1.VolumeClaimTemplate;
import dev.stowage.operator.cluster.ClaimLocks;
import dev.stowage.operator.cluster.Cluster;
import dev.stowage.operator.status.EventRecorder;
import dev.stowage.operator.status.EventRecorder.Type;
import dev.stowage.operator.status.Reason;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A restore's target claim: the existing one or created from its template (never someone else's
 * taken over), then locked with no pod mounting it.
 */
final class RestoreTarget {
  private final Cluster cluster;
  private final EventRecorder events;

  RestoreTarget(Cluster cluster, EventRecorder events) {
    this.cluster = cluster;
    this.events = events;
  }

  /** The target claim: the existing one, or created from the template; never another's. */
  Halt provide(RestoreRun run) {
    MysqlRestore restore = run.restore();
    String ns = run.namespace();
    VolumeClaimTemplate template = restore.getSpec().getTarget().getVolumeClaimTemplate();
    Optional<PersistentVolumeClaim> existing = cluster.claim(ns, run.claim());
    if (template != null && existing.isPresent() && !createdByMe(restore, existing.get())) {
      return new Halt(refuseAdoption(run));
    }
    if (existing.isEmpty()) {
      if (template == null) {
        return new Halt(
            run.block(
                Reason.ClaimNotFound,
                "PersistentVolumeClaim "
                    + run.claim()
                    + " (spec.target.persistentVolumeClaim) does not exist in "
                    + ns
                    + "; waiting for it"));
      }
      PersistentVolumeClaim created = cluster.createClaim(claimFrom(run, template));
      if (!createdByMe(restore, created)) {
        return new Halt(refuseAdoption(run)); // someone created it between our read and create
      }
      events.record(
          restore,
          Type.Normal,
          Reason.ClaimCreated,
          "created PersistentVolumeClaim " + run.claim() + " from spec.target.volumeClaimTemplate");
    }
    return null;
  }

  /** The claim's lock, and no pod mounting it: a restore never writes under a database. */
  Halt lock(RestoreRun run) {
    MysqlRestore restore = run.restore();
    String ns = run.namespace();
    String holder = cluster.lock(ns, ClaimLocks.claimLease(run.claim()), restore);
    if (!holder.equals(ClaimLocks.holderIdentity(restore))) {
      return new Halt(
          run.block(
              Reason.WaitingForClaim,
              "waiting for "
                  + holder
                  + ", which is using PersistentVolumeClaim "
                  + run.claim()
                  + "; one backup or restore runs on a claim at a time"));
    }
    List<Pod> mounting = cluster.podsMounting(ns, run.claim());
    if (!mounting.isEmpty()) {
      cluster.unlock(ns, ClaimLocks.claimLease(run.claim()), restore);
      return new Halt(
          run.block(
              Reason.ClaimInUse,
              "pod "
                  + Cluster.podNames(mounting)
                  + " mounts the target"
                  + " PersistentVolumeClaim "
                  + run.claim()
                  + "; a restore never writes under a running database: stop it (for a"
                  + " StatefulSet, scale it down) and the restore starts"));
    }
    return null;
  }

  /** Whether this very restore (by uid) created the claim from its template. */
  private static boolean createdByMe(MysqlRestore restore, PersistentVolumeClaim pvc) {
    var annotations = pvc.getMetadata().getAnnotations();
    return annotations != null
        && restore.getMetadata().getUid() != null
        && restore.getMetadata().getUid().equals(annotations.get(ANNOTATION_RESTORE_UID));
  }

  private static Duration refuseAdoption(RestoreRun run) {
    run.fail(
        Reason.ClaimExists,
        "PersistentVolumeClaim "
            + run.claim()
            + " already exists and was not created by this MysqlRestore:"
            + " spec.target.volumeClaimTemplate never takes over an existing claim (it may hold"
            + " someone's data). To restore into it, create a new MysqlRestore with"
            + " spec.target.persistentVolumeClaim: "
            + run.claim()
            + " (and spec.overwrite: true if it is not empty); otherwise give the template"
            + " another name");
    run.settle();
    return null;
  }

  private static PersistentVolumeClaim claimFrom(RestoreRun run, VolumeClaimTemplate template) {
    MysqlRestore restore = run.restore();
    Map<String, String> labels = new HashMap<>();
    if (template.getMetadata().getLabels() != null) {
      labels.putAll(template.getMetadata().getLabels());
    }
    labels.put(LABEL_RESTORED_BY, restore.getMetadata().getName());
    Map<String, String> annotations = new HashMap<>();
    if (template.getMetadata().getAnnotations() != null) {
      annotations.putAll(template.getMetadata().getAnnotations());
    }
    annotations.put(ANNOTATION_RESTORE_UID, restore.getMetadata().getUid());
    // Not owned by the restore: the restored data outlives the MysqlRestore that wrote it.
    return new PersistentVolumeClaimBuilder()
        .withNewMetadata()
        .withName(run.claim())
        .withNamespace(run.namespace())
        .withLabels(labels)
        .withAnnotations(annotations)
        .endMetadata()
        .withSpec(template.getSpec())
        .build();
  }
}
