package dev.stowage.engine.restore;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.luben.zstd.ZstdOutputStream;
import dev.stowage.engine.catalog.BackupCatalog;
import dev.stowage.engine.cli.StowageCli;
import dev.stowage.engine.testing.TreeSnapshot;
import dev.stowage.engine.testing.Trees;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32;
import net.jpountz.xxhash.XXHashFactory;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 15, finding 14: someone who can write the bucket must not make a restore allocate without
 * bound or write past what the MANIFEST promises. Each crafted object matches its Hash (a writer of
 * the bucket can recompute it), is refused with exit 4 naming the object, and leaves nothing
 * written past the file's size, the storage as it was, and a file next to the target untouched.
 */
class HostileBucketTest {
  static final String DIR = "commerce/0";
  static final String NAME = "2026-01-02.030405.zone1-0000000101";

  @TempDir Path tmp;
  Path store;
  Path backup;
  Path target;
  Path sentinel;
  Path result;
  byte[] innocent;

  /** One object of the crafted backup. */
  record Obj(String name, byte[] stored, Long size, boolean chunked) {}

  @BeforeEach
  void setUp() throws IOException {
    store = tmp.resolve("store");
    backup = store.resolve(DIR).resolve(NAME);
    Files.createDirectories(backup);
    target = tmp.resolve("target");
    Files.createDirectories(target);
    Files.createDirectories(tmp.resolve("outside"));
    sentinel = tmp.resolve("outside/next-to-target.ibd");
    Trees.writePseudoData(sentinel, 50_000, 7);
    result = tmp.resolve("result.json");
    innocent = new byte[100_000];
    new java.util.Random(3).nextBytes(innocent);
  }

  private static String crc(byte[] stored) {
    CRC32 c = new CRC32();
    c.update(stored);
    return String.format("%08x", c.getValue());
  }

