package dev.stowage.operator.status;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ErrorStatusUpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.RetryInfo;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Supplier;
import org.slf4j.Logger;

/**
 * How every reconciler takes an error JOSDK retries (the API server refused or failed a request):
 * whether it gives up now, what to say, and the {@code updateErrorStatus} they all share.
 */
public final class ApiErrors {
  private ApiErrors() {}

  /**
   * A resource read afresh, as the error handling sees it: what it records while JOSDK retries,
   * what giving up means for it, and how its status is written.
   */
  public interface FreshRun {
    /** Not the last attempt: records the error where a person looks (status.message). */
    void retrying(String why);

    /**
     * The last attempt: gives up (fails, gives back what was taken); returns when to look again
     * when it keeps watching instead (an engine Job that still runs).
     */
    Optional<Duration> lastAttempt(String why);

    /** Writes the status that {@link #retrying} or {@link #lastAttempt} built. */
    void save();
  }

  /**
   * The shared {@code updateErrorStatus}: records the error on the resource read afresh, and on the
   * last attempt gives up; never throws (an error here is logged, JOSDK has nothing left to do).
   *
   * @param fresh the resource read afresh from the API server, since the one JOSDK hands over may
   *     predate what the failed reconcile already wrote (the replicas before a scale-down), and
   *     that must never be written over; empty when no status is to be written (gone, being
   *     deleted, finished)
   * @param log the reconciler's logger
   * @param givesBack what giving up gives back, for the log line when even that failed
   */
  public static <P extends HasMetadata> ErrorStatusUpdateControl<P> updateErrorStatus(
      Context<P> context,
      Exception e,
      Supplier<Optional<? extends FreshRun>> fresh,
      Logger log,
      String givesBack) {
    boolean last = lastAttempt(context);
    String why = why(e);
    try {
      Optional<? extends FreshRun> run = fresh.get();
      if (run.isEmpty()) {
        return ErrorStatusUpdateControl.noStatusUpdate();
      }
      Optional<Duration> again = Optional.empty();
      if (last) {
        again = run.get().lastAttempt(why);
      } else {
        run.get().retrying(why);
      }
      run.get().save();
      return again
          .map(d -> ErrorStatusUpdateControl.<P>noStatusUpdate().rescheduleAfter(d))
          .orElseGet(ErrorStatusUpdateControl::noStatusUpdate);
    } catch (RuntimeException failed) {
      log.error("could not record the error or {}: {}", givesBack, failed.getMessage());
      return ErrorStatusUpdateControl.noStatusUpdate();
    }
  }

  /** Whether this was JOSDK's last attempt: the reconciler gives up and gives back what it took. */
  public static boolean lastAttempt(Context<?> context) {
    return context.getRetryInfo().map(RetryInfo::isLastAttempt).orElse(false);
  }

  /** The error for status.message: its type and message. */
  public static String why(Exception e) {
    return e.getClass().getSimpleName() + ": " + e.getMessage();
  }
}
