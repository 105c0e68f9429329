package dev.stowage.engine.compress;

/** A compression format of backup objects, named as in the MANIFEST's CompressionEngine. */
public interface Codec {
  /** The CompressionEngine value written to a MANIFEST. */
  String engineName();

  /** A compressor owned by one worker and reused for many objects. */
  Compressor newCompressor(int level);

  /** A decompressor owned by one worker and reused for many objects. */
  Decompressor newDecompressor();
}
