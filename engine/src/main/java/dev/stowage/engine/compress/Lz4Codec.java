package dev.stowage.engine.compress;

import java.io.BufferedInputStream;
import net.jpountz.lz4.LZ4Factory;
import net.jpountz.lz4.LZ4FrameInputStream;
import net.jpountz.lz4.LZ4FrameOutputStream;
import net.jpountz.xxhash.XXHashFactory;

/** LZ4 frame format (what Vitess's lz4 engine writes); reads concatenated frames too. */
public final class Lz4Codec implements Codec {
  @Override
  public String engineName() {
    return "lz4";
  }

  @Override
  public Compressor newCompressor(int level) {
    return new StreamCompressor(LZ4FrameOutputStream::new);
  }

  /**
   * The frame reader's two block buffers (up to 4 MiB each: LZ4's largest block, the one Vitess
   * writes), the buffered input's and the stream decompressor's.
   */
  @Override
  public long decompressorHeapBytes() {
    return 2 * (4L << 20) + 2 * (1 << 16);
  }

  @Override
  public Decompressor newDecompressor() {
    // The bounds-checked decoder, named rather than left to a default: a block's match offset
    // and lengths come from the bucket. (JNI's LZ4_decompress_safe where it loads, else Java.)
    return new StreamDecompressor(
        in ->
            new LZ4FrameInputStream(
                new BufferedInputStream(in, 1 << 16),
                LZ4Factory.fastestInstance().safeDecompressor(),
                XXHashFactory.fastestInstance().hash32()),
        "lz4 frame");
  }
}
