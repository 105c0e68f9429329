package dev.stowage.operator.schedule;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.temporal.IsoFields;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * Which of a schedule's children retention keeps and which it deletes, and why.
 *
 * <p>The bucket rules follow restic's {@code forget} exactly ({@code
 * restic/internal/data/snapshot_policy.go}, {@code doc/060_forget.rst}): walking the successes
 * newest first, a rule keeps a backup when its calendar bucket (in the schedule's zone, natural
 * boundaries, ISO weeks) differs from the bucket of the last backup that rule kept, while the rule
 * has count left; empty buckets are never counted; when a rule still has count left at the oldest
 * backup, that oldest backup is kept too ("oldest daily"). Rules are ORed. Unlike restic, {@code
 * keepWithin} is measured from the newest <em>success</em> and includes its boundary, pins are kept
 * and not counted, failures never count, and a floor of {@code minSucceeded} successes always
 * holds.
 */
public final class RetentionPlanner {
  /** At most this many deletions per pass; the rest wait for the next pass. */
  public static final int MAX_DELETIONS_PER_PASS = 10;

  /** A child's phase as retention sees it. */
  public enum Phase {
    Succeeded,
    Failed,
    /** Not finished (Pending, Blocked, Running, …): never deleted, never counted. */
    Active
  }

  /**
   * One child of this schedule.
   *
   * @param time when it finished (its quiesced copy), else its scheduled slot
   * @param pinned labelled {@code stowage.dev/keep: "true"}
   */
  public record Child(String name, Phase phase, Instant time, boolean pinned) {
    public Child {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(phase, "phase");
      Objects.requireNonNull(time, "time");
    }
  }

  /**
   * {@code spec.retention}; counts of 0 switch a rule off, a null {@code keepWithin} too.
   *
   * @param zone the zone of the calendar buckets ({@code spec.timeZone})
   */
  public record Policy(
      int keepLast,
      int keepHourly,
      int keepDaily,
      int keepWeekly,
      int keepMonthly,
      int keepYearly,
      Duration keepWithin,
      int minSucceeded,
      int failedHistoryLimit,
      ZoneId zone) {
    /** The default {@code minSucceeded}. */
    public static final int DEFAULT_MIN_SUCCEEDED = 1;

    /** The default {@code failedHistoryLimit}. */
    public static final int DEFAULT_FAILED_HISTORY_LIMIT = 3;

    public Policy {
      Objects.requireNonNull(zone, "zone");
      for (int n :
          new int[] {keepLast, keepHourly, keepDaily, keepWeekly, keepMonthly, keepYearly}) {
        if (n < 0) {
          throw new InvalidScheduleException("spec.retention", "keep counts must be 0 or more");
        }
      }
      if (keepWithin != null && (keepWithin.isZero() || keepWithin.isNegative())) {
        throw new InvalidScheduleException("spec.retention.keepWithin", "must be positive");
      }
      if (minSucceeded < 1) {
        throw new InvalidScheduleException(
            "spec.retention.minSucceeded",
            "must be at least 1: retention never deletes the last good backup");
      }
      if (failedHistoryLimit < 0) {
        throw new InvalidScheduleException(
            "spec.retention.failedHistoryLimit", "must be 0 or more");
      }
      if (keepLast + keepHourly + keepDaily + keepWeekly + keepMonthly + keepYearly == 0
          && keepWithin == null) {
        throw new InvalidScheduleException(
            "spec.retention",
            "has no keep rule; set at least one of keepLast, keepHourly, keepDaily, keepWeekly,"
                + " keepMonthly, keepYearly or keepWithin (remove retention to keep everything)");
      }
    }

    /** A policy with the default minSucceeded and failedHistoryLimit and no keepWithin. */
    public static Policy of(
        int keepLast,
        int keepHourly,
        int keepDaily,
        int keepWeekly,
        int keepMonthly,
        int keepYearly,
        ZoneId zone) {
      return new Policy(
          keepLast,
          keepHourly,
          keepDaily,
          keepWeekly,
          keepMonthly,
          keepYearly,
          null,
          DEFAULT_MIN_SUCCEEDED,
          DEFAULT_FAILED_HISTORY_LIMIT,
          zone);
    }

    String describe() {
      List<String> parts = new ArrayList<>();
      if (keepLast > 0) parts.add("keepLast " + keepLast);
      if (keepHourly > 0) parts.add("keepHourly " + keepHourly);
      if (keepDaily > 0) parts.add("keepDaily " + keepDaily);
      if (keepWeekly > 0) parts.add("keepWeekly " + keepWeekly);
      if (keepMonthly > 0) parts.add("keepMonthly " + keepMonthly);
      if (keepYearly > 0) parts.add("keepYearly " + keepYearly);
      if (keepWithin != null) parts.add("keepWithin " + keepWithin);
      parts.add("minSucceeded " + minSucceeded);
      return String.join(", ", parts);
    }
  }

  /** A kept child and every rule that keeps it. */
  public record Kept(Child child, List<String> reasons) {}

  /** A child to delete and why no rule keeps it. */
  public record Deletion(Child child, String reason) {}

  /**
   * One pass.
   *
   * @param keep kept children, newest first, with their reasons
   * @param delete what to delete in this pass: at most {@value #MAX_DELETIONS_PER_PASS}, oldest
   *     first
   * @param deferred deletable children left for later passes by the per-pass cap
   */
  public record Plan(List<Kept> keep, List<Deletion> delete, int deferred) {}

  private RetentionPlanner() {}

  private static final Comparator<Child> NEWEST_FIRST =
      Comparator.comparing(Child::time).thenComparing(Child::name).reversed();

