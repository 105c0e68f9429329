package dev.stowage.api.v1alpha1;

/**
 * What the status of a MysqlBackup and of a MysqlRestore have in common: the phase, the conditions
 * and the engine's result. A Java view only; it adds nothing to the CRD schema.
 */
public interface EngineRunStatus extends ObservedStatus {

  Phase getPhase();

  void setPhase(Phase phase);

  String getMessage();

  void setMessage(String message);

  void setStartTime(String startTime);

  EngineProgress getProgress();

  void setProgress(EngineProgress progress);

  String getCompletionTime();

  void setCompletionTime(String completionTime);

  void setFiles(Long files);

  void setChunks(Long chunks);

  void setBytesRead(Long bytesRead);

  void setDurationSeconds(Double durationSeconds);

  /** durationSeconds for people (the Duration column). */
  void setDuration(String duration);

  void setEngineVersion(String engineVersion);
}
