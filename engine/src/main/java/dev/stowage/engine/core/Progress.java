package dev.stowage.engine.core;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintStream;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Reports bytes and objects done: a progress bar on a terminal; otherwise (Job logs) one JSON line
 * every few seconds, {@code {"stowageProgress":{...}}}, which the operator reads into the
 * resource's {@code status.progress}. The last report is printed when the work ends.
 */
public final class Progress implements AutoCloseable {
  /** The key of a progress line; the operator looks for it in the engine pod's log. */
  public static final String KEY = "stowageProgress";

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int BAR_WIDTH = 24;

  private final String operation;
  private final long bytesTotal;
  private final int objectsTotal;
  private final AtomicLong bytesDone = new AtomicLong();
  private final AtomicInteger objectsDone = new AtomicInteger();
  private final long startNanos = System.nanoTime();
  private final boolean terminal;
  private final boolean quiet;
  private final PrintStream out;
  private final Thread thread;
  private volatile boolean running = true;

  public Progress(String operation, long bytesTotal, int objectsTotal, boolean quiet) {
    this(operation, bytesTotal, objectsTotal, quiet, System.console() != null, System.err);
  }

  Progress(
      String operation,
      long bytesTotal,
      int objectsTotal,
      boolean quiet,
      boolean terminal,
      PrintStream out) {
    this.operation = operation;
    this.bytesTotal = bytesTotal;
    this.objectsTotal = objectsTotal;
    this.terminal = terminal;
    this.quiet = quiet;
    this.out = out;
    if (quiet) {
      thread = null;
      return;
    }
    thread = new Thread(this::loop, "progress");
    thread.setDaemon(true);
    thread.start();
  }

  public void add(long bytes) {
    bytesDone.addAndGet(bytes);
  }

  /** One object (file or chunk) is complete. */
  public void objectDone() {
    objectsDone.incrementAndGet();
  }

  public long done() {
    return bytesDone.get();
  }

  private void loop() {
    long interval = terminal ? 500 : 5_000;
    try {
      while (running) {
        Thread.sleep(interval);
        if (!running) {
          break;
        }
        print(false);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private synchronized void print(boolean last) {
    if (terminal) {
      out.print("\r" + bar() + "   " + (last ? "\n" : ""));
    } else {
      out.println(jsonLine());
    }
    out.flush();
  }

  private double seconds() {
    return Math.max(1e-3, (System.nanoTime() - startNanos) / 1e9);
  }

  private int percent(long done) {
    if (bytesTotal <= 0) {
      return 100;
    }
    return (int) Math.min(100, 100.0 * done / bytesTotal);
  }

  /** Seconds left at the rate so far; -1 while there is no rate yet. */
  private long etaSeconds(long done, double rate) {
    if (done >= bytesTotal) {
      return 0;
    }
    return rate <= 0 ? -1 : (long) Math.ceil((bytesTotal - done) / rate);
  }

  /** One JSON object on one line: what the operator parses. */
  String jsonLine() {
    long done = bytesDone.get();
    double rate = done / seconds();
    ObjectNode p = JSON.createObjectNode();
    p.put("operation", operation);
    p.put("bytesDone", done);
    p.put("bytesTotal", bytesTotal);
    p.put("objectsDone", objectsDone.get());
    p.put("objectsTotal", objectsTotal);
    p.put("percent", percent(done));
    p.put("bytesPerSecond", (long) rate);
    long eta = etaSeconds(done, rate);
    if (eta >= 0) {
      p.put("etaSeconds", eta);
    }
    ObjectNode line = JSON.createObjectNode();
    line.set(KEY, p);
    try {
      return JSON.writeValueAsString(line);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e); // a tree of numbers and one string always serializes
    }
  }

  /**
   * "backup [#########...............] 38% 1.0 GiB / 2.7 GiB, 12/40 objects, 85.3 MB/s, 0:17 left".
   */
  String bar() {
    long done = bytesDone.get();
    double rate = done / seconds();
    int pct = percent(done);
    int filled = pct * BAR_WIDTH / 100;
    long eta = etaSeconds(done, rate);
    return String.format(
        Locale.ROOT,
        "%s [%s%s] %3d%% %s / %s, %d/%d objects, %.1f MB/s, %s left",
        operation,
        "#".repeat(filled),
        ".".repeat(BAR_WIDTH - filled),
        pct,
        Sizes.human(done),
        Sizes.human(bytesTotal),
        objectsDone.get(),
        objectsTotal,
        rate / 1e6,
        eta < 0 ? "?" : String.format(Locale.ROOT, "%d:%02d", eta / 60, eta % 60));
  }

  @Override
  public void close() {
    running = false;
    if (thread != null) {
      thread.interrupt();
      try {
        thread.join(1_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    if (!quiet) {
      print(true);
    }
  }
}
