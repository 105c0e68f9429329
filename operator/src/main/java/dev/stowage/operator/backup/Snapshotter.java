package dev.stowage.operator.backup;

import static dev.stowage.operator.backup.MysqlBackupReconciler.WAIT;

import dev.stowage.api.v1alpha1.MysqlBackup;
import dev.stowage.api.v1alpha1.MysqlBackupStatus;
import dev.stowage.api.v1alpha1.SnapshotSource;
import dev.stowage.api.v1alpha1.SnapshotStatus;
import dev.stowage.operator.cluster.Cluster;
import dev.stowage.operator.job.EngineJobFactory;
import dev.stowage.operator.job.EngineRun;
import dev.stowage.operator.job.JobOwnership;
import dev.stowage.operator.snapshot.SnapshotClassChoice;
import dev.stowage.operator.snapshot.VolumeSnapshots;
import dev.stowage.operator.status.Conditions;
import dev.stowage.operator.status.EventRecorder;
import dev.stowage.operator.status.EventRecorder.Type;
import dev.stowage.operator.status.Reason;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Snapshot mode (spec.source.snapshot): the VolumeSnapshot of the live claim and its clone, which
 * the engine Job reads instead of the claim. Record, then act: both names are in status before
 * either object is created, so a restart reuses them; both are owned by the backup and deleted
 * (only when this backup made them) once its Job has finished.
 */
final class Snapshotter {
  // The reconciler's logger: one log for the whole backup.
  private static final Logger log = LoggerFactory.getLogger(MysqlBackupReconciler.class);

  /** How long a VolumeSnapshot may take to become ready to use before the backup fails. */
  static final Duration READY_DEADLINE = Duration.ofMinutes(10);

  /** How long a clone claim (Immediate binding) may take to be bound before the backup fails. */
  static final Duration CLONE_DEADLINE = Duration.ofMinutes(5);

  private final Cluster cluster;
  private final EventRecorder events;
  private final Conditions conditions;
  private final ReadLockStep readLock;

  Snapshotter(Cluster cluster, EventRecorder events, Conditions conditions, ReadLockStep readLock) {
    this.cluster = cluster;
    this.events = events;
    this.conditions = conditions;
    this.readLock = readLock;
  }

  /** Whether the backup is in snapshot mode. */
  static boolean snapshotMode(MysqlBackup backup) {
    return backup.getSpec().getSource().getSnapshot() != null;
  }

  /**
   * Whether the VolumeSnapshot still has to be created: nothing recorded yet, or recorded (before a
   * restart) but not there and never seen ready.
   */
  boolean toCreate(BackupRun run) {
    SnapshotStatus s = run.status().getSnapshot();
    if (s == null || s.getName() == null) {
      return true;
    }
    return !Boolean.TRUE.equals(s.getReadyToUse())
        && cluster.volumeSnapshot(run.namespace(), s.getName()).isEmpty();
  }

  /**
   * The VolumeSnapshotClass for the claim, or what is missing (the API, a class): read before
   * anything is created.
   */
  SnapshotClassChoice chooseClass(BackupRun run) {
    try {
      return readClass(run);
    } catch (KubernetesClientException e) {
      if (e.getCode() != 403) {
        throw e;
      }
      // The namespaced install: a RoleBinding cannot grant reads of cluster-scoped kinds.
      return new SnapshotClassChoice(
          null,
          SnapshotClassChoice.Missing.CLASS,
          "the operator may not read what snapshot mode needs ("
              + (e.getStatus() != null ? e.getStatus().getMessage() : e.getMessage())
              + "): grant its ServiceAccount get and list on volumesnapshotclasses"
              + " (snapshot.storage.k8s.io), get on persistentvolumes and get on storageclasses"
              + " (storage.k8s.io) cluster-wide, as deploy/rbac.yaml does; nothing was created");
    }
  }

  private SnapshotClassChoice readClass(BackupRun run) {
    PersistentVolumeClaim claim = cluster.claim(run.namespace(), run.claim()).orElseThrow();
    SnapshotSource spec = run.backup().getSpec().getSource().getSnapshot();
    Optional<List<GenericKubernetesResource>> classes = cluster.volumeSnapshotClasses();
    Optional<PersistentVolume> volume = Optional.empty();
    String volumeName = claim.getSpec() == null ? null : claim.getSpec().getVolumeName();
    if (classes.isPresent()
        && spec.getVolumeSnapshotClassName() == null
        && volumeName != null
        && !volumeName.isEmpty()) {
      volume = cluster.persistentVolume(volumeName);
    }
    return SnapshotClassChoice.choose(classes, spec.getVolumeSnapshotClassName(), claim, volume);
  }

