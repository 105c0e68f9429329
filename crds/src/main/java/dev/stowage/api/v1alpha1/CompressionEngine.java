package dev.stowage.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonProperty;

/** The codecs a backup can be written with; the names are the engine's --compression values. */
public enum CompressionEngine {
  @JsonProperty("zstd")
  ZSTD,
  @JsonProperty("gzip")
  GZIP,
  @JsonProperty("none")
  NONE
}
