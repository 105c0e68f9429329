package dev.stowage.engine.manifest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.stowage.engine.error.EngineException;
import dev.stowage.engine.error.ExitCode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

class ManifestValidatorTest {
  private static final String W = "file:///b/x/MANIFEST";

  private static Manifest valid() {
    Manifest m = new Manifest();
    m.backupName = "2026-01-01.000000.db";
    m.compressionEngine = "zstd";
    FileEntry whole = new FileEntry(Base.DATA, "shop/orders.frm");
    whole.hash = "0a1b2c3d";
    m.fileEntries.add(whole);
    FileEntry chunked = new FileEntry(Base.INNODB_DATA, "ibdata1");
    chunked.chunks =
        new ArrayList<>(List.of(chunk("1-0", 0, 10), chunk("1-1", 10, 10), chunk("1-2", 20, 5)));
    m.fileEntries.add(chunked);
    return m;
  }

  private static Chunk chunk(String name, long offset, long size) {
    Chunk c = new Chunk(name, offset, size);
    c.hash = "deadbeef";
    return c;
  }

  private static void assertInvalid(Consumer<Manifest> change, String... fragments) {
    Manifest m = valid();
    change.accept(m);
    assertThatThrownBy(() -> ManifestValidator.validate(m, W))
        .isInstanceOf(EngineException.class)
        .satisfies(e -> assertThat(((EngineException) e).exitCode()).isEqualTo(ExitCode.INTEGRITY))
        .hasMessageContaining(W)
        .hasMessageContainingAll(fragments);
  }

  @Test
  void acceptsAValidManifestAndChunksInAnyOrder() {
    Manifest m = valid();
    java.util.Collections.reverse(m.fileEntries.get(1).chunks);
    org.assertj.core.api.Assertions.assertThatCode(() -> ManifestValidator.validate(m, W))
        .doesNotThrowAnyException();
  }

  @Test
  void roundTripKeepsVitessAndStowageKeys() {
    Manifest m = valid();
    m.fileEntries.get(0).size = 42L;
    m.fileEntries.get(0).rawCrc32c = "01234567";
    m.stowageVersion = "1.2.3";
    byte[] json = ManifestCodec.write(m);
    String text = new String(json, StandardCharsets.UTF_8);
    assertThat(text)
        .contains("\"IncrementalDetails\":null")
        .contains("\"StowageSize\":42")
        .doesNotContain("chunked")
        .contains("\n  \"BackupName\"");
    Manifest back = ManifestCodec.read(json, W);
    assertThat(back.fileEntries).hasSize(2);
    assertThat(back.fileEntries.get(0).chunks).isNull();
    assertThat(back.fileEntries.get(1).chunks)
        .extracting(c -> c.storageName)
        .containsExactly("1-0", "1-1", "1-2");
    assertThat(back.fileEntries.get(0).rawCrc32c).isEqualTo("01234567");
    assertThat(back.stowageVersion).isEqualTo("1.2.3");
    // The unchunked entry has no Chunks key at all: readable by any Vitess version.
    ObjectNode tree = (ObjectNode) readTree(json);
    assertThat(tree.get("FileEntries").get(0).has("Chunks")).isFalse();
  }

