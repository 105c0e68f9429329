package dev.stowage.engine.backup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stowage.engine.error.EngineException;
import dev.stowage.engine.error.ExitCode;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ChunkPlannerTest {
  private static final long MI = 1 << 20;

  @Test
  void fileAtThresholdIsNotChunkedOneByteMoreIs() {
    assertThat(ChunkPlanner.itemsOf(0, 8 * MI, 8 * MI, 4 * MI)).hasSize(1);
    List<ChunkPlanner.Item> items = ChunkPlanner.itemsOf(3, 8 * MI + 1, 8 * MI, 4 * MI);
    assertThat(items)
        .extracting(ChunkPlanner.Item::objectName)
        .containsExactly("3-0", "3-1", "3-2");
    assertThat(items.get(2).offset()).isEqualTo(8 * MI);
    assertThat(items.get(2).length()).isEqualTo(1);
  }

  @Test
  void chunksTileTheFileExactly() {
    long size = 10 * MI + 12345;
    List<ChunkPlanner.Item> items = ChunkPlanner.itemsOf(7, size, 4 * MI, 4 * MI);
    long next = 0;
    for (ChunkPlanner.Item it : items) {
      assertThat(it.offset()).isEqualTo(next);
      assertThat(it.length()).isPositive().isLessThanOrEqualTo(4 * MI);
      next += it.length();
    }
    assertThat(next).isEqualTo(size);
  }

  @Test
  void zeroThresholdTurnsChunkingOffAndEmptyFilesAreOneObject() {
    assertThat(ChunkPlanner.itemsOf(1, 100L << 30, 0, 0))
        .singleElement()
        .satisfies(i -> assertThat(i.objectName()).isEqualTo("1"));
    assertThat(ChunkPlanner.itemsOf(2, 0, 4 * MI, 4 * MI))
        .singleElement()
        .satisfies(i -> assertThat(i.length()).isZero());
  }

  @Test
  void hugeFileNearLongMaxDoesNotOverflow() {
    long size = Long.MAX_VALUE / 2;
    assertThatThrownBy(() -> ChunkPlanner.itemsOf(0, size, 4 * MI, 4 * MI))
        .isInstanceOf(EngineException.class)
        .hasMessageContaining("larger --chunk-size");
  }

  @Test
  void settingsAreValidatedAsVitessDoes() {
    ChunkPlanner.validate(0, 1); // chunking off: size ignored
    ChunkPlanner.validate(4 * MI, 4 * MI);
    assertThatThrownBy(() -> ChunkPlanner.validate(8 * MI, 1024))
        .isInstanceOf(EngineException.class)
        .hasMessageContaining("minimum of 4Mi")
        .extracting(e -> ((EngineException) e).exitCode())
        .isEqualTo(ExitCode.INVALID_ARGUMENTS);
    assertThatThrownBy(() -> ChunkPlanner.validate(4 * MI, 8 * MI))
        .hasMessageContaining("at least the chunk size");
    assertThatThrownBy(() -> ChunkPlanner.validate(-1, 8 * MI)).hasMessageContaining("negative");
  }

  @Test
  void scheduleIsLargestFirstAndInterleavesFiles() {
    List<ChunkPlanner.Item> items = new ArrayList<>();
    items.addAll(ChunkPlanner.itemsOf(0, 1000, 4 * MI, 4 * MI));
    items.addAll(ChunkPlanner.itemsOf(1, 12 * MI, 4 * MI, 4 * MI));
    items.addAll(ChunkPlanner.itemsOf(2, 8 * MI + 5, 4 * MI, 4 * MI));
    items.addAll(ChunkPlanner.itemsOf(3, 5 * MI, 8 * MI, 4 * MI));
    List<String> order =
        ChunkPlanner.schedule(items).stream().map(ChunkPlanner.Item::objectName).toList();
    assertThat(order).containsExactly("3", "1-0", "2-0", "1-1", "2-1", "1-2", "0", "2-2");
  }
}
