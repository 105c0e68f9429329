package dev.stowage.engine.it;

import static dev.stowage.engine.testing.EngineProcess.fileUrl;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.stowage.engine.testing.EngineProcess;
import dev.stowage.engine.testing.ProcessRunner;
import dev.stowage.engine.testing.ResultFile;
import dev.stowage.engine.testing.StoredBackup;
import dev.stowage.engine.testing.StoredBackup.FileEntry;
import dev.stowage.engine.testing.TreeSnapshot;
import dev.stowage.engine.testing.Trees;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Damaged, crafted and unsafe inputs to the real engine CLI. Each test damages its own copy of one
 * good backup of a small data directory, and checks the exit code, that the message names the
 * object concerned, and that nothing was written where it must not be.
 */
class BadInputIT {

  private static final String DIRECTORY = "it/bad-input";
  private static final String NAME = "2026-01-01.000000.sample";
  private static final String MARKER = ".stowage-restore-in-progress";

  @TempDir static Path shared;
  private static Path source;
  private static Path pristine;
  private static TreeSnapshot sourceFiles;

  @TempDir Path work;
  private Path storage;
  private StoredBackup backup;

  @BeforeAll
  static void backUpSampleDatadir() {
    source = shared.resolve("source");
    Trees.writeSampleDatadir(source);
    sourceFiles = TreeSnapshot.of(source);
    // A storage root is a mounted volume or an existing directory; the engine does not invent one.
    pristine = createDirectories(shared.resolve("storage"));
    ProcessRunner.Result r =
        EngineProcess.run(
            "backup",
            "--datadir",
            source.toString(),
            "--storage",
            fileUrl(pristine),
            "--directory",
            DIRECTORY,
            "--name",
            NAME,
            "--chunk-threshold",
            "8Mi",
            "--chunk-size",
            "4Mi");
    assertThat(r.exitCode()).as("backup of the sample datadir\n%s", r).isZero();
    assertThat(StoredBackup.at(pristine, DIRECTORY, NAME).largestChunkedFile())
        .as("the sample has a chunked file")
        .isPresent();
  }

  @BeforeEach
  void copyPristineBackup() {
    storage = work.resolve("storage");
    Trees.copy(pristine, storage);
    backup = StoredBackup.at(storage, DIRECTORY, NAME);
  }

  @Test
  void theUndamagedBackupRestoresExactly() {
    Path target = work.resolve("target");
    ProcessRunner.Result r = restore(target);
    assertThat(r.exitCode()).as("restore of the undamaged backup\n%s", r).isZero();
    assertThat(target.resolve(MARKER)).doesNotExist();
    assertThat(TreeSnapshot.of(target).withoutTimes()).isEqualTo(sourceFiles.withoutTimes());
    assertThat(TreeSnapshot.of(target).fileMtimeSeconds())
        .isEqualTo(sourceFiles.fileMtimeSeconds());

    ProcessRunner.Result v = verify();
    assertThat(v.exitCode()).as("verify of the undamaged backup\n%s", v).isZero();
  }

  @Test
  void aFlippedByteInOneChunkFailsRestoreWithExit4NamingTheChunkAndLeavesTheMarker() {
    FileEntry file = backup.largestChunkedFile().orElseThrow();
    String chunk = file.chunks().get(1).storageName();
    backup.flipByte(chunk);
    Path target = work.resolve("target");
    Path result = work.resolve("result.json");

    ProcessRunner.Result r = restore(target, "--result-file", result.toString());

    assertThat(r.exitCode()).as("restore with a corrupt chunk\n%s", r).isEqualTo(4);
    assertNamesObject(r, chunk);
    assertThat(target.resolve(MARKER))
        .as("a failed restore leaves the in-progress marker")
        .exists();
    JsonNode json = ResultFile.read(result);
    assertThat(json.path("status").asText()).isEqualTo("Failed");
    assertThat(json.path("exitCode").asInt()).isEqualTo(4);
    assertThat(json.path("object").asText()).contains(chunk);
    assertThat(json.path("error").asText()).isNotBlank();
    assertThat(ResultFile.size(result)).isLessThanOrEqualTo(ResultFile.MAX_BYTES);
  }

  @Test
  void aFlippedByteInOneChunkFailsVerifyWithExit4NamingTheChunk() {
    FileEntry file = backup.largestChunkedFile().orElseThrow();
    String chunk = file.chunks().get(file.chunks().size() - 1).storageName();
    backup.flipByte(chunk);

    ProcessRunner.Result r = verify();

    assertThat(r.exitCode()).as("verify with a corrupt chunk\n%s", r).isEqualTo(4);
    assertNamesObject(r, chunk);
  }

