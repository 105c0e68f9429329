package dev.stowage.engine.manifest;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/**
 * The MANIFEST of a Vitess builtin backup: Vitess keys in Vitess order, then Stowage's extension
 * keys (all prefixed {@code Stowage}, which a Vitess reader ignores).
 */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonPropertyOrder({
  "BackupName",
  "BackupMethod",
  "Position",
  "PurgedPosition",
  "FromPosition",
  "FromBackup",
  "Incremental",
  "BackupTime",
  "FinishedTime",
  "ServerUUID",
  "TabletAlias",
  "Keyspace",
  "Shard",
  "Hostname",
  "MySQLVersion",
  "UpgradeSafe",
  "IncrementalDetails",
  "CompressionEngine",
  "FileEntries",
  "SkipCompress",
  "ExternalDecompressor"
})
public class Manifest {
  public static final String FILE_NAME = "MANIFEST";
  public static final String BUILTIN = "builtin";

  @JsonProperty("BackupName")
  public String backupName = "";

  @JsonProperty("BackupMethod")
  public String backupMethod = BUILTIN;

  @JsonProperty("Position")
  public String position = "";

  @JsonProperty("PurgedPosition")
  public String purgedPosition = "";

  @JsonProperty("FromPosition")
  public String fromPosition = "";

  @JsonProperty("FromBackup")
  public String fromBackup = "";

  @JsonProperty("Incremental")
  public boolean incremental;

  @JsonProperty("BackupTime")
  public String backupTime = "";

  @JsonProperty("FinishedTime")
  public String finishedTime = "";

  @JsonProperty("ServerUUID")
  public String serverUuid = "";

  @JsonProperty("TabletAlias")
  public String tabletAlias = "";

  @JsonProperty("Keyspace")
  public String keyspace = "";

  @JsonProperty("Shard")
  public String shard = "";

  @JsonProperty("Hostname")
  public String hostname = "";

  @JsonProperty("MySQLVersion")
  public String mysqlVersion = "";

  @JsonProperty("UpgradeSafe")
  public boolean upgradeSafe;

  /** Always null for a full backup; kept as a tree so an incremental one can be named in errors. */
  @JsonProperty("IncrementalDetails")
  @JsonInclude(JsonInclude.Include.ALWAYS)
  public JsonNode incrementalDetails;

  /** zstd, pgzip, pargzip, lz4, external; empty means pgzip. */
  @JsonProperty("CompressionEngine")
  public String compressionEngine = "";

  @JsonProperty("FileEntries")
  public List<FileEntry> fileEntries = new ArrayList<>();

  @JsonProperty("SkipCompress")
  public boolean skipCompress;

  @JsonProperty("ExternalDecompressor")
  public String externalDecompressor = "";

  @JsonProperty("StowageVersion")
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public String stowageVersion;

  @JsonProperty("StowageSettings")
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public Settings stowageSettings;

  /** How consistent the copied files are, when the caller said (backup --consistency). */
  @JsonProperty("StowageConsistency")
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public String stowageConsistency;

  /** Set when the objects are encrypted (engine/README.md, "Client-side encryption"). */
  @JsonProperty("StowageEncryption")
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public Encryption stowageEncryption;

  @JsonProperty("StowageStats")
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public Stats stowageStats;

  @JsonProperty("StowageDirectories")
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public List<PathEntry> stowageDirectories;

  @JsonProperty("StowageSymlinks")
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public List<PathEntry> stowageSymlinks;

  /** The storage name of whole-file object {@code i}. */
  public static String objectName(int fileIndex) {
    return Integer.toString(fileIndex);
  }

  /** The storage name of chunk {@code j} of file {@code i}. */
  public static String chunkName(int fileIndex, int chunkIndex) {
    return fileIndex + "-" + chunkIndex;
  }
}
