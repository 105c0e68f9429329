package dev.stowage.engine.core;

import dev.stowage.engine.error.EngineException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parses and prints sizes as Kubernetes quantities: bytes, or Ki/Mi/Gi/Ti suffixes. */
public final class Sizes {
  private static final Pattern QUANTITY = Pattern.compile("([0-9]+)(Ki|Mi|Gi|Ti)?");

  private Sizes() {}

  /** Parses {@code value} for the option {@code option}; overflow and negatives exit 2. */
  public static long parse(String option, String value) {
    Matcher m = QUANTITY.matcher(value == null ? "" : value.trim());
    if (!m.matches()) {
      throw EngineException.invalid(
          option
              + " \""
              + value
              + "\" is not a size; use bytes or a Ki/Mi/Gi/Ti suffix, e.g. 64Mi");
    }
    int shift =
        switch (m.group(2) == null ? "" : m.group(2)) {
          case "Ki" -> 10;
          case "Mi" -> 20;
          case "Gi" -> 30;
          case "Ti" -> 40;
          default -> 0;
        };
    try {
      long n = Long.parseLong(m.group(1));
      if (n > (Long.MAX_VALUE >> shift)) {
        throw new NumberFormatException();
      }
      return n << shift;
    } catch (NumberFormatException e) {
      throw EngineException.invalid(option + " \"" + value + "\" is too large");
    }
  }

  /** Human form: 1.5 GiB, 340 MiB, 12 KiB, 7 B. */
  public static String human(long bytes) {
    String[] units = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
    double v = bytes;
    int u = 0;
    while (v >= 1024 && u < units.length - 1) {
      v /= 1024;
      u++;
    }
    return u == 0
        ? bytes + " B"
        : String.format(Locale.ROOT, v < 10 ? "%.2f %s" : "%.1f %s", v, units[u]);
  }

  /** Kubernetes form when exact (64Mi), bytes otherwise. */
  public static String quantity(long bytes) {
    String[] suffixes = {"Ti", "Gi", "Mi", "Ki"};
    int[] shifts = {40, 30, 20, 10};
    for (int i = 0; i < shifts.length; i++) {
      long unit = 1L << shifts[i];
      if (bytes != 0 && bytes % unit == 0) {
        return (bytes / unit) + suffixes[i];
      }
    }
    return Long.toString(bytes);
  }
}
