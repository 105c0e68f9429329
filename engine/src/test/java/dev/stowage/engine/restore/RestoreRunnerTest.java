package dev.stowage.engine.restore;

import static dev.stowage.engine.EngineFixture.DIR;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stowage.engine.EngineFixture;
import dev.stowage.engine.core.FileSystemSync;
import dev.stowage.engine.core.Preallocation;
import dev.stowage.engine.core.RestoreMarker;
import dev.stowage.engine.error.EngineException;
import dev.stowage.engine.error.ExitCode;
import dev.stowage.engine.manifest.Manifest;
import dev.stowage.engine.manifest.ManifestCodec;
import dev.stowage.engine.storage.FaultyStorage;
import dev.stowage.engine.storage.file.FileStorage;
import dev.stowage.engine.testing.TreeSnapshot;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Predicate;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RestoreRunnerTest {
  @TempDir Path tmp;
  Path data;
  FileStorage files;
  Path backup;

  private static final Predicate<String> BACKED_UP =
      p -> !p.equals("mysqld.pid") && !p.equals("shop/pipe");

  @BeforeEach
  void backUp() throws Exception {
    data = tmp.resolve("data");
    EngineFixture.writeDatadir(data);
    Files.createDirectories(tmp.resolve("backups"));
    files = new FileStorage(tmp.resolve("backups"));
    EngineFixture.backup(files, data, "b1");
    backup = tmp.resolve("backups").resolve(DIR).resolve("b1");
  }

  private RestoreRunner runner(
      dev.stowage.engine.storage.BackupStorage s,
      Path target,
      int concurrency,
      boolean overwrite,
      RestoreRunner.Durability d) {
    return new RestoreRunner(
        EngineFixture.restoreSettings(target, "b1", concurrency, overwrite),
        s,
        EngineFixture.fastRetrier(),
        d);
  }

  private static int exit(Throwable e) {
    return ((EngineException) e).exitCode().code();
  }

  @Test
  void aRetriedChunkDoesNotDamageItsNeighbours() throws Exception {
    // One worker: chunk 3-3 (the short last chunk of orders.ibd) is written after 3-0..3-2; its
    // first
    // download is damaged, so it is written, found bad and rewritten. Nothing may truncate the
    // file.
    FaultyStorage s = new FaultyStorage(files).corruptRead("3-3", 2);
    Path target = tmp.resolve("r");
    runner(s, target, 1, false, RestoreRunner.FSYNC).run();
    assertThat(s.opens.get("3-3").get()).isEqualTo(3);
    assertThat(TreeSnapshot.of(target).contentOnly())
        .isEqualTo(TreeSnapshot.of(data).filter(BACKED_UP).contentOnly());
    assertThat(target.resolve(RestoreMarker.NAME)).doesNotExist();
  }

  @Test
  void aFailedFsyncIsFatalAndLeavesTheMarker() {
    Path target = tmp.resolve("r");
    RestoreRunner.Durability failingSync =
        new RestoreRunner.Durability() {
          @Override
          public void force(FileChannel channel) throws IOException {
            throw new IOException("EIO (injected)");
          }

          @Override
          public void close(FileChannel channel) throws IOException {
            channel.close();
          }
        };
    assertThatThrownBy(() -> runner(files, target, 2, false, failingSync).run())
        .hasMessageContaining("fsync")
        .hasMessageContaining("may not be on disk")
        .satisfies(e -> assertThat(exit(e)).isEqualTo(1));
    assertThat(target.resolve(RestoreMarker.NAME)).exists();
  }

  /**
   * A file's recorded mode and mtime are set before its fsync, so the fsync makes them durable with
   * its data; set after, a crash could leave a restored file with the mode and mtime it was created
   * with. Checked at each fsync on the files whose size names them alone.
   */
  @Test
  void modeAndMtimeAreSetBeforeTheFileIsFsynced() throws Exception {
    java.nio.file.attribute.FileTime past =
        java.nio.file.attribute.FileTime.from(java.time.Instant.parse("2020-01-02T03:04:05Z"));
    java.util.Map<Long, Path> bySize = new java.util.HashMap<>();
    java.util.Set<Long> shared = new java.util.HashSet<>();
    try (var walk = Files.walk(data)) {
      for (Path f : walk.filter(Files::isRegularFile).toList()) {
        Files.setPosixFilePermissions(
            f, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r-----"));
        Files.setLastModifiedTime(f, past);
        long size = Files.size(f);
        if (bySize.put(size, data.relativize(f)) != null) {
          shared.add(size);
        }
      }
    }
    shared.forEach(bySize::remove);
    EngineFixture.backup(files, data, "b2");
    Path target = tmp.resolve("r");
    java.util.List<String> seen =
        java.util.Collections.synchronizedList(new java.util.ArrayList<>());
    RestoreRunner.Durability recording =
        new RestoreRunner.Durability() {
          @Override
          public void force(FileChannel channel) throws IOException {
            Path rel = bySize.get(channel.size());
            if (rel != null && Files.exists(target.resolve(rel))) {
              Path f = target.resolve(rel);
              seen.add(
                  rel
                      + " "
                      + java.nio.file.attribute.PosixFilePermissions.toString(
                          Files.getPosixFilePermissions(f))
                      + " "
                      + Files.getLastModifiedTime(f));
            }
            channel.force(true);
          }

          @Override
          public void close(FileChannel channel) throws IOException {
            channel.close();
          }
        };
    new RestoreRunner(
            EngineFixture.restoreSettings(target, "b2", 2, false),
            files,
            EngineFixture.fastRetrier(),
            recording,
            null,
            DirectWriter.O_DIRECT,
            Preallocation.FALLOCATE,
            FileSystemSync.PER_FILE)
        .run();
    assertThat(seen).as("fsyncs of files with a size of their own").hasSizeGreaterThanOrEqualTo(3);
    assertThat(seen).allSatisfy(line -> assertThat(line).endsWith(" rw-r----- " + past));
  }

  /**
   * A FileSystemSync whose handles record each sync and whether the marker was still there: the
   * restore's side of the contract (LinuxSyncfsTest makes real calls).
   */
  private static final class RecordingSync implements FileSystemSync {
    final java.util.List<Integer> closedAtSync =
        java.util.Collections.synchronizedList(new java.util.ArrayList<>());
    java.util.concurrent.atomic.AtomicInteger closes =
        new java.util.concurrent.atomic.AtomicInteger();
    final java.util.List<Boolean> markerAtSync =
        java.util.Collections.synchronizedList(new java.util.ArrayList<>());
    final java.util.concurrent.atomic.AtomicInteger open =
        new java.util.concurrent.atomic.AtomicInteger();
    final java.util.concurrent.atomic.AtomicInteger opened =
        new java.util.concurrent.atomic.AtomicInteger();
    private final Path target;
    private final IOException failure;

    RecordingSync(Path target, IOException failure) {
      this.target = target;
      this.failure = failure;
    }

    @Override
    public Handle open(Path dir, java.nio.file.FileStore store) {
      open.incrementAndGet();
      opened.incrementAndGet();
      return new Handle() {
        @Override
        public void sync() throws IOException {
          markerAtSync.add(Files.exists(target.resolve(RestoreMarker.NAME)));
          closedAtSync.add(closes.get());
          if (failure != null) {
            throw failure;
          }
        }

        @Override
        public void close() {
          open.decrementAndGet();
        }
      };
    }
  }

  /** Counts fsyncs by the size of the file forced. */
  private static final class CountingFsync implements RestoreRunner.Durability {
    final java.util.List<Long> sizes =
        java.util.Collections.synchronizedList(new java.util.ArrayList<>());

    @Override
    public void force(FileChannel channel) throws IOException {
      sizes.add(channel.size());
      channel.force(true);
    }

    final java.util.concurrent.atomic.AtomicInteger closes =
        new java.util.concurrent.atomic.AtomicInteger();

    @Override
    public void close(FileChannel channel) throws IOException {
      channel.close();
      closes.incrementAndGet();
    }
  }

  private RestoreRunner runner(Path target, RestoreRunner.Durability d, FileSystemSync sync) {
    return new RestoreRunner(
        EngineFixture.restoreSettings(target, "b1", 2, false),
        files,
        EngineFixture.fastRetrier(),
        d,
        null,
        DirectWriter.O_DIRECT,
        Preallocation.FALLOCATE,
        sync);
  }

  @Test
  void filesThroughThePageCacheAreMadeDurableBySyncfsBeforeTheMarkerGoes() throws Exception {
    Path target = tmp.resolve("r");
    RecordingSync sync = new RecordingSync(target, null);
    CountingFsync fsync = new CountingFsync();
    sync.closes = fsync.closes;
    runner(target, fsync, sync).run();
    long restored;
    try (var walk = Files.walk(target)) {
      restored =
          walk.filter(f -> Files.isRegularFile(f, java.nio.file.LinkOption.NOFOLLOW_LINKS)).count();
    }
    assertThat(sync.closedAtSync)
        .as("the syncfs after every file is closed")
        .containsExactly((int) restored);
    assertThat(TreeSnapshot.of(target).contentOnly())
        .isEqualTo(TreeSnapshot.of(data).filter(BACKED_UP).contentOnly());
    assertThat(target.resolve(RestoreMarker.NAME)).doesNotExist();
    assertThat(sync.markerAtSync)
        .as("one syncfs at the end, the marker still there")
        .containsExactly(true);
    // Only the chunked files (written with O_DIRECT) have an fsync of their own.
    assertThat(fsync.sizes)
        .containsExactlyInAnyOrder(
            Files.size(data.resolve("ibdata1")), Files.size(data.resolve("shop/orders.ibd")));
    assertThat(sync.open).as("handles closed").hasValue(0);
  }

  @Test
  void targetsOnOneFileSystemShareOneHandleAndOneSyncfs() throws Exception {
    Path target = tmp.resolve("r");
    RecordingSync sync = new RecordingSync(target, null);
    new RestoreRunner(
            new RestoreSettings(
                new dev.stowage.engine.core.Roots(
                    target, tmp.resolve("r-innodb"), tmp.resolve("r-logs")),
                DIR,
                "b1",
                2,
                false,
                true),
            files,
            EngineFixture.fastRetrier(),
            RestoreRunner.FSYNC,
            null,
            DirectWriter.O_DIRECT,
            Preallocation.FALLOCATE,
            sync)
        .run();
    assertThat(Files.exists(tmp.resolve("r-innodb").resolve("ibdata1"))).isTrue();
    assertThat(sync.opened).as("handles opened for three roots on one file system").hasValue(1);
    assertThat(sync.markerAtSync).as("one syncfs at the end").containsExactly(true);
    assertThat(sync.open).as("handles closed").hasValue(0);
  }

  @Test
  void aFailedSyncfsIsFatalAndLeavesTheMarker() {
    Path target = tmp.resolve("r");
    RecordingSync sync = new RecordingSync(target, new IOException("syncfs: EIO (injected)"));
    assertThatThrownBy(() -> runner(target, RestoreRunner.FSYNC, sync).run())
        .hasMessageContaining("EIO (injected)")
        .hasMessageContaining("may not be on disk")
        .hasMessageContaining(RestoreMarker.NAME)
        .satisfies(e -> assertThat(exit(e)).isEqualTo(1));
    assertThat(target.resolve(RestoreMarker.NAME)).exists();
    assertThat(sync.open).as("handles closed").hasValue(0);
  }

  @Test
  void aFailedSyncfsOnASyncThreadIsFatalAndLeavesTheMarker() {
    Path target = tmp.resolve("r");
    RecordingSync sync = new RecordingSync(target, new IOException("syncfs: EIO (injected)"));
    RestoreRunner r = runner(target, RestoreRunner.FSYNC, sync);
    r.syncEvery = 1; // the first file through the page cache syncs, on a sync thread
    assertThatThrownBy(r::run)
        .hasMessageContaining("EIO (injected)")
        .hasMessageContaining("may not be on disk")
        .satisfies(e -> assertThat(exit(e)).isEqualTo(1));
    assertThat(target.resolve(RestoreMarker.NAME)).exists();
    assertThat(sync.open).as("handles closed").hasValue(0);
  }

  @Test
  void aSyncfsRunsWheneverEnoughPageCacheBytesWait() throws Exception {
    Path target = tmp.resolve("r");
    RecordingSync sync = new RecordingSync(target, null);
    CountingFsync fsync = new CountingFsync();
    RestoreRunner r = runner(target, fsync, sync);
    r.syncEvery = 1; // every file through the page cache
    r.run();
    long pageCacheFiles; // with bytes: an empty file leaves nothing to write back
    try (var walk = Files.walk(target)) {
      pageCacheFiles =
          walk.filter(f -> Files.isRegularFile(f, java.nio.file.LinkOption.NOFOLLOW_LINKS))
                  .filter(f -> f.toFile().length() > 0)
                  .count()
              - fsync.sizes.size();
    }
    assertThat(pageCacheFiles).isGreaterThanOrEqualTo(3);
    assertThat(sync.markerAtSync).hasSize((int) pageCacheFiles + 1).allMatch(m -> m);
  }

  @Test
  void withoutATrustedSyncfsEveryFileIsFsyncedOnItsOwn() throws Exception {
    Path target = tmp.resolve("r");
    CountingFsync fsync = new CountingFsync();
    runner(target, fsync, FileSystemSync.PER_FILE).run();
    long restored;
    try (var walk = Files.walk(target)) {
      restored =
          walk.filter(f -> Files.isRegularFile(f, java.nio.file.LinkOption.NOFOLLOW_LINKS)).count();
    }
    assertThat(fsync.sizes).hasSize((int) restored);
  }

  @Test
  void aMountInsideATargetOrNoMountTableTurnsSyncfsOff() throws Exception {
    Path d = Files.createDirectories(tmp.resolve("d"));
    Path real = d.toRealPath();
    java.util.List<Path> roots = java.util.List.of(d);
    assertThat(
            RestoreRunner.nestedMount(
                roots, java.util.List.of(Path.of("/"), real.resolve("binlog"))))
        .isEqualTo(real.resolve("binlog"));
    assertThat(RestoreRunner.nestedMount(roots, java.util.List.of(Path.of("/"), real))).isNull();
    assertThat(RestoreRunner.nestedMount(roots, java.util.List.of(Path.of("/"), tmp.resolve("dd"))))
        .isNull();
    assertThat(RestoreRunner.nestedMount(roots, java.util.List.of())).isNotNull();
  }

  @Test
  void aFailedCloseIsFatalAndLeavesTheMarker() {
    Path target = tmp.resolve("r");
    RestoreRunner.Durability failingClose =
        new RestoreRunner.Durability() {
          @Override
          public void force(FileChannel channel) throws IOException {
            channel.force(true);
          }

          @Override
          public void close(FileChannel channel) throws IOException {
            channel.close();
            throw new IOException("EDQUOT on close (injected)");
          }
        };
    assertThatThrownBy(() -> runner(files, target, 2, false, failingClose).run())
        .hasMessageContaining("closing")
        .hasMessageContaining("may not be on disk");
    assertThat(target.resolve(RestoreMarker.NAME)).exists();
  }

  @Test
  void aFlippedByteInAStoredChunkIsAnIntegrityErrorNamingTheChunk() throws Exception {
    try (RandomAccessFile f = new RandomAccessFile(backup.resolve("3-1").toFile(), "rw")) {
      f.seek(100);
      int b = f.read();
      f.seek(100);
      f.write(b ^ 0x01);
    }
    Path target = tmp.resolve("r");
    assertThatThrownBy(() -> EngineFixture.restore(files, target, "b1"))
        .hasMessageContaining("3-1")
        .hasMessageContaining("checksum mismatch")
        .satisfies(e -> assertThat(exit(e)).isEqualTo(ExitCode.INTEGRITY.code()))
        .satisfies(e -> assertThat(((EngineException) e).subject()).isEqualTo("3-1"));
    assertThat(target.resolve(RestoreMarker.NAME)).exists();
  }

  @Test
  void aMissingObjectIsAStorageErrorNamingIt() throws Exception {
    Files.delete(backup.resolve("1"));
    assertThatThrownBy(() -> EngineFixture.restore(files, tmp.resolve("r"), "b1"))
        .hasMessageContaining("b1/1:")
        .hasMessageContaining("does not exist")
        .satisfies(e -> assertThat(exit(e)).isEqualTo(ExitCode.STORAGE.code()));
  }

  @Test
  void aTraversingManifestIsRefusedBeforeAnythingIsWritten() throws Exception {
    Manifest m = ManifestCodec.read(Files.readAllBytes(backup.resolve("MANIFEST")), "m");
    m.fileEntries.get(1).name = "../../escaped";
    Files.write(backup.resolve("MANIFEST"), ManifestCodec.write(m));
    Path target = tmp.resolve("nested/r");
    assertThatThrownBy(() -> EngineFixture.restore(files, target, "b1"))
        .hasMessageContaining("../../escaped")
        .hasMessageContaining("escape")
        .satisfies(e -> assertThat(exit(e)).isEqualTo(ExitCode.INTEGRITY.code()));
    assertThat(tmp.resolve("nested")).doesNotExist();
    assertThat(tmp.resolve("escaped")).doesNotExist();
  }

  @Test
  void aTruncatedManifestIsAnIntegrityError() throws Exception {
    byte[] m = Files.readAllBytes(backup.resolve("MANIFEST"));
    Files.write(backup.resolve("MANIFEST"), java.util.Arrays.copyOf(m, m.length / 3));
    assertThatThrownBy(() -> EngineFixture.restore(files, tmp.resolve("r"), "b1"))
        .hasMessageContaining("not valid JSON")
        .satisfies(e -> assertThat(exit(e)).isEqualTo(ExitCode.INTEGRITY.code()));
    assertThat(tmp.resolve("r")).doesNotExist();
  }

  @Test
  void aNonEmptyTargetIsRefusedUnlessOverwriteWhichKeepsLostAndFound() throws Exception {
    Path target = tmp.resolve("r");
    Files.createDirectories(target.resolve("lost+found"));
    EngineFixture.restore(files, target, "b1"); // lost+found alone does not make it non-empty
    Files.writeString(target.resolve("stale.ibd"), "old table");
    TreeSnapshot before = TreeSnapshot.of(target);
    assertThatThrownBy(() -> EngineFixture.restore(files, target, "b1"))
        .hasMessageContaining("not empty")
        .hasMessageContaining("--overwrite")
        .satisfies(e -> assertThat(exit(e)).isEqualTo(ExitCode.UNSAFE.code()));
    assertThat(TreeSnapshot.of(target)).isEqualTo(before);

    runner(files, target, 2, true, RestoreRunner.FSYNC).run();
    assertThat(target.resolve("stale.ibd")).doesNotExist();
    assertThat(target.resolve("lost+found")).isDirectory();
    assertThat(TreeSnapshot.of(target).filter(p -> !p.equals("lost+found")).contentOnly())
        .isEqualTo(TreeSnapshot.of(data).filter(BACKED_UP).contentOnly());
  }

  @Test
  void notEnoughSpaceIsRefusedBeforeWriting() throws Exception {
    Path small = tmp.resolve("small");
    Files.createDirectories(small);
    Process p =
        new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", small.toString())
            .inheritIO()
            .start();
    assertThat(p.waitFor()).as("mounting a small tmpfs (the tests run as root)").isZero();
    try {
      assertThatThrownBy(() -> EngineFixture.restore(files, small.resolve("r"), "b1"))
          .hasMessageContaining("not enough free space")
          .satisfies(e -> assertThat(exit(e)).isEqualTo(ExitCode.UNSAFE.code()));
      assertThat(small.resolve("r")).doesNotExist();
    } finally {
      new ProcessBuilder("umount", small.toString()).inheritIO().start().waitFor();
    }
  }

  @Test
  void latestPicksTheNewestCompleteBackup() throws Exception {
    Files.writeString(data.resolve("shop/db.opt"), "changed\n");
    EngineFixture.backup(files, data, "b2");
    Files.createDirectories(tmp.resolve("backups").resolve(DIR).resolve("b3")); // incomplete
    Files.writeString(tmp.resolve("backups").resolve(DIR).resolve("b3/0"), "partial");
    Path target = tmp.resolve("r");
    new RestoreRunner(
            new RestoreSettings(
                new dev.stowage.engine.core.Roots(target, null, null),
                DIR,
                "latest",
                2,
                false,
                true),
            files,
            EngineFixture.fastRetrier(),
            RestoreRunner.FSYNC)
        .run();
    assertThat(Files.readString(target.resolve("shop/db.opt"))).isEqualTo("changed\n");
    assertThatThrownBy(() -> EngineFixture.restore(files, tmp.resolve("r3"), "b3"))
        .hasMessageContaining("incomplete");
  }
}
