package dev.stowage.engine.compress;

import java.io.BufferedInputStream;
import net.jpountz.lz4.LZ4FrameInputStream;
import net.jpountz.lz4.LZ4FrameOutputStream;

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

  @Override
  public Decompressor newDecompressor() {
    return new StreamDecompressor(
        in -> new LZ4FrameInputStream(new BufferedInputStream(in, 1 << 16)), "lz4 frame");
  }
}
