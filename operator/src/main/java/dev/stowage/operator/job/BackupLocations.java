package dev.stowage.operator.job;

import static dev.stowage.operator.job.SpecChecks.invalid;
import static dev.stowage.operator.job.SpecChecks.notEmpty;
import static dev.stowage.operator.job.SpecChecks.source;
import static dev.stowage.operator.job.SpecChecks.spec;

import dev.stowage.api.v1alpha1.MysqlBackup;
import dev.stowage.api.v1alpha1.MysqlRestore;
import dev.stowage.api.v1alpha1.MysqlRestoreSpec;
import dev.stowage.api.v1alpha1.RestoreSource;
import dev.stowage.api.v1alpha1.RestoreTarget;
import dev.stowage.operator.validation.InvalidSpecException;
import io.fabric8.kubernetes.api.model.HasMetadata;
import java.time.Clock;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.Objects;

/**
 * Where a backup is stored and where a restore reads from and writes to: directory, backup name,
 * restore source and target claim. Pure: the same resource gives the same location.
 */
public final class BackupLocations {
  private static final DateTimeFormatter BACKUP_NAME_TIME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd.HHmmss", Locale.ROOT).withZone(ZoneOffset.UTC);

  /** Backup names are at most 253 characters (the API's limit on a restore's backupName). */
  static final int MAX_BACKUP_NAME = 253;

  private final Clock clock;

