package dev.stowage.engine.core;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The file that marks a data directory as being restored: present from before the first byte is
 * written until everything is durable, so a half-restored volume is never mistaken for a good one.
 */
public final class RestoreMarker {
  public static final String NAME = ".stowage-restore-in-progress";

  private RestoreMarker() {}

  public static void create(Path dataDir, String backup) throws IOException {
    Path marker = dataDir.resolve(NAME);
    Files.write(
        marker,
        ("restore of "
                + backup
                + " started; the data here is incomplete until this"
                + " file is gone\n")
            .getBytes(StandardCharsets.UTF_8));
    try (FileChannel ch = FileChannel.open(marker, StandardOpenOption.WRITE)) {
      ch.force(true);
    }
    fsyncDirectory(dataDir);
  }

  public static void remove(Path dataDir) throws IOException {
    Files.delete(dataDir.resolve(NAME));
    fsyncDirectory(dataDir);
  }

  public static void fsyncDirectory(Path dir) throws IOException {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    }
  }
}
