package dev.stowage.engine.it;

import static dev.stowage.engine.testing.EngineProcess.fileUrl;
import static org.assertj.core.api.Assertions.assertThat;

import dev.stowage.engine.testing.EngineProcess;
import dev.stowage.engine.testing.ProcessRunner;
import dev.stowage.engine.testing.TreeSnapshot;
import dev.stowage.engine.testing.Trees;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A --concurrency whose workers' buffers do not fit in the JVM's memory (a small container: the JVM
 * caps direct buffers at its maximum heap, by default a quarter of the memory limit) runs with the
 * workers that fit and says so, instead of failing half-way with "Cannot reserve ... bytes of
 * direct buffer memory"; a JVM that cannot hold one worker's buffers is refused before anything is
 * written. The counts follow from the buffers' sizes (core/MemoryBudget): under a 16 MiB cap, less
 * its 2 MiB reserve, 3 backup workers of 4.09 MiB, 2 verify workers of 5.14 MiB, 1 restore worker
 * of 7.39 MiB; encrypted, 2 backup workers of 5.10 MiB.
 */
class MemoryLimitIT {

  private static final String DIRECTORY = "it/memory";
  private static final String NAME = "2026-12-07.000000.memory";
  private static final List<String> SMALL_DIRECT_MEMORY = List.of("-XX:MaxDirectMemorySize=16m");

  @TempDir Path dir;
  Path source;
  Path storage;

  @BeforeEach
  void sourceOfManyObjects() throws IOException {
    source = dir.resolve("source");
    Trees.writeSampleDatadir(source);
    Path many = Files.createDirectories(source.resolve("many"));
    for (int i = 0; i < 40; i++) {
      Trees.writePseudoData(many.resolve("t" + i + ".ibd"), 1 << 20, 100 + i);
    }
    storage = Files.createDirectories(dir.resolve("storage"));
  }

  @Test
  void aBackupWithMoreWorkersThanDirectMemoryHoldsRunsWithFewerAndSaysSo() {
    ProcessRunner.Result backup = backup(SMALL_DIRECT_MEMORY, "64");

    assertThat(backup.exitCode()).as("backup\n%s", backup).isZero();
    assertThat(backup.stderr())
        .as("the warning says how many run and what binds")
        .contains("--concurrency 64: only 3 backup workers fit in this JVM's direct memory")
        .contains("-XX:MaxDirectMemorySize");
    ProcessRunner.Result restore = restore(List.of(), "8", dir.resolve("target"));
    assertThat(restore.exitCode()).as("restore\n%s", restore).isZero();
    assertRestoredTreeIsTheSource(dir.resolve("target"));
  }

  @Test
  void aRestoreAndAVerifyWithMoreWorkersThanDirectMemoryHoldsRunWithFewerAndSaySo() {
    ProcessRunner.Result backup = backup(List.of(), "4");
    assertThat(backup.exitCode()).as("backup\n%s", backup).isZero();

    ProcessRunner.Result verify = engine(SMALL_DIRECT_MEMORY, "verify", "64", List.of());
    assertThat(verify.exitCode()).as("verify\n%s", verify).isZero();
    assertThat(verify.stderr()).contains("--concurrency 64: only 2 verify workers fit");

    Path target = dir.resolve("target");
    ProcessRunner.Result restore = restore(SMALL_DIRECT_MEMORY, "64", target);
    assertThat(restore.exitCode()).as("restore\n%s", restore).isZero();
    assertThat(restore.stderr())
        .contains("--concurrency 64: only 1 restore worker fit in this JVM's direct memory");
    assertRestoredTreeIsTheSource(target);
  }

  @Test
  void aJvmThatCannotHoldOneWorkersBuffersIsRefusedBeforeAnyWrite() {
    ProcessRunner.Result backup = backup(List.of(), "4");
    assertThat(backup.exitCode()).as("backup\n%s", backup).isZero();
    Path target = dir.resolve("target");

    ProcessRunner.Result restore = restore(List.of("-XX:MaxDirectMemorySize=2m"), "8", target);

    assertThat(restore.exitCode()).as("restore\n%s", restore).isEqualTo(2);
    assertThat(restore.stderr())
        .contains("not enough memory for one restore worker in this JVM's direct memory")
        .contains("Raise the memory limit");
    assertThat(target).as("nothing was written").doesNotExist();
  }

