package dev.stowage.engine.compress;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.luben.zstd.ZstdOutputStream;
import dev.stowage.engine.manifest.Manifest;
import dev.stowage.engine.manifest.Settings;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Issue 15, finding 14: the zstd window a restore accepts is capped (32 MiB by default), and every
 * legitimate writer fits under the cap it is read with.
 */
class ZstdWindowCapTest {
  private static byte[] frame(byte[] raw, int level, int windowLog) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (ZstdOutputStream z = new ZstdOutputStream(out, level)) {
      z.setWindowLog(windowLog); // streamed, no content size: the header declares this window
      z.write(raw);
    }
    return out.toByteArray();
  }

  /** The window a frame header declares (RFC 8878 3.1.1.1), or the content size if single. */
  private static long declaredWindow(byte[] frame) {
    int fhd = frame[4] & 0xFF;
    boolean singleSegment = (fhd & 0x20) != 0;
    if (singleSegment) {
      return -1;
    }
    int wd = frame[5] & 0xFF;
    int exponent = wd >> 3;
    int mantissa = wd & 7;
    long base = 1L << (10 + exponent);
    return base + (base / 8) * mantissa;
  }

  private static byte[] data(int size) {
    byte[] pattern = new byte[4096];
    new Random(11).nextBytes(pattern);
    byte[] b = new byte[size];
    for (int i = 0; i < size; i++) {
      b[i] = (byte) (pattern[i % pattern.length] ^ (i >> 20));
    }
    return b;
  }

  @Test
  void vitessBestCompressionWindowIsRead() throws Exception {
    // klauspost/compress (Vitess) declares at most 32 MiB, at SpeedBestCompression.
    byte[] raw = data(1 << 20);
    byte[] stored = frame(raw, 3, 25);
    assertThat(declaredWindow(stored)).isEqualTo(32L << 20);
    assertThat(CodecsTest.decompress(new ZstdCodec(), stored)).isEqualTo(raw);
  }

  @Test
  void aLargerWindowIsRefusedByDefault() throws Exception {
    byte[] stored = frame(data(1 << 20), 3, 26);
    assertThatThrownBy(() -> CodecsTest.decompress(new ZstdCodec(), stored))
        .isInstanceOf(CorruptStreamException.class)
        .hasMessageContaining("asks for a window larger than 32 MiB");
  }

  @Test
  void stowageWriterAtLevel22StaysWithinTheCap() throws Exception {
    // Level 22 would use a 128 MiB window for an object this large; the writer caps it.
    byte[] raw = data(40 << 20);
    byte[] stored = CodecsTest.compress(new ZstdCodec(), raw, 22);
    assertThat(declaredWindow(stored)).isBetween(1L, 32L << 20);
    assertThat(CodecsTest.decompress(new ZstdCodec(), stored)).isEqualTo(raw);
  }

  @Test
  void aBackupStowageWroteAtLevel22BeforeTheCapGetsZstdsOwnLimit() throws Exception {
    byte[] raw = data(1 << 20);
    byte[] legacy = frame(raw, 3, 27);
    Manifest m = new Manifest();
    m.compressionEngine = "zstd";
    m.stowageSettings = new Settings();
    m.stowageSettings.compression = "zstd";
    m.stowageSettings.level = 22;
    Codec codec = Codecs.forReading(m, "MANIFEST");
    assertThat(((ZstdCodec) codec).maxWindowLog()).isEqualTo(27);
    assertThat(CodecsTest.decompress(codec, legacy)).isEqualTo(raw);

    m.stowageSettings.level = 19;
    assertThat(((ZstdCodec) Codecs.forReading(m, "MANIFEST")).maxWindowLog()).isEqualTo(25);
    m.stowageSettings = null; // a Vitess backup
    assertThat(((ZstdCodec) Codecs.forReading(m, "MANIFEST")).maxWindowLog()).isEqualTo(25);
  }
}
