package dev.stowage.engine.storage.s3;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;

/**
 * A response body as a channel whose reads return up to {@link #BATCH} bytes, not the one TLS
 * record (at most 16 KiB) that the socket has decrypted. {@code Channels.newChannel} reads 8 KiB at
 * a time and returns as soon as the stream has nothing buffered, so every read of a download went
 * through the SDK's and the HTTP client's stream layers twice per record, and the decompressor and
 * the checksums ran once per 16 KiB. A read here blocks until {@code BATCH} bytes (or the end) have
 * arrived: the body arrives at the link's speed either way, and other workers use the CPU
 * meanwhile.
 */
final class BodyChannel implements ReadableByteChannel {
  /** Bytes a read gathers before it returns (less at the end of the body). */
  static final int BATCH = 256 * 1024;

  private final InputStream in;
  static final int BUFFER = 64 * 1024;

  private final byte[] buf = new byte[BUFFER];
  private boolean open = true;

  BodyChannel(InputStream in) {
    this.in = in;
  }

  @Override
  public int read(ByteBuffer dst) throws IOException {
    if (!open) {
      throw new java.nio.channels.ClosedChannelException();
    }
    int want = Math.min(dst.remaining(), BATCH);
    int total = 0;
    while (total < want) {
      int n = in.read(buf, 0, Math.min(buf.length, want - total));
      if (n < 0) {
        return total == 0 ? -1 : total;
      }
      dst.put(buf, 0, n);
      total += n;
    }
    return total;
  }

  @Override
  public boolean isOpen() {
    return open;
  }

  @Override
  public void close() throws IOException {
    open = false;
    in.close();
  }
}
