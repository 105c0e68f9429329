package dev.stowage.engine.storage.s3;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stowage.engine.testing.LoopbackCertificate;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The strategy against a TLS server in the test's own JVM on 127.0.0.1 ({@link
 * LoopbackCertificate}): the TLS socket it returns reads its records through the buffer.
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