  @Test
  void aFlippedByteInAWholeFileObjectFailsRestoreWithExit4() {
    FileEntry file = backup.wholeFileEntry(64 * 1024).orElseThrow();
    String object = String.valueOf(file.index());
    backup.flipByte(object);
    Path target = work.resolve("target");

    ProcessRunner.Result r = restore(target);

    assertThat(r.exitCode()).as("restore with a corrupt object\n%s", r).isEqualTo(4);
    assertNamesWholeFileObject(r, file);
    assertThat(target.resolve(MARKER)).exists();
  }

  /** Names that would escape the target if joined naively; each must be refused up front. */
  @ParameterizedTest
  @ValueSource(
      strings = {
        "../escaped",
        "shop/../../escaped",
        "shop/../../../escaped",
        "./../escaped",
        "ABSOLUTE",
      })
  void aManifestNameThatEscapesTheTargetExits4AndWritesNothing(String crafted) throws IOException {
    Path sandbox = Files.createDirectories(work.resolve("sandbox"));
    Path target = sandbox.resolve("deep").resolve("target");
    Files.createDirectories(target.getParent());
    String name =
        crafted.equals("ABSOLUTE") ? work.resolve("escaped-absolute").toString() : crafted;
    // Give the crafted name to a chunked file and to a whole file: both paths must be checked.
    ObjectNode manifest = backup.manifest();
    FileEntry chunked = backup.largestChunkedFile().orElseThrow();
    FileEntry whole = backup.wholeFileEntry(1).orElseThrow();
    ((ObjectNode) manifest.path("FileEntries").get(whole.index())).put("Name", name);
    ((ObjectNode) manifest.path("FileEntries").get(chunked.index())).put("Name", name + "2");
    backup.writeManifest(manifest);
    // Directory mtimes are left out: creating the (empty) target itself is allowed.
    var before = TreeSnapshot.of(work).filter(p -> !p.startsWith("sandbox/deep/target"));

    ProcessRunner.Result r = restore(target);

    assertThat(r.exitCode()).as("restore with Name %s\n%s", name, r).isEqualTo(4);
    assertThat(
            TreeSnapshot.of(work).filter(p -> !p.startsWith("sandbox/deep/target")).withoutTimes())
        .as("nothing written outside the target")
        .isEqualTo(before.withoutTimes());
    assertThat(TreeSnapshot.of(target).paths())
        .as("the MANIFEST is validated before anything is written")
        .isEmpty();
    assertThat(r.output()).contains("escaped");
  }

  @Test
  void anUnknownBaseExits4() {
    ObjectNode manifest = backup.manifest();
    ((ObjectNode) manifest.path("FileEntries").get(0)).put("Base", "Elsewhere");
    backup.writeManifest(manifest);
    Path target = work.resolve("target");

    ProcessRunner.Result r = restore(target);

    assertThat(r.exitCode()).as("restore with an unknown Base\n%s", r).isEqualTo(4);
    assertThat(r.output()).contains("Elsewhere");
    assertThat(TreeSnapshot.of(target).paths()).isEmpty();
  }

