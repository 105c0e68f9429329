package dev.stowage.engine.it;

import static dev.stowage.engine.testing.EngineProcess.fileUrl;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.luben.zstd.ZstdInputStream;
import dev.stowage.engine.testing.EngineProcess;
import dev.stowage.engine.testing.MariaDbServer;
import dev.stowage.engine.testing.ProcessRunner;
import dev.stowage.engine.testing.ResultFile;
import dev.stowage.engine.testing.SampleSchema;
import dev.stowage.engine.testing.StoredBackup;
import dev.stowage.engine.testing.StoredBackup.Chunk;
import dev.stowage.engine.testing.StoredBackup.FileEntry;
import dev.stowage.engine.testing.TreeSnapshot;
import java.io.IOException;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.CRC32;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A real MariaDB data directory, backed up and restored by the real engine CLI, and a real server
 * started on the restored copy: every table must come back with the same rows and checksum.
 */
class MariaDbBackupRestoreIT {

  private static final String DIRECTORY = "it/mariadb";
  private static final String NAME = "2026-01-02.030405.mariadb-it";

  /** Variants live in their own directory so that "latest" in {@link #DIRECTORY} stays NAME. */
  private static final String VARIANTS = "it/mariadb-variants";

  /**
   * InnoDB rewrites its persistent statistics in the background whenever it likes, so their content
   * depends on timing, not on the copy.
   */
  private static final Set<String> VOLATILE_TABLES =
      Set.of("mysql.innodb_table_stats", "mysql.innodb_index_stats");

  @TempDir static Path shared;

  private static Path source;
  private static Path storage;
  private static Map<String, String> tablesBefore;
  private static Map<String, String> checksumsBefore;
  private static TreeSnapshot sourceFiles;
  private static ProcessRunner.Result backup;
  private static JsonNode backupResult;

  @BeforeAll
  static void loadShutDownAndBackUp() {
    EngineProcess.jar(); // fail before spending time on data when there is nothing to test
    source = shared.resolve("source");
    try (MariaDbServer server = MariaDbServer.installAndStart(source, shared.resolve("run-src"))) {
      SampleSchema.load(server);
      tablesBefore = server.tables();
      checksumsBefore = server.checksums(comparableTables(tablesBefore));
      server.shutdown();
    }
    try {
      // A schema with no tables yet is an empty directory: it must survive the round trip.
      Files.createDirectory(source.resolve("spare"));
    } catch (IOException e) {
      throw new AssertionError(e);
    }
    sourceFiles = TreeSnapshot.of(source);
    storage = createDirectories(shared.resolve("storage"));
    Path result = shared.resolve("backup-result.json");
    backup =
        EngineProcess.run(
            "backup",
            "--datadir",
            source.toString(),
            "--storage",
            fileUrl(storage),
            "--directory",
            DIRECTORY,
            "--name",
            NAME,
            "--chunk-threshold",
            "8Mi",
            "--chunk-size",
            "4Mi",
            "--concurrency",
            "2",
            "--result-file",
            result.toString());
    assertThat(backup.exitCode()).as("backup of a cleanly stopped datadir\n%s", backup).isZero();
    backupResult = ResultFile.read(result);
    assertThat(ResultFile.size(result)).isLessThanOrEqualTo(ResultFile.MAX_BYTES);
  }

  @Test
  void theDataSetCoversWhatItClaims() {
    assertThat(tablesBefore.values()).contains("InnoDB", "Aria", "MyISAM", "CSV");
    assertThat(tablesBefore)
        .containsKeys("shop.orders", "shop.order_lines", "my-app.user data", "logs.events");
    assertThat(checksumsBefore.get("shop.orders")).endsWith("rows=" + SampleSchema.BIG_TABLE_ROWS);
  }

