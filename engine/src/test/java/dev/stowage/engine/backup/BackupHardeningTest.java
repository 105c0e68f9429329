package dev.stowage.engine.backup;

import static dev.stowage.engine.EngineFixture.DIR;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stowage.engine.EngineFixture;
import dev.stowage.engine.core.Roots;
import dev.stowage.engine.core.RunSummary;
import dev.stowage.engine.error.EngineException;
import dev.stowage.engine.error.ExitCode;
import dev.stowage.engine.storage.BackupLocation;
import dev.stowage.engine.storage.FaultyStorage;
import dev.stowage.engine.storage.ObjectWriter;
import dev.stowage.engine.storage.file.FileStorage;
import dev.stowage.engine.testing.TreeSnapshot;
import dev.stowage.engine.testing.Trees;
import dev.stowage.engine.verify.VerifyRunner;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The backup-writer cases of issue 10, each named after its case. */
class BackupHardeningTest {
  @TempDir Path tmp;

  private Path datadir() throws Exception {
    Path d = tmp.resolve("data");
    EngineFixture.writeDatadir(d);
    return d;
  }

  private Path backups() throws Exception {
    return Files.createDirectories(tmp.resolve("backups"));
  }

  private Path backupDir(String name) {
    return tmp.resolve("backups").resolve(DIR).resolve(name);
  }

  private static ExitCode exit(Throwable e) {
    return ((EngineException) e).exitCode();
  }

  /** Case 1: run A is paused before its MANIFEST; run B of the same name must not touch it. */
  @Test
  void case1_aSecondRunOfTheSameNameIsRefusedNamingTheHolderAndTheFirstStaysRestorable()
      throws Exception {
    Path data = datadir();
    FileStorage files = new FileStorage(backups());
    CountDownLatch atManifest = new CountDownLatch(1);
    CountDownLatch resume = new CountDownLatch(1);
    FaultyStorage pausing =
        new FaultyStorage(files) {
          @Override
          public ObjectWriter create(BackupLocation location, String object, boolean replace) {
            if (object.equals("MANIFEST")) {
              atManifest.countDown();
              try {
                resume.await(60, TimeUnit.SECONDS);
              } catch (InterruptedException e) {
                throw new IllegalStateException(e);
              }
            }
            return super.create(location, object, replace);
          }
        };
    CompletableFuture<RunSummary> a =
        CompletableFuture.supplyAsync(() -> EngineFixture.backup(pausing, data, "b1"));
    assertThat(atManifest.await(60, TimeUnit.SECONDS)).isTrue();
    try {
      // Run B reads the same data directory; its ibdata1 lock probe would meet A's lock inside
      // this one JVM, so B skips it (two processes share the lock, see OneWriterPerNameIT).
      BackupSettings s = EngineFixture.backupSettings(data, "b1");
      BackupSettings b =
          new BackupSettings(
              s.roots(),
              s.location(),
              s.chunkThreshold(),
              s.chunkSize(),
              s.compression(),
              s.level(),
              s.concurrency(),
              true,
              true);
      assertThatThrownBy(
              () ->
                  new BackupRunner(
                          b, new FileStorage(tmp.resolve("backups")), EngineFixture.fastRetrier())
                      .run())
          .isInstanceOf(EngineException.class)
          .satisfies(e -> assertThat(exit(e)).isEqualTo(ExitCode.UNSAFE))
          .hasMessageContaining(".stowage-lock")
          .hasMessageContaining("pid " + ProcessHandle.current().pid())
          .hasMessageContaining("heartbeat");
    } finally {
      resume.countDown();
    }
    assertThat(a.get(60, TimeUnit.SECONDS).files()).isPositive();
    assertThat(backupDir("b1").resolve(".stowage-lock")).doesNotExist();
    new VerifyRunner(files, EngineFixture.fastRetrier()).run(DIR, "b1", 2, true);
  }

