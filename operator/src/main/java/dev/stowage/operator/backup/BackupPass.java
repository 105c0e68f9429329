package dev.stowage.operator.backup;

import static dev.stowage.api.v1alpha1.ConditionStatus.True;
import static dev.stowage.operator.backup.MysqlBackupReconciler.WAIT;

import dev.stowage.api.v1alpha1.MysqlBackup;
import dev.stowage.api.v1alpha1.MysqlBackupStatus;
import dev.stowage.operator.cluster.Cluster;
import dev.stowage.operator.job.StoredBackup;
import dev.stowage.operator.status.Conditions;
import dev.stowage.operator.status.EventRecorder;
import dev.stowage.operator.status.EventRecorder.Type;
import dev.stowage.operator.status.Reason;
import dev.stowage.operator.status.StatusProjector;
import dev.stowage.operator.status.StatusSession;
import io.fabric8.kubernetes.api.model.Pod;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * One reconcile of one MysqlBackup: the resource, the status it builds, and what every step does
 * with them (block, fail, give back what was taken).
 */
final class BackupPass implements BackupRun {

  /** Waits that need a person: a Warning event; the others (another backup, a check) are Normal. */
  static final Set<Reason> WARN_WHEN_BLOCKED =
      EnumSet.of(
          Reason.ClaimInUse,
          Reason.ClaimNotFound,
          Reason.StorageClaimNotFound,
          Reason.StatefulSetNotFound,
          Reason.StatefulSetDoesNotMountClaim,
          Reason.ForeignJob,
          Reason.ForeignLease,
          Reason.SnapshotApiMissing,
          Reason.NoVolumeSnapshotClass);

  private final MysqlBackup backup;
  private final StatusSession<MysqlBackupStatus, MysqlBackup> session;
  private final MysqlBackupStatus status;
  private final String ns;
  private final Long generation;
  private final Cluster cluster;
  private final StatusProjector statuses;
  private final EventRecorder events;
  private final Quiescer quiescer;
  private final ClaimLocking locking;
  private final Snapshotter snapshotter;
  private List<Pod> mounting;
  private int quiescedTo;

  BackupPass(
      StatusSession<MysqlBackupStatus, MysqlBackup> session,
      MysqlBackup backup,
      Cluster cluster,
      StatusProjector statuses,
      EventRecorder events,
      Quiescer quiescer,
      ClaimLocking locking,
      Snapshotter snapshotter) {
    this.backup = backup;
    this.session = session;
    this.status = session.status();
    this.ns = backup.getMetadata().getNamespace();
    this.generation = backup.getMetadata().getGeneration();
    this.cluster = cluster;
    this.statuses = statuses;
    this.events = events;
    this.quiescer = quiescer;
    this.locking = locking;
    this.snapshotter = snapshotter;
  }

  /** The status session: written now, or at the end if changed. */
  StatusSession<MysqlBackupStatus, MysqlBackup> session() {
    return session;
  }

  @Override
  public void quiescedTo(int replicas) {
    quiescedTo = replicas;
  }

  @Override
  public int quiescedTo() {
    return quiescedTo;
  }

  @Override
  public String claim() {
    return backup.getSpec().getSource().getPersistentVolumeClaim();
  }

  @Override
  public MysqlBackup backup() {
    return backup;
  }

  @Override
  public MysqlBackupStatus status() {
    return status;
  }

  @Override
  public String namespace() {
    return ns;
  }

  @Override
  public Long generation() {
    return generation;
  }

  /** The unfinished pods that mount the claim, listed once per reconcile. */
  @Override
  public List<Pod> mounting() {
    if (mounting == null) {
      mounting = cluster.podsMounting(ns, claim());
    }
    return mounting;
  }

  @Override
  public void unlockAll() {
    locking.unlockAll(this);
  }

  /** Scales the StatefulSet back and unlocks the claim, once; both survive a restart. */
  @Override
  public void settle() {
    quiescer.scaleBack(this);
    // The clone and snapshot go before the claim is given back: they count against its lock.
    snapshotter.release(this);
    unlockAll();
    Conditions.remove(status.getConditions(), Conditions.BLOCKED);
  }

  Duration block(Reason reason, String message) {
    return block(reason, message, WAIT);
  }

  @Override
  public Duration block(Reason reason, String message, Duration again) {
    String was =
        Conditions.find(status.getConditions(), Conditions.BLOCKED)
            .filter(c -> c.getStatus() == True)
            .map(c -> c.getReason())
            .orElse(null);
    statuses.block(status, reason, message, generation);
    if (!reason.name().equals(was)) {
      // One event when a backup starts waiting for something else; the message says what.
      events.record(
          backup, WARN_WHEN_BLOCKED.contains(reason) ? Type.Warning : Type.Normal, reason, message);
    }
    return again;
  }

  @Override
  public void fail(Reason reason, String message) {
    statuses.fail(status, reason, message, generation);
  }

  /** The stored backup for people: the storage without its options, directory and name. */
  @Override
  public String where() {
    return StoredBackup.describe(
        status.getLocation(), status.getDirectory(), status.getBackupName());
  }

  /** Writes the status now, before acting on what it records. */
  @Override
  public void saveNow() {
    session.saveNow();
  }
}
