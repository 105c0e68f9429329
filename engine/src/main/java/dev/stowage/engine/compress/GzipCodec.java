package dev.stowage.engine.compress;

import java.io.BufferedInputStream;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;

/**
 * gzip, as Vitess's pgzip and pargzip: writes one gzip member; reads through any number of
 * concatenated members (pargzip writes many).
 */
public final class GzipCodec implements Codec {
  private final String engineName;

  /** {@code engineName} is what a MANIFEST calls it: pgzip or pargzip. */
  public GzipCodec(String engineName) {
    this.engineName = engineName;
  }

  @Override
  public String engineName() {
    return engineName;
  }

  @Override
  public Compressor newCompressor(int level) {
    return new StreamCompressor(
        out ->
            new GZIPOutputStream(out, 1 << 16) {
              {
                def.setLevel(level);
              }
            });
  }

  /** The buffered input's and the stream decompressor's buffers (inflater state aside). */
  @Override
  public long decompressorHeapBytes() {
    return 2 * (1 << 16);
  }

  @Override
  public Decompressor newDecompressor() {
    return new StreamDecompressor(
        in ->
            GzipCompressorInputStream.builder()
                .setInputStream(new BufferedInputStream(in, 1 << 16))
                .setDecompressConcatenated(true)
                .get(),
        "gzip");
  }
}
