package dev.stowage.operator.schedule;

import com.cronutils.model.CronType;
import com.cronutils.model.definition.CronDefinitionBuilder;
import com.cronutils.model.time.ExecutionTime;
import com.cronutils.parser.CronParser;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.time.zone.ZoneOffsetTransition;
import java.time.zone.ZoneRules;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * A parsed {@code spec.schedule} in a {@code spec.timeZone}: the slots (instants) at which a backup
 * is due, with Stowage's DST rules.
 *
 * <p>Slots are computed on wall-clock time (cron-utils over a zone without transitions) and then
 * placed in the zone: a wall-clock slot inside a spring-forward gap runs once at the end of the gap
 * (the first valid instant after it), and a wall-clock slot that occurs twice on a fall-back day
 * runs once, at its first occurrence (the earlier offset). cron-utils on the real zone does
 * neither: it skips the gap slot and runs the ambiguous slot twice (pinned in {@code
 * CronScheduleTest}).
 */
public final class CronSchedule {
  /** The default of {@code spec.timeZone}. */
  public static final String DEFAULT_TIME_ZONE = "Etc/UTC";

  private static final CronParser PARSER =
      new CronParser(CronDefinitionBuilder.instanceDefinitionFor(CronType.UNIX));

  private static final Map<String, String> MACROS =
      Map.of(
          "@hourly", "0 * * * *",
          "@daily", "0 0 * * *",
          "@midnight", "0 0 * * *",
          "@weekly", "0 0 * * 0",
          "@monthly", "0 0 1 * *",
          "@yearly", "0 0 1 1 *",
          "@annually", "0 0 1 1 *");

  private final String effectiveExpression;
  private final ZoneId zone;
  private final ExecutionTime wallClock;

  private CronSchedule(String effectiveExpression, ZoneId zone, ExecutionTime wallClock) {
    this.effectiveExpression = effectiveExpression;
    this.zone = zone;
    this.wallClock = wallClock;
  }

  /**
   * Parses {@code spec.schedule} and {@code spec.timeZone}.
   *
   * @param schedule a 5-field Unix cron expression, a macro ({@code @hourly}, {@code @daily}, …) or
   *     a macro with {@code -random}
   * @param timeZone an IANA zone name; null or blank means {@value #DEFAULT_TIME_ZONE}
   * @param randomSeed what {@code -random} derives its minute and hour from (the schedule's UID),
   *     so the effective schedule stays the same across restarts
   * @throws InvalidScheduleException naming the field and what to write instead
   */
  public static CronSchedule parse(String schedule, String timeZone, String randomSeed) {
    ZoneId zone = zone(timeZone);
    String effective = effectiveExpression(schedule, randomSeed);
    ExecutionTime executionTime;
    try {
      executionTime = ExecutionTime.forCron(PARSER.parse(effective));
    } catch (IllegalArgumentException e) {
      throw new InvalidScheduleException(
          "spec.schedule",
          "'"
              + schedule
              + "' is not a 5-field Unix cron expression (minute hour day-of-month month"
              + " day-of-week, for example '30 2 * * *'): "
              + e.getMessage());
    }
    CronSchedule parsed = new CronSchedule(effective, zone, executionTime);
    // '0 0 30 2 *' parses but never fires: refuse it rather than schedule nothing forever.
    if (executionTime
        .nextExecution(ZonedDateTime.of(2000, 1, 1, 0, 0, 0, 0, ZoneOffset.UTC))
        .isEmpty()) {
      throw new InvalidScheduleException(
          "spec.schedule", "'" + schedule + "' never matches a date (for example 30 February)");
    }
    return parsed;
  }

  /** An IANA zone by name; null or blank is {@value #DEFAULT_TIME_ZONE}. */
  public static ZoneId zone(String timeZone) {
    if (timeZone == null || timeZone.isBlank()) {
      return ZoneId.of(DEFAULT_TIME_ZONE);
    }
    // ZoneId.of also takes offsets such as '+02:00' or 'UTC+2', which have no DST rules a user
    // would expect from a place name: only IANA region names are accepted.
    if (!ZoneId.getAvailableZoneIds().contains(timeZone)) {
      throw new InvalidScheduleException(
          "spec.timeZone",
          "'"
              + timeZone
              + "' is not an IANA time zone name; write a name such as 'Europe/Berlin',"
              + " 'America/New_York' or 'Etc/UTC' (the default)");
    }
    return ZoneId.of(timeZone);
  }

  private static String effectiveExpression(String schedule, String randomSeed) {
    if (schedule == null || schedule.isBlank()) {
      throw new InvalidScheduleException(
          "spec.schedule", "is empty; write a 5-field cron expression such as '30 2 * * *'");
    }
    String s = schedule.trim();
    String upper = s.toUpperCase(Locale.ROOT);
    if (upper.startsWith("CRON_TZ=") || upper.startsWith("TZ=")) {
      throw new InvalidScheduleException(
          "spec.schedule",
          "'"
              + schedule
              + "' has a time zone prefix; remove it and set spec.timeZone instead (for example"
              + " timeZone: Europe/Berlin)");
    }
    if (s.startsWith("@")) {
      String macro = s.toLowerCase(Locale.ROOT);
      if (macro.endsWith("-random")) {
        String base = macro.substring(0, macro.length() - "-random".length());
        if (!MACROS.containsKey(base)) {
          throw unknownMacro(schedule);
        }
        return randomized(base, randomSeed);
      }
      String expanded = MACROS.get(macro);
      if (expanded == null) {
        throw unknownMacro(schedule);
      }
      return expanded;
    }
    String[] fields = s.split("\\s+");
    if (fields.length == 6 || fields.length == 7) {
      throw new InvalidScheduleException(
          "spec.schedule",
          "'"
              + schedule
              + "' has "
              + fields.length
              + " fields; Stowage takes 5-field Unix cron (minute hour day-of-month month"
              + " day-of-week), with no seconds or year field, and the zone in spec.timeZone");
    }
    return String.join(" ", fields);
  }

