package dev.stowage.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.ValidationRule;

/** What to back up, where to, and how: fixed when the MysqlBackup is created. */
@ValidationRule(
    value =
        "!has(self.source) || !has(self.storage) || !has(self.storage.persistentVolumeClaim)"
            + " || self.storage.persistentVolumeClaim.claimName != self.source.persistentVolumeClaim",
    message =
        "spec.storage.persistentVolumeClaim.claimName is the claim being backed up"
            + " (spec.source.persistentVolumeClaim): a backup cannot be stored on the volume it"
            + " copies; store it on another claim or in S3",
    reason = "FieldValueInvalid")
@JsonInclude(JsonInclude.Include.NON_NULL)
public class MysqlBackupSpec {
  @Required
  @JsonPropertyDescription(
      "The volume that holds the MySQL data directory, and how to stop the server"
          + " that uses it for the duration of the backup.")
  private BackupSource source;

  @Required
  @JsonPropertyDescription(
      "Where the backup is stored: exactly one of s3 or persistentVolumeClaim.")
  private BackupStorage storage;

  @JsonPropertyDescription(
      "How large files are split into chunks that are compressed and stored in"
          + " parallel. Unset: files over 64Mi are split into 64Mi chunks.")
  private Chunking chunking;

  @JsonPropertyDescription("How stored objects are compressed. Unset: zstd at level 1.")
  private Compression compression;

  @Min(1)
  @Max(64)
  @JsonPropertyDescription(
      "Files and chunks read, compressed and stored in parallel (1 to 64). Unset:"
          + " the number of cores of the Job's container, at least 4.")
  private Integer concurrency;

  // No schema default: a MysqlBackupSchedule's template reuses this class, and there unset means
  // "Delete when the schedule has retention", which a default would hide.
  @JsonPropertyDescription(
      "What happens to the stored backup when this MysqlBackup is deleted: Retain keeps it"
          + " (what unset means); Delete removes it with an engine Job before the resource goes"
          + " away. In a MysqlBackupSchedule's template, unset means Delete when the schedule has"
          + " a retention, so that pruned backups free their storage.")
  private DeletionPolicy deletionPolicy;

  @Min(0)
  @Max(10)
  @JsonPropertyDescription(
      "How many times the Job retries a failed engine pod before the backup fails"
          + " (the Job's backoffLimit, 0 to 10). Unset: the operator's default.")
  private Integer backoffLimit;

  @Min(1)
  @JsonPropertyDescription(
      "Seconds the Job may run, retries included, before it is stopped and the"
          + " backup fails (the Job's activeDeadlineSeconds). Unset: no limit.")
  private Long activeDeadlineSeconds;

  @JsonPropertyDescription(
      "Client-side encryption (AES-256-GCM, MANIFEST authenticated by HMAC-SHA256) with a key"
          + " (or a passphrase the key is stretched from) from a Secret: whoever can read the bucket cannot read the tables, whoever can"
          + " write it cannot change what a restore writes. Encrypted backups are readable by"
          + " Stowage only (with the key), not by Vitess. Unset: not encrypted.")
  private BackupEncryption encryption;

  @JsonPropertyDescription(
      "The few settings of the engine Job's pod a tenant may change: resources, the uid and"
          + " gids, and scheduling within the operator's allowlist.")
  private PodSettings pod;

  public BackupSource getSource() {
    return source;
  }

  public void setSource(BackupSource source) {
    this.source = source;
  }

  public BackupStorage getStorage() {
    return storage;
  }

  public void setStorage(BackupStorage storage) {
    this.storage = storage;
  }

  public Chunking getChunking() {
    return chunking;
  }

  public void setChunking(Chunking chunking) {
    this.chunking = chunking;
  }

  public Compression getCompression() {
    return compression;
  }

  public void setCompression(Compression compression) {
    this.compression = compression;
  }

  public Integer getConcurrency() {
    return concurrency;
  }

  public void setConcurrency(Integer concurrency) {
    this.concurrency = concurrency;
  }

  public DeletionPolicy getDeletionPolicy() {
    return deletionPolicy;
  }

  public void setDeletionPolicy(DeletionPolicy deletionPolicy) {
    this.deletionPolicy = deletionPolicy;
  }

  public Integer getBackoffLimit() {
    return backoffLimit;
  }

  public void setBackoffLimit(Integer backoffLimit) {
    this.backoffLimit = backoffLimit;
  }

  public Long getActiveDeadlineSeconds() {
    return activeDeadlineSeconds;
  }

  public void setActiveDeadlineSeconds(Long activeDeadlineSeconds) {
    this.activeDeadlineSeconds = activeDeadlineSeconds;
  }

  public PodSettings getPod() {
    return pod;
  }

  public void setPod(PodSettings pod) {
    this.pod = pod;
  }

  public BackupEncryption getEncryption() {
    return encryption;
  }

  public void setEncryption(BackupEncryption encryption) {
    this.encryption = encryption;
  }
}