  /** The buffers of a cipher count too: its read staging is direct, its segments on the heap. */
  @Test
  void anEncryptedBackupAndRestoreWithLittleDirectMemoryRunWithFewerWorkers() throws IOException {
    Path key = dir.resolve("key");
    Files.write(key, new byte[32]);
    List<String> encrypted = List.of("--encryption-key-file", key.toString());

    ProcessRunner.Result backup = backup(SMALL_DIRECT_MEMORY, "64", encrypted);
    assertThat(backup.exitCode()).as("backup\n%s", backup).isZero();
    assertThat(backup.stderr())
        .contains("--concurrency 64: only 2 backup workers fit in this JVM's direct memory");

    Path target = dir.resolve("target");
    ProcessRunner.Result restore = restore(SMALL_DIRECT_MEMORY, "64", target, encrypted);
    assertThat(restore.exitCode()).as("restore\n%s", restore).isZero();
    assertThat(restore.stderr())
        .contains("--concurrency 64: only 1 restore worker fit in this JVM's direct memory");
    assertRestoredTreeIsTheSource(target);
  }

  /**
   * Refused before the backup's lock and before the leftovers of an earlier, interrupted backup of
   * the same name are cleared: the storage is as it was.
   */
  @Test
  void aBackupThatCannotHoldOneWorkerLeavesTheStorageAsItWas() throws IOException {
    Path leftover = Files.createDirectories(storage.resolve(DIRECTORY).resolve(NAME)).resolve("0");
    Files.writeString(leftover, "an object of an interrupted backup");
    TreeSnapshot before = TreeSnapshot.of(storage);

    ProcessRunner.Result backup = backup(List.of("-XX:MaxDirectMemorySize=2m"), "4", List.of());

    assertThat(backup.exitCode()).as("backup\n%s", backup).isEqualTo(2);
    assertThat(backup.stderr())
        .contains("not enough memory for one backup worker in this JVM's direct memory");
    assertThat(TreeSnapshot.of(storage)).as("nothing written or deleted").isEqualTo(before);
  }

  private void assertRestoredTreeIsTheSource(Path target) {
    assertThat(TreeSnapshot.of(target).withoutTimes())
        .isEqualTo(TreeSnapshot.of(source).withoutTimes());
  }

  private ProcessRunner.Result backup(List<String> jvm, String concurrency) {
    return backup(jvm, concurrency, List.of());
  }

  private ProcessRunner.Result backup(List<String> jvm, String concurrency, List<String> extra) {
    List<String> args = new ArrayList<>(List.of("--datadir", source.toString()));
    args.addAll(List.of("--chunk-size", "4Mi", "--chunk-threshold", "4Mi"));
    args.addAll(extra);
    return engine(jvm, "backup", concurrency, args);
  }

  private ProcessRunner.Result restore(List<String> jvm, String concurrency, Path target) {
    return restore(jvm, concurrency, target, List.of());
  }

  private ProcessRunner.Result restore(
      List<String> jvm, String concurrency, Path target, List<String> extra) {
    List<String> args = new ArrayList<>(List.of("--datadir", target.toString()));
    args.addAll(extra);
    return engine(jvm, "restore", concurrency, args);
  }

  /** One engine command on this test's backup, in a JVM started with {@code jvm}. */
  private ProcessRunner.Result engine(
      List<String> jvm, String command, String concurrency, List<String> extra) {
    List<String> args = new ArrayList<>(List.of(command, "--storage", fileUrl(storage)));
    args.addAll(List.of("--directory", DIRECTORY, "--name", NAME, "--concurrency", concurrency));
    args.addAll(extra);
    return EngineProcess.runInJvm(jvm, args);
  }
}
