package dev.stowage.engine.compress;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;

/** Turns raw bytes into one self-contained compressed stream per object. Not thread-safe. */
public interface Compressor extends AutoCloseable {
  /**
   * Starts a new object written to {@code out} that will hold exactly {@code rawLength} raw bytes
   * (-1 if unknown); codecs use it to size their tables for small objects.
   */
  void begin(WritableByteChannel out, long rawLength) throws IOException;

  /** Compresses all remaining bytes of {@code raw} (a direct buffer). */
  void write(ByteBuffer raw) throws IOException;

  /** Ends the stream; everything has been handed to {@code out} when this returns. */
  void finish() throws IOException;

  @Override
  void close();
}
