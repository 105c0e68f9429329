package dev.stowage.operator.schedule;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Durations written as a whole number and one unit: {@code 90s}, {@code 30m}, {@code 72h}, … */
public final class DurationText {
  private static final Pattern FORM = Pattern.compile("([0-9]{1,9})(s|m|h|d|w)");

  private DurationText() {}

  /**
   * Parses {@code text} for the field named {@code field} ({@code spec.retention.keepWithin},
   * {@code spec.overdueAfter}): a positive whole number followed by {@code s}, {@code m}, {@code
   * h}, {@code d} (24 hours) or {@code w} (7 days).
   *
   * @throws InvalidScheduleException naming the field, the text and the accepted form
   */
  public static Duration parse(String field, String text) {
    if (text == null || text.isBlank()) {
      throw invalid(field, text, "is empty");
    }
    Matcher m = FORM.matcher(text.trim());
    if (!m.matches()) {
      throw invalid(field, text, "is not a duration");
    }
    long n = Long.parseLong(m.group(1));
    if (n == 0) {
      throw invalid(field, text, "must be greater than zero");
    }
    return switch (m.group(2)) {
      case "s" -> Duration.ofSeconds(n);
      case "m" -> Duration.ofMinutes(n);
      case "h" -> Duration.ofHours(n);
      case "d" -> Duration.ofDays(n);
      case "w" -> Duration.ofDays(7 * n);
      default -> throw new IllegalStateException("unit " + m.group(2));
    };
  }

  private static InvalidScheduleException invalid(String field, String text, String what) {
    return new InvalidScheduleException(
        field,
        "'"
            + text
            + "' "
            + what
            + "; write a whole number followed by s, m, h, d or w, for example 90s, 30m, 72h,"
            + " 14d or 2w (months and years are not fixed lengths: write them in days)");
  }
}
