package dev.stowage.engine.restore;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stowage.engine.EngineFixture;
import dev.stowage.engine.core.Roots;
import dev.stowage.engine.storage.file.FileStorage;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * --overwrite with a separate InnoDB directory inside the data directory: clearing the data
 * directory must not delete the other root with its lost+found (nor clear it twice, which failed
 * when the order of the two roots was the other way round).
 */
class NestedRootsOverwriteTest {
  @TempDir Path tmp;

  @Test
  void anInnodbDirInsideTheDatadirIsClearedNotDeleted() throws Exception {
    Path data = Files.createDirectories(tmp.resolve("data/shop"));
    Files.writeString(tmp.resolve("data/ibdata1"), "system tablespace");
    Files.writeString(data.resolve("t.ibd"), "table");
    Files.createDirectories(tmp.resolve("backups"));
    FileStorage files = new FileStorage(tmp.resolve("backups"));
    EngineFixture.backup(files, tmp.resolve("data"), "b1");

    Path target = Files.createDirectories(tmp.resolve("target/innodb"));
    Files.writeString(tmp.resolve("target/old.ibd"), "old table");
    Files.writeString(target.resolve("ibdata1"), "old system tablespace");
    // What --overwrite keeps in every root (the InnoDB directory may be a volume of its own).
    Files.createDirectories(target.resolve("lost+found"));
    Object inode = Files.getAttribute(target, "unix:ino");
    Roots roots = new Roots(tmp.resolve("target"), target, null);
    new RestoreRunner(
            new RestoreSettings(roots, EngineFixture.DIR, "b1", 2, true, true),
            files,
            EngineFixture.fastRetrier(),
            RestoreRunner.FSYNC)
        .run();
    assertThat(tmp.resolve("target/old.ibd")).doesNotExist();
    assertThat(target.resolve("ibdata1")).hasContent("system tablespace");
    assertThat(tmp.resolve("target/shop/t.ibd")).hasContent("table");
    assertThat(tmp.resolve("target/ibdata1")).doesNotExist();
    assertThat(target.resolve("lost+found")).isDirectory();
    assertThat(Files.getAttribute(target, "unix:ino")).isEqualTo(inode);
  }
}