  @Test
  void chunksThatDoNotTileTheFileExit4() {
    ObjectNode manifest = backup.manifest();
    FileEntry chunked = backup.largestChunkedFile().orElseThrow();
    ObjectNode second =
        (ObjectNode) manifest.path("FileEntries").get(chunked.index()).path("Chunks").get(1);
    second.put("Offset", second.path("Offset").asLong() + 4096);
    backup.writeManifest(manifest);
    Path target = work.resolve("target");

    ProcessRunner.Result r = restore(target);

    assertThat(r.exitCode()).as("restore with a gap between chunks\n%s", r).isEqualTo(4);
    assertThat(TreeSnapshot.of(target).paths()).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(ints = {0, 1, 2})
  void aTruncatedManifestExits4(int cut) throws IOException {
    byte[] manifest = Files.readAllBytes(backup.manifestPath());
    int keep =
        switch (cut) {
          case 0 -> manifest.length / 2;
          case 1 -> manifest.length - 3;
          default -> 0;
        };
    Files.write(backup.manifestPath(), java.util.Arrays.copyOf(manifest, keep));
    Path target = work.resolve("target");

    ProcessRunner.Result r = restore(target);

    assertThat(r.exitCode()).as("restore with MANIFEST cut to %d bytes\n%s", keep, r).isEqualTo(4);
    assertThat(r.output()).contains("MANIFEST");
    assertThat(TreeSnapshot.of(target).paths()).isEmpty();

    ProcessRunner.Result v = verify();
    assertThat(v.exitCode()).as("verify with a truncated MANIFEST\n%s", v).isEqualTo(4);
  }

  @Test
  void aMissingChunkObjectExits3Or4NamingIt() throws IOException {
    FileEntry file = backup.largestChunkedFile().orElseThrow();
    String chunk = file.chunks().get(file.chunks().size() - 1).storageName();
    Files.delete(backup.object(chunk));
    Path result = work.resolve("result.json");

    ProcessRunner.Result r = restore(work.resolve("target"), "--result-file", result.toString());

    assertThat(r.exitCode()).as("restore with chunk %s missing\n%s", chunk, r).isIn(3, 4);
    assertNamesObject(r, chunk);
    JsonNode json = ResultFile.read(result);
    assertThat(json.path("status").asText()).isEqualTo("Failed");
    assertThat(json.path("exitCode").asInt()).isEqualTo(r.exitCode());
    assertThat(json.path("object").asText()).contains(chunk);
  }

  @Test
  void aMissingWholeFileObjectExits3Or4NamingIt() throws IOException {
    FileEntry file = backup.wholeFileEntry(1).orElseThrow();
    Files.delete(backup.object(String.valueOf(file.index())));

    ProcessRunner.Result r = restore(work.resolve("target"));

    assertThat(r.exitCode()).as("restore with object %d missing\n%s", file.index(), r).isIn(3, 4);
    assertNamesWholeFileObject(r, file);

    ProcessRunner.Result v = verify();
    assertThat(v.exitCode()).as("verify with object %d missing\n%s", file.index(), v).isIn(3, 4);
    assertNamesWholeFileObject(v, file);
  }

  @Test
  void aNonEmptyTargetWithoutOverwriteExits5AndIsNotTouched() throws IOException {
    Path target = Files.createDirectories(work.resolve("target"));
    Files.writeString(target.resolve("keep.txt"), "precious\n");
    Files.createDirectories(target.resolve("shop"));
    Files.writeString(target.resolve("shop/orders.ibd"), "someone else's table\n");
    TreeSnapshot before = TreeSnapshot.of(target);

    ProcessRunner.Result r = restore(target);

    assertThat(r.exitCode()).as("restore into a non-empty target\n%s", r).isEqualTo(5);
    assertThat(r.output()).contains("--overwrite");
    assertThat(TreeSnapshot.of(target)).isEqualTo(before);
  }

  @Test
  void aTargetHoldingOnlyLostAndFoundCountsAsEmpty() throws IOException {
    Path target = Files.createDirectories(work.resolve("target"));
    Files.createDirectories(target.resolve("lost+found"));

    ProcessRunner.Result r = restore(target);

    assertThat(r.exitCode()).as("restore into a fresh volume with lost+found\n%s", r).isZero();
    assertThat(TreeSnapshot.of(target).filter(p -> !p.equals("lost+found")).withoutTimes())
        .isEqualTo(sourceFiles.withoutTimes());
  }

  @Test
  void overwriteReplacesWhatWasInTheTarget() throws IOException {
    Path target = Files.createDirectories(work.resolve("target"));
    Files.writeString(target.resolve("keep.txt"), "stale\n");
    Files.createDirectories(target.resolve("shop"));
    Files.writeString(target.resolve("shop/orders.ibd"), "stale table\n");

    ProcessRunner.Result r = restore(target, "--overwrite");

    assertThat(r.exitCode()).as("restore --overwrite\n%s", r).isZero();
    assertThat(TreeSnapshot.of(target).withoutTimes()).isEqualTo(sourceFiles.withoutTimes());
  }

  @Test
  void aSecondBackupUnderTheNameOfACompleteOneIsRefusedAndChangesNothing() {
    TreeSnapshot before = TreeSnapshot.of(storage);

    ProcessRunner.Result r =
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
            "0",
            "--compression",
            "none");

    // Writing over a complete backup is an unsafe target, like a non-empty restore target.
    assertThat(r.exitCode()).as("backup over a complete backup\n%s", r).isEqualTo(5);
    assertThat(r.output()).contains(NAME);
    assertThat(TreeSnapshot.of(storage)).as("storage after the refused backup").isEqualTo(before);
  }

