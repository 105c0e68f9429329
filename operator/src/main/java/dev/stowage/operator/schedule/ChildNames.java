package dev.stowage.operator.schedule;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.regex.Pattern;

/**
 * The names of a schedule's children: derived from the slot, so a lost status write finds the same
 * name again (adopt, never duplicate).
 */
public final class ChildNames {
  /** The longest schedule name: {@code <50>-<12 digits>} is 63 characters, a valid label value. */
  public static final int MAX_SCHEDULE_NAME = 50;

  private static final Pattern DNS_1123_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
  private static final DateTimeFormatter SLOT =
      DateTimeFormatter.ofPattern("yyyyMMddHHmm").withZone(ZoneOffset.UTC);
  private static final DateTimeFormatter MANUAL =
      DateTimeFormatter.ofPattern("yyyyMMddHHmmss").withZone(ZoneOffset.UTC);

  private ChildNames() {}

  /** {@code <schedule>-<yyyyMMddHHmm of the slot in UTC>}: at most 63 characters. */
  public static String scheduled(String scheduleName, Instant slot) {
    return checked(scheduleName) + "-" + SLOT.format(slot);
  }

  /**
   * {@code <schedule>-manual-<yyyyMMddHHmmss in UTC>}, for a changed {@code spec.trigger} or {@code
   * immediate}. With a 50-character schedule name this is 72 characters: a valid object name
   * (DNS-1123 subdomain, at most 253) but longer than a label value, so labels carrying it must go
   * through {@code KubernetesNames.labelValue}.
   */
  public static String manual(String scheduleName, Instant at) {
    return checked(scheduleName) + "-manual-" + MANUAL.format(at);
  }

  private static String checked(String name) {
    if (name == null
        || name.length() > MAX_SCHEDULE_NAME
        || !DNS_1123_LABEL.matcher(name).matches()) {
      throw new InvalidScheduleException(
          "metadata.name",
          "'"
              + name
              + "' must be at most "
              + MAX_SCHEDULE_NAME
              + " lower-case letters, digits and '-', starting and ending with a letter or digit,"
              + " so that its children's names stay valid");
    }
    return name;
  }
}