  /** Blocked for what is missing: nothing was created, and the claim is not held meanwhile. */
  Duration refuse(BackupRun run, SnapshotClassChoice choice, ClaimLocking locking) {
    locking.unlockClaim(run);
    return run.block(
        choice.missing() == SnapshotClassChoice.Missing.API
            ? Reason.SnapshotApiMissing
            : Reason.NoVolumeSnapshotClass,
        choice.message(),
        WAIT);
  }

  /** Records both names and writes the status, once: before anything is locked or created. */
  void record(BackupRun run) {
    MysqlBackup backup = run.backup();
    MysqlBackupStatus status = run.status();
    if (status.getSnapshot() == null || status.getSnapshot().getName() == null) {
      SnapshotStatus s = new SnapshotStatus();
      s.setName(EngineJobFactory.snapshotName(backup));
      s.setCloneClaim(EngineJobFactory.cloneClaimName(backup));
      status.setSnapshot(s);
      run.saveNow();
    }
  }

  /** Creates the VolumeSnapshot whose names {@link #record} wrote. */
  void take(BackupRun run, String className) {
    MysqlBackup backup = run.backup();
    MysqlBackupStatus status = run.status();
    String name = status.getSnapshot().getName();
    GenericKubernetesResource made =
        cluster.createVolumeSnapshot(VolumeSnapshots.snapshot(backup, name, className));
    if (!VolumeSnapshots.madeFor(made, backup)) {
      return; // a foreign one of the name: awaitReady fails the backup, naming it
    }
    log.info("created VolumeSnapshot {} of {} (class {})", name, run.claim(), className);
    events.record(
        backup,
        Type.Normal,
        Reason.SnapshotCreated,
        "created VolumeSnapshot "
            + name
            + " of PersistentVolumeClaim "
            + run.claim()
            + " (VolumeSnapshotClass "
            + className
            + ")");
  }

  /**
   * Waits until the VolumeSnapshot is ready to use, recording its creationTime (the point in time
   * of the backup) as soon as it has one; fails the backup on the snapshot's error, a foreign
   * snapshot of the name, or a snapshot not ready within {@link #READY_DEADLINE}.
   */
  Duration awaitReady(BackupRun run) {
    MysqlBackup backup = run.backup();
    SnapshotStatus s = run.status().getSnapshot();
    if (Boolean.TRUE.equals(s.getReadyToUse())) {
      return null;
    }
    Optional<GenericKubernetesResource> found =
        cluster.volumeSnapshot(run.namespace(), s.getName());
    if (found.isEmpty()) {
      return run.block(
          Reason.TakingSnapshot,
          "waiting for VolumeSnapshot " + s.getName() + " of " + run.claim(),
          WAIT);
    }
    GenericKubernetesResource snap = found.get();
    if (!VolumeSnapshots.madeFor(snap, backup)) {
      return failAndRelease(
          run,
          Reason.SnapshotFailed,
          "a VolumeSnapshot "
              + s.getName()
              + " exists that this MysqlBackup did not create (no stowage labels of its uid, or"
              + " no ownerReference to it): it is never used nor deleted; delete it (kubectl"
              + " delete volumesnapshot -n "
              + run.namespace()
              + " "
              + s.getName()
              + ") and create a new MysqlBackup");
    }
    Optional<String> error = VolumeSnapshots.error(snap);
    if (error.isPresent()) {
      return failAndRelease(
          run,
          Reason.SnapshotFailed,
          "VolumeSnapshot "
              + s.getName()
              + " of "
              + run.claim()
              + " failed: "
              + error.get()
              + "; nothing was copied");
    }
    VolumeSnapshots.creationTime(snap).ifPresent(s::setCreationTime);
    if (VolumeSnapshots.readyToUse(snap)) {
      s.setReadyToUse(true);
      events.record(
          backup,
          Type.Normal,
          Reason.SnapshotReady,
          "VolumeSnapshot "
              + s.getName()
              + " is ready; the backup is of "
              + run.claim()
              + " as of "
              + (s.getCreationTime() == null ? "its creation" : s.getCreationTime()));
      return null;
    }
    String created = snap.getMetadata().getCreationTimestamp();
    if (created != null && now().isAfter(Instant.parse(created).plus(READY_DEADLINE))) {
      return failAndRelease(
          run,
          Reason.SnapshotFailed,
          "VolumeSnapshot "
              + s.getName()
              + " of "
              + run.claim()
              + " was not ready to use "
              + READY_DEADLINE.toMinutes()
              + " minutes after it was created: is snapshot-controller running, and the"
              + " csi-snapshotter sidecar of the claim's CSI driver? Nothing was copied");
    }
    return run.block(
        Reason.TakingSnapshot,
        "waiting for VolumeSnapshot "
            + s.getName()
            + " of "
            + run.claim()
            + " to be ready to use"
            + (s.getCreationTime() == null ? "" : " (cut at " + s.getCreationTime() + ")"),
        WAIT);
  }

