package dev.stowage.engine.core;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

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
    Fsync.force(marker);
    Fsync.force(dataDir);
  }

  public static void remove(Path dataDir) throws IOException {
    Files.delete(dataDir.resolve(NAME));
    Fsync.force(dataDir);
  }
}