  private static byte[] zstd(byte[] raw, int level) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (ZstdOutputStream z = new ZstdOutputStream(out, level)) {
      z.write(raw);
    }
    return out.toByteArray();
  }

  /** A zstd stream of {@code total} zero bytes: a few KiB stored. */
  private static byte[] zstdZeros(long total) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] zeros = new byte[1 << 20];
    try (ZstdOutputStream z = new ZstdOutputStream(out, 3)) {
      for (long n = 0; n < total; n += zeros.length) {
        z.write(zeros, 0, (int) Math.min(zeros.length, total - n));
      }
    }
    return out.toByteArray();
  }

  /**
   * A Vitess-style MANIFEST (no Stowage keys unless {@code size} is given) with an innocent file
   * first and the crafted object second.
   */
  private void writeBackup(String engine, Obj hostile, String padding) throws IOException {
    ObjectMapper json = new ObjectMapper();
    ObjectNode m = json.createObjectNode();
    m.put("BackupName", NAME);
    m.put("BackupMethod", "builtin");
    m.put("Position", "");
    m.put("Incremental", false);
    m.put("BackupTime", "2026-01-02T03:04:05Z");
    m.put("FinishedTime", "2026-01-02T03:09:05Z");
    m.putNull("IncrementalDetails");
    m.put("CompressionEngine", engine);
    m.put("SkipCompress", false);
    m.put("ExternalDecompressor", "");
    ArrayNode entries = m.putArray("FileEntries");
    byte[] innocentStored = engine.equals("zstd") ? zstd(innocent, 1) : lz4(innocent);
    Files.write(backup.resolve("0"), innocentStored);
    ObjectNode e0 = entries.addObject();
    e0.put("Base", "Data");
    e0.put("Name", "ibdata1");
    e0.put("Hash", crc(innocentStored));
    e0.put("ParentPath", "");
    if (hostile != null) {
      ObjectNode e = entries.addObject();
      e.put("Base", "Data");
      e.put("Name", hostile.name());
      e.put("ParentPath", "");
      if (hostile.chunked()) {
        e.put("Hash", "");
        ObjectNode c = e.putArray("Chunks").addObject();
        c.put("StorageName", "1-0");
        c.put("Offset", 0);
        c.put("Size", hostile.size());
        c.put("Hash", crc(hostile.stored()));
        Files.write(backup.resolve("1-0"), hostile.stored());
      } else {
        e.put("Hash", crc(hostile.stored()));
        if (hostile.size() != null) {
          e.put("StowageSize", hostile.size());
        }
        Files.write(backup.resolve("1"), hostile.stored());
      }
    }
    byte[] body = json.writerWithDefaultPrettyPrinter().writeValueAsBytes(m);
    if (padding == null) {
      Files.write(backup.resolve("MANIFEST"), body);
      return;
    }
    // Valid JSON: the object, then whitespace a JSON reader must skip, written in pieces.
    try (FileChannel ch =
        FileChannel.open(
            backup.resolve("MANIFEST"), StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
      ch.write(ByteBuffer.wrap(body));
      long pad = Long.parseLong(padding);
      ByteBuffer spaces = ByteBuffer.wrap(" ".repeat(1 << 20).getBytes(StandardCharsets.US_ASCII));
      for (long n = 0; n < pad; ) {
        spaces.clear().limit((int) Math.min(spaces.capacity(), pad - n));
        n += ch.write(spaces);
      }
    }
  }

  private static byte[] lz4(byte[] raw) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (OutputStream lz = new net.jpountz.lz4.LZ4FrameOutputStream(out)) {
      lz.write(raw);
    }
    return out.toByteArray();
  }

  private int restore(String... extra) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "restore",
                "--storage",
                "file://" + store,
                "--directory",
                DIR,
                "--name",
                NAME,
                "--datadir",
                target.toString(),
                "--concurrency",
                "2",
                "--quiet",
                "--result-file",
                result.toString()));
    args.addAll(List.of(extra));
    return StowageCli.execute(args.toArray(String[]::new));
  }

  private void assertRefused(int rc, String object, String... parts) throws IOException {
    String res = Files.exists(result) ? Files.readString(result) : "(no result file)";
    assertThat(rc).as("exit code; result: %s", res).isEqualTo(4);
    assertThat(res).contains(object);
    for (String p : parts) {
      assertThat(res).contains(p);
    }
  }

  @Test
  void zstdFrameWithAHugeWindowIsRefused() throws Exception {
    // A frame that asks for a 64 MiB window (windowLog 26): zstd's own default limit (27) lets
    // it through; every legitimate writer stays at or below 32 MiB.
    byte[] raw = new byte[1 << 20];
    new java.util.Random(5).nextBytes(raw);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (ZstdOutputStream z = new ZstdOutputStream(out, 1)) {
      z.setWindowLog(26);
      z.write(raw);
    }
    writeBackup("zstd", new Obj("shop/huge_window.ibd", out.toByteArray(), null, false), null);
    TreeSnapshot storeBefore = TreeSnapshot.of(store);
    TreeSnapshot sentinelBefore = TreeSnapshot.of(sentinel.getParent());

    int rc = restore();

    assertRefused(rc, NAME + "/1", "asks for a window larger than 32 MiB", "shop/huge_window.ibd");
    assertThat(target.resolve("shop/huge_window.ibd"))
        .satisfiesAnyOf(p -> assertThat(p).doesNotExist(), p -> assertThat(Files.size(p)).isZero());
    assertThat(TreeSnapshot.of(store)).isEqualTo(storeBefore);
    assertThat(TreeSnapshot.of(sentinel.getParent())).isEqualTo(sentinelBefore);
  }

  @Test
  void zipBombChunkExpandingPastItsSizeIsRefused() throws Exception {
    long size = 1 << 20;
    byte[] bomb = zstdZeros(256L << 20);
    assertThat(bomb.length).isLessThan(64 << 10);
    writeBackup("zstd", new Obj("shop/bomb.ibd", bomb, size, true), null);
    TreeSnapshot storeBefore = TreeSnapshot.of(store);
    TreeSnapshot sentinelBefore = TreeSnapshot.of(sentinel.getParent());

    int rc = restore();

    assertRefused(rc, "1-0", "decompresses to more than", "1048576", "shop/bomb.ibd");
    assertThat(Files.size(target.resolve("shop/bomb.ibd")))
        .as("nothing written past the chunk's size")
        .isEqualTo(size);
    assertThat(TreeSnapshot.of(store)).isEqualTo(storeBefore);
    assertThat(TreeSnapshot.of(sentinel.getParent())).isEqualTo(sentinelBefore);
  }

  @Test
  void zipBombWholeFileWithoutASizeIsRefusedAtTheCap() throws Exception {
    // A plain Vitess whole-file entry gives no size: the stated cap bounds it.
    byte[] bomb = zstdZeros(256L << 20);
    writeBackup("zstd", new Obj("shop/bomb.ibd", bomb, null, false), null);
    TreeSnapshot storeBefore = TreeSnapshot.of(store);
    TreeSnapshot sentinelBefore = TreeSnapshot.of(sentinel.getParent());

    int rc = restore("--max-unsized-file-size", "8Mi");

    assertRefused(rc, NAME + "/1", "--max-unsized-file-size", "8388608", "shop/bomb.ibd");
    assertThat(Files.size(target.resolve("shop/bomb.ibd")))
        .as("nothing written past the cap")
        .isLessThanOrEqualTo(8L << 20);
    assertThat(TreeSnapshot.of(store)).isEqualTo(storeBefore);
    assertThat(TreeSnapshot.of(sentinel.getParent())).isEqualTo(sentinelBefore);
  }

  @Test
  void manifestOverTheCapIsRefused() throws Exception {
    // Valid JSON one byte over the cap (whitespace after the object): refused before a single
    // byte of the target is touched.
    Files.writeString(target.resolve("precious.ibd"), "old data\n");
    TreeSnapshot targetBefore = TreeSnapshot.of(target);
    long cap = 320L << 20;
    writeBackup("zstd", null, Long.toString(cap));
    assertThat(Files.size(backup.resolve("MANIFEST"))).isGreaterThan(cap);

    int rc = restore("--overwrite");

    assertRefused(rc, NAME + "/MANIFEST", "larger than", Long.toString(cap));
    assertThat(TreeSnapshot.of(target)).isEqualTo(targetBefore);
  }

  @Test
  void manifestCapLeavesRoomForAMillionFiles() {
    // bench/many-files.sh's million-file MANIFEST measured 285 MB (about 300 bytes per entry).
    assertThat(BackupCatalog.MAX_MANIFEST_BYTES)
        .isEqualTo(320L << 20)
        .isGreaterThan(1_000_000L * 300);
  }

  @Test
  void lz4BlockWithABadOffsetIsRefused() throws Exception {
    // One LZ4 frame whose only block has a literal "A" followed by a match 16 bytes back: before
    // the start of the output. A decoder without bounds checks would copy from outside its buffer.
    ByteArrayOutputStream f = new ByteArrayOutputStream();
    f.write(new byte[] {0x04, 0x22, 0x4D, 0x18});
    byte[] desc = {0x60, 0x40}; // version 1, independent blocks; 64 KiB blocks
    f.write(desc);
    int hc = XXHashFactory.safeInstance().hash32().hash(desc, 0, desc.length, 0);
    f.write((hc >> 8) & 0xFF);
    byte[] block = {0x10, 'A', 0x10, 0x00, 0x50, 'B', 'C', 'D', 'E', 'F'};
    f.write(new byte[] {(byte) block.length, 0, 0, 0});
    f.write(block);
    f.write(new byte[] {0, 0, 0, 0});
    writeBackup("lz4", new Obj("shop/bad_offset.ibd", f.toByteArray(), 10L, false), null);
    TreeSnapshot storeBefore = TreeSnapshot.of(store);
    TreeSnapshot sentinelBefore = TreeSnapshot.of(sentinel.getParent());

    int rc = restore();

    assertRefused(rc, NAME + "/1", "cannot be decompressed", "shop/bad_offset.ibd");
    assertThat(Files.size(target.resolve("shop/bad_offset.ibd"))).isLessThanOrEqualTo(10);
    assertThat(TreeSnapshot.of(store)).isEqualTo(storeBefore);
    assertThat(TreeSnapshot.of(sentinel.getParent())).isEqualTo(sentinelBefore);
  }
}