  /**
   * Creates the clone claim from the ready VolumeSnapshot, and returns null once the engine Job may
   * be created on it: bound, or of a StorageClass that binds on first consumer (the Job's pod).
   */
  Duration provideClone(BackupRun run) {
    MysqlBackup backup = run.backup();
    SnapshotStatus s = run.status().getSnapshot();
    String ns = run.namespace();
    Optional<PersistentVolumeClaim> found = cluster.claim(ns, s.getCloneClaim());
    if (found.isEmpty()) {
      PersistentVolumeClaim source = cluster.claim(ns, run.claim()).orElseThrow();
      PersistentVolumeClaim made =
          cluster.createClaim(
              VolumeSnapshots.clone(
                  backup,
                  s.getCloneClaim(),
                  s.getName(),
                  source,
                  cluster.volumeSnapshot(ns, s.getName()).flatMap(VolumeSnapshots::restoreSize)));
      if (VolumeSnapshots.madeFor(made, backup)) {
        log.info("created clone claim {} from VolumeSnapshot {}", s.getCloneClaim(), s.getName());
        events.record(
            backup,
            Type.Normal,
            Reason.CloneCreated,
            "created PersistentVolumeClaim "
                + s.getCloneClaim()
                + " from VolumeSnapshot "
                + s.getName()
                + "; the engine reads it instead of "
                + run.claim());
      }
      found = Optional.of(made);
    }
    PersistentVolumeClaim clone = found.get();
    if (!VolumeSnapshots.madeFor(clone, backup)) {
      return failAndRelease(
          run,
          Reason.CloneNotProvisioned,
          "a PersistentVolumeClaim "
              + s.getCloneClaim()
              + " exists that this MysqlBackup did not create (no stowage labels of its uid, or"
              + " no ownerReference to it): it is never read nor deleted; create a new"
              + " MysqlBackup");
    }
    if (bound(clone) || bindsOnFirstConsumer(clone)) {
      return null;
    }
    String created = clone.getMetadata().getCreationTimestamp();
    if (created != null && now().isAfter(Instant.parse(created).plus(CLONE_DEADLINE))) {
      return failAndRelease(
          run,
          Reason.CloneNotProvisioned,
          cloneNotProvisioned(run, "within " + CLONE_DEADLINE.toMinutes() + " minutes"));
    }
    return run.block(
        Reason.ProvisioningClone,
        "waiting for PersistentVolumeClaim "
            + s.getCloneClaim()
            + " to be provisioned from VolumeSnapshot "
            + s.getName(),
        WAIT);
  }

  /**
   * Why an engine pod that cannot start cannot: the clone is not provisioned (with the driver's
   * words); empty when the clone is bound (the pod's own reason applies).
   */
  Optional<String> cloneProblem(BackupRun run) {
    SnapshotStatus s = run.status().getSnapshot();
    if (!snapshotMode(run.backup()) || s == null || s.getCloneClaim() == null) {
      return Optional.empty();
    }
    Optional<PersistentVolumeClaim> clone = cluster.claim(run.namespace(), s.getCloneClaim());
    if (clone.isPresent() && bound(clone.get())) {
      return Optional.empty();
    }
    return Optional.of(cloneNotProvisioned(run, "before the engine pod's start deadline"));
  }

  private String cloneNotProvisioned(BackupRun run, String when) {
    SnapshotStatus s = run.status().getSnapshot();
    List<String> failures = cluster.provisioningFailures(run.namespace(), s.getCloneClaim());
    return "PersistentVolumeClaim "
        + s.getCloneClaim()
        + " (the clone of VolumeSnapshot "
        + s.getName()
        + ") was not provisioned "
        + when
        + ": "
        + (failures.isEmpty()
            ? "no ProvisioningFailed event; is the CSI driver's external-provisioner running?"
            : "the driver said: " + failures.get(failures.size() - 1))
        + "; nothing was copied";
  }

  private static boolean bound(PersistentVolumeClaim c) {
    return c.getStatus() != null && "Bound".equals(c.getStatus().getPhase());
  }

  private boolean bindsOnFirstConsumer(PersistentVolumeClaim c) {
    String sc = c.getSpec() == null ? null : c.getSpec().getStorageClassName();
    if (sc == null) {
      return false;
    }
    try {
      return cluster
          .storageClass(sc)
          .map(k -> "WaitForFirstConsumer".equals(k.getVolumeBindingMode()))
          .orElse(false);
    } catch (KubernetesClientException e) {
      if (e.getCode() != 403) {
        throw e;
      }
      // May not read StorageClasses (namespaced install): the Job's pod waits for an unbound
      // clone until the engine start deadline, and then fails with the driver's words.
      return true;
    }
  }

