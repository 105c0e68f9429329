package dev.stowage.engine.core;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * Runs items in the given order on a fixed number of threads, each with its own reusable context
 * (codec, buffers). After the first failure no new item starts; items already running finish.
 */
public final class WorkerPool {
  private WorkerPool() {}

  /** Work on one item with the thread's context. */
  public interface Task<C, T> {
    void run(C context, T item) throws Exception;
  }

  public record Failure<T>(T item, Throwable error) {}

  public static <C extends AutoCloseable, T> List<Failure<T>> run(
      String name, int workers, List<T> items, Supplier<C> contexts, Task<C, T> task) {
    AtomicInteger next = new AtomicInteger();
    AtomicBoolean stop = new AtomicBoolean();
    List<Failure<T>> failures = Collections.synchronizedList(new ArrayList<>());
    List<Thread> threads = new ArrayList<>();
    int n = Math.max(1, Math.min(workers, items.size()));
    for (int w = 0; w < n; w++) {
      Thread t =
          new Thread(
              () -> {
                try (C ctx = contexts.get()) {
                  while (!stop.get()) {
                    int i = next.getAndIncrement();
                    if (i >= items.size()) {
                      break;
                    }
                    T item = items.get(i);
                    try {
                      task.run(ctx, item);
                    } catch (Throwable e) {
                      failures.add(new Failure<>(item, e));
                      stop.set(true);
                    }
                  }
                } catch (Throwable e) {
                  failures.add(new Failure<>(null, e));
                  stop.set(true);
                }
              },
              name + "-" + w);
      threads.add(t);
      t.start();
    }
    boolean interrupted = false;
    for (Thread t : threads) {
      while (true) {
        try {
          t.join();
          break;
        } catch (InterruptedException e) {
          interrupted = true;
          stop.set(true);
        }
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
    return List.copyOf(failures);
  }
}
