package dev.stowage.engine.compat;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.luben.zstd.Zstd;
import dev.stowage.engine.cli.StowageCli;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.zip.CRC32;
import java.util.zip.GZIPOutputStream;
import net.jpountz.lz4.LZ4FrameOutputStream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Backups laid out as Vitess writes them, built here from FORMAT.md with plain JSON and the codecs'
 * reference libraries (not with Stowage's writer), so a reader bug cannot hide behind a matching
 * writer bug. Stowage must restore each one byte for byte.
 */
class VitessFixturesTest {
  private static final int CHUNK = 4 << 20;
  @TempDir Path tmp;

  /** Files of a small data directory: Base, Name, content. */
  private static Map<String[], byte[]> sourceFiles() {
    Map<String[], byte[]> files = new LinkedHashMap<>();
    files.put(new String[] {"InnoDBData", "ibdata1"}, pages(3 * CHUNK + 12_345, 1));
    files.put(new String[] {"InnoDBLog", "ib_logfile0"}, new byte[CHUNK + 1]);
    files.put(new String[] {"Data", "shop/orders.ibd"}, pages(2 * CHUNK, 2));
    files.put(new String[] {"Data", "shop/orders.frm"}, pages(3000, 3));
    files.put(new String[] {"Data", "shop/empty.MYD"}, new byte[0]);
    return files;
  }

  /** Bytes shaped like InnoDB pages: headers, repeated rows, some noise. */
  private static byte[] pages(int size, long seed) {
    Random r = new Random(seed);
    byte[] b = new byte[size];
    for (int i = 0; i < size; i++) {
      int inPage = i % 16384;
      b[i] =
          inPage < 38
              ? (byte) (i / 16384 + inPage)
              : r.nextInt(5) == 0 ? (byte) r.nextInt() : (byte) ('a' + inPage % 26);
    }
    return b;
  }

  private static byte[] compress(String engine, byte[] raw) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    switch (engine) {
      case "pargzip" -> {
        // pargzip: one gzip member per block, concatenated.
        int block = 1 << 20;
        for (int off = 0; off < raw.length || off == 0; off += block) {
          try (GZIPOutputStream gz = new GZIPOutputStream(nonClosing(out))) {
            gz.write(raw, off, Math.min(block, raw.length - off));
          }
          if (raw.length == 0) {
            break;
          }
        }
      }
      case "pgzip" -> {
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
          gz.write(raw);
        }
      }
      case "lz4" -> {
        try (LZ4FrameOutputStream lz = new LZ4FrameOutputStream(out)) {
          lz.write(raw);
        }
      }
      case "zstd" -> out.write(Zstd.compress(raw, 1));
      case "none" -> out.write(raw);
      default -> throw new IllegalArgumentException(engine);
    }
    return out.toByteArray();
  }

  private static java.io.OutputStream nonClosing(ByteArrayOutputStream out) {
    return new java.io.FilterOutputStream(out) {
      @Override
      public void close() {}
    };
  }

  private static String crc(byte[] stored) {
    CRC32 c = new CRC32();
    c.update(stored);
    return String.format("%08x", c.getValue());
  }

  /** Writes objects and a MANIFEST the way FORMAT.md describes a Vitess writer doing it. */
  private void writeVitessBackup(Path dir, String engine, boolean chunked) throws IOException {
    Files.createDirectories(dir);
    ObjectMapper json = new ObjectMapper();
    ObjectNode m = json.createObjectNode();
    m.put("BackupName", dir.getFileName().toString());
    m.put("BackupMethod", "builtin");
    m.put("Position", "MySQL56/16b1039f-22b6-11ed-b765-0a43f95f28a3:1-615");
    m.put("PurgedPosition", "");
    m.put("FromPosition", "");
    m.put("FromBackup", "");
    m.put("Incremental", false);
    m.put("BackupTime", "2026-01-02T03:04:05Z");
    m.put("FinishedTime", "2026-01-02T03:09:05Z");
    m.put("ServerUUID", "16b1039f-22b6-11ed-b765-0a43f95f28a3");
    m.put("TabletAlias", "zone1-0000000101");
    m.put("Keyspace", "commerce");
    m.put("Shard", "0");
    m.put("Hostname", "tablet-101");
    m.put("MySQLVersion", "8.0.40");
    m.put("UpgradeSafe", false);
    m.putNull("IncrementalDetails");
    m.put("CompressionEngine", engine.equals("none") ? "pargzip" : engine);
    ArrayNode entries = m.putArray("FileEntries");
    m.put("SkipCompress", engine.equals("none"));
    m.put("ExternalDecompressor", "");
    int i = 0;
    for (Map.Entry<String[], byte[]> f : sourceFiles().entrySet()) {
      byte[] raw = f.getValue();
      ObjectNode e = entries.addObject();
      e.put("Base", f.getKey()[0]);
      e.put("Name", f.getKey()[1]);
      if (chunked && raw.length > CHUNK) {
        e.put("Hash", "");
        e.put("ParentPath", "");
        ArrayNode chunks = e.putArray("Chunks");
        int j = 0;
        for (int off = 0; off < raw.length; off += CHUNK, j++) {
          byte[] stored =
              compress(engine, Arrays.copyOfRange(raw, off, Math.min(raw.length, off + CHUNK)));
          Files.write(dir.resolve(i + "-" + j), stored);
          ObjectNode c = chunks.addObject();
          c.put("StorageName", i + "-" + j);
          c.put("Offset", off);
          c.put("Size", Math.min(CHUNK, raw.length - off));
          c.put("Hash", crc(stored));
        }
      } else {
        byte[] stored = compress(engine, raw);
        Files.write(dir.resolve(Integer.toString(i)), stored);
        e.put("Hash", crc(stored));
        e.put("ParentPath", "");
      }
      i++;
    }
    Files.write(
        dir.resolve("MANIFEST"), json.writerWithDefaultPrettyPrinter().writeValueAsBytes(m));
  }

  @ParameterizedTest
  @ValueSource(strings = {"pargzip", "pgzip", "lz4", "zstd", "none"})
  void restoresVitessBackupsByteForByte(String engine) throws Exception {
    for (boolean chunked : new boolean[] {true, false}) {
      Path storage = tmp.resolve(engine + chunked);
      writeVitessBackup(
          storage.resolve("commerce/0/2026-01-02.030405.zone1-0000000101"), engine, chunked);
      Path target = tmp.resolve("target-" + engine + chunked);
      Path result = tmp.resolve("result-" + engine + chunked + ".json");
      int rc =
          StowageCli.execute(
              "restore",
              "--storage",
              "file://" + storage,
              "--directory",
              "commerce/0",
              "--name",
              "latest",
              "--datadir",
              target.toString(),
              "--quiet",
              "--result-file",
              result.toString());
      assertThat(rc)
          .as(
              "restore of a %s backup (chunked=%s): %s",
              engine, chunked, Files.exists(result) ? Files.readString(result) : "")
          .isZero();
      for (Map.Entry<String[], byte[]> f : sourceFiles().entrySet()) {
        assertThat(Files.readAllBytes(target.resolve(f.getKey()[1])))
            .as("%s restored from %s (chunked=%s)", f.getKey()[1], engine, chunked)
            .isEqualTo(f.getValue());
      }
      assertThat(target.resolve(".stowage-restore-in-progress")).doesNotExist();
      assertThat(
              StowageCli.execute(
                  "verify",
                  "--storage",
                  storage.toString(),
                  "--directory",
                  "commerce/0",
                  "--name",
                  "2026-01-02.030405.zone1-0000000101",
                  "--quiet"))
          .isZero();
    }
  }
}
