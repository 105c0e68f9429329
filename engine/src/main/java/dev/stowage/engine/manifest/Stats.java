package dev.stowage.engine.manifest;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;

/** Totals of a backup, so listings need not open every object (Stowage extension). */
@JsonIgnoreProperties(ignoreUnknown = true)
public class Stats {
  @JsonProperty("Files")
  public long files;

  @JsonProperty("Chunks")
  public long chunks;

  @JsonProperty("RawBytes")
  public long rawBytes;

  @JsonProperty("StoredBytes")
  public long storedBytes;
}
