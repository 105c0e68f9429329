package dev.stowage.engine.core;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What O_DIRECT asks of reads and writes on a file system: positions, lengths and buffer addresses
 * that are multiples of its block size. Backups read and restores write big files this way, past
 * the page cache (engine/README.md, "Direct I/O").
 */
public final class DirectIo {
  /** The largest block size direct I/O is used with; buffers are allocated aligned to it. */
  public static final int MAX_ALIGNMENT = 1 << 16;

  private DirectIo() {}

  /**
   * The alignment direct I/O on {@code path}'s file system needs (its block size, at least 4096),
   * or 0 when it is not used there: not a power of two, or larger than {@link #MAX_ALIGNMENT}.
   */
  public static int alignmentFor(Path path) throws IOException {
    long block = Math.max(4096, Files.getFileStore(path).getBlockSize());
    return Long.bitCount(block) == 1 && block <= MAX_ALIGNMENT ? (int) block : 0;
  }
}
