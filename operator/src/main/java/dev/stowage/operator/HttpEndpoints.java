package dev.stowage.operator;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code /healthz}, {@code /readyz} and {@code /metrics} on one small HTTP/1.1 server.
 *
 * <p>It must answer the kubelet's probes whatever other clients do. So no thread waits on a client:
 * one selector thread reads request heads and writes responses without blocking, and only a
 * complete request reaches the {@link #WORKERS} worker threads (which run the checks and the
 * scrape). Each connection has {@link #DEFAULT_REQUEST_TIMEOUT} in all to send its head and take
 * its response (a client dripping its headers byte by byte is cut off too), a head is at most
 * {@link #MAX_HEAD_BYTES}, and at most {@link #MAX_CONNECTIONS} are open: a new one pushes out the
 * oldest that is still sending its head. Every response closes its connection.
 */
final class HttpEndpoints implements AutoCloseable {

  static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(5);
  static final int MAX_HEAD_BYTES = 8 * 1024;
  static final int MAX_CONNECTIONS = 64;
  static final int WORKERS = 4;

  private static final Logger log = LoggerFactory.getLogger(HttpEndpoints.class);

  private final long timeoutNanos;
  private final Map<String, Supplier<Response>> routes;
  private final ServerSocketChannel listener;
  private final Selector selector;
  private final ExecutorService workers;
  private final Thread loop;

  /** Responses the workers finished, handed to the selector thread to write. */
  private final Queue<Runnable> handBack = new ConcurrentLinkedQueue<>();

  private volatile boolean closed;

  /**
   * @param host the address to listen on: all of the pod's in the cluster, loopback in tests
   */
  HttpEndpoints(
      String host,
      int port,
      BooleanSupplier live,
      BooleanSupplier ready,
      PrometheusMeterRegistry registry)
      throws IOException {
    this(host, port, live, ready, registry, DEFAULT_REQUEST_TIMEOUT);
  }

  /**
   * @param requestTimeout how long a connection may take to send its head, and then to take its
   *     response
   */
  HttpEndpoints(
      String host,
      int port,
      BooleanSupplier live,
      BooleanSupplier ready,
      PrometheusMeterRegistry registry,
      Duration requestTimeout)
      throws IOException {
    this.timeoutNanos = requestTimeout.toNanos();
    this.routes =
        Map.of(
            "/healthz", () -> probe(live),
            "/readyz", () -> probe(ready),
            "/metrics",
                () ->
                    new Response(
                        200, "text/plain; version=0.0.4; charset=utf-8", registry.scrape()));
    this.selector = Selector.open();
    this.listener = ServerSocketChannel.open();
    try {
      listener.setOption(StandardSocketOptions.SO_REUSEADDR, true);
      listener.bind(new InetSocketAddress(host, port), 64);
      listener.configureBlocking(false);
      listener.register(selector, SelectionKey.OP_ACCEPT);
    } catch (IOException e) {
      listener.close();
      selector.close();
      throw e;
    }
    AtomicInteger n = new AtomicInteger();
    this.workers =
        Executors.newFixedThreadPool(
            WORKERS,
            r -> {
              Thread t = new Thread(r, "http-endpoints-" + n.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
    this.loop = new Thread(this::run, "http-endpoints-io");
    loop.setDaemon(true);
  }

  void start() {
    loop.start();
  }

  int port() {
    return listener.socket().getLocalPort();
  }

  @Override
  public void close() {
    closed = true;
    selector.wakeup();
    try {
      loop.join(5000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    workers.shutdownNow();
    try {
      for (SelectionKey key : selector.keys()) {
        key.channel().close();
      }
      selector.close();
    } catch (IOException | ClosedSelectorException e) {
      log.debug("closing the HTTP endpoints", e);
    }
  }

  private static Response probe(BooleanSupplier check) {
    boolean ok;
    try {
      ok = check.getAsBoolean();
    } catch (RuntimeException e) {
      ok = false;
    }
    return new Response(ok ? 200 : 503, "text/plain; charset=utf-8", ok ? "ok\n" : "not ok\n");
  }

  // ------------------------------------------------------------------ selector thread

  private void run() {
    try {
      while (!closed) {
        selector.select(this::handle, waitMillis());
        Runnable r;
        while ((r = handBack.poll()) != null) {
          r.run();
        }
        expire();
      }
    } catch (IOException | ClosedSelectorException e) {
      if (!closed) {
        log.error("HTTP endpoints stopped", e);
      }
    }
  }

  /** Until the earliest deadline, so that an idle client is cut off on time. */
  private long waitMillis() {
    long now = System.nanoTime();
    long next = Long.MAX_VALUE;
    for (SelectionKey key : selector.keys()) {
      if (key.attachment() instanceof Connection c) {
        next = Math.min(next, c.deadline - now);
      }
    }
    return next == Long.MAX_VALUE ? 1000 : Math.max(1, Duration.ofNanos(next).toMillis() + 1);
  }

  private void expire() {
    long now = System.nanoTime();
    for (SelectionKey key : selector.keys()) {
      if (key.attachment() instanceof Connection c && now - c.deadline >= 0) {
        drop(key);
      }
    }
  }

  private void handle(SelectionKey key) {
    try {
      if (!key.isValid()) {
        return;
      }
      if (key.isAcceptable()) {
        accept();
      } else if (key.isReadable()) {
        read(key);
      } else if (key.isWritable()) {
        write(key);
      }
    } catch (IOException | RuntimeException e) {
      log.debug("HTTP connection dropped", e);
      drop(key);
    }
  }

  private void accept() throws IOException {
    SocketChannel channel;
    while ((channel = listener.accept()) != null) {
      makeRoom();
      channel.configureBlocking(false);
      channel.register(selector, SelectionKey.OP_READ, new Connection(System.nanoTime()));
    }
  }

  /** At the limit, the oldest connection still sending its head goes. */
  private void makeRoom() {
    int open = 0;
    SelectionKey oldest = null;
    for (SelectionKey key : selector.keys()) {
      if (key.attachment() instanceof Connection c) {
        open++;
        if (c.out == null
            && !c.dispatched
            && (oldest == null || c.deadline - ((Connection) oldest.attachment()).deadline < 0)) {
          oldest = key;
        }
      }
    }
    if (open >= MAX_CONNECTIONS && oldest != null) {
      drop(oldest);
    }
  }

  private void read(SelectionKey key) throws IOException {
    Connection c = (Connection) key.attachment();
    SocketChannel channel = (SocketChannel) key.channel();
    if (channel.read(c.in) < 0) {
      drop(key);
      return;
    }
    int end = endOfHead(c.in, c.scanned);
    // Each byte is looked at about once, however the head arrives (a byte a packet).
    c.scanned = Math.max(0, c.in.position() - 3);
    if (end < 0) {
      if (!c.in.hasRemaining()) {
        respond(key, new Response(431, "text/plain; charset=utf-8", "request head too large\n"));
      }
      return;
    }
    key.interestOps(0);
    String head = new String(c.in.array(), 0, end, StandardCharsets.ISO_8859_1);
    String[] requestLine = head.lines().findFirst().orElse("").split(" ");
    if (requestLine.length != 3 || !requestLine[2].startsWith("HTTP/1.")) {
      respond(key, new Response(400, "text/plain; charset=utf-8", "bad request\n"));
      return;
    }
    String method = requestLine[0];
    String path = requestLine[1].split("\\?", 2)[0];
    Supplier<Response> route = routes.get(path);
    if (route == null) {
      respond(key, new Response(404, "text/plain; charset=utf-8", "not found\n"));
    } else if (!method.equals("GET") && !method.equals("HEAD")) {
      respond(key, new Response(405, "text/plain; charset=utf-8", "only GET and HEAD\n"));
    } else {
      c.dispatched = true;
      boolean headOnly = method.equals("HEAD");
      try {
        workers.execute(
            () -> {
              Response r;
              try {
                r = route.get();
              } catch (RuntimeException e) {
                log.warn("HTTP endpoint {} failed", path, e);
                r = new Response(500, "text/plain; charset=utf-8", "internal error\n");
              }
              Response done = headOnly ? r.withoutBody() : r;
              handBack.add(() -> respond(key, done));
              selector.wakeup();
            });
      } catch (RejectedExecutionException e) {
        drop(key);
      }
    }
  }

  /** Where the head ends (after its blank line), or -1 while it is incomplete. */
  private static int endOfHead(ByteBuffer in, int from) {
    byte[] b = in.array();
    for (int i = from; i < in.position(); i++) {
      if (b[i] == '\n') {
        if (i + 1 < in.position() && b[i + 1] == '\n') {
          return i + 2;
        }
        if (i + 2 < in.position() && b[i + 1] == '\r' && b[i + 2] == '\n') {
          return i + 3;
        }
      }
    }
    return -1;
  }

  /** On the selector thread: the response goes out as the client takes it, within a deadline. */
  private void respond(SelectionKey key, Response response) {
    if (!key.isValid()) {
      return;
    }
    Connection c = (Connection) key.attachment();
    c.out = ByteBuffer.wrap(response.bytes());
    c.deadline = System.nanoTime() + timeoutNanos;
    key.interestOps(SelectionKey.OP_WRITE);
    try {
      write(key);
    } catch (IOException e) {
      drop(key);
    }
  }

  private void write(SelectionKey key) throws IOException {
    Connection c = (Connection) key.attachment();
    ((SocketChannel) key.channel()).write(c.out);
    if (!c.out.hasRemaining()) {
      drop(key);
    }
  }

  private static void drop(SelectionKey key) {
    key.cancel();
    try {
      key.channel().close();
    } catch (IOException e) {
      log.debug("closing an HTTP connection", e);
    }
  }

  /** One client connection's state, touched by the selector thread only. */
  private final class Connection {
    final ByteBuffer in = ByteBuffer.allocate(MAX_HEAD_BYTES);
    long deadline;

    /** Where the search for the head's end resumes. */
    int scanned;

    boolean dispatched;
    ByteBuffer out;

    Connection(long now) {
      this.deadline = now + timeoutNanos;
    }
  }

  /** A complete response; a HEAD request's has the head only. */
  private record Response(int code, String type, String body, boolean sendBody) {
    Response(int code, String type, String body) {
      this(code, type, body, true);
    }

    Response withoutBody() {
      return new Response(code, type, body, false);
    }

    byte[] bytes() {
      byte[] content = body.getBytes(StandardCharsets.UTF_8);
      String head =
          "HTTP/1.1 "
              + code
              + " "
              + reason(code)
              + "\r\nContent-Type: "
              + type
              + "\r\nContent-Length: "
              + content.length
              + "\r\nConnection: close\r\n\r\n";
      byte[] h = head.getBytes(StandardCharsets.ISO_8859_1);
      if (!sendBody) {
        return h;
      }
      byte[] all = new byte[h.length + content.length];
      System.arraycopy(h, 0, all, 0, h.length);
      System.arraycopy(content, 0, all, h.length, content.length);
      return all;
    }

    private static String reason(int code) {
      return switch (code) {
        case 200 -> "OK";
        case 400 -> "Bad Request";
        case 404 -> "Not Found";
        case 405 -> "Method Not Allowed";
        case 431 -> "Request Header Fields Too Large";
        case 503 -> "Service Unavailable";
        default -> "Internal Server Error";
      };
    }
  }
}
