package dev.stowage.engine.storage.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.StandardSocketOptions;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A socket pair on 127.0.0.1: the client side wrapped, the server side writing. */
class BufferedReadSocketTest {
  private ServerSocket listener;
  private Socket client;
  private Socket server;
  private BufferedReadSocket wrapped;

  @BeforeEach
  void connect() throws IOException {
    listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
    client = new Socket(InetAddress.getLoopbackAddress(), listener.getLocalPort());
    server = listener.accept();
    wrapped = new BufferedReadSocket(client);
  }

  @AfterEach
  void close() throws IOException {
    for (var c : new java.io.Closeable[] {wrapped, client, server, listener}) {
      if (c != null) {
        c.close();
      }
    }
  }

  /** Waits until {@code n} bytes wait in the client's socket. */
  private void awaitArrived(int n) throws Exception {
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (client.getInputStream().available() < n) {
      assertThat(System.nanoTime()).as("bytes arrived in time").isLessThan(deadline);
      Thread.sleep(5);
    }
  }

  @Test
  void aSmallReadTakesEverythingThatHasArrivedFromTheSocket() throws Exception {
    OutputStream out = server.getOutputStream();
    // Three TLS-record-like pieces: a 5-byte header and its body, then the next header.
    out.write(new byte[] {23, 3, 3, 0, 10});
    out.write(new byte[10]);
    out.write(new byte[] {23, 3, 3, 0, 7});
    out.flush();
    awaitArrived(20);

    InputStream in = wrapped.getInputStream();
    assertThat(in.readNBytes(5)).containsExactly(23, 3, 3, 0, 10);
    // The header's read took all 20 bytes out of the socket; the rest waits in the buffer.
    assertThat(client.getInputStream().available()).isZero();
    assertThat(in.available()).isEqualTo(15);
    assertThat(in.readNBytes(10)).containsOnly(0);
    assertThat(in.readNBytes(5)).containsExactly(23, 3, 3, 0, 7);
  }

  @Test
  void bytesComeThroughInOrderWhateverTheReadSizes() throws Exception {
    byte[] sent = new byte[3 * BufferedReadSocket.BUFFER + 12345];
    new Random(7).nextBytes(sent);
    Thread writer =
        new Thread(
            () -> {
              try (OutputStream out = server.getOutputStream()) {
                for (int at = 0; at < sent.length; at += 4113) {
                  out.write(sent, at, Math.min(4113, sent.length - at));
                }
              } catch (IOException e) {
                throw new IllegalStateException(e);
              }
            });
    writer.start();
    InputStream in = wrapped.getInputStream();
    byte[] got = new byte[sent.length];
    int at = 0;
    int[] sizes = {5, 4108, 1, 70000, 16389};
    for (int i = 0; at < got.length; i++) {
      int n = in.read(got, at, Math.min(sizes[i % sizes.length], got.length - at));
      assertThat(n).isPositive();
      at += n;
    }
    writer.join();
    assertThat(got).isEqualTo(sent);
    assertThat(in.read()).isEqualTo(-1);
  }

  @Test
  void optionsTimeoutsAndCloseReachTheWrappedSocket() throws Exception {
    wrapped.setSoTimeout(50);
    assertThat(client.getSoTimeout()).isEqualTo(50);
    assertThatThrownBy(() -> wrapped.getInputStream().read())
        .isInstanceOf(SocketTimeoutException.class);
    wrapped.setTcpNoDelay(true);
    assertThat(client.getTcpNoDelay()).isTrue();
    wrapped.setOption(StandardSocketOptions.SO_KEEPALIVE, true);
    assertThat(client.getKeepAlive()).isTrue();
    assertThat(wrapped.getPort()).isEqualTo(listener.getLocalPort());
    assertThat(wrapped.getLocalPort()).isEqualTo(client.getLocalPort());
    assertThat(wrapped.getInetAddress()).isEqualTo(client.getInetAddress());
    assertThat(wrapped.isConnected()).isTrue();

    wrapped.getOutputStream().write(42);
    assertThat(server.getInputStream().read()).isEqualTo(42);

    wrapped.close();
    assertThat(client.isClosed()).isTrue();
    assertThat(wrapped.isClosed()).isTrue();
  }
}
