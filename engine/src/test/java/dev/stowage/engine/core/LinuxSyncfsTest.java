package dev.stowage.engine.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** syncfs(2) as the restore uses it: where it is trusted, and a real call. */
class LinuxSyncfsTest {
  @TempDir Path tmp;

  @Test
  void kernelReleasesAreComparedByMajorAndMinor() {
    assertThat(LinuxSyncfs.atLeast("6.18.44-fc-v1300", 5, 17)).isTrue();
    assertThat(LinuxSyncfs.atLeast("5.17.0", 5, 17)).isTrue();
    assertThat(LinuxSyncfs.atLeast("5.16.20-generic", 5, 17)).isFalse();
    assertThat(LinuxSyncfs.atLeast("5.15.0-91-generic", 5, 17)).isFalse();
    assertThat(LinuxSyncfs.atLeast("4.19", 5, 17)).isFalse();
    assertThat(LinuxSyncfs.atLeast("", 5, 17)).isFalse();
    assertThat(LinuxSyncfs.atLeast("weird", 5, 17)).isFalse();
  }

  @Test
  void anExt4HasAJournalWhenTheKernelListsOneForItsDevice() throws Exception {
    Path jbd2 = tmp.resolve("jbd2");
    Files.createDirectories(jbd2.resolve("vda-8"));
    Files.createDirectories(jbd2.resolve("dm-10-8"));
    assertThat(LinuxSyncfs.hasJournal("/nonexistent/dev/vda", jbd2)).isTrue();
    assertThat(LinuxSyncfs.hasJournal("/nonexistent/dev/dm-10", jbd2)).isTrue();
    assertThat(LinuxSyncfs.hasJournal("/nonexistent/dev/vdb", jbd2)).isFalse();
    assertThat(LinuxSyncfs.hasJournal("/nonexistent/dev/dm-1", jbd2)).as("not dm-10").isFalse();
    assertThat(LinuxSyncfs.hasJournal("/nonexistent/dev/vd", jbd2)).isFalse();
    assertThat(LinuxSyncfs.hasJournal("/nonexistent/dev/vda", tmp.resolve("none"))).isFalse();
  }

  /**
   * On the temporary directory's file system as this machine has it: a real syncfs where it is
   * offered (a closed handle then refuses to answer rather than report success), else the reason
   * (this VM's root is an ext4 without a journal).
   */
  @Test
  void theTemporaryDirectorysFileSystemIsSyncedOrRefusedWithItsReason() throws Exception {
    Files.writeString(tmp.resolve("f"), "dirty");
    var store = Files.getFileStore(tmp);
    assertThat(store.type()).as("the test's file system").isIn("ext4", "xfs", "btrfs");
    boolean journaled =
        !store.type().equals("ext4") || LinuxSyncfs.hasJournal(store.name(), LinuxSyncfs.JBD2);
    if (!journaled) {
      assertThatThrownBy(() -> FileSystemSync.SYNCFS.open(tmp, Files.getFileStore(tmp)))
          .isInstanceOf(FileSystemSync.UnavailableException.class)
          .hasMessageContaining("without a journal");
      return;
    }
    FileSystemSync.Handle h = FileSystemSync.SYNCFS.open(tmp, Files.getFileStore(tmp));
    h.sync();
    h.sync();
    h.close();
    assertThatThrownBy(h::sync).isInstanceOf(IOException.class).hasMessageContaining("closed");
  }

  /**
   * The binding itself, whatever this machine's file system is trusted for: open, syncfs and close
   * of the temporary directory answer as the kernel does (a missing directory: ENOENT).
   */
  @Test
  void theSyncfsBindingCallsTheKernel() throws Exception {
    assertThat(LibC.unavailable).isNull();
    int fd = LibC.open(LibC.nameOf(tmp), LibC.O_RDONLY | LibC.O_DIRECTORY | LibC.O_CLOEXEC);
    try {
      assertThat(LibC.syncfs(fd)).isZero();
    } finally {
      LibC.close(fd);
    }
    assertThatThrownBy(
            () -> LibC.open(LibC.nameOf(tmp.resolve("missing")), LibC.O_RDONLY | LibC.O_DIRECTORY))
        .isInstanceOf(com.sun.jna.LastErrorException.class)
        .satisfies(
            e -> assertThat(((com.sun.jna.LastErrorException) e).getErrorCode()).isEqualTo(2));
  }

  @Test
  void aFileSystemOutsideTheTrustedOnesIsNotOffered() {
    Path shm = Path.of("/dev/shm");
    assertThat(shm).as("a tmpfs to try").isDirectory();
    assertThatThrownBy(() -> FileSystemSync.SYNCFS.open(shm, Files.getFileStore(shm)))
        .isInstanceOf(FileSystemSync.UnavailableException.class)
        .hasMessageContaining("tmpfs");
  }

  @Test
  void perFileIsNeverOffered() {
    assertThatThrownBy(() -> FileSystemSync.PER_FILE.open(tmp, Files.getFileStore(tmp)))
        .isInstanceOf(FileSystemSync.UnavailableException.class);
  }
}
