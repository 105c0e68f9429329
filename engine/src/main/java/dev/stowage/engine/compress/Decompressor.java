package dev.stowage.engine.compress;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;

/** Reads one whole compressed object and hands its raw bytes on, in order. Not thread-safe. */
public interface Decompressor extends AutoCloseable {
  /** Receives raw bytes; it must consume everything between position and limit. */
  interface RawSink {
    void accept(ByteBuffer raw) throws IOException;
  }

  /**
   * Decompresses {@code in} to its end. Throws {@link CorruptStreamException} when the stream is
   * not valid or ends early.
   */
  void decompress(ReadableByteChannel in, RawSink sink) throws IOException;

  @Override
  void close();
}
