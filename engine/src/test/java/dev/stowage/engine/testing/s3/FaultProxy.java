package dev.stowage.engine.testing.s3;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An HTTP/1.1 reverse proxy on 127.0.0.1 in front of an S3 server that injects faults into chosen
 * requests: S3 error responses (500 InternalError, 503 SlowDown), a connection reset in the middle
 * of a response body, and stalls.
 *
 * <p>Each client connection carries exactly one request: the proxy answers with {@code Connection:
 * close}, which keeps the framing simple and makes every retry a new connection. The {@code Host}
 * header is forwarded unchanged, since SigV4 signs it. {@code Expect: 100-continue} is answered by
 * the proxy itself (or by the injected error, before the body is sent).
 *
 * <pre>{@code
 * try (FaultProxy proxy = FaultProxy.start(s3.endpoint())) {
 *   FaultProxy.Rule rule = proxy.inject(FaultProxy.Fault.slowDown(), "PUT", "/3-1", 2);
 *   ... point the client at proxy.endpoint() ...
 *   assertThat(rule.injected()).isEqualTo(2);
 * }
 * }</pre>
 */
public final class FaultProxy implements AutoCloseable {

  /** A count for {@link #inject(Fault, String, String, int)}: every matching request. */
  public static final int ALWAYS = Integer.MAX_VALUE;

  private static final int MAX_HEAD_BYTES = 64 * 1024;
  private static final int BUFFER_BYTES = 64 * 1024;
  private static final Duration CLIENT_IDLE_TIMEOUT = Duration.ofSeconds(60);
  private static final Duration UPSTREAM_CONNECT_TIMEOUT = Duration.ofSeconds(5);
  private static final Duration UPSTREAM_READ_TIMEOUT = Duration.ofMinutes(5);
  private static final Duration LINGER = Duration.ofSeconds(2);
  private static final int MAX_EVENTS = 10_000;

  /** What happens to a request that a rule selects. */
  public static final class Fault {

    enum Kind {
      ERROR,
      RESET_MID_BODY,
      STALL,
      STALL_MID_BODY
    }

    private final Kind kind;
    private final int status;
    private final String code;
    private final String message;
    private final long bodyBytes;
    private final Duration stall;

    private Fault(
        Kind kind, int status, String code, String message, long bodyBytes, Duration stall) {
      this.kind = kind;
      this.status = status;
      this.code = code;
      this.message = message;
      this.bodyBytes = bodyBytes;
      this.stall = stall;
    }

    /** 500 with an S3 {@code InternalError} body; the request never reaches the server. */
    public static Fault internalError() {
      return error(500, "InternalError", "We encountered an internal error. Please try again.");
    }

    /** 503 with an S3 {@code SlowDown} body (throttling); the request never reaches the server. */
    public static Fault slowDown() {
      return error(503, "SlowDown", "Please reduce your request rate.");
    }

    /** Any status with an S3 XML error body; the request never reaches the server. */
    public static Fault error(int status, String code, String message) {
      if (status < 400 || status > 599) {
        throw new IllegalArgumentException("not an error status: " + status);
      }
      return new Fault(Kind.ERROR, status, code, message, 0, Duration.ZERO);
    }

    /**
     * Forwards the request, sends the response head and the first half of its body, then resets the
     * connection (RST, SO_LINGER 0). A response without a body is reset before its head. The server
     * has done the request's work (a PUT is stored) but the client cannot know it.
     */
    public static Fault resetMidBody() {
      return new Fault(Kind.RESET_MID_BODY, 0, null, null, -1, Duration.ZERO);
    }

    /** As {@link #resetMidBody()}, after exactly {@code bodyBytes} bytes of the body. */
    public static Fault resetMidBody(long bodyBytes) {
      if (bodyBytes < 0) {
        throw new IllegalArgumentException("bodyBytes < 0: " + bodyBytes);
      }
      return new Fault(Kind.RESET_MID_BODY, 0, null, null, bodyBytes, Duration.ZERO);
    }

    /**
     * Reads the whole request (answering {@code 100-continue}) without forwarding it, then sends
     * nothing for {@code duration} and closes: the client sees a server that accepted the request
     * and went silent, and its read timeout should trip.
     */
    public static Fault stall(Duration duration) {
      return new Fault(Kind.STALL, 0, null, null, 0, duration);
    }

