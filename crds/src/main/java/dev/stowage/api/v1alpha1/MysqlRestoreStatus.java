package dev.stowage.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Min;
import java.util.ArrayList;
import java.util.List;

/** What the operator observed of a MysqlRestore; the phase is derived from its Job. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class MysqlRestoreStatus implements EngineRunStatus {
  @JsonPropertyDescription("Pending, Running, Succeeded or Failed, derived from the engine Job.")
  private Phase phase;

  @JsonPropertyDescription("Conditions of the restore (for example Ready, Blocked), one per type.")
  private List<Condition> conditions = new ArrayList<>();

  @Min(0)
  @JsonPropertyDescription("The metadata.generation this status was computed from.")
  private Long observedGeneration;

  @JsonPropertyDescription(
      "The storage location the backup was read from, as the engine's storage URL (for"
          + " example s3://bucket/prefix or file:///backups), without credentials.")
  private String location;

  @JsonPropertyDescription(
      "Directory of the source's backups inside the storage location (the engine's"
          + " --directory, for example namespace/pvc).")
  private String directory;

  @JsonPropertyDescription("Name of the backup restored (resolved from spec.backup, or latest).")
  private String backupName;

  @JsonPropertyDescription(
      "The PersistentVolumeClaim restored into (created from the template if"
          + " spec.target.volumeClaimTemplate is set).")
  private String targetPersistentVolumeClaim;

  @JsonPropertyDescription(
      "While the engine runs: how far it is, read from its log at most every 10 seconds; the"
          + " last figures stay once it has finished.")
  private EngineProgress progress;

  @JsonPropertyDescription("When the engine Job started (RFC 3339).")
  private String startTime;

  @JsonPropertyDescription("When the restore succeeded or failed (RFC 3339).")
  private String completionTime;

  @Min(0)
  @JsonPropertyDescription("Files in the backup.")
  private Long files;

  @Min(0)
  @JsonPropertyDescription("Chunks the large files were split into.")
  private Long chunks;

  @Min(0)
  @JsonPropertyDescription("Bytes read from storage (stored, compressed bytes).")
  private Long bytesRead;

  @Min(0)
  @JsonPropertyDescription("Bytes written to the target volume, after decompression.")
  private Long bytesWritten;

  @Min(0)
  @JsonPropertyDescription("Seconds the engine ran.")
  private Double durationSeconds;

  @JsonPropertyDescription("bytesWritten for people, for example \"112.5 MiB\" (the Size column).")
  private String size;

  @JsonPropertyDescription(
      "durationSeconds for people, for example \"1m32s\" (the Duration column).")
  private String duration;

  @JsonPropertyDescription(
      "The measured time to restore (RTO) of this restore: from its creation to the restored"
          + " data on disk, for example \"3m5s\" (the RTO column); waiting for a claim or a backup"
          + " counts, as it does for the database's users.")
  private String timeToRestore;

  @JsonPropertyDescription(
      "Set when spec.encryption is: the Secret and keys used and, once the engine reported it,"
          + " the key id. Never key material.")
  private EncryptionStatus encryption;

  @JsonPropertyDescription("Version of the engine that ran.")
  private String engineVersion;

  @JsonPropertyDescription(
      "What happened, in words a person can act on; on failure the engine's error"
          + " and exit code.")
  private String message;

  public Phase getPhase() {
    return phase;
  }

  public void setPhase(Phase phase) {
    this.phase = phase;
  }

  public List<Condition> getConditions() {
    return conditions;
  }

  public void setConditions(List<Condition> conditions) {
    this.conditions = conditions;
  }

  public Long getObservedGeneration() {
    return observedGeneration;
  }

  public void setObservedGeneration(Long observedGeneration) {
    this.observedGeneration = observedGeneration;
  }

  public String getLocation() {
    return location;
  }

  public void setLocation(String location) {
    this.location = location;
  }

  public String getDirectory() {
    return directory;
  }

  public void setDirectory(String directory) {
    this.directory = directory;
  }

  public String getBackupName() {
    return backupName;
  }

  public void setBackupName(String backupName) {
    this.backupName = backupName;
  }

  public String getTargetPersistentVolumeClaim() {
    return targetPersistentVolumeClaim;
  }

  public void setTargetPersistentVolumeClaim(String targetPersistentVolumeClaim) {
    this.targetPersistentVolumeClaim = targetPersistentVolumeClaim;
  }

  public String getStartTime() {
    return startTime;
  }

  public void setStartTime(String startTime) {
    this.startTime = startTime;
  }

  public String getCompletionTime() {
    return completionTime;
  }

  public void setCompletionTime(String completionTime) {
    this.completionTime = completionTime;
  }

  public Long getFiles() {
    return files;
  }

  public void setFiles(Long files) {
    this.files = files;
  }

  public Long getChunks() {
    return chunks;
  }

  public void setChunks(Long chunks) {
    this.chunks = chunks;
  }

  public Long getBytesRead() {
    return bytesRead;
  }

  public void setBytesRead(Long bytesRead) {
    this.bytesRead = bytesRead;
  }

  public Long getBytesWritten() {
    return bytesWritten;
  }

  public void setBytesWritten(Long bytesWritten) {
    this.bytesWritten = bytesWritten;
  }

  public Double getDurationSeconds() {
    return durationSeconds;
  }

  public void setDurationSeconds(Double durationSeconds) {
    this.durationSeconds = durationSeconds;
  }

  public String getEngineVersion() {
    return engineVersion;
  }

  public void setEngineVersion(String engineVersion) {
    this.engineVersion = engineVersion;
  }

  public String getMessage() {
    return message;
  }

  public void setMessage(String message) {
    this.message = message;
  }

  public EngineProgress getProgress() {
    return progress;
  }

  public void setProgress(EngineProgress progress) {
    this.progress = progress;
  }

  public String getSize() {
    return size;
  }

  public void setSize(String size) {
    this.size = size;
  }

  public String getDuration() {
    return duration;
  }

  public void setDuration(String duration) {
    this.duration = duration;
  }

  public String getTimeToRestore() {
    return timeToRestore;
  }

  public void setTimeToRestore(String timeToRestore) {
    this.timeToRestore = timeToRestore;
  }

  public EncryptionStatus getEncryption() {
    return encryption;
  }

  public void setEncryption(EncryptionStatus encryption) {
    this.encryption = encryption;
  }
}
