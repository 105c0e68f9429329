package dev.stowage.engine.core;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Runs fsyncs on their own threads. A file system commits concurrent fsyncs together, so many small
 * files become durable far faster than one fsync after another, and the CPU workers never wait on
 * the disk. Every failure is reported: a failed fsync means data may not be on disk.
 */
public final class ParallelSync implements AutoCloseable {
  /** Concurrent fsyncs: enough for the journal to batch them, few enough to stay cheap. */
  public static final int THREADS = 16;

  /** One fsync (and whatever must follow it, such as close). */
  public interface Task {
    void run() throws Exception;
  }

  private final ExecutorService pool;
  private final List<Future<?>> pending = new ArrayList<>();

  public ParallelSync(String name) {
    int[] n = {0};
    pool =
        Executors.newFixedThreadPool(
            THREADS,
            r -> {
              Thread t = new Thread(r, name + "-sync-" + n[0]++);
              t.setDaemon(true);
              return t;
            });
  }

  public synchronized void submit(Task task) {
    pending.add(
        pool.submit(
            () -> {
              task.run();
              return null;
            }));
  }

  /** Waits for every task; throws the first failure (as it was thrown) after all have finished. */
  public void awaitAll() throws Exception {
    List<Future<?>> all;
    synchronized (this) {
      all = new ArrayList<>(pending);
      pending.clear();
    }
    Exception first = null;
    for (Future<?> f : all) {
      try {
        f.get();
      } catch (ExecutionException e) {
        if (first == null) {
          first = e.getCause() instanceof Exception ex ? ex : new RuntimeException(e.getCause());
        }
      }
    }
    if (first != null) {
      throw first;
    }
  }

  @Override
  public void close() {
    pool.shutdownNow();
  }
}
