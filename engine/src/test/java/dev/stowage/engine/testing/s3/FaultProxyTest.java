package dev.stowage.engine.testing.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The framings and faults of {@link FaultProxy} that the S3 server cannot show (it refuses chunked
 * uploads and never answers chunked), against a scripted upstream on loopback, byte for byte.
 */
class FaultProxyTest {

  private static final String CHUNKED_RESPONSE_BODY =
      "4\r\nabcd\r\n10;ext=1\r\n0123456789abcdef\r\n0\r\nx-amz-checksum-crc32: AAAAAA==\r\n\r\n";

  private ServerSocket upstream;
  private Thread upstreamThread;
  private FaultProxy proxy;
  private final BlockingQueue<String> upstreamSaw = new ArrayBlockingQueue<>(10);

  @BeforeEach
  void start() throws IOException {
    upstream = new ServerSocket(0, 10, InetAddress.getLoopbackAddress());
    upstreamThread = new Thread(this::serveUpstream, "scripted-upstream");
    upstreamThread.setDaemon(true);
    upstreamThread.start();
    proxy = FaultProxy.start(URI.create("http://127.0.0.1:" + upstream.getLocalPort()));
  }

  @AfterEach
  void stop() throws IOException {
    proxy.close();
    upstream.close();
  }

  /** Records each request as received (head and raw body), answers with a chunked body. */
  private void serveUpstream() {
    while (!upstream.isClosed()) {
      try (Socket s = upstream.accept()) {
        s.setSoTimeout(10_000);
        InputStream in = s.getInputStream();
        String head = readUntil(in, "\r\n\r\n");
        String body = head.contains("Transfer-Encoding: chunked") ? readUntil(in, "\r\n\r\n") : "";
        upstreamSaw.add(head + body);
        OutputStream out = s.getOutputStream();
        out.write(
            ("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: keep-alive\r\n\r\n"
                    + CHUNKED_RESPONSE_BODY)
                .getBytes(StandardCharsets.US_ASCII));
        out.flush();
      } catch (IOException e) {
        // Closed by the test, or a client the proxy reset; either way wait for the next one.
      }
    }
  }

  @Test
  void aChunkedUploadWithExpectContinueIsForwardedByteForByteWithConnectionClose()
      throws Exception {
    String chunkedBody =
        "5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nx-amz-checksum-crc32: abc\r\n\r\n";
    try (Socket client = connect()) {
      OutputStream out = client.getOutputStream();
      InputStream in = client.getInputStream();
      out.write(
          ("PUT /bucket/3-1?partNumber=1 HTTP/1.1\r\nHost: 127.0.0.1:9\r\n"
                  + "Transfer-Encoding: chunked\r\nExpect: 100-continue\r\n"
                  + "Connection: keep-alive\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      assertThat(readUntil(in, "\r\n\r\n")).isEqualTo("HTTP/1.1 100 Continue\r\n\r\n");
      out.write(chunkedBody.getBytes(StandardCharsets.US_ASCII));
      out.flush();

      String response = new String(in.readAllBytes(), StandardCharsets.US_ASCII);
      assertThat(response)
          .startsWith("HTTP/1.1 200 OK\r\n")
          .contains("\r\nConnection: close\r\n")
          .doesNotContain("keep-alive")
          .endsWith("\r\n\r\n" + CHUNKED_RESPONSE_BODY);
    }
    String seen = upstreamSaw.poll(10, TimeUnit.SECONDS);
    assertThat(seen)
        .startsWith("PUT /bucket/3-1?partNumber=1 HTTP/1.1\r\n")
        .contains("\r\nHost: 127.0.0.1:9\r\n", "\r\nConnection: close\r\n")
        .doesNotContain("Expect", "keep-alive")
        .endsWith("\r\n\r\n" + chunkedBody);
    assertThat(proxy.events())
        .containsExactly("PUT /bucket/3-1?partNumber=1 {chunked, 100-continue} -> 200");
  }

  @Test
  void aResetCutsAChunkedResponseAfterTheGivenBytes() throws Exception {
    FaultProxy.Rule rule = proxy.inject(FaultProxy.Fault.resetMidBody(10), "GET", "3-1", 1);
    try (Socket client = connect()) {
      client.getOutputStream().write(get("/bucket/3-1"));
      InputStream in = client.getInputStream();
      assertThat(readUntil(in, "\r\n\r\n")).contains("Transfer-Encoding: chunked");
      byte[] body = in.readNBytes(10);
      assertThat(new String(body, StandardCharsets.US_ASCII))
          .isEqualTo(CHUNKED_RESPONSE_BODY.substring(0, 10));
      assertThatThrownBy(in::read)
          .isInstanceOf(SocketException.class)
          .hasMessageContaining("reset");
    }
    assertThat(rule.injected()).isEqualTo(1);

    // The count ran out: the next request passes.
    try (Socket client = connect()) {
      client.getOutputStream().write(get("/bucket/3-1"));
      assertThat(new String(client.getInputStream().readAllBytes(), StandardCharsets.US_ASCII))
          .endsWith(CHUNKED_RESPONSE_BODY);
    }
    assertThat(rule.matched()).isEqualTo(2);
    assertThat(rule.injected()).isEqualTo(1);
  }

  @Test
  void anErrorFaultNeverReachesTheUpstreamAndAHeadErrorHasNoBody() throws Exception {
    proxy.injectAlways(FaultProxy.Fault.slowDown(), null, null);
    try (Socket client = connect()) {
      client
          .getOutputStream()
          .write("HEAD /bucket/k HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      String response = new String(client.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(response).startsWith("HTTP/1.1 503 Service Unavailable\r\n").endsWith("\r\n\r\n");
    }
    try (Socket client = connect()) {
      client.getOutputStream().write(get("/bucket/k"));
      String response = new String(client.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(response).contains("<Code>SlowDown</Code>");
    }
    assertThat(upstreamSaw).isEmpty();
  }

  @Test
  void closingTheProxyEndsAStallAtOnce() throws Exception {
    proxy.injectAlways(FaultProxy.Fault.stall(Duration.ofMinutes(5)), "GET", null);
    try (Socket client = connect()) {
      client.getOutputStream().write(get("/bucket/k"));
      Thread.sleep(200);
      long start = System.nanoTime();
      proxy.close();
      assertThat(client.getInputStream().read()).isEqualTo(-1);
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
    }
  }

  private Socket connect() throws IOException {
    Socket s = new Socket(InetAddress.getLoopbackAddress(), proxy.endpoint().getPort());
    s.setSoTimeout(10_000);
    return s;
  }

  private static byte[] get(String target) {
    return ("GET " + target + " HTTP/1.1\r\nHost: x\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
  }

  private static String readUntil(InputStream in, String end) throws IOException {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    while (!buf.toString(StandardCharsets.US_ASCII).endsWith(end)) {
      int b = in.read();
      if (b < 0) {
        throw new IOException("EOF before " + end.replace("\r\n", "\\r\\n") + " after: " + buf);
      }
      buf.write(b);
    }
    return buf.toString(StandardCharsets.US_ASCII);
  }
}
