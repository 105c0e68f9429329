package dev.stowage.engine.core;

import java.io.PrintStream;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reports bytes done: a live line on a terminal, otherwise a log line every few seconds, so Job
 * logs stay readable.
 */
public final class Progress implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Progress.class);
  private final String label;
  private final long total;
  private final AtomicLong done = new AtomicLong();
  private final long startNanos = System.nanoTime();
  private final boolean terminal;
  private final PrintStream out;
  private final Thread thread;
  private volatile boolean running = true;

  public Progress(String label, long total, boolean quiet) {
    this.label = label;
    this.total = total;
    this.terminal = System.console() != null;
    this.out = System.err;
    if (quiet) {
      thread = null;
      return;
    }
    thread = new Thread(this::loop, "progress");
    thread.setDaemon(true);
    thread.start();
  }

  public void add(long bytes) {
    done.addAndGet(bytes);
  }

  public long done() {
    return done.get();
  }

  private void loop() {
    long interval = terminal ? 500 : 5_000;
    try {
      while (running) {
        Thread.sleep(interval);
        if (!running) {
          break;
        }
        String line = line();
        if (terminal) {
          out.print("\r" + line + "   ");
          out.flush();
        } else {
          LOG.info(line);
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  String line() {
    long d = done.get();
    double secs = Math.max(1e-3, (System.nanoTime() - startNanos) / 1e9);
    double mbps = d / secs / 1e6;
    String eta = "?";
    if (d > 0 && total > d) {
      long remaining = (long) ((total - d) / (d / secs));
      eta = String.format(Locale.ROOT, "%d:%02d", remaining / 60, remaining % 60);
    } else if (total <= d) {
      eta = "0:00";
    }
    int pct = total == 0 ? 100 : (int) (100.0 * d / total);
    return String.format(
        Locale.ROOT,
        "%s %s / %s (%d%%) %.1f MB/s ETA %s",
        label,
        Sizes.human(d),
        Sizes.human(total),
        pct,
        mbps,
        eta);
  }

  @Override
  public void close() {
    running = false;
    if (thread != null) {
      thread.interrupt();
      if (terminal) {
        out.print("\r" + line() + "\n");
        out.flush();
      }
    }
  }
}