  @Test
  void restoredDatadirStartsAndEveryTableHasTheSameRowsAndChecksum() {
    Path target = shared.resolve("restored");
    Path result = shared.resolve("restore-result.json");
    ProcessRunner.Result restore =
        EngineProcess.run(
            "restore",
            "--storage",
            fileUrl(storage),
            "--directory",
            DIRECTORY,
            "--name",
            "latest",
            "--datadir",
            target.toString(),
            "--concurrency",
            "4",
            "--result-file",
            result.toString());
    assertThat(restore.exitCode()).as("restore\n%s", restore).isZero();
    assertThat(target.resolve(".stowage-restore-in-progress")).doesNotExist();

    JsonNode json = ResultFile.read(result);
    assertThat(json.path("command").asText()).isEqualTo("restore");
    assertThat(json.path("status").asText()).isEqualTo("Succeeded");
    assertThat(json.path("name").asText()).isEqualTo(NAME);
    assertThat(json.path("bytesWritten").asLong()).isEqualTo(totalFileBytes(sourceFiles));

    TreeSnapshot restored = TreeSnapshot.of(target);
    assertThat(restored.withoutTimes())
        .as("restored tree: same files, directories, sizes, content and modes as the source")
        .isEqualTo(sourceFiles.withoutTimes());
    assertThat(restored.fileMtimeSeconds())
        .as("restored file mtimes")
        .isEqualTo(sourceFiles.fileMtimeSeconds());

    try (MariaDbServer server = MariaDbServer.start(target, shared.resolve("run-restored"))) {
      Map<String, String> tablesAfter = server.tables();
      assertThat(tablesAfter).isEqualTo(tablesBefore);
      assertThat(server.checksums(comparableTables(tablesAfter))).isEqualTo(checksumsBefore);
      // The copy is a working database, not only readable bytes.
      server.sql(
          "USE shop; INSERT INTO orders (id, customer_id, placed, status, amount)"
              + " VALUES (999999999, 1, NOW(), 'new', 1.00);");
      assertThat(server.scalar("SELECT COUNT(*) FROM shop.orders"))
          .isEqualTo(String.valueOf(SampleSchema.BIG_TABLE_ROWS + 1));
      assertThat(server.scalar("SELECT COUNT(*) FROM shop.docs WHERE MATCH(body) AGAINST('1999')"))
          .isNotEqualTo("0");
    }
  }

  @Test
  void backupResultDescribesWhatWasStored() {
    StoredBackup stored = StoredBackup.at(storage, DIRECTORY, NAME);
    List<FileEntry> files = stored.files();
    long chunks = files.stream().mapToLong(f -> f.chunks().size()).sum();
    long objectBytes = 0;
    for (String object : stored.objectNames()) {
      objectBytes += size(stored.object(object));
    }

    assertThat(backupResult.path("command").asText()).isEqualTo("backup");
    assertThat(backupResult.path("status").asText()).isEqualTo("Succeeded");
    assertThat(backupResult.path("name").asText()).isEqualTo(NAME);
    assertThat(backupResult.path("location").asText()).contains(DIRECTORY).contains(NAME);
    assertThat(backupResult.path("files").asLong()).isEqualTo(files.size());
    assertThat(backupResult.path("chunks").asLong()).isEqualTo(chunks);
    assertThat(backupResult.path("bytesRead").asLong()).isEqualTo(totalFileBytes(sourceFiles));
    assertThat(backupResult.path("bytesStored").asLong())
        .isBetween(objectBytes, objectBytes + size(stored.manifestPath()));
    assertThat(backupResult.path("durationSeconds").isNumber()).isTrue();
    assertThat(backupResult.path("engineVersion").asText()).isNotBlank();
  }

  @Test
  void backupIsInTheVitessBuiltinLayout() throws IOException {
    StoredBackup stored = StoredBackup.at(storage, DIRECTORY, NAME);
    JsonNode manifest = stored.manifest();
    assertThat(manifest.path("BackupName").asText()).isEqualTo(NAME);
    assertThat(manifest.path("BackupMethod").asText()).isEqualTo("builtin");
    assertThat(manifest.path("CompressionEngine").asText()).isEqualTo("zstd");
    assertThat(manifest.path("Incremental").asBoolean(true)).isFalse();
    assertThat(manifest.path("SkipCompress").asBoolean(true)).isFalse();
    assertThat(manifest.path("BackupTime").asText())
        .matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ");
    assertThat(manifest.path("FinishedTime").asText())
        .matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ");

    List<FileEntry> files = stored.files();
    Set<String> expectedObjects = new HashSet<>();
    Set<String> names = new HashSet<>();
    for (FileEntry f : files) {
      names.add(f.name());
      assertThat(f.base())
          .as("Base of %s", f.name())
          .isEqualTo(
              f.name().startsWith("ibdata")
                  ? "InnoDBData"
                  : f.name().startsWith("ib_logfile") ? "InnoDBLog" : "Data");
      Path sourceFile = source.resolve(f.name());
      long size = Files.size(sourceFile);
      if (size > (8L << 20)) {
        assertThat(f.chunked()).as("%s (%d bytes) is above the threshold", f.name(), size).isTrue();
        assertThat(f.hash()).isEmpty();
        long offset = 0;
        for (int j = 0; j < f.chunks().size(); j++) {
          Chunk c = f.chunks().get(j);
          assertThat(c.storageName()).isEqualTo(f.index() + "-" + j);
          assertThat(c.offset()).isEqualTo(offset);
          assertThat(c.size()).isEqualTo(Math.min(4L << 20, size - offset));
          assertStoredObject(stored, c.storageName(), c.hash(), sourceFile, c.offset(), c.size());
          expectedObjects.add(c.storageName());
          offset += c.size();
        }
        assertThat(offset).isEqualTo(size);
      } else {
        assertThat(f.chunked())
            .as("%s (%d bytes) is not above the threshold", f.name(), size)
            .isFalse();
        assertStoredObject(stored, String.valueOf(f.index()), f.hash(), sourceFile, 0, size);
        expectedObjects.add(String.valueOf(f.index()));
      }
    }
    assertThat(stored.objectNames()).containsExactlyInAnyOrderElementsOf(expectedObjects);
    Set<String> sourceRegularFiles = new HashSet<>();
    sourceFiles
        .entries()
        .forEach(
            (k, v) -> {
              if (v.type().equals("file")) {
                sourceRegularFiles.add(k);
              }
            });
    assertThat(names).isEqualTo(sourceRegularFiles);
    FileEntry big = stored.file(SampleSchema.BIG_TABLE_FILE);
    assertThat(big.chunks()).as("chunks of the big table").hasSizeGreaterThanOrEqualTo(15);
  }