  /** Case 1: a run that finishes between our first look and our lock keeps its backup intact. */
  @Test
  void case1_aBackupCompletedJustBeforeTheLockIsTakenIsLeftIntact() throws Exception {
    Path data = datadir();
    FileStorage files = new FileStorage(backups());
    AtomicBoolean once = new AtomicBoolean();
    FaultyStorage racing =
        new FaultyStorage(files) {
          @Override
          public boolean createExclusive(BackupLocation location, String object, byte[] content) {
            if (object.equals(".stowage-lock") && once.compareAndSet(false, true)) {
              // The other run of this name writes its MANIFEST and releases its lock right now.
              EngineFixture.backup(files, data, "b1");
            }
            return super.createExclusive(location, object, content);
          }
        };
    BackupSettings s = EngineFixture.backupSettings(data, "b1");
    BackupSettings live =
        new BackupSettings(
            s.roots(),
            s.location(),
            s.chunkThreshold(),
            s.chunkSize(),
            s.compression(),
            s.level(),
            s.concurrency(),
            true,
            true);
    assertThatThrownBy(() -> new BackupRunner(live, racing, EngineFixture.fastRetrier()).run())
        .isInstanceOf(EngineException.class)
        .satisfies(e -> assertThat(exit(e)).isEqualTo(ExitCode.UNSAFE))
        .hasMessageContaining("already exists and is complete");
    new VerifyRunner(files, EngineFixture.fastRetrier()).run(DIR, "b1", 2, true);
    assertThat(backupDir("b1").resolve(".stowage-lock")).doesNotExist();
  }

  /** Case 4: a name that is not valid UTF-8 would come back as another name: refused, exit 5. */
  @Test
  void case4_aFileNameThatIsNotUtf8IsRefusedWithItsBytesEscaped() throws Exception {
    Path data = datadir();
    Process p =
        new ProcessBuilder(
                "python3",
                "-c",
                "import os,sys\nopen(os.fsencode(sys.argv[1])+b'/shop/bad\\xff\\xfe.ibd','wb').write(b'x')",
                data.toString())
            .inheritIO()
            .start();
    assertThat(p.waitFor()).isZero();
    assertThatThrownBy(() -> EngineFixture.backup(new FileStorage(backups()), data, "b1"))
        .isInstanceOf(EngineException.class)
        .satisfies(e -> assertThat(exit(e)).isEqualTo(ExitCode.UNSAFE))
        .hasMessageContaining("shop/bad\\xff\\xfe.ibd");
    assertThat(backupDir("b1")).doesNotExist();
  }

  /** Case 4: under a UTF-8 JVM a non-ASCII name comes back exactly. */
  @Test
  void case4_aNonAsciiNameRoundTripsExactly() throws Exception {
    assertThat(System.getProperty("sun.jnu.encoding")).isEqualTo("UTF-8");
    Path data = datadir();
    Trees.writePseudoData(data.resolve("shop/café.ibd"), 5000, 9);
    Files.createDirectories(data.resolve("schéma"));
    FileStorage files = new FileStorage(backups());
    EngineFixture.backup(files, data, "b1");
    EngineFixture.restore(files, tmp.resolve("r"), "b1");
    assertThat(Files.readAllBytes(tmp.resolve("r/shop/café.ibd")))
        .isEqualTo(Files.readAllBytes(data.resolve("shop/café.ibd")));
    assertThat(tmp.resolve("r/schéma")).isDirectory();
  }

  /** Case 8: with a separate InnoDB data directory, an ibdata1 in the data directory is refused. */
  @Test
  void case8_innodbDataDirWhileTheDataDirectoryAlsoHoldsIbdata1IsRefused() throws Exception {
    Path data = datadir(); // holds ibdata1
    Path innodb = Files.createDirectories(tmp.resolve("innodb"));
    Trees.writePseudoData(innodb.resolve("ibdata1"), 12345, 7);
    BackupSettings s = EngineFixture.backupSettings(data, "b1");
    BackupSettings split =
        new BackupSettings(
            new Roots(data, innodb, null),
            s.location(),
            s.chunkThreshold(),
            s.chunkSize(),
            s.compression(),
            s.level(),
            s.concurrency(),
            false,
            true);
    FileStorage files = new FileStorage(backups());
    assertThatThrownBy(() -> new BackupRunner(split, files, EngineFixture.fastRetrier()).run())
        .isInstanceOf(EngineException.class)
        .satisfies(e -> assertThat(exit(e)).isEqualTo(ExitCode.INVALID_ARGUMENTS))
        .hasMessageContaining("ibdata1")
        .hasMessageContaining("--innodb-data-dir");
    assertThat(backupDir("b1")).doesNotExist();
  }

