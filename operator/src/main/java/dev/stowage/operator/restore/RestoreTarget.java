package dev.stowage.operator.restore;

import static dev.stowage.operator.restore.MysqlRestoreReconciler.ANNOTATION_RESTORE_UID;
import static dev.stowage.operator.restore.MysqlRestoreReconciler.LABEL_RESTORED_BY;

import dev.stowage.api.v1alpha1.MysqlRestore;
import dev.stowage.api.v1alpha1.VolumeClaimTemplate;
import dev.stowage.operator.cluster.ClaimLocks;
import dev.stowage.operator.cluster.Cluster;
import dev.stowage.operator.cluster.ForeignLeaseException;
import dev.stowage.operator.schedule.TemplateMetadata;
import dev.stowage.operator.status.EventRecorder;
import dev.stowage.operator.status.EventRecorder.Type;
import dev.stowage.operator.status.Reason;
import dev.stowage.operator.validation.InvalidSpecException;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimSpec;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.VolumeResourceRequirements;
import java.time.Duration;
import java.util.ArrayList;
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
    if (template != null) {
      refuseBeyondAllowed(template);
    }
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
    String holder;
    try {
      holder = cluster.lock(ns, ClaimLocks.claimLease(run.claim()), restore);
    } catch (ForeignLeaseException e) {
      return new Halt(
          run.block(Reason.ForeignLease, e.blockedMessage("PersistentVolumeClaim " + run.claim())));
    }
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

  /**
   * Refuses what the CRD's rules refuse, for a resource stored before them: a template may only say
   * access modes, storage class, size and labels. A volume to bind, a data source, a selector or
   * provisioner annotations would let a restore take or fill a volume that is not new.
   */
  static void refuseBeyondAllowed(VolumeClaimTemplate template) {
    List<String> refused = new ArrayList<>();
    PersistentVolumeClaimSpec spec = template.getSpec();
    if (spec == null) {
      throw new InvalidSpecException(
          "spec.target.volumeClaimTemplate.spec is missing: set accessModes and"
              + " resources.requests.storage");
    }
    if (spec.getVolumeName() != null) {
      refused.add("spec.volumeName");
    }
    if (spec.getDataSource() != null) {
      refused.add("spec.dataSource");
    }
    if (spec.getDataSourceRef() != null) {
      refused.add("spec.dataSourceRef");
    }
    if (spec.getSelector() != null) {
      refused.add("spec.selector");
    }
    if (spec.getVolumeMode() != null) {
      refused.add("spec.volumeMode");
    }
    if (spec.getVolumeAttributesClassName() != null) {
      refused.add("spec.volumeAttributesClassName");
    }
    VolumeResourceRequirements resources = spec.getResources();
    if (resources != null && resources.getLimits() != null && !resources.getLimits().isEmpty()) {
      refused.add("spec.resources.limits");
    }
    if (resources != null && resources.getRequests() != null) {
      resources.getRequests().keySet().stream()
          .filter(k -> !"storage".equals(k))
          .sorted()
          .forEach(k -> refused.add("spec.resources.requests." + k));
    }
    if (template.getMetadata() != null
        && template.getMetadata().getAnnotations() != null
        && !template.getMetadata().getAnnotations().isEmpty()) {
      refused.add("metadata.annotations");
    }
    if (!refused.isEmpty()) {
      throw new InvalidSpecException(
          "spec.target.volumeClaimTemplate."
              + String.join(", spec.target.volumeClaimTemplate.", refused)
              + (refused.size() == 1 ? " is" : " are")
              + " not allowed: a template may only set accessModes, storageClassName,"
              + " resources.requests.storage and labels, so that a restore only ever writes into"
              + " a new, empty volume; create a new MysqlRestore without "
              + (refused.size() == 1 ? "it" : "them"));
    }
  }

  /** The claim of a template: its access modes, storage class, size and labels, nothing else. */
  private PersistentVolumeClaim claimFrom(RestoreRun run, VolumeClaimTemplate template) {
    MysqlRestore restore = run.restore();
    // GitOps tracking labels on the claim would make Argo CD prune it (or Helm adopt it).
    TemplateMetadata.Stripped meta =
        TemplateMetadata.strip(template.getMetadata().getLabels(), null);
    if (meta.anythingStripped()) {
      events.record(
          restore,
          Type.Warning,
          Reason.TemplateMetadataStripped,
          "not copied to PersistentVolumeClaim "
              + run.claim()
              + " (GitOps tracking keys would make Argo CD or Flux prune it): "
              + String.join(", ", meta.strippedLabels()));
    }
    Map<String, String> labels = new HashMap<>(meta.labels());
    labels.put(LABEL_RESTORED_BY, restore.getMetadata().getName());
    Map<String, String> annotations = new HashMap<>();
    annotations.put(ANNOTATION_RESTORE_UID, restore.getMetadata().getUid());
    PersistentVolumeClaimSpec given = template.getSpec();
    VolumeResourceRequirements size = new VolumeResourceRequirements();
    if (given.getResources() != null
        && given.getResources().getRequests() != null
        && given.getResources().getRequests().get("storage") != null) {
      size.setRequests(Map.of("storage", given.getResources().getRequests().get("storage")));
    }
    PersistentVolumeClaimSpec spec = new PersistentVolumeClaimSpec();
    spec.setAccessModes(given.getAccessModes());
    spec.setStorageClassName(given.getStorageClassName());
    spec.setResources(size);
    // Not owned by the restore: the restored data outlives the MysqlRestore that wrote it.
    return new PersistentVolumeClaimBuilder()
        .withNewMetadata()
        .withName(run.claim())
        .withNamespace(run.namespace())
        .withLabels(labels)
        .withAnnotations(annotations)
        .endMetadata()
        .withSpec(spec)
        .build();
  }
}
