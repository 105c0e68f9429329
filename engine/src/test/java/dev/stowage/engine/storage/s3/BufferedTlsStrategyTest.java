package dev.stowage.engine.storage.s3;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stowage.engine.testing.LoopbackCertificate;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The strategy against a TLS server in the test's own JVM on 127.0.0.1 ({@link
 * LoopbackCertificate}): the TLS socket it returns reads its records through a buffer and writes
 * through one.
 */
class BufferedTlsStrategyTest {
  private static final int RECORDS = 12;
  private static final int RECORD_BODY = 1000;

  @TempDir Path tmp;

  @Test
  void theTlsSocketReadsEveryRecordThatHasArrivedInOneGo() throws Exception {
    LoopbackCertificate cert = LoopbackCertificate.create(tmp);
    SSLContext server = cert.serverContext();
    TrustManagerFactory tmf = cert.trust();

    byte[] body = new byte[RECORD_BODY];
    Arrays.fill(body, (byte) 'x');
    CountDownLatch written = new CountDownLatch(1);
    CountDownLatch done = new CountDownLatch(1);
    try (SSLServerSocket listener =
        (SSLServerSocket)
            server
                .getServerSocketFactory()
                .createServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      CompletableFuture<Void> serving =
          CompletableFuture.runAsync(
              () -> {
                try (SSLSocket s = (SSLSocket) listener.accept()) {
                  s.startHandshake();
                  OutputStream out = s.getOutputStream();
                  for (int i = 0; i < RECORDS; i++) {
                    out.write(body); // one record per write
                    out.flush();
                  }
                  written.countDown();
                  done.await(30, TimeUnit.SECONDS);
                } catch (Exception e) {
                  throw new IllegalStateException(e);
                }
              });
      try (Socket raw = new Socket(InetAddress.getLoopbackAddress(), listener.getLocalPort());
          SSLSocket tls =
              BufferedTlsStrategy.of(tmf.getTrustManagers())
                  .upgrade(raw, "127.0.0.1", listener.getLocalPort(), null, null)) {
        assertThat(written.await(30, TimeUnit.SECONDS)).isTrue();
        awaitSteady(raw);
        assertThat(raw.getInputStream().available())
            .as("bytes waiting in the socket before the first read")
            .isGreaterThan(RECORDS * RECORD_BODY);

        InputStream in = tls.getInputStream();
        assertThat(in.read()).isEqualTo('x');
        // Without the buffer the first read takes one record (header, then body) and leaves the
        // others in the socket.
        assertThat(raw.getInputStream().available()).as("left in the socket").isZero();

        byte[] rest = in.readNBytes(RECORDS * RECORD_BODY - 1);
        assertThat(rest).hasSize(RECORDS * RECORD_BODY - 1).containsOnly('x');
      } finally {
        done.countDown();
      }
      serving.get(30, TimeUnit.SECONDS);
    }
  }

  /**
   * A body written 4 KiB at a time, as the HTTP client does, leaves as full 16 KiB records, not a
   * record per write; a flush sends what is buffered at once; the socket gives one output stream.
   */
  @Test
  void anUploadWrittenInSmallPiecesLeavesInFullRecordsAndAFlushSendsIt() throws Exception {
    LoopbackCertificate cert = LoopbackCertificate.create(tmp);
    SSLContext server = cert.serverContext();
    TrustManagerFactory tmf = cert.trust();
    int total = 1 << 20;
    byte[] piece = new byte[4096];
    Arrays.fill(piece, (byte) 'y');
    try (SSLServerSocket listener =
        (SSLServerSocket)
            server
                .getServerSocketFactory()
                .createServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      CompletableFuture<byte[]> received =
          CompletableFuture.supplyAsync(
              () -> {
                try (SSLSocket s = (SSLSocket) listener.accept()) {
                  // No SO_TIMEOUT on this side: with one, this server's reads of the body stalled
                  // (not looked into). The client's reads have one, and its close ends these.
                  InputStream in = s.getInputStream();
                  byte[] head = in.readNBytes(5);
                  s.getOutputStream().write('k'); // the client's flushed bytes arrived
                  s.getOutputStream().flush();
                  byte[] body = in.readNBytes(total);
                  return head.length == 5 ? body : null;
                } catch (Exception e) {
                  throw new IllegalStateException(e);
                }
              });
      AtomicInteger bigWrites = new AtomicInteger();
      try (Socket raw =
              new Socket(InetAddress.getLoopbackAddress(), listener.getLocalPort()) {
                private OutputStream counted;

                @Override
                public synchronized OutputStream getOutputStream() throws IOException {
                  if (counted == null) {
                    counted =
                        new FilterOutputStream(super.getOutputStream()) {
                          @Override
                          public void write(byte[] b, int off, int len) throws IOException {
                            if (len > 1024) {
                              bigWrites.incrementAndGet(); // a record of data, not a handshake
                            }
                            out.write(b, off, len);
                          }
                        };
                  }
                  return counted;
                }
              };
          SSLSocket tls =
              BufferedTlsStrategy.of(tmf.getTrustManagers())
                  .upgrade(raw, "127.0.0.1", listener.getLocalPort(), null, null)) {
        raw.setSoTimeout(30_000); // a flush that did not go through fails, not hangs
        OutputStream out = tls.getOutputStream();
        assertThat(tls.getOutputStream())
            .as("one stream, so nothing waits in another")
            .isSameAs(out);
        out.write("hello".getBytes(StandardCharsets.US_ASCII));
        out.flush();
        assertThat(tls.getInputStream().read())
            .as("the server read the flushed bytes")
            .isEqualTo('k');

        bigWrites.set(0);
        for (int i = 0; i < total / piece.length; i++) {
          out.write(piece);
        }
        out.flush();
        assertThat(received.get(30, TimeUnit.SECONDS)).hasSize(total).containsOnly('y');
        // 64 records of 16 KiB; a record per write would be 256.
        assertThat(bigWrites.get()).isBetween(64, 66);
      }
    }
  }

  /** Waits until the bytes waiting in {@code raw} stop growing. */
  private static void awaitSteady(Socket raw) throws Exception {
    int last = -1;
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (System.nanoTime() < deadline) {
      int now = raw.getInputStream().available();
      if (now == last && now > 0) {
        return;
      }
      last = now;
      Thread.sleep(100);
    }
  }
}
