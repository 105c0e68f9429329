package dev.stowage.engine.core;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.Set;

/** File modes and mtimes as recorded in the MANIFEST extension keys. */
public final class FileAttributes {
  private FileAttributes() {}

  public static String mode(Set<PosixFilePermission> perms) {
    int m = 0;
    for (PosixFilePermission p : perms) {
      m |= 1 << (8 - p.ordinal());
    }
    return String.format("%04o", m);
  }

  public static Set<PosixFilePermission> permissions(String mode) {
    int m = Integer.parseInt(mode, 8);
    StringBuilder sb = new StringBuilder();
    String rwx = "rwxrwxrwx";
    for (int i = 0; i < 9; i++) {
      sb.append((m & (1 << (8 - i))) != 0 ? rwx.charAt(i) : '-');
    }
    return PosixFilePermissions.fromString(sb.toString());
  }

  public static String time(FileTime t) {
    return DateTimeFormatter.ISO_INSTANT.format(t.toInstant());
  }

  public static FileTime parseTime(String s) {
    return FileTime.from(Instant.parse(s));
  }

  /** Applies a recorded mode and mtime; null values are left alone. */
  public static void apply(Path p, String mode, String mtime) throws IOException {
    if (mode != null) {
      Files.setPosixFilePermissions(p, permissions(mode));
    }
    if (mtime != null) {
      Files.getFileAttributeView(
              p, java.nio.file.attribute.BasicFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
          .setTimes(parseTime(mtime), null, null);
    }
  }
}
