package dev.stowage.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Min;
import java.util.ArrayList;
import java.util.List;

/**
 * What the operator observed of a MysqlBackup; the phase is derived, the quiesce record remembered.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class MysqlBackupStatus implements EngineRunStatus {
  @JsonPropertyDescription("Pending, Running, Succeeded or Failed, derived from the engine Job.")
  private Phase phase;

  @JsonPropertyDescription("Conditions of the backup (for example Ready, Blocked), one per type.")
  private List<Condition> conditions = new ArrayList<>();

  @Min(0)
  @JsonPropertyDescription("The metadata.generation this status was computed from.")
  private Long observedGeneration;

  @JsonPropertyDescription(
      "The storage location the backup was written to, as the engine's storage URL (for"
          + " example s3://bucket/prefix or file:///backups), without credentials.")
  private String location;

  @JsonPropertyDescription(
      "Directory of the source's backups inside the storage location (the engine's"
          + " --directory, for example namespace/pvc).")
  private String directory;

  @JsonPropertyDescription(
      "Name of the backup inside the directory (yyyy-MM-dd.HHmmss.host, as Vitess names them). A"
          + " MysqlRestore finds it through this MysqlBackup, or through location, directory and"
          + " this name once the MysqlBackup is gone.")
  private String backupName;

  @JsonPropertyDescription(
      "The StatefulSet scaled down for the backup and its original replica count.")
  private QuiesceStatus quiesce;

  @JsonPropertyDescription(
      "While the engine runs: how far it is, read from its log at most every 10 seconds; the"
          + " last figures stay once it has finished.")
  private EngineProgress progress;

  @JsonPropertyDescription(
      "The VolumeSnapshot and temporary clone claim of a snapshot-mode backup (spec.source"
          + ".snapshot), named before they are created.")
  private SnapshotStatus snapshot;

  @JsonPropertyDescription("When the engine Job started (RFC 3339).")
  private String startTime;

  @JsonPropertyDescription("When the backup succeeded or failed (RFC 3339).")
  private String completionTime;

  @Min(0)
  @JsonPropertyDescription("Files in the backup.")
  private Long files;

  @Min(0)
  @JsonPropertyDescription("Chunks the large files were split into.")
  private Long chunks;

  @Min(0)
  @JsonPropertyDescription("Bytes read from the source volume.")
  private Long bytesRead;

  @Min(0)
  @JsonPropertyDescription("Bytes stored, after compression.")
  private Long bytesStored;

  @Min(0)
  @JsonPropertyDescription("Seconds the engine ran.")
  private Double durationSeconds;

  @JsonPropertyDescription("bytesStored for people, for example \"2.7 MiB\" (the Size column).")
  private String size;

  @JsonPropertyDescription(
      "durationSeconds for people, for example \"1m32s\" (the Duration column).")
  private String duration;

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

  public QuiesceStatus getQuiesce() {
    return quiesce;
  }

  public void setQuiesce(QuiesceStatus quiesce) {
    this.quiesce = quiesce;
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

  public Long getBytesStored() {
    return bytesStored;
  }

  public void setBytesStored(Long bytesStored) {
    this.bytesStored = bytesStored;
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

  public SnapshotStatus getSnapshot() {
    return snapshot;
  }

  public void setSnapshot(SnapshotStatus snapshot) {
    this.snapshot = snapshot;
  }

  public EncryptionStatus getEncryption() {
    return encryption;
  }

  public void setEncryption(EncryptionStatus encryption) {
    this.encryption = encryption;
  }
}
