package dev.stowage.engine.restore;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stowage.engine.manifest.Base;
import dev.stowage.engine.manifest.Chunk;
import dev.stowage.engine.manifest.FileEntry;
import dev.stowage.engine.manifest.Manifest;
import java.util.List;
import org.junit.jupiter.api.Test;

class RestorePlanTest {
  private static final long MIB = 1 << 20;

  private static FileEntry file(String name, Long size) {
    FileEntry fe = new FileEntry(Base.DATA, name);
    fe.size = size;
    return fe;
  }

  private static Manifest manifest(FileEntry... entries) {
    Manifest m = new Manifest();
    m.backupName = "b";
    m.fileEntries = List.of(entries);
    return m;
  }

  @Test
  void theLargestObjectIsBoundedByItsRawSizeWithRoomForFramingAndTags() {
    FileEntry chunked = file("ibdata1", 300 * MIB);
    chunked.chunks =
        List.of(new Chunk("1-0", 0, 200 * MIB), new Chunk("1-1", 200 * MIB, 100 * MIB));
    Manifest m = manifest(file("db/t.ibd", 64 * MIB), chunked);

    // The largest object is the 200 MiB chunk, not the 300 MiB file it belongs to.
    assertThat(RestorePlan.of(m, null).largestObjectBound())
        .isEqualTo(200 * MIB + 200 * MIB / 64 + MIB);
  }

  @Test
  void aSizeNearTheLimitOfALongDoesNotWrap() {
    Manifest m = manifest(file("db/t.ibd", Long.MAX_VALUE - 1));

    assertThat(RestorePlan.of(m, null).largestObjectBound()).isEqualTo(Long.MAX_VALUE);
  }

  @Test
  void anObjectOfUnknownSizeMayBeAnySize() {
    Manifest m = manifest(file("db/t.ibd", 64 * MIB), file("ibdata1", null));

    assertThat(RestorePlan.of(m, null).largestObjectBound()).isEqualTo(Long.MAX_VALUE);
  }
}