  /** Case 9: a failed backup removes its partial objects and its lock. */
  @Test
  void case9_aFailedBackupRemovesWhatItWroteAndItsLock() throws Exception {
    Path data = datadir();
    FaultyStorage storage = new FaultyStorage(new FileStorage(backups())).failCreate("3-2", 100);
    assertThatThrownBy(() -> EngineFixture.backup(storage, data, "b1"))
        .isInstanceOf(EngineException.class)
        .hasMessageContaining("3-2");
    if (Files.exists(backupDir("b1"))) {
      try (Stream<Path> left = Files.list(backupDir("b1"))) {
        assertThat(left).as("objects left by the failed run").isEmpty();
      }
    }
    assertThat(backupDir("b1")).as("the failed backup's folder").doesNotExist();
  }

  /** Case 10: a writer that changes a file and resets its mtime is caught by its ctime. */
  @Test
  void case10_aFileRewrittenWithItsMtimeResetFailsTheBackup() throws Exception {
    Path data = datadir();
    Path victim = data.resolve("shop/orders.frm");
    AtomicBoolean done = new AtomicBoolean();
    FaultyStorage tamper =
        new FaultyStorage(new FileStorage(backups())) {
          @Override
          public ObjectWriter create(BackupLocation location, String object, boolean replace) {
            if (!object.startsWith(".") && done.compareAndSet(false, true)) {
              try {
                FileTime before = Files.getLastModifiedTime(victim);
                byte[] b = Files.readAllBytes(victim);
                b[0] ^= 1;
                Files.write(victim, b);
                Files.setLastModifiedTime(victim, before);
              } catch (Exception e) {
                throw new IllegalStateException(e);
              }
            }
            return super.create(location, object, replace);
          }
        };
    assertThatThrownBy(() -> EngineFixture.backup(tamper, data, "b1"))
        .isInstanceOf(EngineException.class)
        .satisfies(e -> assertThat(exit(e)).isEqualTo(ExitCode.UNSAFE))
        .hasMessageContaining("shop/orders.frm")
        .hasMessageContaining("changed during the backup")
        .hasMessageContaining("snapshot");
    assertThat(backupDir("b1").resolve("MANIFEST")).doesNotExist();
  }

  /** Case 10: a file created while the backup runs would be missing from it: refused. */
  @Test
  void case10_aFileCreatedMidBackupFailsTheBackup() throws Exception {
    Path data = datadir();
    AtomicBoolean done = new AtomicBoolean();
    FaultyStorage creating =
        new FaultyStorage(new FileStorage(backups())) {
          @Override
          public ObjectWriter create(BackupLocation location, String object, boolean replace) {
            if (!object.startsWith(".") && done.compareAndSet(false, true)) {
              try {
                Files.writeString(data.resolve("shop/late.ibd"), "new table");
              } catch (Exception e) {
                throw new IllegalStateException(e);
              }
            }
            return super.create(location, object, replace);
          }
        };
    assertThatThrownBy(() -> EngineFixture.backup(creating, data, "b1"))
        .isInstanceOf(EngineException.class)
        .satisfies(e -> assertThat(exit(e)).isEqualTo(ExitCode.UNSAFE))
        .hasMessageContaining("shop/late.ibd")
        .hasMessageContaining("appeared during the backup");
    assertThat(backupDir("b1").resolve("MANIFEST")).doesNotExist();
    assertThat(TreeSnapshot.of(data).entries()).containsKey("shop/late.ibd");
  }
}
