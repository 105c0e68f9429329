package dev.stowage.engine.core;

import com.sun.management.HotSpotDiagnosticMXBean;
import com.sun.management.VMOption;
import dev.stowage.engine.error.EngineException;
import java.lang.management.ManagementFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How many workers this JVM can hold the buffers of. Each worker owns direct buffers (its codec's,
 * its I/O staging) and heap buffers (an S3 upload part, its cipher's), made when it starts. The JVM
 * caps direct buffers (-XX:MaxDirectMemorySize, by default its maximum heap, which is a quarter of
 * a container's memory limit), so a --concurrency that is too high for a small pod used to fail
 * half-way through with "Cannot reserve ... bytes of direct buffer memory" or "Java heap space".
 * Now it runs with the workers that fit and says so; a JVM that cannot hold one worker's buffers is
 * refused before any work.
 */
public final class MemoryBudget {
  private static final Logger LOG = LoggerFactory.getLogger("stowage");

  /**
   * Direct bytes per worker that the JDK takes on its own: reads and writes of heap arrays through
   * a FileChannel or a socket go through a temporary direct buffer of the call's size, kept per
   * thread (an encrypted object's sealed bytes are written a MiB at a time). Added to every
   * worker's count here, so no caller can leave it out.
   */
  static final long JDK_TEMPORARY_PER_WORKER = (1 << 20) + (64 << 10);

  /** The part of the heap that workers' buffers may take; the rest is the run's own. */
  static final double HEAP_SHARE_FOR_BUFFERS = 0.5;

  /**
   * Direct bytes kept back from the workers for the run's own threads (the main thread's and the
   * range fetchers' temporary buffers, a probe's block of zeros).
   */
  static final long DIRECT_RESERVE = 2L << 20;

  /**
   * Bytes held by each worker and bytes held once, whatever the number of workers, in direct
   * buffers and on the heap.
   */
  public record Need(long directPerWorker, long heapPerWorker, long directShared, long heapShared) {
    public static final Need NONE = new Need(0, 0, 0, 0);

    public static Need perWorker(long direct, long heap) {
      return new Need(direct, heap, 0, 0);
    }

    public Need plus(Need o) {
      return new Need(
          directPerWorker + o.directPerWorker,
          heapPerWorker + o.heapPerWorker,
          directShared + o.directShared,
          heapShared + o.heapShared);
    }
  }

  /** What this JVM leaves for buffers: direct memory under its cap, and a share of its heap. */
  public record Limits(long direct, long heap) {
    /**
     * The whole direct-memory cap; {@link MemoryBudget#workers} keeps {@link #DIRECT_RESERVE} of it
     * back for what the run holds besides its workers.
     */
    public static Limits ofThisJvm() {
      long heap = (long) (Runtime.getRuntime().maxMemory() * HEAP_SHARE_FOR_BUFFERS);
      return new Limits(directCap(), heap);
    }
  }

  private MemoryBudget() {}

  /**
   * The workers to run: {@code requested}, or fewer when their {@code buffers} (and the JDK's
   * temporary buffer each) would not fit, logged as a warning that says what to change.
   *
   * @throws EngineException (exit 2) when not even one worker's buffers fit
   */
  public static int workers(String operation, int requested, Need buffers, Limits limits) {
    Need need = buffers.plus(Need.perWorker(JDK_TEMPORARY_PER_WORKER, 0));
    int direct = fit(need.directPerWorker(), need.directShared() + DIRECT_RESERVE, limits.direct());
    int heap = fit(need.heapPerWorker(), need.heapShared(), limits.heap());
    int fits = Math.min(direct, heap);
    if (fits >= 1 && fits >= requested) {
      return requested;
    }
    boolean directBinds = direct <= heap;
    String what =
        directBinds
            ? "direct memory ("
                + Sizes.human(need.directPerWorker())
                + " a worker"
                + shared(need.directShared())
                + "; "
                + Sizes.human(limits.direct())
                + " allowed by -XX:MaxDirectMemorySize, by default the maximum heap: a quarter of"
                + " a container's memory limit, more in small ones)"
            : "heap ("
                + Sizes.human(need.heapPerWorker())
                + " a worker"
                + shared(need.heapShared())
                + "; buffers may take "
                + Sizes.human(limits.heap())
                + ", half the maximum heap: -Xmx, by default a quarter of a container's memory"
                + " limit, more in small ones)";
    if (fits < 1) {
      throw EngineException.invalid(
          "not enough memory for one "
              + operation
              + " worker in this JVM's "
              + what
              + ". Raise the memory limit of the engine's container (or set -Xmx or"
              + " -XX:MaxDirectMemorySize in JAVA_TOOL_OPTIONS)");
    }
    LOG.warn(
        "--concurrency {}: only {} {} {} fit in this JVM's {}: running {}. Raise the"
            + " container's memory limit for more, or set --concurrency {} to run as now without"
            + " this warning",
        requested,
        fits,
        operation,
        fits == 1 ? "worker" : "workers",
        what,
        fits,
        fits);
    return fits;
  }

  /** The heap share for buffers that {@code workers} workers of {@code need} leave unused. */
  public static long heapLeft(int workers, Need need, Limits limits) {
    return limits.heap() - need.heapShared() - (long) workers * need.heapPerWorker();
  }

  private static String shared(long bytes) {
    return bytes == 0 ? "" : ", " + Sizes.human(bytes) + " shared";
  }

  /** Workers whose {@code perWorker} bytes fit in {@code limit} after {@code shared}. */
  static int fit(long perWorker, long shared, long limit) {
    long left = limit - shared;
    if (left < perWorker || left <= 0) {
      return 0;
    }
    return perWorker <= 0 ? Integer.MAX_VALUE : (int) Math.min(Integer.MAX_VALUE, left / perWorker);
  }

  /**
   * The JVM's cap on direct buffers, as {@code java.nio.Bits} applies it; read once. The management
   * beans take 10-20 ms to load, so the CLI's warm-up thread reads it while the command line is
   * parsed, off the command's own path (a second caller waits for the first).
   */
  public static long directCap() {
    return DirectCap.BYTES;
  }

  private static final class DirectCap {
    static final long BYTES = read();

    /** The option when it was set (0 included: no direct buffers at all), else the heap's cap. */
    private static long read() {
      try {
        VMOption option =
            ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class)
                .getVMOption("MaxDirectMemorySize");
        if (option.getOrigin() != VMOption.Origin.DEFAULT) {
          return Long.parseLong(option.getValue());
        }
      } catch (RuntimeException | LinkageError e) {
        // a JVM without the option or its bean: java.nio.Bits then caps at the heap's maximum
      }
      return Runtime.getRuntime().maxMemory();
    }
  }
}
