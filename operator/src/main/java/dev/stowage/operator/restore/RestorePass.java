package dev.stowage.operator.restore;

import static dev.stowage.operator.restore.MysqlRestoreReconciler.WAIT;

import dev.stowage.api.v1alpha1.MysqlBackup;
import dev.stowage.api.v1alpha1.MysqlRestore;
import dev.stowage.api.v1alpha1.MysqlRestoreStatus;
import dev.stowage.operator.cluster.ClaimLocks;
import dev.stowage.operator.cluster.Cluster;
import dev.stowage.operator.job.BackupLocations;
import dev.stowage.operator.job.EngineStart;
import dev.stowage.operator.job.EngineTimeouts;
import dev.stowage.operator.job.StoredBackup;
import dev.stowage.operator.status.Conditions;
import dev.stowage.operator.status.Reason;
import dev.stowage.operator.status.StatusProjector;
import dev.stowage.operator.status.StatusSession;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;

/**
 * One reconcile of one MysqlRestore: the resource, the status it builds, and what every step does
 * with them (block, with the overwrite deadline; fail; unlock the claim).
 */
final class RestorePass implements RestoreRun {
  private final MysqlRestore restore;
  private final StatusSession<MysqlRestoreStatus, MysqlRestore> session;
  private final MysqlRestoreStatus status;
  private final String ns;
  private final Long generation;
  private final Cluster cluster;
  private final StatusProjector statuses;
  private final Conditions conditions;
  private final EngineTimeouts timeouts;

  /** The MysqlBackup named by spec.backup, once found; null when spec.source names the backup. */
  private MysqlBackup referenced;

  RestorePass(
      StatusSession<MysqlRestoreStatus, MysqlRestore> session,
      MysqlRestore restore,
      Cluster cluster,
      StatusProjector statuses,
      Conditions conditions,
      EngineTimeouts timeouts) {
    this.restore = restore;
    this.session = session;
    this.status = session.status();
    this.ns = restore.getMetadata().getNamespace();
    this.generation = restore.getMetadata().getGeneration();
    this.cluster = cluster;
    this.statuses = statuses;
    this.conditions = conditions;
    this.timeouts = timeouts;
  }

  /** The status session: written now, or at the end if changed. */
  StatusSession<MysqlRestoreStatus, MysqlRestore> session() {
    return session;
  }

  @Override
  public MysqlRestore restore() {
    return restore;
  }

  @Override
  public MysqlRestoreStatus status() {
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

  @Override
  public String claim() {
    return BackupLocations.targetClaim(restore);
  }

  @Override
  public MysqlBackup referenced() {
    return referenced;
  }

  @Override
  public void referenced(MysqlBackup backup) {
    referenced = backup;
  }

  @Override
  public String where() {
    return StoredBackup.describe(
        status.getLocation(), status.getDirectory(), status.getBackupName());
  }

  @Override
  public void settle() {
    cluster.unlock(ns, ClaimLocks.claimLease(claim()), restore);
    Conditions.remove(status.getConditions(), Conditions.BLOCKED);
  }

  @Override
  public Duration block(Reason reason, String message) {
    if (overwriteTooLate()) {
      fail(
          Reason.OverwriteDeadlineExceeded,
          "this restore with spec.overwrite: true could not start within "
              + EngineStart.text(timeouts.overwriteStart())
              + " of its creation ("
              + message
              + "); it fails rather than overwrite the target whenever it happens to become free."
              + " Create a new MysqlRestore when the target is ready");
      settle();
      return null;
    }
    statuses.block(status, reason, message, generation);
    return WAIT;
  }

  /**
   * Whether an overwrite restore is past its start deadline: counted from its creation, so that an
   * overwrite never fires long after the person who asked for it has moved on.
   */
  boolean overwriteTooLate() {
    if (!Boolean.TRUE.equals(restore.getSpec().getOverwrite())) {
      return false;
    }
    String created = restore.getMetadata().getCreationTimestamp();
    if (created == null || created.isEmpty()) {
      return false;
    }
    Instant since = OffsetDateTime.parse(created).toInstant();
    return Duration.between(since, Instant.parse(conditions.now()))
            .compareTo(timeouts.overwriteStart())
        > 0;
  }

  @Override
  public void fail(Reason reason, String message) {
    statuses.fail(status, reason, message, generation);
  }

  @Override
  public void saveNow() {
    session.saveNow();
  }
}
