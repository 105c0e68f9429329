package dev.stowage.engine.compress;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stowage.engine.testing.PiecewiseChannel;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ReadableByteChannel;
import java.util.Arrays;
import java.util.Random;
import java.util.zip.GZIPOutputStream;
import net.jpountz.lz4.LZ4FrameOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class CodecsTest {
  /** Page-like data: repetitive structure with varying content, compressible but not trivially. */
  static byte[] sample(int size, long seed) {
    Random r = new Random(seed);
    byte[] b = new byte[size];
    for (int i = 0; i < size; i++) {
      b[i] = (byte) ((i % 16384 < 64) ? i : (r.nextInt(8) == 0 ? r.nextInt() : (i / 7)));
    }
    return b;
  }

  static byte[] compress(Codec codec, byte[] raw, int level) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (Compressor c = codec.newCompressor(level)) {
      c.begin(Channels.newChannel(out), raw.length);
      // Feed in uneven pieces to exercise the streaming paths.
      int pos = 0;
      int step = 777_777;
      while (pos < raw.length) {
        int n = Math.min(step, raw.length - pos);
        ByteBuffer d = ByteBuffer.allocateDirect(n);
        d.put(raw, pos, n).flip();
        c.write(d);
        assertThat(d.hasRemaining()).isFalse();
        pos += n;
      }
      c.finish();
    }
    return out.toByteArray();
  }

  static byte[] decompress(Codec codec, byte[] stored) throws IOException {
    return decompress(codec, Channels.newChannel(new java.io.ByteArrayInputStream(stored)));
  }

  /** Everything {@code codec}'s decoder makes of what {@code in} gives. */
  static byte[] decompress(Codec codec, ReadableByteChannel in) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (Decompressor d = codec.newDecompressor()) {
      d.decompress(
          in,
          buf -> {
            byte[] tmp = new byte[buf.remaining()];
            buf.get(tmp);
            out.write(tmp, 0, tmp.length);
          });
    }
    return out.toByteArray();
  }

  @ParameterizedTest
  @ValueSource(strings = {"zstd", "gzip", "none"})
  void roundTripsEverySizeIncludingEmpty(String name) throws IOException {
    Codec codec = Codecs.forWriting(name);
    for (int size : new int[] {0, 1, 4095, 3 * (1 << 20) + 17}) {
      byte[] raw = sample(size, size);
      byte[] stored = compress(codec, raw, 1);
      assertThat(decompress(codec, stored)).as("%s %d bytes", name, size).isEqualTo(raw);
      if (!name.equals("none") && size > 4095) {
        assertThat(stored.length).isLessThan(raw.length);
      }
    }
  }

  @Test
  void zstdContextIsReusedWithTheSameLevelAcrossObjects() throws IOException {
    Codec codec = new ZstdCodec();
    byte[] raw = sample(2 << 20, 9);
    try (Compressor c = codec.newCompressor(19)) {
      byte[][] outs = new byte[2][];
      for (int k = 0; k < 2; k++) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        c.begin(Channels.newChannel(out), -1);
        c.write(ByteBuffer.allocateDirect(raw.length).put(raw).flip());
        c.finish();
        outs[k] = out.toByteArray();
      }
      // A reset that lost the level would make the second object differ (level 3).
      assertThat(outs[1]).isEqualTo(outs[0]);
    }
  }

  @Test
  void zstdReadsConcatenatedFramesAndRejectsTruncation() throws IOException {
    Codec codec = new ZstdCodec();
    byte[] a = sample(100_000, 1);
    byte[] b = sample(3 << 20, 2);
    byte[] both = concat(compress(codec, a, 1), compress(codec, b, 3));
    assertThat(decompress(codec, both)).isEqualTo(concat(a, b));
    byte[] cut = Arrays.copyOf(both, both.length - 10);
    assertThatThrownBy(() -> decompress(codec, cut)).isInstanceOf(CorruptStreamException.class);
    assertThatThrownBy(() -> decompress(codec, new byte[0]))
        .isInstanceOf(CorruptStreamException.class);
    byte[] garbage = sample(1000, 5);
    assertThatThrownBy(() -> decompress(codec, garbage)).isInstanceOf(CorruptStreamException.class);
  }

  @Test
  void gzipReadsManyConcatenatedMembersAsPargzipWrites() throws IOException {
    byte[] raw = sample(5 << 20, 3);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int member = 1 << 20;
    for (int off = 0; off < raw.length; off += member) {
      ByteArrayOutputStream one = new ByteArrayOutputStream();
      try (GZIPOutputStream gz = new GZIPOutputStream(one)) {
        gz.write(raw, off, Math.min(member, raw.length - off));
      }
      out.write(one.toByteArray());
    }
    Codec codec = Codecs.forReading(false, "pargzip", "", "x");
    assertThat(decompress(codec, out.toByteArray())).isEqualTo(raw);
    byte[] cut = Arrays.copyOf(out.toByteArray(), out.size() - 100);
    assertThatThrownBy(() -> decompress(codec, cut)).isInstanceOf(CorruptStreamException.class);
  }

  @Test
  void lz4ReadsFrameFormatIncludingConcatenatedFrames() throws IOException {
    byte[] a = sample(2 << 20, 4);
    byte[] b = sample(70_000, 6);
    byte[] both = concat(lz4(a), lz4(b));
    Codec codec = Codecs.forReading(false, "lz4", "", "x");
    assertThat(decompress(codec, both)).isEqualTo(concat(a, b));
    assertThatThrownBy(() -> decompress(codec, Arrays.copyOf(both, 1000)))
        .isInstanceOf(CorruptStreamException.class);
  }

  @Test
  void readerChoiceFollowsTheManifestAndNeverRunsExternalDecompressors() {
    assertThat(Codecs.forReading(false, "", "", "x").engineName()).isEqualTo("pgzip");
    assertThat(Codecs.forReading(true, "zstd", "", "x")).isInstanceOf(NoCompression.class);
    assertThatThrownBy(() -> Codecs.forReading(false, "external", "zstd -d", "x"))
        .hasMessageContaining("never runs commands");
    assertThatThrownBy(() -> Codecs.forReading(false, "brotli", "", "x"))
        .hasMessageContaining("\"brotli\"");
    assertThatThrownBy(() -> Codecs.forWriting("lzma")).hasMessageContaining("zstd, gzip or none");
    assertThatThrownBy(() -> Codecs.checkLevel("zstd", 23)).hasMessageContaining("--level 23");
  }

  static byte[] lz4(byte[] raw) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (LZ4FrameOutputStream s = new LZ4FrameOutputStream(out)) {
      s.write(raw);
    }
    return out.toByteArray();
  }

  static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.write(p, 0, p.length);
    }
    return out.toByteArray();
  }

  @Test
  void zstdHandsOutWholePageAlignedBuffersUntilTheLast() throws IOException {
    // A restore writes these straight to the device with O_DIRECT (restore/DirectWriter): every
    // buffer but the last must be full, and its memory page-aligned.
    Codec zstd = new ZstdCodec();
    byte[] raw = sample(5 * Buffers.CODEC_BUFFER + 12_345, 11);
    byte[] stored = compress(zstd, raw, 1);
    java.util.List<Integer> sizes = new java.util.ArrayList<>();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (Decompressor d = zstd.newDecompressor()) {
      // A source that gives few bytes per read, so the input runs out mid-buffer again and again.
      ReadableByteChannel trickle = new PiecewiseChannel(stored, 10_000, false);
      d.decompress(
          trickle,
          buf -> {
            assertThat(buf.isDirect()).isTrue();
            assertThat(buf.alignmentOffset(buf.position(), Buffers.ALIGNMENT)).isZero();
            sizes.add(buf.remaining());
            byte[] tmp = new byte[buf.remaining()];
            buf.get(tmp);
            out.write(tmp, 0, tmp.length);
          });
    }
    assertThat(out.toByteArray()).isEqualTo(raw);
    assertThat(sizes.subList(0, sizes.size() - 1)).containsOnly(Buffers.CODEC_BUFFER);
    assertThat(sizes.get(sizes.size() - 1)).isEqualTo(12_345);
  }
}
