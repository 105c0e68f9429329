package dev.stowage.engine.manifest;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;

/** The settings a backup was taken with (Stowage extension). */
@JsonIgnoreProperties(ignoreUnknown = true)
public class Settings {
  @JsonProperty("ChunkThreshold")
  public long chunkThreshold;

  @JsonProperty("ChunkSize")
  public long chunkSize;

  @JsonProperty("Compression")
  public String compression;

  @JsonProperty("Level")
  public int level;

  @JsonProperty("Concurrency")
  public int concurrency;
}
