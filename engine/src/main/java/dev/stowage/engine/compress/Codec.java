package dev.stowage.engine.compress;

/** A compression format of backup objects, named as in the MANIFEST's CompressionEngine. */
public interface Codec {
  /** The CompressionEngine value written to a MANIFEST. */
  String engineName();

  /** A compressor owned by one worker and reused for many objects. */
  Compressor newCompressor(int level);

  /** A decompressor owned by one worker and reused for many objects. */
  Decompressor newDecompressor();

  /** The direct buffers one compressor holds (MemoryBudget). */
  default long compressorDirectBytes() {
    return 0;
  }

  /** The direct buffers one decompressor holds (MemoryBudget). */
  default long decompressorDirectBytes() {
    return 0;
  }

  /** The heap one decompressor holds while it reads an object (MemoryBudget). */
  default long decompressorHeapBytes() {
    return 0;
  }
}
