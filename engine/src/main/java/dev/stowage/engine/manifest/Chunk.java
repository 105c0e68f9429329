package dev.stowage.engine.manifest;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;

/** One chunk of a chunked file: Vitess keys plus Stowage's end-to-end checks. */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonPropertyOrder({"StorageName", "Offset", "Size", "Hash"})
public class Chunk {
  @JsonProperty("StorageName")
  public String storageName;

  /** Offset in the ORIGINAL file. */
  @JsonProperty("Offset")
  public long offset;

  /** UNCOMPRESSED length. */
  @JsonProperty("Size")
  public long size;

  /** CRC-32 of the stored (compressed) object, 8 lowercase hex digits. */
  @JsonProperty("Hash")
  public String hash;

  /** CRC-32C of the uncompressed bytes (Stowage extension). */
  @JsonProperty("StowageRawCRC32C")
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public String rawCrc32c;

  /** Length of the stored object (Stowage extension). */
  @JsonProperty("StowageStoredSize")
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public Long storedSize;

  public Chunk() {}

  public Chunk(String storageName, long offset, long size) {
    this.storageName = storageName;
    this.offset = offset;
    this.size = size;
  }
}