  /**
   * @param clock names a backup whose resource has no creationTimestamp yet; a stored resource
   *     always has one, so the name does not depend on when it is asked for
   */
  public BackupLocations(Clock clock) {
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /**
   * The directory of the source's backups inside the storage, {@code <namespace>/<source claim>}:
   * derived from the immutable spec and metadata only, never read from status, which whoever may
   * write {@code mysqlbackups/status} could point at another tenant's backups.
   */
  public static String backupDirectory(MysqlBackup backup) {
    return directory(
        backup.getMetadata().getNamespace(), source(backup).getPersistentVolumeClaim());
  }

  /**
   * The directory of a claim's backups, {@code <namespace>/<claim>}: where a MysqlBackup of it
   * stores, and where a schedule's retention looks.
   */
  public static String directory(String namespace, String claim) {
    return namespace + "/" + claim;
  }

  /**
   * The backup's name inside its directory, {@code yyyy-MM-dd.HHmmss.<resource name>} from the
   * resource's creationTimestamp in UTC, the shape Vitess uses, so that names sort by time and a
   * retried Job writes under the same name. Derived, never read from status (see {@link
   * #backupDirectory}).
   */
  public String backupName(MysqlBackup backup) {
    return backupName(backup, KubernetesNames.HASH_CHARS);
  }

  private String backupName(MysqlBackup backup, int hashChars) {
    String prefix = BACKUP_NAME_TIME.format(created(backup)) + ".";
    return prefix
        + KubernetesNames.fit(
            backup.getMetadata().getName(), "", MAX_BACKUP_NAME - prefix.length(), hashChars);
  }

  /**
   * Refuses a MysqlBackup whose status names another stored backup than its spec and metadata do:
   * status is not an input, and what is deleted or restored is always the derived location. A
   * status recorded by an operator whose name hash was 32 bits (names over 235 characters) still
   * agrees.
   *
   * @throws StatusMismatchException naming the field, both values and what to do
   */
  public void requireStatusAgrees(MysqlBackup backup) {
    var status = backup.getStatus();
    if (status == null) {
      return;
    }
    String directory = backupDirectory(backup);
    if (notEmpty(status.getDirectory()) && !directory.equals(status.getDirectory())) {
      throw new StatusMismatchException(
          backup, "status.directory", status.getDirectory(), directory);
    }
    String name = backupName(backup);
    if (notEmpty(status.getBackupName())
        && !name.equals(status.getBackupName())
        && !backupName(backup, KubernetesNames.LEGACY_HASH_CHARS).equals(status.getBackupName())) {
      throw new StatusMismatchException(backup, "status.backupName", status.getBackupName(), name);
    }
    if (notEmpty(status.getLocation()) && notEmpty(status.getBackupName())) {
      String location =
          new StoredBackup(
                  spec(backup.getSpec(), backup).getStorage(), directory, status.getBackupName())
              .location();
      if (!location.equals(status.getLocation())) {
        throw new StatusMismatchException(
            backup, "status.location", status.getLocation(), location);
      }
    }
    // Snapshot mode: the names the operator creates and deletes come from the backup's name too.
    var snapshot = status.getSnapshot();
    if (snapshot != null) {
      String snap = EngineJobFactory.snapshotName(backup);
      if (notEmpty(snapshot.getName()) && !snap.equals(snapshot.getName())) {
        throw new StatusMismatchException(backup, "status.snapshot.name", snapshot.getName(), snap);
      }
      String clone = EngineJobFactory.cloneClaimName(backup);
      if (notEmpty(snapshot.getCloneClaim()) && !clone.equals(snapshot.getCloneClaim())) {
        throw new StatusMismatchException(
            backup, "status.snapshot.cloneClaim", snapshot.getCloneClaim(), clone);
      }
    }
  }

  /** The claim a restore writes into: the existing one, or the one its template creates. */
  public static String targetClaim(MysqlRestore restore) {
    RestoreTarget target = spec(restore.getSpec(), restore).getTarget();
    if (target == null) {
      throw invalid(restore, "spec.target is missing");
    }
    if (notEmpty(target.getPersistentVolumeClaim())) {
      return target.getPersistentVolumeClaim();
    }
    if (target.getVolumeClaimTemplate() != null
        && target.getVolumeClaimTemplate().getMetadata() != null
        && notEmpty(target.getVolumeClaimTemplate().getMetadata().getName())) {
      return target.getVolumeClaimTemplate().getMetadata().getName();
    }
    throw invalid(
        restore, "spec.target names no claim: set persistentVolumeClaim or volumeClaimTemplate");
  }

  /**
   * Where a restore reads from, for the Job and for status.location, directory and backupName.
   *
   * @param referenced the MysqlBackup named by spec.backup; null when spec.source names the backup
   */
  public StoredBackup restoreSource(MysqlRestore restore, MysqlBackup referenced) {
    MysqlRestoreSpec spec = restore.getSpec();
    if (spec.getBackup() != null) {
      if (referenced == null
          || !spec.getBackup().getName().equals(referenced.getMetadata().getName())) {
        throw new IllegalArgumentException(
            "MysqlRestore "
                + restore.getMetadata().getName()
                + " restores MysqlBackup "
                + spec.getBackup().getName()
                + " but was given "
                + (referenced == null ? "none" : referenced.getMetadata().getName()));
      }
      requireStatusAgrees(referenced);
      return new StoredBackup(
          spec(referenced.getSpec(), referenced).getStorage(),
          backupDirectory(referenced),
          recordedOrDerivedName(referenced));
    }
    RestoreSource source = spec.getSource();
    if (source == null) {
      throw invalid(restore, "set exactly one restore source: backup or source");
    }
    String ns = restore.getMetadata().getNamespace();
    if (source.getStorage() != null
        && source.getStorage().getStoreRef() != null
        && (source.getDirectory() == null || !source.getDirectory().startsWith(ns + "/"))) {
      // A store is shared: each namespace reads and writes only under <prefix>/<namespace>/.
      throw invalid(
          restore,
          "spec.source.directory is "
              + source.getDirectory()
              + ", outside this namespace's own directory of "
              + source.getStorage().getStoreRef().kindOrDefault()
              + " "
              + source.getStorage().getStoreRef().getName()
              + ": with a storeRef it must start with "
              + ns
              + "/ (ask the store's administrator to restore another namespace's backup)");
    }
    return new StoredBackup(source.getStorage(), source.getDirectory(), source.getBackupName());
  }

  /**
   * The name the backup was stored under: status.backupName when it agrees with the derived name
   * (checked by {@link #requireStatusAgrees}; it may be the 32-bit-hash form), else the derived
   * one.
   */
  public String recordedOrDerivedName(MysqlBackup backup) {
    requireStatusAgrees(backup);
    var status = backup.getStatus();
    return status != null && notEmpty(status.getBackupName())
        ? status.getBackupName()
        : backupName(backup);
  }

  private Instant created(HasMetadata resource) {
    String ts = resource.getMetadata().getCreationTimestamp();
    if (!notEmpty(ts)) {
      return clock.instant();
    }
    try {
      return OffsetDateTime.parse(ts).toInstant();
    } catch (DateTimeParseException e) {
      throw new InvalidSpecException(
          "creationTimestamp "
              + ts
              + " of "
              + resource.getMetadata().getName()
              + " is not RFC 3339",
          e);
    }
  }
}