  private Duration failAndRelease(BackupRun run, Reason reason, String message) {
    run.fail(reason, message);
    run.settle();
    return null;
  }

  /**
   * Deletes the clone and, unless spec.source.snapshot.keepSnapshot, the VolumeSnapshot: each only
   * when this backup made it (labels and ownerReference checked before the delete). Idempotent; for
   * every end of a snapshot-mode backup (finished, failed, cancelled).
   */
  void release(BackupRun run) {
    readLock.discard(run);
    MysqlBackup backup = run.backup();
    SnapshotStatus s = run.status().getSnapshot();
    if (!snapshotMode(backup) || s == null) {
      return;
    }
    String ns = run.namespace();
    if (s.getCloneClaim() != null) {
      deleteOurs(
          run,
          "PersistentVolumeClaim " + s.getCloneClaim(),
          () -> cluster.claim(ns, s.getCloneClaim()),
          () -> cluster.deleteClaim(ns, s.getCloneClaim()));
    }
    if (s.getName() != null && !Boolean.TRUE.equals(spec(backup).getKeepSnapshot())) {
      deleteOurs(
          run,
          "VolumeSnapshot " + s.getName(),
          () -> cluster.volumeSnapshot(ns, s.getName()),
          () -> cluster.deleteVolumeSnapshot(ns, s.getName()));
    }
  }

  /**
   * Deletes what {@code find} reads when it is this backup's (its labels and ownerReference) and
   * not already going; a refused read or delete is a warning, tried again on a later reconcile.
   */
  private void deleteOurs(
      BackupRun run,
      String what,
      java.util.function.Supplier<Optional<? extends HasMetadata>> find,
      Runnable delete) {
    tryDelete(
        run,
        what,
        () ->
            find.get()
                .filter(o -> o.getMetadata().getDeletionTimestamp() == null)
                .filter(o -> VolumeSnapshots.madeFor(o, run.backup()))
                .ifPresent(
                    o -> {
                      delete.run();
                      log.info("deleted {}", what);
                    }));
  }

  /**
   * {@link #release} once the outcome is in status, plus the finished engine Job while the clone is
   * still there: the pvc-protection controller counts any scheduled pod that names a claim,
   * finished or not, so the Job's pod would keep the clone (and its storage) until the Job's TTL.
   * The Job is deleted only here, never before its outcome was written, so a restart can never
   * mistake it for a Job deleted while running.
   */
  void releaseAfterOutcome(BackupRun run) {
    MysqlBackup backup = run.backup();
    SnapshotStatus s = run.status().getSnapshot();
    if (!snapshotMode(backup) || s == null || s.getCloneClaim() == null) {
      return;
    }
    String ns = run.namespace();
    boolean cloneLeft =
        cluster
            .claim(ns, s.getCloneClaim())
            .filter(c -> VolumeSnapshots.madeFor(c, backup))
            .isPresent();
    if (cloneLeft) {
      tryDelete(
          run,
          "the finished engine Job " + EngineJobFactory.backupJobName(backup),
          () ->
              cluster
                  .job(ns, EngineJobFactory.backupJobName(backup))
                  .filter(j -> JobOwnership.ownedBy(j, backup))
                  .filter(j -> j.getMetadata().getDeletionTimestamp() == null)
                  .filter(j -> EngineRun.observe(j, List.of()).finished())
                  .ifPresent(
                      j -> {
                        cluster.deleteJob(ns, j.getMetadata().getName());
                        log.info(
                            "deleted the finished engine Job {}: its pod keeps clone {}",
                            j.getMetadata().getName(),
                            s.getCloneClaim());
                      }));
    }
    release(run);
  }

  /**
   * A delete the API server refused (a missing permission, say) must not keep the backup's outcome
   * from being recorded: said in a Warning event, tried again on the next reconcile; the object
   * goes with the MysqlBackup anyway (ownerReference).
   */
  private void tryDelete(BackupRun run, String what, Runnable delete) {
    try {
      delete.run();
    } catch (KubernetesClientException e) {
      String why = e.getStatus() != null ? e.getStatus().getMessage() : e.getMessage();
      log.warn("could not delete {}: {}", what, why);
      events.record(
          run.backup(),
          Type.Warning,
          Reason.SnapshotCleanupFailed,
          "could not delete "
              + what
              + ": "
              + why
              + "; tried again on the next reconcile, and it goes with this MysqlBackup");
    }
  }

  private static SnapshotSource spec(MysqlBackup backup) {
    return backup.getSpec().getSource().getSnapshot();
  }

  private Instant now() {
    return Instant.parse(conditions.now());
  }
}
