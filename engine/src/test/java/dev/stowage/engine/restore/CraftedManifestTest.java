package dev.stowage.engine.restore;

import static dev.stowage.engine.EngineFixture.DIR;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stowage.engine.EngineFixture;
import dev.stowage.engine.core.RestoreMarker;
import dev.stowage.engine.core.Roots;
import dev.stowage.engine.error.EngineException;
import dev.stowage.engine.error.ExitCode;
import dev.stowage.engine.manifest.FileEntry;
import dev.stowage.engine.manifest.Manifest;
import dev.stowage.engine.manifest.ManifestCodec;
import dev.stowage.engine.manifest.PathEntry;
import dev.stowage.engine.storage.file.FileStorage;
import dev.stowage.engine.testing.TreeSnapshot;
import dev.stowage.engine.testing.Trees;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.function.Consumer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 10, case 3: MANIFESTs that passed validation and failed only after {@code --overwrite} had
 * wiped the target. Each must now be refused before the first deletion, leaving the old data byte
 * for byte.
 */
class CraftedManifestTest {
  @TempDir Path tmp;
  Path data;
  Path target;
  Path backup;
  FileStorage files;
  TreeSnapshot before;

  @BeforeEach
  void backUpAndFillTheTarget() throws Exception {
    data = tmp.resolve("data");
    Files.createDirectories(data.resolve("shop"));
    Trees.writePseudoData(data.resolve("ibdata1"), 300_000, 1);
    Trees.writePseudoData(data.resolve("shop/orders.ibd"), 200_000, 2);
    Files.writeString(data.resolve("shop/db.opt"), "default-character-set=utf8mb4\n");
    Files.writeString(data.resolve("aria_log_control"), "control\n");
    Files.createDirectories(tmp.resolve("backups"));
    files = new FileStorage(tmp.resolve("backups"));
    EngineFixture.backup(files, data, "b1");
    backup = tmp.resolve("backups").resolve(DIR).resolve("b1");

    target = tmp.resolve("target");
    Files.createDirectories(target.resolve("old_schema"));
    Trees.writePseudoData(target.resolve("ibdata1"), 123_457, 9);
    Trees.writePseudoData(target.resolve("old_schema/precious.ibd"), 77_777, 10);
    Files.writeString(target.resolve("old_schema/db.opt"), "old\n");
    before = TreeSnapshot.of(target);
  }

  private Manifest manifest() throws Exception {
    return ManifestCodec.read(Files.readAllBytes(backup.resolve("MANIFEST")), "m");
  }

  private int indexOf(Manifest m, String name) {
    for (int i = 0; i < m.fileEntries.size(); i++) {
      if (m.fileEntries.get(i).name.equals(name)) {
        return i;
      }
    }
    throw new AssertionError("no entry " + name);
  }

  /** Appends a file entry that reuses the object of {@code name} (copied to its own index). */
  private FileEntry addCopyOf(Manifest m, String name) throws Exception {
    int from = indexOf(m, name);
    FileEntry src = m.fileEntries.get(from);
    FileEntry fe = new FileEntry();
    fe.base = src.base;
    fe.name = src.name;
    fe.hash = src.hash;
    fe.size = src.size;
    fe.rawCrc32c = src.rawCrc32c;
    fe.storedSize = src.storedSize;
    fe.mode = src.mode;
    fe.mtime = src.mtime;
    m.fileEntries.add(fe);
    Files.copy(
        backup.resolve(Integer.toString(from)),
        backup.resolve(Integer.toString(m.fileEntries.size() - 1)));
    return fe;
  }

  private void craft(Consumer<Manifest> change) throws Exception {
    Manifest m = manifest();
    change.accept(m);
    Files.write(backup.resolve("MANIFEST"), ManifestCodec.write(m));
  }

  private void assertRefusedBeforeAnyDeletion(ExitCode code, String... messageParts) {
    assertRefusedBeforeAnyDeletion(new Roots(target, null, null), code, messageParts);
  }

