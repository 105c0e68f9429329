package dev.stowage.engine.it;

import static dev.stowage.engine.testing.EngineProcess.fileUrl;
import static org.assertj.core.api.Assertions.assertThat;

import dev.stowage.engine.testing.EngineProcess;
import dev.stowage.engine.testing.MariaDbServer;
import dev.stowage.engine.testing.ProcessRunner;
import dev.stowage.engine.testing.StoredBackup;
import dev.stowage.engine.testing.StoredBackup.FileEntry;
import dev.stowage.engine.testing.TreeSnapshot;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A server whose system tablespace and redo log live outside the data directory (as on a Vitess
 * tablet with separate InnoDB directories): the Bases in the MANIFEST say where each file belongs,
 * the live check looks at the real {@code ibdata1}, and a restore puts each file back under the
 * directory given for its Base.
 */
class SeparateInnoDbDirsIT {

  private static final String DIRECTORY = "it/split";
  private static final String NAME = "2026-01-03.000000.split";

  @TempDir Path dir;

  private static List<String> options(Path data, Path log) {
    return List.of("--innodb-data-home-dir=" + data, "--innodb-log-group-home-dir=" + log);
  }

  @Test
  void eachBaseIsBackedUpAndRestoredUnderItsOwnDirectory() throws IOException {
    Path datadir = dir.resolve("src/data");
    Path innoData = Files.createDirectories(dir.resolve("src/innodb-data"));
    Path innoLog = Files.createDirectories(dir.resolve("src/innodb-log"));
    Path storage = Files.createDirectories(dir.resolve("storage"));
    List<String> srcOptions = options(innoData, innoLog);
    List<String> backupArgs =
        List.of(
            "backup",
            "--datadir",
            datadir.toString(),
            "--innodb-data-dir",
            innoData.toString(),
            "--innodb-log-dir",
            innoLog.toString(),
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

    Map<String, String> before;
    MariaDbServer.install(datadir, srcOptions);
    try (MariaDbServer server = MariaDbServer.start(datadir, dir.resolve("run-src"), srcOptions)) {
      server.sql(
          "CREATE DATABASE app; USE app;"
              + " CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(200)) ENGINE=InnoDB;"
              + " INSERT INTO t SELECT seq, CONCAT(SHA2(seq, 256), REPEAT('x', seq % 50))"
              + " FROM seq_1_to_80000;"
              + " CREATE TABLE a (id INT PRIMARY KEY, v TEXT) ENGINE=Aria;"
              + " INSERT INTO a SELECT seq, MD5(seq) FROM seq_1_to_5000;");
      assertThat(innoData.resolve("ibdata1")).exists();
      assertThat(datadir.resolve("ibdata1")).doesNotExist();
      before = server.checksums(List.of("app.t", "app.a"));

      // The live check must find ibdata1 where it really is.
      ProcessRunner.Result live = EngineProcess.run(backupArgs);
      assertThat(live.exitCode()).as("backup of the running server\n%s", live).isEqualTo(5);
      assertThat(live.output()).contains("ibdata1");
      server.shutdown();
    }

    ProcessRunner.Result backup = EngineProcess.run(backupArgs);
    assertThat(backup.exitCode()).as("backup\n%s", backup).isZero();

    StoredBackup stored = StoredBackup.at(storage, DIRECTORY, NAME);
    Map<String, String> bases =
        stored.files().stream().collect(Collectors.toMap(FileEntry::name, FileEntry::base));
    assertThat(bases)
        .containsEntry("ibdata1", "InnoDBData")
        .containsEntry("ib_logfile0", "InnoDBLog");
    assertThat(bases).containsEntry("app/t.ibd", "Data");

    Path target = dir.resolve("dst/data");
    Path targetData = dir.resolve("dst/innodb-data");
    Path targetLog = dir.resolve("dst/innodb-log");
    ProcessRunner.Result restore =
        EngineProcess.run(
            "restore",
            "--storage",
            fileUrl(storage),
            "--directory",
            DIRECTORY,
            "--name",
            NAME,
            "--datadir",
            target.toString(),
            "--innodb-data-dir",
            targetData.toString(),
            "--innodb-log-dir",
            targetLog.toString());
    assertThat(restore.exitCode()).as("restore\n%s", restore).isZero();

    assertThat(TreeSnapshot.of(targetData).withoutTimes())
        .isEqualTo(TreeSnapshot.of(innoData).withoutTimes());
    assertThat(TreeSnapshot.of(targetLog).withoutTimes())
        .isEqualTo(TreeSnapshot.of(innoLog).withoutTimes());
    assertThat(TreeSnapshot.of(target).withoutTimes())
        .isEqualTo(TreeSnapshot.of(datadir).withoutTimes());

    List<String> dstOptions = options(targetData, targetLog);
    try (MariaDbServer server = MariaDbServer.start(target, dir.resolve("run-dst"), dstOptions)) {
      assertThat(server.checksums(List.of("app.t", "app.a"))).isEqualTo(before);
    }
  }
}
