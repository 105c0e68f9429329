package dev.stowage.engine.it;

import static dev.stowage.engine.testing.EngineProcess.fileUrl;
import static org.assertj.core.api.Assertions.assertThat;

import dev.stowage.engine.testing.EngineProcess;
import dev.stowage.engine.testing.ProcessRunner;
import dev.stowage.engine.testing.TreeSnapshot;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 10, case 5: a restore kept one descriptor open per finished file until its fsync, so many
 * small files ran out of descriptors. 5,000 files must restore under {@code ulimit -n 256}.
 */
class ManyFilesRestoreIT {
  private static final int FILES = 5_000;
  private static final String DIRECTORY = "it/many";

  @TempDir Path dir;

  @Test
  void fiveThousandSmallFilesRestoreUnderADescriptorLimitOf256() throws Exception {
    Path source = dir.resolve("source");
    for (int d = 0; d < 50; d++) {
      Path schema = Files.createDirectories(source.resolve("db" + d));
      for (int f = 0; f < FILES / 50; f++) {
        Files.writeString(schema.resolve("t" + f + ".ibd"), "table " + d + "/" + f + "\n");
      }
    }
    Path storage = Files.createDirectories(dir.resolve("storage"));
    String name = "2026-01-05.000000.many";
    ProcessRunner.Result backup =
        EngineProcess.run(
            "backup",
            "--datadir",
            source.toString(),
            "--storage",
            fileUrl(storage),
            "--directory",
            DIRECTORY,
            "--name",
            name,
            "--quiet");
    assertThat(backup.exitCode()).as("backup\n%s", backup).isZero();

    Path target = dir.resolve("target");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    ProcessRunner.Result restore =
        ProcessRunner.run(
            Duration.ofMinutes(10),
            "bash",
            "-c",
            "ulimit -n 256 && exec \"$0\" -jar \"$1\" restore --storage \"$2\" --directory \"$3\""
                + " --name \"$4\" --datadir \"$5\" --quiet",
            java,
            EngineProcess.jar().toString(),
            fileUrl(storage),
            DIRECTORY,
            name,
            target.toString());
    assertThat(restore.exitCode()).as("restore at ulimit -n 256\n%s", restore).isZero();
    assertThat(TreeSnapshot.of(target).contentOnly())
        .isEqualTo(TreeSnapshot.of(source).contentOnly());
  }
}