  /** A restore with another codec and with chunking off reproduces the files byte for byte. */
  @ParameterizedTest
  @ValueSource(strings = {"gzip", "none", "unchunked"})
  void otherSettingsRoundTripByteForByte(String variant) {
    String name = "2026-01-02.030405.variant-" + variant;
    List<String> args =
        new ArrayList<>(
            List.of(
                "backup",
                "--datadir",
                source.toString(),
                "--storage",
                fileUrl(storage),
                "--directory",
                VARIANTS,
                "--name",
                name,
                "--concurrency",
                "2"));
    if (variant.equals("unchunked")) {
      args.addAll(List.of("--chunk-threshold", "0"));
    } else {
      args.addAll(
          List.of("--compression", variant, "--chunk-threshold", "8Mi", "--chunk-size", "4Mi"));
    }
    ProcessRunner.Result b = EngineProcess.run(args);
    assertThat(b.exitCode()).as("backup %s\n%s", variant, b).isZero();
    StoredBackup stored = StoredBackup.at(storage, VARIANTS, name);
    if (variant.equals("unchunked")) {
      // FORMAT.md: with chunking off there are no Chunks keys, so any Vitess version reads it.
      for (JsonNode entry : stored.manifest().path("FileEntries")) {
        assertThat(entry.has("Chunks")).as("Chunks key in %s", entry.path("Name")).isFalse();
      }
    }
    if (variant.equals("none")) {
      assertThat(stored.manifest().path("SkipCompress").asBoolean()).isTrue();
    }

    ProcessRunner.Result v =
        EngineProcess.run(
            "verify", "--storage", fileUrl(storage), "--directory", VARIANTS, "--name", name);
    assertThat(v.exitCode()).as("verify %s\n%s", variant, v).isZero();

    Path target = shared.resolve("restored-" + variant);
    ProcessRunner.Result r =
        EngineProcess.run(
            "restore",
            "--storage",
            fileUrl(storage),
            "--directory",
            VARIANTS,
            "--name",
            name,
            "--datadir",
            target.toString());
    assertThat(r.exitCode()).as("restore %s\n%s", variant, r).isZero();
    assertThat(TreeSnapshot.of(target).withoutTimes()).isEqualTo(sourceFiles.withoutTimes());
  }

  @Test
  void backupOfARunningServerIsRefusedAndStoresNothingVisible() {
    Path datadir = shared.resolve("live");
    Path liveStorage = createDirectories(shared.resolve("live-storage"));
    String name = "2026-01-02.030405.live";
    try (MariaDbServer server =
        MariaDbServer.installAndStart(datadir, shared.resolve("run-live"))) {
      server.sql(
          "CREATE DATABASE busy; USE busy; CREATE TABLE t (id INT PRIMARY KEY) ENGINE=InnoDB;"
              + " INSERT INTO t SELECT seq FROM seq_1_to_1000;");
      ProcessRunner.Result live =
          EngineProcess.run(
              "backup",
              "--datadir",
              datadir.toString(),
              "--storage",
              fileUrl(liveStorage),
              "--directory",
              DIRECTORY,
              "--name",
              name);
      assertThat(live.exitCode()).as("backup of a live datadir\n%s", live).isEqualTo(5);
      assertThat(live.output()).contains("ibdata1");
      assertThat(StoredBackup.at(liveStorage, DIRECTORY, name).hasManifest()).isFalse();
      assertThat(server.isRunning()).isTrue();
      server.shutdown();
    }
    // Once the server is down the same command works: the refusal was about the live server.
    ProcessRunner.Result stopped =
        EngineProcess.run(
            "backup",
            "--datadir",
            datadir.toString(),
            "--storage",
            fileUrl(liveStorage),
            "--directory",
            DIRECTORY,
            "--name",
            name);
    assertThat(stopped.exitCode()).as("backup after shutdown\n%s", stopped).isZero();
    assertThat(StoredBackup.at(liveStorage, DIRECTORY, name).hasManifest()).isTrue();
  }