    /**
     * Forwards the request, sends the response head and the first half of its body, then sends
     * nothing for {@code duration} and closes: a transfer that stalls halfway.
     */
    public static Fault stallMidBody(Duration duration) {
      return new Fault(Kind.STALL_MID_BODY, 0, null, null, -1, duration);
    }

    @Override
    public String toString() {
      return switch (kind) {
        case ERROR -> status + " " + code;
        case RESET_MID_BODY -> "reset mid-body" + (bodyBytes >= 0 ? " after " + bodyBytes : "");
        case STALL -> "stall " + stall;
        case STALL_MID_BODY -> "stall mid-body " + stall;
      };
    }
  }

  /** Which requests get a fault, how many times, and how many it has seen. */
  public static final class Rule {
    private final Fault fault;
    private final String method;
    private final String targetContains;
    private final AtomicInteger remaining;
    private final AtomicInteger matched = new AtomicInteger();
    private final AtomicInteger injected = new AtomicInteger();

    private Rule(Fault fault, String method, String targetContains, int times) {
      this.fault = fault;
      this.method = method;
      this.targetContains = targetContains;
      this.remaining = new AtomicInteger(times);
    }

    private boolean selects(String requestMethod, String target) {
      return (method == null || method.equals("*") || method.equalsIgnoreCase(requestMethod))
          && (targetContains == null || target.contains(targetContains));
    }

    /** Takes one use of the fault, if any are left. */
    private boolean take() {
      while (true) {
        int r = remaining.get();
        if (r <= 0) {
          return false;
        }
        if (r == ALWAYS || remaining.compareAndSet(r, r - 1)) {
          return true;
        }
      }
    }

    /** Requests this rule selected, including those after its count ran out. */
    public int matched() {
      return matched.get();
    }

    /** Requests this rule's fault was applied to. */
    public int injected() {
      return injected.get();
    }

    public Fault fault() {
      return fault;
    }

    @Override
    public String toString() {
      return fault
          + " on "
          + (method == null ? "*" : method)
          + " *"
          + (targetContains == null ? "" : targetContains)
          + "* ("
          + (remaining.get() == ALWAYS ? "always" : remaining.get() + " left")
          + ", matched "
          + matched.get()
          + ", injected "
          + injected.get()
          + ")";
    }
  }

  private final InetSocketAddress upstream;
  private final ServerSocket server;
  private final ExecutorService pool;
  private final List<Rule> rules = new CopyOnWriteArrayList<>();
  private final Set<Socket> open = ConcurrentHashMap.newKeySet();
  private final List<String> events = new CopyOnWriteArrayList<>();
  private final AtomicInteger requests = new AtomicInteger();
  private final AtomicInteger errorIds = new AtomicInteger();
  private final CountDownLatch closed = new CountDownLatch(1);

  private FaultProxy(InetSocketAddress upstream, ServerSocket server) {
    this.upstream = upstream;
    this.server = server;
    this.pool =
        Executors.newCachedThreadPool(
            r -> {
              Thread t = new Thread(r, "fault-proxy-" + server.getLocalPort());
              t.setDaemon(true);
              return t;
            });
    pool.execute(this::acceptLoop);
  }

  /** Starts a proxy on a free 127.0.0.1 port forwarding to {@code upstream} (http://host:port). */
  public static FaultProxy start(URI upstream) {
    if (!"http".equals(upstream.getScheme()) || upstream.getPort() < 0) {
      throw new IllegalArgumentException("upstream must be http://host:port, not " + upstream);
    }
    try {
      ServerSocket server = new ServerSocket(0, 128, InetAddress.getLoopbackAddress());
      return new FaultProxy(new InetSocketAddress(upstream.getHost(), upstream.getPort()), server);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open the fault proxy's port", e);
    }
  }

  /** The URL clients use instead of the upstream's: {@code http://127.0.0.1:PORT}. */
  public URI endpoint() {
    return URI.create("http://127.0.0.1:" + server.getLocalPort());
  }

  /**
   * Applies {@code fault} to the first {@code times} requests (or {@link #ALWAYS}) whose method is
   * {@code method} ({@code null} or "*" for any) and whose request target, path and query as sent
   * (URL-encoded), contains {@code targetContains} ({@code null} for any). Rules are tried in the
   * order they were added; the first that selects a request and has uses left applies.
   */
  public Rule inject(Fault fault, String method, String targetContains, int times) {
    if (times < 0) {
      throw new IllegalArgumentException("times < 0: " + times);
    }
    Rule rule = new Rule(fault, method, targetContains, times);
    rules.add(rule);
    return rule;
  }

