package dev.stowage.engine.storage.file;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stowage.engine.EngineFixture;
import dev.stowage.engine.core.Fsync;
import dev.stowage.engine.error.StorageException;
import dev.stowage.engine.storage.BackupLocation;
import dev.stowage.engine.storage.ObjectWriter;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * When a backup's objects become durable: a large object's fsync starts at its commit, small
 * objects are fsynced by {@code sync}, and {@code sync} returns only when every object is durable,
 * throwing if any fsync failed.
 */
class FileStorageSyncTest {
  private static final BackupLocation LOC = new BackupLocation("ns/db", "b1");
  private static final int LARGE = (int) FileStorage.EARLY_SYNC_BYTES;

  @TempDir Path tmp;

  private final List<String> fsynced = new CopyOnWriteArrayList<>();

  private static void put(FileStorage storage, String object, int bytes) throws IOException {
    try (ObjectWriter w = storage.create(LOC, object, true)) {
      w.write(ByteBuffer.allocate(bytes));
      w.commit();
    }
  }

  @Test
  void aLargeObjectIsFsyncedFromItsCommitOnBeforeSync() throws Exception {
    CountDownLatch forced = new CountDownLatch(1);
    try (FileStorage storage = new FileStorage(tmp, recordThenCountDown(forced))) {
      put(storage, "0-0", LARGE);

      assertThat(forced.await(10, TimeUnit.SECONDS)).as("fsync started before sync()").isTrue();
      assertThat(fsynced).containsExactly("0-0");
      storage.sync(LOC);
      assertThat(fsynced).as("not fsynced twice").containsExactly("0-0");
    }
  }

  @Test
  void smallObjectsAreFsyncedTogetherBySync() throws Exception {
    try (FileStorage storage = new FileStorage(tmp, p -> fsynced.add(p.getFileName().toString()))) {
      put(storage, "1", 100);
      put(storage, "2", LARGE - 1);
      Thread.sleep(200); // a fsync started at commit would have run by now
      assertThat(fsynced).isEmpty();

      storage.sync(LOC);
      assertThat(fsynced).containsExactlyInAnyOrder("1", "2");
    }
  }

