package dev.stowage.engine.core;

import com.sun.jna.LastErrorException;
import java.io.IOException;
import java.nio.file.Path;

/**
 * fallocate(2) through JNA (Java 17 has no call for it): open the file by name without following a
 * symlink, allocate, close. Only a lack of space is an error; any other refusal leaves the file to
 * be sized sparse. Loaded on first use, so a backup, or a restore without chunked files, never
 * loads JNA's native library.
 */
final class LinuxFallocate {
  private static final int EFBIG = 27;
  private static final int ENOSPC = 28;
  private static final int EDQUOT = 122;

  private LinuxFallocate() {}

  static void allocate(Path file, long size)
      throws IOException, Preallocation.UnavailableException {
    if (LibC.unavailable != null) {
      throw new Preallocation.UnavailableException(LibC.unavailable);
    }
    int fd;
    try {
      fd = LibC.open(LibC.nameOf(file), LibC.O_WRONLY | LibC.O_CLOEXEC | LibC.O_NOFOLLOW);
    } catch (LastErrorException e) {
      throw new IOException("cannot open " + file + " to allocate it: " + e.getMessage(), e);
    }
    try {
      while (true) {
        try {
          LibC.fallocate(fd, 0, 0, size);
          break;
        } catch (LastErrorException e) {
          int errno = e.getErrorCode();
          if (errno == LibC.EINTR) {
            continue;
          }
          String fix =
              switch (errno) {
                case ENOSPC -> "free space on the target";
                case EDQUOT -> "raise the target's quota, or free space under it";
                case EFBIG ->
                    "the target's file system (or the process's file size limit) does not allow a"
                        + " file this large: restore onto one that does";
                default -> null;
              };
          if (fix != null) {
            throw new Preallocation.NoSpaceException(
                "cannot allocate " + size + " bytes for " + file + ": " + e.getMessage(), fix, e);
          }
          // EOPNOTSUPP above all (a file system without fallocate): a sparse file is what the
          // restore wrote before, and any other trouble with the file shows in its writes.
          throw new Preallocation.UnavailableException(
              "fallocate of " + file + " failed (" + e.getMessage() + ")");
        }
      }
    } finally {
      try {
        LibC.close(fd);
      } catch (LastErrorException e) {
        // Nothing was written through this descriptor: the allocation stands or fails alone.
      }
    }
  }
}
