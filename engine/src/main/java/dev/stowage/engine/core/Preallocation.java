package dev.stowage.engine.core;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Reserves the blocks of a file that is about to be written in pieces, before any piece is: a
 * restore gives each chunked file its whole size this way (engine/README.md, "Preallocation"). Two
 * reasons. ext4 takes a file's inode lock exclusively for an O_DIRECT write into a hole, and holds
 * it until the device has the data, so parallel chunk writes into one sparse file wait for each
 * other; into allocated (unwritten) blocks they share it. And a target that lacks the space says so
 * before the first byte is written, not in the middle of the restore.
 */
public interface Preallocation {
  /**
   * Allocates {@code [0, size)} of the existing, empty regular {@code file} and sets its length to
   * {@code size}; the blocks read as zeros until written.
   *
   * @throws UnavailableException when this platform or file system cannot, or refuses for any
   *     reason but space (the caller sizes the file sparse instead); its message says why
   * @throws NoSpaceException when the file system has not the space for it (no space, a quota, a
   *     file too large)
   * @throws IOException when the file cannot be opened by its name (gone, or now a symlink)
   */
  void allocate(Path file, long size) throws IOException, UnavailableException;

  /** fallocate(2) on Linux (x86-64 and arm64), through JNA; unsupported elsewhere. */
  Preallocation FALLOCATE = LinuxFallocate::allocate;

  /**
   * Preallocation is not to be had here (platform, JNA, file system); checked, so that every caller
   * decides what to do instead.
   */
  final class UnavailableException extends Exception {
    public UnavailableException(String message) {
      super(message);
    }
  }

  /** The file system cannot hold the file; {@link #fix()} says what a person can do. */
  final class NoSpaceException extends IOException {
    private final String fix;

    public NoSpaceException(String message, String fix, Throwable cause) {
      super(message, cause);
      this.fix = fix;
    }

    public String fix() {
      return fix;
    }
  }

  /** Never allocates: files are sized sparse (for tests and comparisons). */
  Preallocation NONE =
      (file, size) -> {
        throw new UnavailableException("preallocation is off");
      };
}