  /** Plans one retention pass over this schedule's children. */
  public static Plan plan(List<Child> children, Policy p) {
    Map<Child, List<String>> reasons = new LinkedHashMap<>();
    List<Child> sorted = new ArrayList<>(children);
    sorted.sort(NEWEST_FIRST);

    List<Child> successes = new ArrayList<>();
    List<Child> failures = new ArrayList<>();
    for (Child c : sorted) {
      if (c.pinned()) {
        keep(reasons, c, "pinned");
      } else if (c.phase() == Phase.Active) {
        keep(reasons, c, "active");
      } else if (c.phase() == Phase.Succeeded) {
        successes.add(c);
      } else {
        failures.add(c);
      }
    }

    applyBuckets(successes, p, reasons);
    applyWithin(sorted, successes, p, reasons);
    applyFloor(successes, p, reasons);

    List<Deletion> deletable = new ArrayList<>();
    for (Child s : successes) {
      if (!reasons.containsKey(s)) {
        deletable.add(new Deletion(s, "no retention rule keeps it (" + p.describe() + ")"));
      }
    }
    for (int i = 0; i < failures.size(); i++) {
      Child f = failures.get(i);
      if (i < p.failedHistoryLimit()) {
        keep(reasons, f, "failedHistoryLimit " + p.failedHistoryLimit());
      } else {
        deletable.add(
            new Deletion(
                f,
                "failed, and older than the "
                    + p.failedHistoryLimit()
                    + " newest failed children (failedHistoryLimit)"));
      }
    }

    deletable.sort(
        Comparator.comparing((Deletion d) -> d.child().time())
            .thenComparing(d -> d.child().name()));
    int n = Math.min(MAX_DELETIONS_PER_PASS, deletable.size());
    List<Kept> kept = new ArrayList<>();
    for (Child c : sorted) {
      List<String> r = reasons.get(c);
      if (r != null) {
        kept.add(new Kept(c, List.copyOf(r)));
      }
    }
    return new Plan(List.copyOf(kept), List.copyOf(deletable.subList(0, n)), deletable.size() - n);
  }

  private record Rule(String name, int count, Function<LocalDateTime, Long> bucket) {}

  /** restic's bucket walk ({@code ApplyPolicy}) over the unpinned successes, newest first. */
  private static void applyBuckets(List<Child> successes, Policy p, Map<Child, List<String>> out) {
    List<Rule> rules =
        List.of(
            new Rule("keepLast", p.keepLast(), null),
            new Rule("keepHourly", p.keepHourly(), t -> ymd(t) * 100 + t.getHour()),
            new Rule("keepDaily", p.keepDaily(), RetentionPlanner::ymd),
            new Rule(
                "keepWeekly",
                p.keepWeekly(),
                t ->
                    (long) t.get(IsoFields.WEEK_BASED_YEAR) * 100
                        + t.get(IsoFields.WEEK_OF_WEEK_BASED_YEAR)),
            new Rule(
                "keepMonthly", p.keepMonthly(), t -> (long) t.getYear() * 100 + t.getMonthValue()),
            new Rule("keepYearly", p.keepYearly(), t -> (long) t.getYear()));
    int[] left = rules.stream().mapToInt(Rule::count).toArray();
    Long[] last = new Long[rules.size()];
    for (int nr = 0; nr < successes.size(); nr++) {
      Child c = successes.get(nr);
      LocalDateTime local = LocalDateTime.ofInstant(c.time(), p.zone());
      boolean oldest = nr == successes.size() - 1;
      for (int i = 0; i < rules.size(); i++) {
        if (left[i] <= 0) {
          continue;
        }
        Rule rule = rules.get(i);
        // keepLast: every backup is its own bucket (restic's "always").
        long val = rule.bucket() == null ? nr : rule.bucket().apply(local);
        boolean newBucket = last[i] == null || val != last[i];
        if (newBucket || oldest) {
          keep(out, c, newBucket ? rule.name() : rule.name() + " (oldest)");
          last[i] = val;
          left[i]--;
        }
      }
    }
  }

  private static long ymd(LocalDateTime t) {
    return (long) t.getYear() * 10000 + t.getMonthValue() * 100L + t.getDayOfMonth();
  }

  /** Every success within keepWithin of the newest success (of any success, pinned too). */
  private static void applyWithin(
      List<Child> all, List<Child> successes, Policy p, Map<Child, List<String>> out) {
    if (p.keepWithin() == null) {
      return;
    }
    Instant newest =
        all.stream()
            .filter(c -> c.phase() == Phase.Succeeded)
            .map(Child::time)
            .max(Comparator.naturalOrder())
            .orElse(null);
    if (newest == null) {
      return;
    }
    Instant from = newest.minus(p.keepWithin());
    for (Child s : successes) {
      if (!s.time().isBefore(from)) {
        keep(out, s, "keepWithin " + p.keepWithin() + " of the newest success " + newest);
      }
    }
  }

  /** The newest unpinned successes until minSucceeded of them are kept. */
  private static void applyFloor(List<Child> successes, Policy p, Map<Child, List<String>> out) {
    long kept = successes.stream().filter(out::containsKey).count();
    for (Child s : successes) {
      if (kept >= p.minSucceeded()) {
        return;
      }
      if (!out.containsKey(s)) {
        keep(out, s, "minSucceeded " + p.minSucceeded());
        kept++;
      }
    }
  }

  private static void keep(Map<Child, List<String>> out, Child c, String reason) {
    out.computeIfAbsent(c, k -> new ArrayList<>()).add(reason);
  }
}