  /** {@link #inject(Fault, String, String, int)} for every matching request. */
  public Rule injectAlways(Fault fault, String method, String targetContains) {
    return inject(fault, method, targetContains, ALWAYS);
  }

  /** Removes every rule: from now on requests pass through. */
  public void clearRules() {
    rules.clear();
  }

  /** Requests received, faulted or not. */
  public int requests() {
    return requests.get();
  }

  /**
   * One line per request, {@code METHOD target {body framing, encoding, expect} -> outcome} (the
   * status forwarded or the fault applied), for failure messages and assertions on what the client
   * sent.
   */
  public List<String> events() {
    return List.copyOf(events);
  }

  @Override
  public void close() {
    closed.countDown();
    try {
      server.close();
    } catch (IOException ignored) {
      // Closing anyway.
    }
    for (Socket s : open) {
      closeQuietly(s);
    }
    pool.shutdownNow();
    try {
      pool.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void acceptLoop() {
    while (!server.isClosed()) {
      Socket client;
      try {
        client = server.accept();
      } catch (IOException e) {
        return; // closed
      }
      open.add(client);
      try {
        pool.execute(() -> serve(client));
      } catch (RuntimeException e) { // rejected: shutting down
        open.remove(client);
        closeQuietly(client);
      }
    }
  }

  private void serve(Socket client) {
    Socket up = null;
    try {
      client.setSoTimeout((int) CLIENT_IDLE_TIMEOUT.toMillis());
      client.setTcpNoDelay(true);
      InputStream cin = new BufferedInputStream(client.getInputStream(), BUFFER_BYTES);
      OutputStream cout = new BufferedOutputStream(client.getOutputStream(), BUFFER_BYTES);
      Head request = Head.read(cin);
      if (request == null) {
        return; // connected and closed without a request
      }
      requests.incrementAndGet();
      String[] line = request.startLine.split(" ", 3);
      if (line.length != 3 || !line[2].startsWith("HTTP/1.")) {
        event(request.startLine + " -> 400 (not HTTP/1.x)");
        return;
      }
      String method = line[0];
      String target = line[1];
      String what = method + " " + target + describeBody(request);
      Fault fault = choose(method, target);
      boolean expectContinue = "100-continue".equalsIgnoreCase(request.get("Expect"));

      if (fault != null && fault.kind == Fault.Kind.ERROR) {
        // An error instead of 100 Continue is what a real server sends: the client skips the body.
        if (!expectContinue) {
          copyBody(cin, OutputStream.nullOutputStream(), requestFraming(request), Long.MAX_VALUE);
        }
        writeError(cout, fault, method);
        event(what + " -> injected " + fault);
        lingeringClose(client, cin);
        return;
      }
      if (fault != null && fault.kind == Fault.Kind.STALL) {
        if (expectContinue) {
          writeContinue(cout);
        }
        copyBody(cin, OutputStream.nullOutputStream(), requestFraming(request), Long.MAX_VALUE);
        event(what + " -> injected " + fault);
        closed.await(fault.stall.toMillis(), TimeUnit.MILLISECONDS);
        return;
      }

      up = new Socket();
      open.add(up);
      try {
        up.connect(upstream, (int) UPSTREAM_CONNECT_TIMEOUT.toMillis());
      } catch (IOException e) {
        writeError(cout, Fault.error(502, "BadGateway", "fault proxy: upstream " + e), method);
        event(what + " -> 502 (upstream unreachable: " + e + ")");
        lingeringClose(client, cin);
        return;
      }
      up.setSoTimeout((int) UPSTREAM_READ_TIMEOUT.toMillis());
      up.setTcpNoDelay(true);
      InputStream uin = new BufferedInputStream(up.getInputStream(), BUFFER_BYTES);
      OutputStream uout = new BufferedOutputStream(up.getOutputStream(), BUFFER_BYTES);

      Head forwarded = request.withoutHopByHop().with("Connection", "close");
      forwarded.headers.removeIf(h -> h[0].equalsIgnoreCase("Expect"));
      forwarded.write(uout);
      if (expectContinue) {
        writeContinue(cout);
      }
      try {
        copyBody(cin, uout, requestFraming(request), Long.MAX_VALUE);
        uout.flush();
      } catch (IOException e) {
        // The server may answer early (and stop reading) when it rejects a request: relay that.
        event(what + " -> upstream stopped reading the body: " + e);
      }

      Head response = Head.read(uin);
      while (response != null && isInterim(response)) {
        response = Head.read(uin);
      }
      if (response == null) {
        event(what + " -> upstream closed without a response; resetting the client");
        reset(client);
        return;
      }
      int status = statusOf(response);
      Framing framing = responseFraming(method, status, response);
      Head toClient = response.withoutHopByHop().with("Connection", "close");

      if (fault != null) {
        long cut = fault.bodyBytes;
        if (cut < 0) {
          cut = framing.length() >= 0 ? framing.length() / 2 : 1;
        }
        if (framing.kind == Framing.Kind.NONE || framing.length() == 0) {
          if (fault.kind == Fault.Kind.RESET_MID_BODY) {
            event(what + " -> " + status + ", injected " + fault + " before the head (no body)");
            reset(client);
            return;
          }
          cut = 0;
        }
        toClient.write(cout);
        long sent = copyBody(uin, cout, framing, cut);
        cout.flush();
        event(what + " -> " + status + ", injected " + fault + " after " + sent + " body bytes");
        if (fault.kind == Fault.Kind.RESET_MID_BODY) {
          reset(client);
        } else {
          closed.await(fault.stall.toMillis(), TimeUnit.MILLISECONDS);
        }
        return;
      }

      toClient.write(cout);
      copyBody(uin, cout, framing, Long.MAX_VALUE);
      cout.flush();
      event(what + " -> " + status);
      lingeringClose(client, cin);
    } catch (IOException | RuntimeException e) {
      event("connection failed: " + e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      if (up != null) {
        open.remove(up);
        closeQuietly(up);
      }
      open.remove(client);
      closeQuietly(client);
    }
  }

  private Fault choose(String method, String target) {
    Fault chosen = null;
    for (Rule rule : rules) {
      if (rule.selects(method, target)) {
        rule.matched.incrementAndGet();
        if (chosen == null && rule.take()) {
          rule.injected.incrementAndGet();
          chosen = rule.fault;
        }
      }
    }
    return chosen;
  }

  /** How the request body travels, for the event log: " {length 5, 100-continue}". */
  private static String describeBody(Head request) {
    List<String> parts = new ArrayList<>();
    if (isChunked(request)) {
      parts.add("chunked");
    } else if (request.get("Content-Length") != null) {
      parts.add("length " + request.get("Content-Length").strip());
    }
    String encoding = request.get("Content-Encoding");
    if (encoding != null) {
      parts.add(encoding.strip());
    }
    String trailer = request.get("x-amz-trailer");
    if (trailer != null) {
      parts.add("trailer " + trailer.strip());
    }
    if (request.get("Expect") != null) {
      parts.add(request.get("Expect").strip());
    }
    return parts.isEmpty() ? "" : " {" + String.join(", ", parts) + "}";
  }

  private void event(String e) {
    if (events.size() < MAX_EVENTS) {
      events.add(e);
    }
  }

  private void writeError(OutputStream out, Fault fault, String method) throws IOException {
    String requestId = String.format("FAULTPROXY%06d", errorIds.incrementAndGet());
    byte[] body =
        ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>"
                + fault.code
                + "</Code><Message>"
                + xmlEscape(fault.message)
                + "</Message><RequestId>"
                + requestId
                + "</RequestId></Error>")
            .getBytes(StandardCharsets.UTF_8);
    String head =
        "HTTP/1.1 "
            + fault.status
            + " "
            + reason(fault.status)
            + "\r\nContent-Type: application/xml\r\nContent-Length: "
            + body.length
            + "\r\nx-amz-request-id: "
            + requestId
            + "\r\nDate: "
            + DateTimeFormatter.RFC_1123_DATE_TIME.format(ZonedDateTime.now(ZoneOffset.UTC))
            + "\r\nServer: stowage-fault-proxy\r\nConnection: close\r\n\r\n";
    out.write(head.getBytes(StandardCharsets.US_ASCII));
    if (!method.equals("HEAD")) {
      out.write(body);
    }
    out.flush();
  }

  private static void writeContinue(OutputStream out) throws IOException {
    out.write("HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
    out.flush();
  }

  private static String reason(int status) {
    return switch (status) {
      case 400 -> "Bad Request";
      case 403 -> "Forbidden";
      case 404 -> "Not Found";
      case 500 -> "Internal Server Error";
      case 502 -> "Bad Gateway";
      case 503 -> "Service Unavailable";
      case 504 -> "Gateway Timeout";
      default -> "Error";
    };
  }

  private static String xmlEscape(String s) {
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
  }

  /** An abortive close: the peer gets RST, and reads fail with "connection reset". */
  private static void reset(Socket s) {
    try {
      s.setSoLinger(true, 0);
    } catch (SocketException ignored) {
      // Closing anyway.
    }
    closeQuietly(s);
  }

  /**
   * Half-closes, then reads what the client still sends for a moment before closing: closing with
   * unread input makes the kernel send RST, which can destroy the response in flight.
   */
  private static void lingeringClose(Socket s, InputStream in) {
    try {
      s.shutdownOutput();
      s.setSoTimeout((int) LINGER.toMillis());
      long deadline = System.nanoTime() + LINGER.toNanos();
      byte[] buf = new byte[8192];
      while (System.nanoTime() < deadline && in.read(buf) >= 0) {
        // discard
      }
    } catch (IOException ignored) {
      // The client went away first; nothing left to protect.
    }
  }

  private static void closeQuietly(Socket s) {
    try {
      s.close();
    } catch (IOException ignored) {
      // Nothing to do.
    }
  }

  private static boolean isInterim(Head response) {
    int status = statusOf(response);
    return status >= 100 && status < 200 && status != 101;
  }

  private static int statusOf(Head response) {
    String[] parts = response.startLine.split(" ", 3);
    try {
      return Integer.parseInt(parts[1]);
    } catch (RuntimeException e) {
      throw new IllegalStateException("bad status line from upstream: " + response.startLine);
    }
  }

  /** How a message body ends. */
  private record Framing(Kind kind, long length) {
    enum Kind {
      NONE,
      LENGTH,
      CHUNKED,
      UNTIL_CLOSE
    }
  }

  private static Framing requestFraming(Head h) {
    if (isChunked(h)) {
      return new Framing(Framing.Kind.CHUNKED, -1);
    }
    String cl = h.get("Content-Length");
    if (cl != null) {
      return new Framing(Framing.Kind.LENGTH, Long.parseLong(cl.strip()));
    }
    return new Framing(Framing.Kind.NONE, 0);
  }

  private static Framing responseFraming(String method, int status, Head h) {
    if (method.equals("HEAD") || status == 204 || status == 304 || status < 200) {
      return new Framing(Framing.Kind.NONE, 0);
    }
    if (isChunked(h)) {
      return new Framing(Framing.Kind.CHUNKED, -1);
    }
    String cl = h.get("Content-Length");
    if (cl != null) {
      return new Framing(Framing.Kind.LENGTH, Long.parseLong(cl.strip()));
    }
    return new Framing(Framing.Kind.UNTIL_CLOSE, -1);
  }

  private static boolean isChunked(Head h) {
    String te = h.get("Transfer-Encoding");
    return te != null && te.toLowerCase(Locale.ROOT).strip().endsWith("chunked");
  }

  /**
   * Copies a body as it is on the wire (chunk framing included) and returns the bytes copied,
   * stopping early after {@code limit} bytes.
   */
  private static long copyBody(InputStream in, OutputStream out, Framing f, long limit)
      throws IOException {
    LimitedOutput lout = new LimitedOutput(out, limit);
    try {
      switch (f.kind()) {
        case NONE -> {}
        case LENGTH -> copyExactly(in, lout, f.length);
        case CHUNKED -> copyChunked(in, lout);
        case UNTIL_CLOSE -> in.transferTo(lout);
      }
    } catch (LimitReached e) {
      // Copied exactly `limit` bytes.
    }
    return lout.written;
  }

  private static void copyExactly(InputStream in, OutputStream out, long n) throws IOException {
    byte[] buf = new byte[BUFFER_BYTES];
    long left = n;
    while (left > 0) {
      int r = in.read(buf, 0, (int) Math.min(buf.length, left));
      if (r < 0) {
        throw new EOFException("body ended " + left + " bytes short of " + n);
      }
      out.write(buf, 0, r);
      left -= r;
    }
  }

  private static void copyChunked(InputStream in, OutputStream out) throws IOException {
    while (true) {
      byte[] sizeLine = readLine(in);
      out.write(sizeLine);
      String size = new String(sizeLine, StandardCharsets.US_ASCII).strip();
      int semi = size.indexOf(';');
      long n = Long.parseLong(semi >= 0 ? size.substring(0, semi).strip() : size, 16);
      if (n == 0) {
        // Trailers (aws-chunked checksums travel here too), then the empty line.
        while (true) {
          byte[] trailer = readLine(in);
          out.write(trailer);
          if (new String(trailer, StandardCharsets.US_ASCII).strip().isEmpty()) {
            return;
          }
        }
      }
      copyExactly(in, out, n);
      out.write(readLine(in)); // the CRLF after the data
    }
  }

  /** One line including its line break. */
  private static byte[] readLine(InputStream in) throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream(32);
    while (true) {
      int b = in.read();
      if (b < 0) {
        throw new EOFException("body ended inside chunk framing");
      }
      line.write(b);
      if (b == '\n') {
        return line.toByteArray();
      }
      if (line.size() > MAX_HEAD_BYTES) {
        throw new IOException("chunk framing line too long");
      }
    }
  }

  private static final class LimitReached extends IOException {
    LimitReached() {
      super("copy limit reached");
    }

    @Override
    public synchronized Throwable fillInStackTrace() {
      return this; // control flow, not an error
    }
  }

  /** Passes bytes through until the limit, then throws {@link LimitReached}. */
  private static final class LimitedOutput extends OutputStream {
    private final OutputStream out;
    private final long limit;
    private long written;

    LimitedOutput(OutputStream out, long limit) {
      this.out = out;
      this.limit = limit;
    }

    @Override
    public void write(int b) throws IOException {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      long room = limit - written;
      int n = (int) Math.min(len, room);
      out.write(b, off, n);
      written += n;
      if (n < len || (written == limit && limit != Long.MAX_VALUE)) {
        throw new LimitReached();
      }
    }

    @Override
    public void flush() throws IOException {
      out.flush();
    }
  }

  /** A request or response head: start line and headers in their original order and case. */
  private static final class Head {
    final String startLine;
    final List<String[]> headers;

    Head(String startLine, List<String[]> headers) {
      this.startLine = startLine;
      this.headers = headers;
    }

    /** Reads a head, or returns null at a clean end of stream before its first byte. */
    static Head read(InputStream in) throws IOException {
      ByteArrayOutputStream buf = new ByteArrayOutputStream(1024);
      int state = 0; // how much of CRLFCRLF (or LFLF) has been seen
      while (true) {
        int b = in.read();
        if (b < 0) {
          if (buf.size() == 0) {
            return null;
          }
          throw new EOFException("connection closed inside a message head");
        }
        buf.write(b);
        if (buf.size() > MAX_HEAD_BYTES) {
          throw new IOException("message head larger than " + MAX_HEAD_BYTES + " bytes");
        }
        if (b == '\n') {
          state++;
          if (state == 2) {
            break;
          }
        } else if (b != '\r') {
          state = 0;
        }
      }
      String[] lines = buf.toString(StandardCharsets.ISO_8859_1).split("\r?\n");
      List<String[]> headers = new ArrayList<>();
      for (int i = 1; i < lines.length; i++) {
        if (lines[i].isEmpty()) {
          continue;
        }
        int colon = lines[i].indexOf(':');
        if (colon <= 0) {
          throw new IOException("bad header line: " + lines[i]);
        }
        headers.add(
            new String[] {lines[i].substring(0, colon), lines[i].substring(colon + 1).strip()});
      }
      return new Head(lines[0], headers);
    }

    String get(String name) {
      for (String[] h : headers) {
        if (h[0].equalsIgnoreCase(name)) {
          return h[1];
        }
      }
      return null;
    }

    Head withoutHopByHop() {
      List<String[]> kept = new ArrayList<>();
      for (String[] h : headers) {
        String n = h[0].toLowerCase(Locale.ROOT);
        if (!n.equals("connection") && !n.equals("keep-alive") && !n.equals("proxy-connection")) {
          kept.add(h);
        }
      }
      return new Head(startLine, kept);
    }

    Head with(String name, String value) {
      headers.add(new String[] {name, value});
      return this;
    }

    void write(OutputStream out) throws IOException {
      StringBuilder sb = new StringBuilder(startLine).append("\r\n");
      for (String[] h : headers) {
        sb.append(h[0]).append(": ").append(h[1]).append("\r\n");
      }
      sb.append("\r\n");
      out.write(sb.toString().getBytes(StandardCharsets.ISO_8859_1));
    }
  }
}