  private void assertRefusedBeforeAnyDeletion(Roots roots, ExitCode code, String... messageParts) {
    RestoreRunner r =
        new RestoreRunner(
            new RestoreSettings(roots, DIR, "b1", 3, true, true),
            files,
            EngineFixture.fastRetrier(),
            RestoreRunner.FSYNC);
    assertThatThrownBy(r::run)
        .isInstanceOf(EngineException.class)
        .satisfies(e -> assertThat(((EngineException) e).exitCode()).isEqualTo(code))
        .satisfies(
            e -> {
              for (String p : messageParts) {
                assertThat(e.getMessage()).contains(p);
              }
            });
    assertThat(TreeSnapshot.of(target)).isEqualTo(before);
  }

  @Test
  void binLogAndDataEntriesWithTheSameNameMapToOnePath() throws Exception {
    craft(
        m -> {
          try {
            addCopyOf(m, "aria_log_control").base = "BinLog";
          } catch (Exception e) {
            throw new RuntimeException(e);
          }
        });
    assertRefusedBeforeAnyDeletion(ExitCode.INTEGRITY, "aria_log_control", "same path");
  }

  @Test
  void aDataEntryInsideASeparateInnodbDirCollidesWithAnInnodbDataEntry() throws Exception {
    // --innodb-data-dir target/innodb: InnoDBData "ibdata1" and Data "innodb/ibdata1" are one file.
    craft(
        m -> {
          try {
            addCopyOf(m, "ibdata1").name = "innodb/ibdata1";
            m.fileEntries.get(m.fileEntries.size() - 1).base = "Data";
          } catch (Exception e) {
            throw new RuntimeException(e);
          }
        });
    assertRefusedBeforeAnyDeletion(
        new Roots(target, target.resolve("innodb"), null), ExitCode.INTEGRITY, "same path");
  }

  @Test
  void aModeThatIsNotOctal() throws Exception {
    craft(m -> m.fileEntries.get(indexOf(m, "shop/db.opt")).mode = "abc");
    assertRefusedBeforeAnyDeletion(ExitCode.INTEGRITY, "shop/db.opt", "abc");
  }

  @Test
  void anMtimeThatIsNotATime() throws Exception {
    craft(m -> m.fileEntries.get(indexOf(m, "shop/db.opt")).mtime = "yesterday");
    assertRefusedBeforeAnyDeletion(ExitCode.INTEGRITY, "shop/db.opt", "yesterday");
  }

  @Test
  void aDirectoryWithAModeThatIsNotOctal() throws Exception {
    craft(m -> m.stowageDirectories.get(0).mode = "rwxr-x---");
    assertRefusedBeforeAnyDeletion(ExitCode.INTEGRITY, "StowageDirectories", "rwxr-x---");
  }

  @Test
  void aDirectoryWithAnMtimeThatIsNotATime() throws Exception {
    craft(m -> m.stowageDirectories.get(0).mtime = "2024-13-45T99:00:00Z");
    assertRefusedBeforeAnyDeletion(ExitCode.INTEGRITY, "StowageDirectories", "2024-13-45");
  }

  @Test
  void aFileAndAFileBeneathIt() throws Exception {
    craft(
        m -> {
          try {
            addCopyOf(m, "aria_log_control").name = "aria_log_control/inner";
          } catch (Exception e) {
            throw new RuntimeException(e);
          }
        });
    assertRefusedBeforeAnyDeletion(ExitCode.INTEGRITY, "aria_log_control/inner");
  }

  @Test
  void aDirectoryEntryAndAFileOfTheSameName() throws Exception {
    craft(
        m -> {
          PathEntry d = new PathEntry();
          d.base = "Data";
          d.name = "aria_log_control";
          m.stowageDirectories.add(d);
        });
    assertRefusedBeforeAnyDeletion(ExitCode.INTEGRITY, "aria_log_control");
  }

  @Test
  void aSymlinkAndAFileOfTheSameName() throws Exception {
    craft(m -> m.stowageSymlinks = links(link("shop/db.opt", "orders.ibd")));
    assertRefusedBeforeAnyDeletion(ExitCode.INTEGRITY, "shop/db.opt");
  }

  @Test
  void aSymlinkAndADirectoryOfTheSameName() throws Exception {
    craft(m -> m.stowageSymlinks = links(link("shop", "aria_log_control")));
    assertRefusedBeforeAnyDeletion(ExitCode.INTEGRITY, "shop");
  }