  /** What a pod eviction does to a restore: SIGKILL in the middle. */
  @Test
  void aKilledRestoreLeavesTheMarkerAndAnOverwriteRestoreRepairsIt() throws Exception {
    Path target = shared.resolve("killed");
    List<String> args =
        List.of(
            "restore",
            "--storage",
            fileUrl(storage),
            "--directory",
            DIRECTORY,
            "--name",
            NAME,
            "--datadir",
            target.toString(),
            "--concurrency",
            "1");
    Process p = EngineProcess.start(args);
    Path marker = target.resolve(".stowage-restore-in-progress");
    long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(60);
    while (!Files.exists(marker) && p.isAlive() && System.nanoTime() < deadline) {
      Thread.sleep(5);
    }
    p.destroyForcibly(); // SIGKILL: no shutdown hook, no clean-up
    p.waitFor();
    assertThat(marker).as("marker after SIGKILL").exists();
    assertThat(TreeSnapshot.of(target).withoutTimes())
        .as("the restore was really cut short")
        .isNotEqualTo(sourceFiles.withoutTimes());

    ProcessRunner.Result again = EngineProcess.run(args);
    assertThat(again.exitCode()).as("restore over a half-restored target\n%s", again).isEqualTo(5);

    List<String> overwrite = new ArrayList<>(args);
    overwrite.add("--overwrite");
    ProcessRunner.Result repaired = EngineProcess.run(overwrite);
    assertThat(repaired.exitCode()).as("restore --overwrite\n%s", repaired).isZero();
    assertThat(marker).doesNotExist();
    assertThat(TreeSnapshot.of(target).withoutTimes()).isEqualTo(sourceFiles.withoutTimes());
  }

  @Test
  void lsListsTheBackupAndInspectDescribesIt() {
    ProcessRunner.Result ls =
        EngineProcess.run("ls", "--storage", fileUrl(storage), "--directory", DIRECTORY);
    assertThat(ls.exitCode()).as("ls\n%s", ls).isZero();
    assertThat(ls.stdout()).contains(NAME);

    ProcessRunner.Result inspect =
        EngineProcess.run(
            "inspect", "--storage", fileUrl(storage), "--directory", DIRECTORY, "--name", NAME);
    assertThat(inspect.exitCode()).as("inspect\n%s", inspect).isZero();
    assertThat(inspect.stdout()).contains(NAME).contains(SampleSchema.BIG_TABLE_FILE);
  }

  private static void assertStoredObject(
      StoredBackup stored, String object, String hash, Path sourceFile, long offset, long size)
      throws IOException {
    Path path = stored.object(object);
    assertThat(path).as("object %s", object).exists();
    byte[] bytes = Files.readAllBytes(path);
    CRC32 crc = new CRC32();
    crc.update(bytes);
    assertThat(hash)
        .as("Hash of object %s", object)
        .isEqualTo(String.format("%08x", crc.getValue()));

    byte[] raw;
    try (InputStream in = new ZstdInputStream(new java.io.ByteArrayInputStream(bytes))) {
      raw = in.readAllBytes();
    }
    byte[] expected = new byte[(int) size];
    try (RandomAccessFile f = new RandomAccessFile(sourceFile.toFile(), "r")) {
      f.seek(offset);
      f.readFully(expected);
    }
    assertThat(raw)
        .as("decompressed object %s equals %s at %d", object, sourceFile, offset)
        .isEqualTo(expected);
  }

  private static Set<String> comparableTables(Map<String, String> tables) {
    Set<String> result = new java.util.TreeSet<>(tables.keySet());
    result.removeAll(VOLATILE_TABLES);
    return result;
  }

  private static long totalFileBytes(TreeSnapshot snapshot) {
    return snapshot.entries().values().stream()
        .filter(e -> e.type().equals("file"))
        .mapToLong(TreeSnapshot.Entry::size)
        .sum();
  }

  private static Path createDirectories(Path dir) {
    try {
      return Files.createDirectories(dir);
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  private static long size(Path p) {
    try {
      return Files.size(p);
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }
}