  @Test
  void syncWaitsForAnFsyncStartedAtCommit() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    try (FileStorage storage =
        new FileStorage(tmp, after(release, p -> fsynced.add(p.getFileName().toString())))) {
      put(storage, "0-0", LARGE);
      Thread releaser =
          new Thread(
              () -> {
                try {
                  Thread.sleep(300);
                } catch (InterruptedException ignored) {
                  // released now
                }
                release.countDown();
              });
      releaser.start();
      storage.sync(LOC);
      assertThat(fsynced).as("durable when sync() returns").containsExactly("0-0");
      releaser.join();
    }
  }

  @Test
  void aFailedFsyncStartedAtCommitFailsSyncThenAndLater() throws Exception {
    // Only the first fsync fails: a second may report success after a lost write-back.
    try (FileStorage storage = new FileStorage(tmp, firstFails(p -> {}))) {
      put(storage, "0-0", LARGE);

      for (int i = 0; i < 2; i++) {
        assertThatThrownBy(() -> storage.sync(LOC))
            .as("sync number %d", i + 1)
            .isInstanceOf(StorageException.class)
            .hasMessageContaining("ns/db/b1")
            .hasMessageContaining("Input/output error");
      }
    }
  }

  @Test
  void anObjectMissingWithoutADeleteFailsSync() throws Exception {
    CountDownLatch gone = new CountDownLatch(1);
    try (FileStorage storage = new FileStorage(tmp, after(gone, Fsync::force))) {
      put(storage, "0-0", LARGE);
      java.nio.file.Files.delete(tmp.resolve("ns/db/b1/0-0")); // not through the storage
      gone.countDown();

      assertThatThrownBy(() -> storage.sync(LOC))
          .isInstanceOf(StorageException.class)
          .hasMessageContaining("0-0");
    }
  }

  @Test
  void aSmallObjectCommittedOverALargeOneIsFsyncedBySync() throws Exception {
    CountDownLatch first = new CountDownLatch(1);
    try (FileStorage storage = new FileStorage(tmp, recordThenCountDown(first))) {
      put(storage, "0", LARGE);
      assertThat(first.await(10, TimeUnit.SECONDS)).isTrue(); // the large one's fsync is done
      put(storage, "0", 100); // the same name, now small: its own bytes still need an fsync

      storage.sync(LOC);
      assertThat(fsynced).containsExactly("0", "0");
    }
  }

  @Test
  void theManifestIsDurableBeforeItsNameExists() throws Exception {
    Path manifest = tmp.resolve("ns/db/b1/MANIFEST");
    List<String> seen = new CopyOnWriteArrayList<>();
    try (FileStorage storage =
        new FileStorage(
            tmp,
            p ->
                seen.add(
                    p.getFileName().toString()
                        + (java.nio.file.Files.exists(manifest) ? " named" : " unnamed")))) {
      try (ObjectWriter w = storage.create(LOC, "MANIFEST", false)) {
        w.write(ByteBuffer.wrap("{}".getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        w.commit();
      }
      storage.sync(LOC);
    }
    // Once, under its temporary name; sync() then fsyncs only the directories.
    assertThat(seen)
        .singleElement()
        .satisfies(s -> assertThat(s).startsWith(".tmp-MANIFEST").endsWith(" unnamed"));
    assertThat(manifest).hasContent("{}");
  }

  @Test
  void anObjectDeletedBeforeItsFsyncIsNotAFailure() throws Exception {
    CountDownLatch deleted = new CountDownLatch(1);
    try (FileStorage storage =
        new FileStorage(
            tmp,
            // the file is gone by then: NoSuchFileException
            after(deleted, Fsync::force))) {
      put(storage, "0-0", LARGE);
      storage.delete(LOC, "0-0");
      deleted.countDown();

      storage.sync(LOC); // no exception
      assertThat(tmp.resolve("ns/db/b1/0-0")).doesNotExist();
    }
  }

  /**
   * An fsync that records the object's name in {@link #fsynced}, then counts {@code latch} down.
   */
  private FileStorage.ObjectSync recordThenCountDown(CountDownLatch latch) {
    return p -> {
      fsynced.add(p.getFileName().toString());
      latch.countDown();
    };
  }

  /** The first fsync fails with an I/O error; every later one is {@code then}. */
  private static FileStorage.ObjectSync firstFails(FileStorage.ObjectSync then) {
    java.util.concurrent.atomic.AtomicInteger calls =
        new java.util.concurrent.atomic.AtomicInteger();
    return p -> {
      if (calls.getAndIncrement() == 0) {
        throw new IOException("Input/output error");
      }
      then.force(p);
    };
  }

  /** An fsync that first waits for {@code latch}. */
  private static FileStorage.ObjectSync after(CountDownLatch latch, FileStorage.ObjectSync then) {
    return p -> {
      try {
        latch.await(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        throw new IOException(e);
      }
      then.force(p);
    };
  }

  /**
   * A backup whose fsync failed removes what it stored, and its log says so: the remembered failure
   * that the clean-up's own sync meets again is not a failure to remove (it used to log "could not
   * remove all objects" with every object gone).
   */
  @Test
  void aBackupWhoseFsyncFailedRemovesItsObjectsAndSaysSo() throws Exception {
    Path data = tmp.resolve("data");
    EngineFixture.writeDatadir(data);
    Path root = Files.createDirectories(tmp.resolve("backups"));
    PrintStream err = System.err;
    ByteArrayOutputStream log = new ByteArrayOutputStream();
    System.setErr(new PrintStream(log, true, StandardCharsets.UTF_8));
    try (FileStorage storage = new FileStorage(root, firstFails(Fsync::force))) {
      assertThatThrownBy(() -> EngineFixture.backup(storage, data, "b1"))
          .hasMessageContaining("Input/output error");
    } finally {
      System.setErr(err);
    }
    String text = log.toString(StandardCharsets.UTF_8);
    assertThat(text)
        .contains("removed the")
        .contains("not confirmed durable")
        .doesNotContain("could not remove all objects");
    assertThat(root.resolve(EngineFixture.DIR).resolve("b1"))
        .as("the backup's folder, emptied and removed")
        .doesNotExist();
  }
}