  @Test
  void aFileBeneathASymlink() throws Exception {
    craft(
        m -> {
          m.stowageSymlinks = links(link("alias", "shop"));
          try {
            addCopyOf(m, "aria_log_control").name = "alias/aria_log_control";
          } catch (Exception e) {
            throw new RuntimeException(e);
          }
        });
    assertRefusedBeforeAnyDeletion(ExitCode.INTEGRITY, "alias");
  }

  @Test
  void twoSymlinksOfTheSameName() throws Exception {
    craft(m -> m.stowageSymlinks = links(link("l", "ibdata1"), link("l", "aria_log_control")));
    assertRefusedBeforeAnyDeletion(ExitCode.INTEGRITY, "l");
  }

  @Test
  void sizesWhoseTotalOverflows() throws Exception {
    craft(
        m -> {
          m.fileEntries.get(indexOf(m, "ibdata1")).size = Long.MAX_VALUE / 2 + 1;
          m.fileEntries.get(indexOf(m, "shop/orders.ibd")).size = Long.MAX_VALUE / 2 + 1;
        });
    assertRefusedBeforeAnyDeletion(ExitCode.INTEGRITY, "overflow");
  }

  @Test
  void aFileNamedLikeTheRestoreMarker() throws Exception {
    craft(
        m -> {
          try {
            addCopyOf(m, "aria_log_control").name = RestoreMarker.NAME;
          } catch (Exception e) {
            throw new RuntimeException(e);
          }
        });
    assertRefusedBeforeAnyDeletion(ExitCode.INTEGRITY, RestoreMarker.NAME);
  }

  @Test
  void aFileInLostAndFoundWhichOverwriteKeeps() throws Exception {
    Files.createDirectories(target.resolve("lost+found"));
    Files.writeString(target.resolve("lost+found/#1234"), "fsck found this");
    before = TreeSnapshot.of(target);
    craft(
        m -> {
          try {
            addCopyOf(m, "aria_log_control").name = "lost+found/#1234";
          } catch (Exception e) {
            throw new RuntimeException(e);
          }
        });
    assertRefusedBeforeAnyDeletion(ExitCode.INTEGRITY, "lost+found");
  }

  @Test
  void aNameLongerThanAFileSystemAllows() throws Exception {
    String longName = "shop/" + "t".repeat(256) + ".ibd";
    craft(
        m -> {
          try {
            addCopyOf(m, "aria_log_control").name = longName;
          } catch (Exception e) {
            throw new RuntimeException(e);
          }
        });
    assertRefusedBeforeAnyDeletion(ExitCode.INTEGRITY, "255");
  }

  @Test
  void anEmptyManifestIsInvalid() throws Exception {
    craft(
        m -> {
          m.fileEntries = new ArrayList<>();
          m.stowageDirectories = null;
          m.stowageSymlinks = null;
        });
    assertRefusedBeforeAnyDeletion(ExitCode.INTEGRITY, "no FileEntries");
  }

  @Test
  void aSparseFileInTheTargetDoesNotCountAsSpaceThatOverwriteFrees() throws Exception {
    // The backup holds ~0.5 MB; a 256 KiB tmpfs holds a 1 GiB sparse file (no blocks) and a
    // 100 KiB real file. Counting the sparse file's size() as freed lets the wipe happen and the
    // restore then run out of space; counting allocated blocks refuses it first.
    Path small = tmp.resolve("small");
    Files.createDirectories(small);
    Process p =
        new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", small.toString())
            .inheritIO()
            .start();
    assertThat(p.waitFor()).as("mounting a small tmpfs (the tests run as root)").isZero();
    try {
      target = small;
      try (var f = new java.io.RandomAccessFile(small.resolve("sparse.ibd").toFile(), "rw")) {
        f.setLength(1L << 30);
      }
      Trees.writePseudoData(small.resolve("real.ibd"), 100 * 1024, 11);
      before = TreeSnapshot.of(target);
      assertRefusedBeforeAnyDeletion(ExitCode.UNSAFE, "not enough free space");
    } finally {
      new ProcessBuilder("umount", small.toString()).inheritIO().start().waitFor();
    }
  }

  private static PathEntry link(String name, String target) {
    PathEntry e = new PathEntry();
    e.base = "Data";
    e.name = name;
    e.target = target;
    return e;
  }

  private static ArrayList<PathEntry> links(PathEntry... es) {
    return new ArrayList<>(java.util.List.of(es));
  }
}
