package dev.stowage.engine.manifest;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.List;

/** One file of a backup; chunked files have Chunks and no whole-file object. */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonPropertyOrder({"Base", "Name", "Hash", "ParentPath", "Chunks"})
public class FileEntry {
  @JsonProperty("Base")
  public String base;

  @JsonProperty("Name")
  public String name;

  /** CRC-32 of the stored whole-file object; "" for a chunked file. */
  @JsonProperty("Hash")
  public String hash = "";

  @JsonProperty("ParentPath")
  public String parentPath = "";

  @JsonProperty("Chunks")
  @JsonInclude(JsonInclude.Include.NON_EMPTY)
  public List<Chunk> chunks;

  /** Size of the file (Stowage extension). */
  @JsonProperty("StowageSize")
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public Long size;

  /** CRC-32C of the raw bytes of the whole-file object (Stowage extension). */
  @JsonProperty("StowageRawCRC32C")
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public String rawCrc32c;

  /** Length of the stored whole-file object (Stowage extension). */
  @JsonProperty("StowageStoredSize")
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public Long storedSize;

  /** Permission bits in octal, e.g. "0660" (Stowage extension). */
  @JsonProperty("StowageMode")
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public String mode;

  /** Modification time, RFC 3339 with nanoseconds (Stowage extension). */
  @JsonProperty("StowageMTime")
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public String mtime;

  public FileEntry() {}

  public FileEntry(Base base, String name) {
    this.base = base.vitessName();
    this.name = name;
  }

  @JsonIgnore
  public boolean isChunked() {
    return chunks != null && !chunks.isEmpty();
  }
}
