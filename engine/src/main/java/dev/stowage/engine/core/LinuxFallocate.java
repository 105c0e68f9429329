package dev.stowage.engine.core;

import com.sun.jna.LastErrorException;
import com.sun.jna.Native;
import com.sun.jna.Platform;
import java.io.IOException;
import java.nio.charset.Charset;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * fallocate(2) through JNA (Java 17 has no call for it): open the file by name without following a
 * symlink, allocate, close. Only a lack of space is an error; any other refusal leaves the file to
 * be sized sparse. Loaded on first use, so a backup, or a restore without chunked files, never
 * loads JNA's native library.
 */
final class LinuxFallocate {
  private static final int EINTR = 4;
  private static final int EFBIG = 27;
  private static final int ENOSPC = 28;
  private static final int EDQUOT = 122;

  private LinuxFallocate() {}

  /** glibc's calls, bound once by JNA's direct mapping; {@code unavailable} says why not. */
  private static final class LibC {
    static final String unavailable = bind();
    // open(2)'s flags differ between architectures; these are x86-64's and arm64's.
    static final int O_WRONLY = 01;
    static final int O_CLOEXEC = 02000000;
    static final int O_NOFOLLOW = Platform.isARM() ? 0100000 : 0400000;

    static native int open(byte[] path, int flags) throws LastErrorException;

    static native int fallocate(int fd, int mode, long offset, long length)
        throws LastErrorException;

    static native int close(int fd) throws LastErrorException;

    private static String bind() {
      if (!Platform.isLinux() || !Platform.is64Bit() || !(Platform.isIntel() || Platform.isARM())) {
        return "fallocate is used on Linux x86-64 and arm64 only, this is "
            + System.getProperty("os.name")
            + " "
            + System.getProperty("os.arch");
      }
      // JNA unpacks its native library under ~/.cache unless told otherwise: the engine's other
      // native libraries (zstd-jni, ACCP) go to java.io.tmpdir, the Job's writable /tmp, and so
      // does JNA's. Its own copy, never one installed on the machine (another version).
      if (System.getProperty("jna.tmpdir") == null) {
        System.setProperty("jna.tmpdir", System.getProperty("java.io.tmpdir"));
      }
      if (System.getProperty("jna.nosys") == null) {
        System.setProperty("jna.nosys", "true");
      }
      try {
        Native.register(LibC.class, Platform.C_LIBRARY_NAME);
        return null;
      } catch (LinkageError | RuntimeException e) {
        return "cannot load JNA or the C library: " + e;
      }
    }
  }

  static void allocate(Path file, long size)
      throws IOException, Preallocation.UnavailableException {
    if (LibC.unavailable != null) {
      throw new Preallocation.UnavailableException(LibC.unavailable);
    }
    int fd;
    try {
      fd = LibC.open(nameOf(file), LibC.O_WRONLY | LibC.O_CLOEXEC | LibC.O_NOFOLLOW);
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
          if (errno == EINTR) {
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

  /** The file's name as the kernel sees it: in the JVM's file name encoding, NUL-terminated. */
  private static byte[] nameOf(Path file) {
    String enc = System.getProperty("sun.jnu.encoding");
    Charset cs = enc == null ? Charset.defaultCharset() : Charset.forName(enc);
    byte[] name = file.toString().getBytes(cs);
    return Arrays.copyOf(name, name.length + 1);
  }
}
