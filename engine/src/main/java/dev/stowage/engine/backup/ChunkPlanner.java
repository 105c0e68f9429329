package dev.stowage.engine.backup;

import dev.stowage.engine.core.Sizes;
import dev.stowage.engine.error.EngineException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** Pure functions that decide how files are split into objects and in which order they are sent. */
public final class ChunkPlanner {
  /** Vitess refuses smaller chunks. */
  public static final long MIN_CHUNK_SIZE = 4L << 20;

  private ChunkPlanner() {}

  /** One object to store: a whole file ({@code chunkIndex} -1) or one chunk of it. */
  public record Item(int fileIndex, int chunkIndex, long offset, long length) {
    public String objectName() {
      return chunkIndex < 0 ? Integer.toString(fileIndex) : fileIndex + "-" + chunkIndex;
    }
  }

  /** Checks the settings as Vitess does; exit 2 before any work starts. */
  public static void validate(long threshold, long chunkSize) {
    if (threshold < 0 || chunkSize < 0) {
      throw EngineException.invalid("--chunk-threshold and --chunk-size must not be negative");
    }
    if (threshold == 0) {
      return;
    }
    if (chunkSize < MIN_CHUNK_SIZE) {
      throw EngineException.invalid(
          "--chunk-size "
              + Sizes.quantity(chunkSize)
              + " is below the minimum of 4Mi"
              + " (Vitess refuses smaller chunks); use 4Mi or more, or --chunk-threshold 0 to turn"
              + " chunking off");
    }
    if (threshold < chunkSize) {
      throw EngineException.invalid(
          "--chunk-threshold "
              + Sizes.quantity(threshold)
              + " is smaller than --chunk-size "
              + Sizes.quantity(chunkSize)
              + "; the threshold must be at least the chunk size");
    }
  }

  /** A file is chunked when chunking is on and it is strictly larger than the threshold. */
  public static boolean isChunked(long fileSize, long threshold) {
    return threshold > 0 && fileSize > threshold;
  }

  /** The items of one file, in offset order. */
  public static List<Item> itemsOf(int fileIndex, long fileSize, long threshold, long chunkSize) {
    if (!isChunked(fileSize, threshold)) {
      return List.of(new Item(fileIndex, -1, 0, fileSize));
    }
    long count = (fileSize + chunkSize - 1) / chunkSize;
    if (count > Integer.MAX_VALUE) {
      throw EngineException.invalid(
          "file of "
              + fileSize
              + " bytes would need "
              + count
              + " chunks; use a larger --chunk-size");
    }
    List<Item> items = new ArrayList<>((int) count);
    for (int j = 0; j < count; j++) {
      long off = j * chunkSize;
      items.add(new Item(fileIndex, j, off, Math.min(chunkSize, fileSize - off)));
    }
    return items;
  }

  /**
   * The order objects are sent: largest first, so one huge file does not finish last alone; items
   * of equal size alternate between files (chunk 0 of every file, then chunk 1, ...).
   */
  public static List<Item> schedule(List<Item> items) {
    List<Item> sorted = new ArrayList<>(items);
    sorted.sort(
        Comparator.comparingLong(Item::length)
            .reversed()
            .thenComparingInt(Item::chunkIndex)
            .thenComparingInt(Item::fileIndex));
    return sorted;
  }
}