  private static InvalidScheduleException unknownMacro(String schedule) {
    return new InvalidScheduleException(
        "spec.schedule",
        "'"
            + schedule
            + "' is not a known macro; use @hourly, @daily, @weekly, @monthly, @yearly, the same"
            + " with -random (for example @daily-random), or a 5-field cron expression");
  }

  /**
   * {@code @daily-random} and friends: the macro with its minute (and, above hourly, its hour)
   * derived from the seed. SHA-256 rather than {@code String.hashCode} so the choice never depends
   * on the JVM.
   */
  private static String randomized(String macro, String seed) {
    if (seed == null || seed.isEmpty()) {
      throw new IllegalArgumentException(
          "a -random schedule needs a seed (the schedule's UID) to derive its minute and hour");
    }
    byte[] d = sha256(seed);
    int minute = Math.floorMod(((d[0] & 0xff) << 8) | (d[1] & 0xff), 60);
    int hour = Math.floorMod(((d[2] & 0xff) << 8) | (d[3] & 0xff), 24);
    String[] f = MACROS.get(macro).split(" ");
    f[0] = Integer.toString(minute);
    if (!macro.equals("@hourly")) {
      f[1] = Integer.toString(hour);
    }
    return String.join(" ", f);
  }

  private static byte[] sha256(String s) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
    }
  }

  /** The 5-field expression that is scheduled, for {@code status.effectiveSchedule}. */
  public String effectiveExpression() {
    return effectiveExpression;
  }

  /** The zone the slots are computed in. */
  public ZoneId zone() {
    return zone;
  }

  /** The first slot strictly after {@code t}, or empty when there is none. */
  public Optional<Instant> nextAfter(Instant t) {
    ZoneRules rules = zone.getRules();
    LocalDateTime wall = LocalDateTime.ofInstant(t, zone);
    ZoneOffsetTransition overlap = overlapAt(rules, wall);
    if (overlap != null && rules.getOffset(t).equals(overlap.getOffsetAfter())) {
      // t is in the repeated hour's second pass: every wall-clock slot of that hour already ran
      // in the first pass, so the next one comes after the repeated hour.
      wall = overlap.getDateTimeBefore().minusSeconds(1);
    }
    Optional<ZonedDateTime> next = wallClock.nextExecution(wall.atZone(ZoneOffset.UTC));
    return next.map(n -> place(n.toLocalDateTime()));
  }

  /** The latest slot at or before {@code t}, or empty when there is none. */
  public Optional<Instant> latestAtOrBefore(Instant t) {
    ZoneRules rules = zone.getRules();
    LocalDateTime wall = LocalDateTime.ofInstant(t, zone);
    ZoneOffsetTransition overlap = overlapAt(rules, wall);
    if (overlap != null && rules.getOffset(t).equals(overlap.getOffsetAfter())) {
      // Second pass of the repeated hour: all of its wall-clock slots ran in the first pass.
      wall = overlap.getDateTimeBefore().minusSeconds(1);
    }
    // Slots are whole minutes: the latest one strictly before the next minute is at or before t.
    LocalDateTime bound = wall.truncatedTo(ChronoUnit.MINUTES).plusMinutes(1);
    Optional<ZonedDateTime> last = wallClock.lastExecution(bound.atZone(ZoneOffset.UTC));
    return last.map(l -> place(l.toLocalDateTime()));
  }

  /** The latest slot strictly before {@code t}, or empty when there is none. */
  public Optional<Instant> latestBefore(Instant t) {
    return latestAtOrBefore(t.minusNanos(1));
  }

  /** The next {@code count} slots strictly after {@code t}, oldest first. */
  public List<Instant> nextSlots(Instant t, int count) {
    ArrayList<Instant> out = new ArrayList<>(count);
    Instant cursor = t;
    for (int i = 0; i < count; i++) {
      Optional<Instant> n = nextAfter(cursor);
      if (n.isEmpty()) {
        break;
      }
      out.add(n.get());
      cursor = n.get();
    }
    return out;
  }

  /** Where a wall-clock slot runs: its gap's end if it does not exist, its first pass if twice. */
  private Instant place(LocalDateTime slot) {
    ZoneRules rules = zone.getRules();
    List<ZoneOffset> offsets = rules.getValidOffsets(slot);
    if (offsets.isEmpty()) {
      return rules.getTransition(slot).getInstant();
    }
    // One offset, or two in an overlap: the earlier instant is the one with the larger offset.
    ZoneOffset earlier = offsets.get(0);
    for (ZoneOffset o : offsets) {
      if (o.getTotalSeconds() > earlier.getTotalSeconds()) {
        earlier = o;
      }
    }
    return slot.toInstant(earlier);
  }

  private static ZoneOffsetTransition overlapAt(ZoneRules rules, LocalDateTime wall) {
    ZoneOffsetTransition tr = rules.getTransition(wall);
    return tr != null && tr.isOverlap() ? tr : null;
  }

  @Override
  public String toString() {
    return effectiveExpression + " in " + zone;
  }
}
