package dev.stowage.operator.status;

import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.RetryInfo;

/** How every reconciler reads an error JOSDK retries: whether it gives up now, and what to say. */
public final class ApiErrors {
  private ApiErrors() {}

  /** Whether this was JOSDK's last attempt: the reconciler gives up and gives back what it took. */
  public static boolean lastAttempt(Context<?> context) {
    return context.getRetryInfo().map(RetryInfo::isLastAttempt).orElse(false);
  }

  /** The error for status.message: its type and message. */
  public static String why(Exception e) {
    return e.getClass().getSimpleName() + ": " + e.getMessage();
  }
}
