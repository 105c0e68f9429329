package dev.stowage.engine.restore;

import static dev.stowage.engine.EngineFixture.DIR;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stowage.engine.EngineFixture;
import dev.stowage.engine.error.EngineException;
import dev.stowage.engine.error.ExitCode;
import dev.stowage.engine.manifest.Manifest;
import dev.stowage.engine.manifest.ManifestCodec;
import dev.stowage.engine.manifest.PathEntry;
import dev.stowage.engine.storage.file.FileStorage;
import dev.stowage.engine.testing.TreeSnapshot;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 10, case 6: a chain of symlinks, each lexically inside the tree, that together leave it.
 * Backup refuses it (exit 5) on resolved real paths; restore refuses (exit 4, before any write) a
 * MANIFEST whose links, followed through one another, resolve outside the target.
 */
class SymlinkEscapeTest {
  @TempDir Path tmp;
  Path data;
  FileStorage files;

  @BeforeEach
  void setUp() throws Exception {
    data = tmp.resolve("d");
    Files.createDirectories(data.resolve("db"));
    Files.writeString(data.resolve("ibdata1"), "system tablespace");
    Files.createDirectories(tmp.resolve("backups"));
    files = new FileStorage(tmp.resolve("backups"));
  }

  /** d/db/t.ibd -> ../esc/secret, d/esc -> db/up/.., d/db/up -> .. : t.ibd is tmp/secret. */
  private void plantTheChain() throws Exception {
    Files.createSymbolicLink(data.resolve("db/t.ibd"), Path.of("../esc/secret"));
    Files.createSymbolicLink(data.resolve("esc"), Path.of("db/up/.."));
    Files.createSymbolicLink(data.resolve("db/up"), Path.of(".."));
  }

  private static int exit(Throwable e) {
    return ((EngineException) e).exitCode().code();
  }

  @Test
  void theChainThroughEscAndUpIsRefusedAtBackup() throws Exception {
    Files.writeString(tmp.resolve("secret"), "outside the data directory");
    plantTheChain();
    assertThat(data.resolve("db/t.ibd").toRealPath()).isEqualTo(tmp.resolve("secret").toRealPath());
    assertThatThrownBy(() -> EngineFixture.backup(files, data, "b1"))
        .hasMessageContaining("outside the data directory")
        .satisfies(e -> assertThat(exit(e)).isEqualTo(ExitCode.UNSAFE.code()));
    assertThat(tmp.resolve("backups").resolve(DIR).resolve("b1/MANIFEST")).doesNotExist();
  }

  @Test
  void theChainIsRefusedAtBackupEvenWhenItsEndDoesNotExist() throws Exception {
    plantTheChain(); // tmp/secret does not exist: decided on the real path of tmp, plus "secret"
    assertThatThrownBy(() -> EngineFixture.backup(files, data, "b1"))
        .satisfies(e -> assertThat(exit(e)).isEqualTo(ExitCode.UNSAFE.code()));
  }

  @Test
  void aLinkThroughAnotherInTreeLinkThatStaysInsideIsBackedUpAndRestored() throws Exception {
    Files.writeString(data.resolve("db/f.ibd"), "table");
    Files.createSymbolicLink(data.resolve("dblink"), Path.of("db"));
    Files.createSymbolicLink(data.resolve("db/alias.ibd"), Path.of("../dblink/f.ibd"));
    EngineFixture.backup(files, data, "b1");
    Path target = tmp.resolve("r");
    EngineFixture.restore(files, target, "b1");
    assertThat(Files.readSymbolicLink(target.resolve("db/alias.ibd")))
        .isEqualTo(Path.of("../dblink/f.ibd"));
    assertThat(target.resolve("db/alias.ibd")).hasContent("table");
  }

  private void craftLinks(List<PathEntry> links) throws Exception {
    EngineFixture.backup(files, data, "b1");
    Path manifest = tmp.resolve("backups").resolve(DIR).resolve("b1/MANIFEST");
    Manifest m = ManifestCodec.read(Files.readAllBytes(manifest), "m");
    m.stowageSymlinks = new ArrayList<>(links);
    Files.write(manifest, ManifestCodec.write(m));
  }

  private static PathEntry link(String name, String target) {
    PathEntry e = new PathEntry();
    e.base = "Data";
    e.name = name;
    e.target = target;
    return e;
  }

  @Test
  void theSameChainInACraftedManifestIsRefusedAtRestoreBeforeAnyWrite() throws Exception {
    craftLinks(
        List.of(link("db/up", ".."), link("esc", "db/up/.."), link("db/t.ibd", "../esc/secret")));
    Path target = tmp.resolve("r");
    assertThatThrownBy(() -> EngineFixture.restore(files, target, "b1"))
        .hasMessageContaining("esc")
        .hasMessageContaining("outside")
        .satisfies(e -> assertThat(exit(e)).isEqualTo(ExitCode.INTEGRITY.code()));
    assertThat(target).doesNotExist();
  }

  @Test
  void aLinkPlantedThroughAnEscapingLinkIsRefusedAndNothingAppearsOutside() throws Exception {
    // esc resolves to tmp (through db/up), so a link named esc/planted would be created in tmp.
    craftLinks(
        List.of(link("db/up", ".."), link("esc", "db/up/.."), link("esc/planted", "ibdata1")));
    Path target = tmp.resolve("r");
    Files.createDirectories(target);
    Files.writeString(target.resolve("old.ibd"), "old data");
    TreeSnapshot before = TreeSnapshot.of(target);
    assertThatThrownBy(
            () ->
                new RestoreRunner(
                        EngineFixture.restoreSettings(target, "b1", 2, true),
                        files,
                        EngineFixture.fastRetrier(),
                        RestoreRunner.FSYNC)
                    .run())
        .satisfies(e -> assertThat(exit(e)).isEqualTo(ExitCode.INTEGRITY.code()));
    assertThat(tmp.resolve("planted")).doesNotExist();
    assertThat(TreeSnapshot.of(target)).isEqualTo(before);
  }

  @Test
  void aLinkNamedThroughAnotherLinkIsRefused() throws Exception {
    // a/x -> .. is the root; a link named a/x/l would really be created at l, where its ../..
    // leaves the tree although the name a/x/l looks two levels deep.
    craftLinks(List.of(link("a/x", ".."), link("a/x/l", "../..")));
    Path target = tmp.resolve("r");
    assertThatThrownBy(() -> EngineFixture.restore(files, target, "b1"))
        .satisfies(e -> assertThat(exit(e)).isEqualTo(ExitCode.INTEGRITY.code()));
    assertThat(target).doesNotExist();
  }
}