  @Test
  void aBackupUnderTheNameOfAnIncompleteOneReplacesItAndSucceeds() throws IOException {
    // What a killed backup leaves: some objects, one of them half-written, and no MANIFEST.
    FileEntry file = backup.largestChunkedFile().orElseThrow();
    String chunk = file.chunks().get(0).storageName();
    Files.delete(backup.manifestPath());
    Files.write(backup.object(chunk), new byte[] {1, 2, 3});
    Files.delete(backup.object(file.chunks().get(1).storageName()));

    ProcessRunner.Result b =
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
            "4Mi");
    assertThat(b.exitCode()).as("backup over an incomplete backup\n%s", b).isZero();
    assertThat(backup.hasManifest()).isTrue();

    Path target = work.resolve("target");
    ProcessRunner.Result r = restore(target);
    assertThat(r.exitCode()).as("restore of the replaced backup\n%s", r).isZero();
    assertThat(TreeSnapshot.of(target).withoutTimes()).isEqualTo(sourceFiles.withoutTimes());
  }

  @Test
  void anIncompleteBackupIsNotListedAndNotRestoredAsLatest() throws IOException {
    Files.delete(backup.manifestPath());

    ProcessRunner.Result ls =
        EngineProcess.run("ls", "--storage", fileUrl(storage), "--directory", DIRECTORY);
    assertThat(ls.exitCode()).as("ls\n%s", ls).isZero();
    assertThat(ls.stdout()).doesNotContain(NAME);

    Path target = work.resolve("target");
    ProcessRunner.Result latest =
        EngineProcess.run(
            "restore",
            "--storage",
            fileUrl(storage),
            "--directory",
            DIRECTORY,
            "--name",
            "latest",
            "--datadir",
            target.toString());
    assertThat(latest.exitCode())
        .as("restore latest with no complete backup\n%s", latest)
        .isNotZero();
    assertThat(TreeSnapshot.of(target).paths()).isEmpty();

    ProcessRunner.Result r = restore(target);
    assertThat(r.exitCode()).as("restore of a backup without MANIFEST\n%s", r).isIn(3, 4);
    assertThat(r.output()).contains("MANIFEST");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "--chunk-size=1Mi",
        "--chunk-threshold=4Mi --chunk-size=8Mi",
        "--chunk-size=-4Mi",
        "--chunk-size=99999999999Ti",
        "--concurrency=0",
        "--compression=brotli",
      })
  void invalidBackupSettingsExit2BeforeAnyWork(String flags) {
    Path emptyStorage = createDirectories(work.resolve("fresh-storage"));
    java.util.List<String> args =
        new java.util.ArrayList<>(
            java.util.List.of(
                "backup",
                "--datadir",
                source.toString(),
                "--storage",
                fileUrl(emptyStorage),
                "--directory",
                DIRECTORY,
                "--name",
                "2026-01-01.000000.invalid"));
    args.addAll(java.util.List.of(flags.split(" ")));

    ProcessRunner.Result r = EngineProcess.run(args);

    assertThat(r.exitCode()).as("backup %s\n%s", flags, r).isEqualTo(2);
    assertThat(TreeSnapshot.of(emptyStorage).entries().values())
        .as("nothing stored")
        .noneMatch(e -> e.type().equals("file"));
  }

  private static Path createDirectories(Path dir) {
    try {
      return Files.createDirectories(dir);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private ProcessRunner.Result restore(Path target, String... extra) {
    java.util.List<String> args =
        new java.util.ArrayList<>(
            java.util.List.of(
                "restore",
                "--storage",
                fileUrl(storage),
                "--directory",
                DIRECTORY,
                "--name",
                NAME,
                "--datadir",
                target.toString()));
    args.addAll(java.util.List.of(extra));
    return EngineProcess.run(args);
  }

  private ProcessRunner.Result verify() {
    return EngineProcess.run(
        "verify", "--storage", fileUrl(storage), "--directory", DIRECTORY, "--name", NAME);
  }

  /** The message names a chunk object such as {@code 3-1} as a token of its own. */
  private static void assertNamesObject(ProcessRunner.Result r, String object) {
    assertThat(r.output())
        .as("the message names object %s", object)
        .containsPattern("(?<![\\w.-])" + Pattern.quote(object) + "(?![\\w-])");
  }

  /**
   * A whole-file object's name is a bare number, which proves nothing on its own: the message must
   * name the file, or the object by its path in the backup.
   */
  private static void assertNamesWholeFileObject(ProcessRunner.Result r, FileEntry file) {
    String out = r.output();
    assertThat(out.contains(file.name()) || out.contains(NAME + "/" + file.index()))
        .as("the message names %s (object %d)\n%s", file.name(), file.index(), r)
        .isTrue();
  }
}
