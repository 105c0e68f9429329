package dev.stowage.engine.compress;

import static dev.stowage.engine.compress.CodecsTest.concat;
import static dev.stowage.engine.compress.CodecsTest.decompress;
import static dev.stowage.engine.compress.CodecsTest.sample;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.luben.zstd.Zstd;
import com.github.luben.zstd.ZstdInputStream;
import dev.stowage.engine.testing.PiecewiseChannel;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Level 1 writes an object as frames of {@link ZstdCodec#FRAME} raw bytes each, compressed in one
 * call; higher levels stream one frame. Either is one zstd stream that any decoder reads (the
 * reference library's stream here, Stowage's decompressor, and Vitess's, klauspost/compress, which
 * reads every frame of a stream).
 */
class ZstdFramesTest {
  private static final int FRAME = ZstdCodec.FRAME;

  /** Compresses {@code raw} fed in writes of {@code step} bytes; {@code known}: say its length. */
  private static byte[] compress(byte[] raw, int level, int step, boolean known)
      throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (Compressor c = new ZstdCodec().newCompressor(level)) {
      c.begin(Channels.newChannel(out), known ? raw.length : -1);
      for (int pos = 0; pos < raw.length; pos += step) {
        int n = Math.min(step, raw.length - pos);
        ByteBuffer d = ByteBuffer.allocateDirect(n).put(raw, pos, n).flip();
        c.write(d);
        assertThat(d.hasRemaining()).isFalse();
      }
      c.finish();
    }
    return out.toByteArray();
  }

  /** The raw size of each frame of {@code stored}, in order. */
  private static List<Long> frames(byte[] stored) {
    List<Long> sizes = new ArrayList<>();
    int pos = 0;
    while (pos < stored.length) {
      byte[] rest = Arrays.copyOfRange(stored, pos, stored.length);
      sizes.add(Zstd.getFrameContentSize(rest));
      pos += (int) Zstd.findFrameCompressedSize(rest);
    }
    return sizes;
  }

  private static byte[] readByReferenceLibrary(byte[] stored) throws IOException {
    try (ZstdInputStream in = new ZstdInputStream(new ByteArrayInputStream(stored))) {
      return in.readAllBytes();
    }
  }

  @Test
  void theCompressBoundWorkedOutInJavaIsZstds() {
    for (long n :
        new long[] {
          0, 1, 1000, (128 << 10) - 1, 128 << 10, (128 << 10) + 1, 1 << 20, 3_000_001L, 64L << 20
        }) {
      assertThat(ZstdCodec.compressBound(n)).as("%d bytes", n).isEqualTo(Zstd.compressBound(n));
    }
  }

  @Test
  void levelOneWritesOneFramePerMebibyteWithItsSizeAndChecksum() throws IOException {
    byte[] raw = sample(3 * FRAME + FRAME / 2, 1);
    byte[] stored = compress(raw, 1, FRAME, true);

    assertThat(frames(stored))
        .containsExactly((long) FRAME, (long) FRAME, (long) FRAME, FRAME / 2L);
    // Frame header descriptor, bit 2: a content checksum ends the frame.
    assertThat(stored[4] & 0x04).as("checksum flag of the first frame").isNotZero();
    assertThat(readByReferenceLibrary(stored)).isEqualTo(raw);
    assertThat(decompress(new ZstdCodec(), stored)).isEqualTo(raw);
  }

  @Test
  void framesAreTheSameWhateverTheWriteSizesAndWhetherTheLengthIsKnown() throws IOException {
    byte[] raw = sample(2 * FRAME + 12_345, 2);
    byte[] frameSized = compress(raw, 1, FRAME, true);

    assertThat(compress(raw, 1, 4096, true)).isEqualTo(frameSized);
    assertThat(compress(raw, 1, FRAME + 7, true)).isEqualTo(frameSized);
    assertThat(compress(raw, 1, 3 * FRAME, true)).isEqualTo(frameSized);
    assertThat(compress(raw, 1, 777_777, false)).isEqualTo(frameSized);
  }

  @Test
  void anObjectSmallerThanAFrameIsOneFrame() throws IOException {
    byte[] raw = sample(100_000, 3);
    byte[] stored = compress(raw, 1, FRAME, true);

    assertThat(frames(stored)).containsExactly(100_000L);
    assertThat(decompress(new ZstdCodec(), stored)).isEqualTo(raw);
  }

  @Test
  void anEmptyObjectIsOneEmptyFrame() throws IOException {
    byte[] stored = compress(new byte[0], 1, FRAME, true);

    assertThat(frames(stored)).containsExactly(0L);
    assertThat(readByReferenceLibrary(stored)).isEmpty();
    assertThat(decompress(new ZstdCodec(), stored)).isEmpty();
  }

  @Test
  void anEmptyObjectOfUnknownLengthWithEmptyWritesIsOneEmptyFrame() throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (Compressor c = new ZstdCodec().newCompressor(1)) {
      c.begin(Channels.newChannel(out), -1);
      c.write(ByteBuffer.allocateDirect(0));
      c.write(ByteBuffer.allocateDirect(0));
      c.finish();
    }
    assertThat(frames(out.toByteArray())).containsExactly(0L);
  }

  @Test
  void writingMoreOrLessThanAnnouncedIsRefused() {
    for (int written : new int[] {FRAME - 1, FRAME + 1}) {
      assertThatThrownBy(
              () -> {
                try (Compressor c = new ZstdCodec().newCompressor(1)) {
                  c.begin(Channels.newChannel(new ByteArrayOutputStream()), FRAME);
                  c.write(ByteBuffer.allocateDirect(written));
                  c.finish();
                }
              })
          .as("%d bytes written of %d announced", written, FRAME)
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("announced as " + FRAME + " raw bytes but " + written);
    }
  }

  @Test
  void beginDropsWhatAnUnfinishedObjectGathered() throws IOException {
    byte[] raw = sample(FRAME / 2, 7);
    ByteArrayOutputStream fresh = new ByteArrayOutputStream();
    try (Compressor c = new ZstdCodec().newCompressor(1)) {
      c.begin(Channels.newChannel(fresh), raw.length);
      c.write(ByteBuffer.allocateDirect(raw.length).put(raw).flip());
      c.finish();
    }
    ByteArrayOutputStream again = new ByteArrayOutputStream();
    try (Compressor c = new ZstdCodec().newCompressor(1)) {
      // An attempt that failed half way: 1000 bytes gathered, never finished.
      c.begin(Channels.newChannel(new ByteArrayOutputStream()), -1);
      c.write(ByteBuffer.allocateDirect(1000).put(sample(1000, 8)).flip());
      c.begin(Channels.newChannel(again), raw.length);
      for (int pos = 0; pos < raw.length; pos += 4096) {
        int n = Math.min(4096, raw.length - pos);
        c.write(ByteBuffer.allocateDirect(n).put(raw, pos, n).flip());
      }
      c.finish();
    }
    assertThat(again.toByteArray()).isEqualTo(fresh.toByteArray());
  }

  /**
   * The decoder tops its input up until a whole frame is in it (so zstd decodes each frame in one
   * pass), keeping what it has not decoded yet: the same bytes come out whatever pieces the source
   * gives (a TLS record's, a file read's, one byte, none now and then), over streams several times
   * the decoder's input buffer, and a stream cut inside any frame is refused.
   */
  @Test
  void framesAreDecodedWhateverPiecesTheSourceGives() throws IOException {
    // Incompressible bytes: the stored stream is about as long as the raw one, several refills.
    byte[] noise = new byte[9 * FRAME + 12_345];
    new java.util.Random(21).nextBytes(noise);
    byte[] text = sample(2 * FRAME + 777, 22);
    byte[] skippable = {0x50, 0x2A, 0x4D, 0x18, 3, 0, 0, 0, 'a', 'b', 'c'};
    byte[] stored =
        concat(
            compress(noise, 1, FRAME, true),
            skippable,
            compress(text, 3, 65_536, false), // one streamed frame, its size not in its header
            compress(text, 1, FRAME, true));
    byte[] raw = concat(noise, text, text);
    assertThat(stored.length).isGreaterThan(3 * ZstdCodec.IN_BUFFER);
    for (int piece : new int[] {4093, 16_384 + 5, ZstdCodec.IN_BUFFER + 1, stored.length}) {
      assertThat(decodeInPieces(stored, piece, false))
          .as("pieces of %d bytes", piece)
          .isEqualTo(raw);
    }
    assertThat(decodeInPieces(stored, 16_389, true))
        .as("a source that gives none now and then")
        .isEqualTo(raw);
    byte[] small = Arrays.copyOf(text, FRAME + 100);
    assertThat(decodeInPieces(compress(small, 1, FRAME, true), 1, false)).isEqualTo(small);
    byte[] level1 = compress(noise, 1, FRAME, true);
    int end = 0;
    for (int i = 0; i < frames(level1).size(); i++) {
      end += (int) Zstd.findFrameCompressedSize(Arrays.copyOfRange(level1, end, level1.length));
      byte[] cut = Arrays.copyOf(level1, end - 1);
      assertThatThrownBy(() -> decodeInPieces(cut, 16_389, false))
          .as("cut one byte short of the end of frame %d", i)
          .isInstanceOf(CorruptStreamException.class)
          .hasMessageContaining("ends in the middle of a frame");
    }
  }

  /**
   * Stowage's decoder reading {@code stored} from a source that gives {@code piece} bytes at most
   * per read, and with {@code stutter} nothing every other read.
   */
  private static byte[] decodeInPieces(byte[] stored, int piece, boolean stutter)
      throws IOException {
    return decompress(new ZstdCodec(), new PiecewiseChannel(stored, piece, stutter));
  }

  @Test
  void higherLevelsStreamOneFrame() throws IOException {
    byte[] raw = sample(3 * FRAME, 4);
    byte[] stored = compress(raw, 3, 777_777, true);

    assertThat(frames(stored)).containsExactly(3L * FRAME);
    assertThat(decompress(new ZstdCodec(), stored)).isEqualTo(raw);
  }

  @Test
  void theCompressorStartsAfreshForEachObject() throws IOException {
    byte[] first = sample(FRAME + 5, 5);
    byte[] second = sample(FRAME / 3, 6);
    ByteArrayOutputStream a = new ByteArrayOutputStream();
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    try (Compressor c = new ZstdCodec().newCompressor(1)) {
      // The first object is fed in small writes, so a piece of it is gathered when it ends.
      c.begin(Channels.newChannel(a), -1);
      for (int pos = 0; pos < first.length; pos += 1000) {
        int n = Math.min(1000, first.length - pos);
        c.write(ByteBuffer.allocateDirect(n).put(first, pos, n).flip());
      }
      c.finish();
      c.begin(Channels.newChannel(b), second.length);
      c.write(ByteBuffer.allocateDirect(second.length).put(second).flip());
      c.finish();
    }
    assertThat(decompress(new ZstdCodec(), a.toByteArray())).isEqualTo(first);
    assertThat(decompress(new ZstdCodec(), b.toByteArray())).isEqualTo(second);
    assertThat(frames(b.toByteArray())).containsExactly((long) second.length);
  }
}
