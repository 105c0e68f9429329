package dev.stowage.engine.compress;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;

/** Turns raw bytes into one self-contained compressed stream per object. Not thread-safe. */
public interface Compressor extends AutoCloseable {
  /** Starts a new object written to {@code out}. */
  void begin(WritableByteChannel out) throws IOException;

  /** Compresses all remaining bytes of {@code raw} (a direct buffer). */
  void write(ByteBuffer raw) throws IOException;

  /** Ends the stream; everything has been handed to {@code out} when this returns. */
  void finish() throws IOException;

  @Override
  void close();
}
