package dev.stowage.operator.status;

import java.util.Locale;

/** Sizes and durations as people read them in {@code kubectl get}, beside the exact figures. */
public final class Display {
  private Display() {}

  /** Binary units with one decimal: {@code 512 B}, {@code 2.7 MiB}, {@code 1.0 TiB}. */
  public static String size(long bytes) {
    String[] units = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
    double v = bytes;
    int u = 0;
    while (v >= 1024 && u < units.length - 1) {
      v /= 1024;
      u++;
    }
    return u == 0 ? bytes + " B" : String.format(Locale.ROOT, "%.1f %s", v, units[u]);
  }

  /** {@code 0.4s}, {@code 9.5s}, {@code 59s}, {@code 1m32s}, {@code 1h2m}. */
  public static String duration(double seconds) {
    if (seconds < 10) {
      return String.format(Locale.ROOT, "%.1fs", Math.max(0, seconds));
    }
    long whole = Math.round(seconds);
    long h = whole / 3600;
    long m = whole % 3600 / 60;
    long s = whole % 60;
    if (h > 0) {
      return h + "h" + m + "m";
    }
    return m > 0 ? m + "m" + s + "s" : s + "s";
  }
}
