package dev.stowage.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;

/** How far a running engine is, from the newest progress line of its pod's log. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class EngineProgress {
  @Min(0)
  @JsonPropertyDescription("Bytes of file data copied so far.")
  private Long bytesDone;

  @Min(0)
  @JsonPropertyDescription("Bytes of file data to copy in all.")
  private Long bytesTotal;

  @Min(0)
  @JsonPropertyDescription("Objects (files and chunks) complete.")
  private Long objectsDone;

  @Min(0)
  @JsonPropertyDescription("Objects (files and chunks) in all.")
  private Long objectsTotal;

  @Min(0)
  @Max(100)
  @JsonPropertyDescription("bytesDone as a percentage of bytesTotal.")
  private Integer percent;

  @Min(0)
  @JsonPropertyDescription("Average rate since the engine started, in bytes per second.")
  private Long bytesPerSecond;

  @Min(0)
  @JsonPropertyDescription("Seconds left at that rate; unset until there is a rate.")
  private Long etaSeconds;

  @JsonPropertyDescription(
      "The same for people, for example \"38% of 2.7 GiB, 1m12s left\" (the PROGRESS column).")
  private String display;

  @JsonPropertyDescription("When the operator read these figures from the engine's log (RFC 3339).")
  private String observedTime;

  public Long getBytesDone() {
    return bytesDone;
  }

  public void setBytesDone(Long bytesDone) {
    this.bytesDone = bytesDone;
  }

  public Long getBytesTotal() {
    return bytesTotal;
  }

  public void setBytesTotal(Long bytesTotal) {
    this.bytesTotal = bytesTotal;
  }

  public Long getObjectsDone() {
    return objectsDone;
  }

  public void setObjectsDone(Long objectsDone) {
    this.objectsDone = objectsDone;
  }

  public Long getObjectsTotal() {
    return objectsTotal;
  }

  public void setObjectsTotal(Long objectsTotal) {
    this.objectsTotal = objectsTotal;
  }

  public Integer getPercent() {
    return percent;
  }

  public void setPercent(Integer percent) {
    this.percent = percent;
  }

  public Long getBytesPerSecond() {
    return bytesPerSecond;
  }

  public void setBytesPerSecond(Long bytesPerSecond) {
    this.bytesPerSecond = bytesPerSecond;
  }

  public Long getEtaSeconds() {
    return etaSeconds;
  }

  public void setEtaSeconds(Long etaSeconds) {
    this.etaSeconds = etaSeconds;
  }

  public String getDisplay() {
    return display;
  }

  public void setDisplay(String display) {
    this.display = display;
  }

  public String getObservedTime() {
    return observedTime;
  }

  public void setObservedTime(String observedTime) {
    this.observedTime = observedTime;
  }
}
