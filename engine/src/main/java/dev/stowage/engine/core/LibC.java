package dev.stowage.engine.core;

import com.sun.jna.LastErrorException;
import com.sun.jna.Native;
import com.sun.jna.Platform;
import java.nio.charset.Charset;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * glibc's calls that Java 17 lacks (fallocate, syncfs), bound once by JNA's direct mapping on first
 * use, so a run that needs neither never loads JNA's native library; {@link #unavailable} says why
 * not where they cannot be bound.
 */
final class LibC {
  static final String unavailable = bind();
  // open(2)'s flags differ between architectures; these are x86-64's and arm64's.
  static final int O_RDONLY = 0;
  static final int O_WRONLY = 01;
  static final int O_CLOEXEC = 02000000;
  static final int O_NOFOLLOW = Platform.isARM() ? 0100000 : 0400000;
  static final int O_DIRECTORY = Platform.isARM() ? 040000 : 0200000;
  static final int EINTR = 4;

  private LibC() {}

  static native int open(byte[] path, int flags) throws LastErrorException;

  static native int fallocate(int fd, int mode, long offset, long length) throws LastErrorException;

  static native int syncfs(int fd) throws LastErrorException;

  static native int close(int fd) throws LastErrorException;

  private static String bind() {
    if (!Platform.isLinux() || !Platform.is64Bit() || !(Platform.isIntel() || Platform.isARM())) {
      return "these calls are used on Linux x86-64 and arm64 only, this is "
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

  /** A path as the kernel sees it: in the JVM's file name encoding, NUL-terminated. */
  static byte[] nameOf(Path file) {
    String enc = System.getProperty("sun.jnu.encoding");
    Charset cs = enc == null ? Charset.defaultCharset() : Charset.forName(enc);
    byte[] name = file.toString().getBytes(cs);
    return Arrays.copyOf(name, name.length + 1);
  }
}
