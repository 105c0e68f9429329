package dev.stowage.engine.core;

import dev.stowage.engine.error.EngineException;
import dev.stowage.engine.error.StorageException;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Retries one object's transfer with jittered exponential backoff. */
public final class Retrier {
  private static final Logger LOG = LoggerFactory.getLogger(Retrier.class);

  /** Thrown for failures a new attempt may fix (a cut download, a CRC mismatch after transfer). */
  public static final class RetryableException extends EngineException {
    public RetryableException(EngineException cause) {
      super(cause.exitCode(), cause.subject(), cause.getMessage(), cause);
    }

    public EngineException original() {
      return (EngineException) getCause();
    }
  }

  /** One attempt at a transfer. */
  public interface Attempt<T> {
    T run(int attempt) throws Exception;
  }

  private final int attempts;
  private final long baseDelayMillis;
  private final long maxDelayMillis;

  public Retrier(int attempts, long baseDelayMillis, long maxDelayMillis) {
    this.attempts = attempts;
    this.baseDelayMillis = baseDelayMillis;
    this.maxDelayMillis = maxDelayMillis;
  }

  public static Retrier defaults() {
    return new Retrier(5, 200, 5_000);
  }

  public <T> T run(String what, Attempt<T> attempt) throws Exception {
    for (int i = 1; ; i++) {
      try {
        return attempt.run(i);
      } catch (RetryableException e) {
        if (i >= attempts) {
          throw e.original();
        }
        pause(what, i, e);
      } catch (StorageException e) {
        if (!e.isRetryable() || i >= attempts) {
          throw e;
        }
        pause(what, i, e);
      }
    }
  }

  private void pause(String what, int attempt, Exception e) throws InterruptedException {
    long cap = Math.min(maxDelayMillis, baseDelayMillis << Math.min(attempt - 1, 20));
    long delay = cap / 2 + ThreadLocalRandom.current().nextLong(cap / 2 + 1);
    LOG.warn(
        "{}: attempt {} of {} failed ({}); retrying in {} ms",
        what,
        attempt,
        attempts,
        e.getMessage(),
        delay);
    Thread.sleep(delay);
  }
}
