package dev.stowage.engine.core;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** fsync(2) of one path, a file or a directory. */
public final class Fsync {
  private Fsync() {}

  /**
   * Makes {@code path}'s data and metadata durable; for a directory, the names in it. Opened for
   * reading, as a directory can only be: fsync(2) needs no write access.
   */
  public static void force(Path path) throws IOException {
    try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
      ch.force(true);
    }
  }
}
