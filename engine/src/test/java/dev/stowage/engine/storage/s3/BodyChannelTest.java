package dev.stowage.engine.storage.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.util.Random;
import org.junit.jupiter.api.Test;

class BodyChannelTest {
  /** A body that arrives 16 KiB at a time, as TLS records do. */
  static InputStream trickling(byte[] body) {
    return new FilterInputStream(new ByteArrayInputStream(body)) {
      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        return super.read(b, off, Math.min(len, 16 * 1024));
      }

      @Override
      public int available() {
        return 0; // nothing decrypted ahead: Channels.newChannel would return after each record
      }
    };
  }

  static byte[] body(int n) {
    byte[] b = new byte[n];
    new Random(n).nextBytes(b);
    return b;
  }

  @Test
  void aReadGathersABatchAcrossRecords() throws IOException {
    byte[] body = body(3 * BodyChannel.BATCH + 1000);
    BodyChannel ch = new BodyChannel(trickling(body));
    ByteBuffer dst = ByteBuffer.allocateDirect(1 << 20);
    assertThat(ch.read(dst)).isEqualTo(BodyChannel.BATCH);
    assertThat(ch.read(dst)).isEqualTo(BodyChannel.BATCH);
  }

  @Test
  void everyByteArrivesAndTheEndIsMinusOne() throws IOException {
    byte[] body = body(BodyChannel.BATCH + 12_345);
    BodyChannel ch = new BodyChannel(trickling(body));
    ByteArrayOutputStream got = new ByteArrayOutputStream();
    ByteBuffer dst = ByteBuffer.allocate(100_000); // smaller than a batch: never overfilled
    int n;
    while ((n = ch.read(dst)) >= 0) {
      assertThat(n).isLessThanOrEqualTo(100_000);
      dst.flip();
      byte[] part = new byte[dst.remaining()];
      dst.get(part);
      got.write(part);
      dst.clear();
    }
    assertThat(got.toByteArray()).isEqualTo(body);
    assertThat(ch.read(dst)).isEqualTo(-1);
  }

  @Test
  void aFullBufferReadsNothing() throws IOException {
    BodyChannel ch = new BodyChannel(trickling(body(1000)));
    assertThat(ch.read(ByteBuffer.allocate(0))).isZero();
    assertThat(ch.read(ByteBuffer.allocate(10))).isEqualTo(10);
  }

  @Test
  void aClosedChannelClosesTheBodyAndRefusesReads() throws IOException {
    boolean[] closed = {false};
    InputStream in =
        new ByteArrayInputStream(body(10)) {
          @Override
          public void close() {
            closed[0] = true;
          }
        };
    BodyChannel ch = new BodyChannel(in);
    ch.close();
    assertThat(closed[0]).isTrue();
    assertThat(ch.isOpen()).isFalse();
    assertThatThrownBy(() -> ch.read(ByteBuffer.allocate(10)))
        .isInstanceOf(ClosedChannelException.class);
  }
}