  private static com.fasterxml.jackson.databind.JsonNode readTree(byte[] json) {
    try {
      return ManifestCodec.mapper().readTree(json);
    } catch (java.io.IOException e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void unknownKeysAreIgnored() {
    String json =
        "{\"BackupMethod\":\"builtin\",\"FutureKey\":{\"a\":1},\"FileEntries\":[{\"Base\":\"Data\","
            + "\"Name\":\"a\",\"Hash\":\"00000000\",\"NewField\":3}]}";
    Manifest m = ManifestCodec.read(json.getBytes(StandardCharsets.UTF_8), W);
    org.assertj.core.api.Assertions.assertThatCode(() -> ManifestValidator.validate(m, W))
        .doesNotThrowAnyException();
    org.assertj.core.api.Assertions.assertThat(m.fileEntries).hasSize(1);
    org.assertj.core.api.Assertions.assertThat(m.fileEntries.get(0).name).isEqualTo("a");
  }

  @Test
  void truncatedOrEmptyManifestIsAnIntegrityError() {
    byte[] json = ManifestCodec.write(valid());
    byte[] half = java.util.Arrays.copyOf(json, json.length / 2);
    assertThatThrownBy(() -> ManifestCodec.read(half, W))
        .isInstanceOf(EngineException.class)
        .hasMessageContaining("not valid JSON")
        .hasMessageContaining(W)
        .satisfies(e -> assertThat(((EngineException) e).exitCode()).isEqualTo(ExitCode.INTEGRITY));
    assertThatThrownBy(() -> ManifestCodec.read(new byte[0], W)).hasMessageContaining("empty");
  }

  @Test
  void rejectsGapsOverlapsAndWrongNames() {
    assertInvalid(m -> m.fileEntries.get(1).chunks.get(1).offset = 11, "chunk \"1-1\"", "gap");
    assertInvalid(m -> m.fileEntries.get(1).chunks.get(1).offset = 9, "chunk \"1-1\"", "overlaps");
    assertInvalid(
        m -> m.fileEntries.get(1).chunks.get(0).offset = 1, "chunk \"1-0\"", "expected 0");
    assertInvalid(
        m -> m.fileEntries.get(1).chunks.get(2).storageName = "1-7", "\"1-7\"", "must be \"1-2\"");
    assertInvalid(m -> m.fileEntries.get(1).chunks.get(0).storageName = "0-0", "must be \"1-0\"");
    assertInvalid(m -> m.fileEntries.get(1).chunks.get(2).size = 0, "Size is 0");
    assertInvalid(m -> m.fileEntries.get(1).chunks.get(2).hash = "xyz", "Hash \"xyz\"");
    assertInvalid(
        m -> {
          m.fileEntries.get(1).chunks.get(1).size = Long.MAX_VALUE;
        },
        "overflows");
    assertInvalid(m -> m.fileEntries.get(1).size = 26L, "cover 25 bytes");
  }

  @Test
  void rejectsTraversalAbsoluteAndOddNames() {
    assertInvalid(m -> m.fileEntries.get(0).name = "../etc/passwd", "\"..\"", "escape");
    assertInvalid(m -> m.fileEntries.get(0).name = "shop/../../x", "escape");
    assertInvalid(m -> m.fileEntries.get(0).name = "/etc/passwd", "absolute");
    assertInvalid(m -> m.fileEntries.get(0).name = "a//b", "escape");
    assertInvalid(m -> m.fileEntries.get(0).name = "./a", "\".\"");
    assertInvalid(m -> m.fileEntries.get(0).name = "", "Name is empty");
    assertInvalid(m -> m.fileEntries.get(0).parentPath = "/tmp", "ParentPath");
  }

  @Test
  void rejectsUnknownBaseDuplicatesAndUnsupportedBackups() {
    assertInvalid(m -> m.fileEntries.get(0).base = "Elsewhere", "unknown Base \"Elsewhere\"");
    assertInvalid(
        m -> {
          m.fileEntries.get(1).base = "Data";
          m.fileEntries.get(1).name = "shop/orders.frm";
        },
        "twice");
    assertInvalid(m -> m.backupMethod = "xtrabackup", "not a builtin backup");
    assertInvalid(m -> m.incremental = true, "incremental");
    assertInvalid(m -> m.fileEntries.get(0).hash = "", "Hash \"\"");
  }

  @Test
  void symlinkTargetsMustStayInTheTree() {
    PathEntry ok = new PathEntry(Base.DATA, "db/link");
    ok.target = "../other/t.ibd";
    PathEntry bad = new PathEntry(Base.DATA, "db/link2");
    bad.target = "../../etc/passwd";
    Manifest m = valid();
    m.stowageSymlinks = new ArrayList<>(List.of(ok));
    ManifestValidator.validate(m, W);
    m.stowageSymlinks.add(bad);
    assertThatThrownBy(() -> ManifestValidator.validate(m, W))
        .hasMessageContaining("leaves the tree");
    PathEntry abs = new PathEntry(Base.DATA, "db/link3");
    abs.target = "/etc";
    m.stowageSymlinks.set(1, abs);
    assertThatThrownBy(() -> ManifestValidator.validate(m, W))
        .hasMessageContaining("relative path");
  }
}
