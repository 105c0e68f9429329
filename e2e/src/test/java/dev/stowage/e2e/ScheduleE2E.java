package dev.stowage.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.stowage.api.v1alpha1.BackupTemplate;
import dev.stowage.api.v1alpha1.BackupTemplateMetadata;
import dev.stowage.api.v1alpha1.Condition;
import dev.stowage.api.v1alpha1.ConditionStatus;
import dev.stowage.api.v1alpha1.DeletionPolicy;
import dev.stowage.api.v1alpha1.MysqlBackup;
import dev.stowage.api.v1alpha1.MysqlBackupSchedule;
import dev.stowage.api.v1alpha1.MysqlBackupScheduleSpec;
import dev.stowage.api.v1alpha1.MysqlBackupScheduleStatus;
import dev.stowage.api.v1alpha1.MysqlRestore;
import dev.stowage.api.v1alpha1.Phase;
import dev.stowage.api.v1alpha1.Retention;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * A MysqlBackupSchedule (issue 9) on a real cluster, with the operator installed from deploy/: a
 * {@code *}{@code /1 * * * *} schedule with {@code retention: {keepLast: 2}} of one MariaDB
 * StatefulSet, to the shared S3 server. The cases run in order on the one schedule, to keep the
 * class short: a child per minute and the oldest pruned with its data; a changed trigger; suspend;
 * a kept child restores; deleting the schedule (Retain) keeps the children and their data.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ScheduleE2E {

  static final String CREDENTIALS = "s3-credentials";
  static final String DB = "db";
  static final String SCHEDULE = "minutely";

  static final String LABEL_SCHEDULE = "stowage.dev/schedule";
  static final String LABEL_TRIGGER = "stowage.dev/trigger";
  static final String LABEL_MANAGED_BY = "app.kubernetes.io/managed-by";
  static final String ANNOTATION_UID = "stowage.dev/schedule-uid";
  static final String ANNOTATION_TIME = "stowage.dev/scheduled-time";

  /** A label of the template: copied to every child. */
  static final String TEMPLATE_LABEL = "e2e.stowage.dev/case";

  static final DateTimeFormatter SLOT =
      DateTimeFormatter.ofPattern("yyyyMMddHHmm").withZone(ZoneOffset.UTC);
  static final Duration POLL = Duration.ofSeconds(2);

  static KubernetesClient client;
  static S3Server s3;
  static String ns;
  static MariaDb db;
  static String expectedRows;
  static String scheduleUid;
  static final Instant classStart = Instant.now();
  static final List<String> namespaces = new ArrayList<>();

  /** Every child seen, as last read while it existed (its status says where its data is). */
  static final Map<String, MysqlBackup> seen = new LinkedHashMap<>();

  /** The phase each child was last seen in, to print changes only. */
  static final Map<String, String> phasesPrinted = new LinkedHashMap<>();

  @BeforeAll
  static void operatorS3AndDatabase() throws Exception {
    client = Cluster.connect();
    Operator.requireAvailable(client, Duration.ofMinutes(2));
    String s3Namespace = Cluster.createNamespace(client, "stowage-e2e-schedule-s3-");
    namespaces.add(s3Namespace);
    s3 = S3Server.start(client, s3Namespace, "backups");
    ns = Cluster.createNamespace(client, "stowage-e2e-schedule-");
    namespaces.add(0, ns);
    db = new MariaDb(client, ns).withPasswordSecret();
    s3.credentialsSecret(ns, CREDENTIALS, true);
    db.startStatefulSet(DB);
    expectedRows = ShopData.write(db, DB, 0);
    say("MariaDB StatefulSet %s/%s Ready with the shop tables; S3 in %s", ns, DB, s3Namespace);
  }

  @AfterAll
  static void cleanup() {
    if (client == null) {
      return;
    }
    try {
      if (!Cluster.keepNamespaces()) {
        deleteNamespaces();
      }
    } finally {
      client.close();
    }
  }

  // ---------------------------------------------------------------- (a) a child per minute

  /**
   * Case (a): one child per minute, named after its slot, labelled and owned by the schedule; once
   * the third has Succeeded, retention (keepLast 2) deletes the oldest, and its objects leave S3
   * (children get deletionPolicy Delete because the template leaves it unset), while the two kept
   * ones and their data stay.
   */
  @Test
  @Order(1)
  void everyMinuteOneBackupAndRetentionPrunesTheOldestWithItsData() {
    Instant created = Instant.now();
    MysqlBackupSchedule schedule = createSchedule();
    scheduleUid = schedule.getMetadata().getUid();
    say("created MysqlBackupSchedule %s (*/1 * * * *, keepLast 2) at %s", SCHEDULE, created);

    awaitOrExplain(
        "3 scheduled children Succeeded and the oldest of them pruned (MysqlBackup gone)",
        Duration.ofMinutes(6),
        () -> {
          observeChildren();
          List<MysqlBackup> done = scheduledSucceeded();
          return done.size() >= 3 && child(done.get(0).getMetadata().getName()) == null;
        });
    List<MysqlBackup> done = scheduledSucceeded();
    MysqlBackup oldest = done.get(0);
    MysqlBackup second = done.get(1);
    MysqlBackup third = done.get(2);
    String pruned = oldest.getMetadata().getName();
    say(
        "first three scheduled children: %s, %s, %s; %s pruned",
        pruned, second.getMetadata().getName(), third.getMetadata().getName(), pruned);

    // Every child: name from its slot, labels, annotations, owner, deletionPolicy.
    for (MysqlBackup c : seen.values()) {
      assertChildOfTheSchedule(c);
    }
    for (MysqlBackup c : List.of(oldest, second, third)) {
      String name = c.getMetadata().getName();
      assertThat(c.getMetadata().getLabels())
          .as("labels of %s", name)
          .containsEntry(LABEL_TRIGGER, "scheduled");
      Instant slot = slotOf(c);
      assertThat(name).as("name of the child for slot %s", slot).isEqualTo(childName(slot));
      assertThat(slot)
          .as("slot of %s: a whole minute after the schedule was created", name)
          .isEqualTo(slot.truncatedTo(ChronoUnit.MINUTES))
          .isAfter(created.minusSeconds(1));
    }
    assertEveryMinuteUnlessTheLastChildRan(List.of(oldest, second, third));

    // The pruned child's stored backup is gone from S3; the kept ones' are there.
    String prunedDir = backupDir(oldest);
    assertThat(s3.list(prunedDir))
        .as("objects of the pruned child %s left under %s", pruned, prunedDir)
        .isEmpty();
    for (MysqlBackup kept : List.of(second, third)) {
      String name = kept.getMetadata().getName();
      MysqlBackup now = child(name);
      assertThat(now)
          .as("%s, one of the 2 newest Succeeded children (keepLast 2), still exists", name)
          .isNotNull();
      assertThat(now.getStatus().getPhase())
          .as("phase of kept child %s", name)
          .isEqualTo(Phase.Succeeded);
      assertThat(s3.exists(backupDir(kept) + "/MANIFEST"))
          .as("MANIFEST of the kept child %s under %s", name, backupDir(kept))
          .isTrue();
    }

    MysqlBackupSchedule s = schedule();
    MysqlBackupScheduleStatus st = s.getStatus();
    assertThat(st).as("status of %s", SCHEDULE).isNotNull();
    assertThat(st.getObservedGeneration())
        .as("status.observedGeneration")
        .isEqualTo(s.getMetadata().getGeneration());
    assertThat(condition(st, "Ready"))
        .as("Ready condition of %s: %s", SCHEDULE, st.getConditions())
        .isEqualTo(ConditionStatus.True);
    assertThat(condition(st, "Overdue"))
        .as("Overdue condition of %s after successes: %s", SCHEDULE, st.getConditions())
        .isEqualTo(ConditionStatus.False);
    assertThat(st.getEffectiveSchedule()).as("status.effectiveSchedule").isNotBlank();
    assertThat(st.getLastScheduleTime()).as("status.lastScheduleTime").isNotBlank();
    assertThat(Instant.parse(st.getLastScheduleTime()))
        .as("status.lastScheduleTime: at or after the third child's slot")
        .isAfterOrEqualTo(slotOf(third));
    assertThat(st.getNextScheduleTime()).as("status.nextScheduleTime").isNotBlank();
    assertThat(Instant.parse(st.getNextScheduleTime()))
        .as("status.nextScheduleTime after status.lastScheduleTime")
        .isAfter(Instant.parse(st.getLastScheduleTime()));
    assertThat(st.getLastSuccessfulBackup())
        .as("status.lastSuccessfulBackup: a Succeeded child that is kept")
        .isNotEqualTo(pruned)
        .startsWith(SCHEDULE + "-");
    assertThat(st.getLastSuccessfulTime()).as("status.lastSuccessfulTime").isNotBlank();
    assertThat(st.getRetention()).as("status.retention").isNotNull();
    assertThat(st.getRetention().getLastDeleted())
        .as("status.retention.lastDeleted")
        .contains(pruned);
    assertThat(st.getRetention().getDeletedTotal())
        .as("status.retention.deletedTotal")
        .isGreaterThanOrEqualTo(1L);
    assertThat(events("MysqlBackupSchedule", SCHEDULE))
        .as("events of the schedule")
        .anySatisfy(e -> assertThat(e).contains(pruned));
  }

  // ---------------------------------------------------------------- (c) trigger

  /**
   * Case (c): a new value of spec.trigger makes exactly one child {@code <schedule>-manual-...},
   * labelled trigger=manual, which Succeeds; status.lastTrigger records the value.
   */
  @Test
  @Order(2)
  void aChangedTriggerMakesExactlyOneManualChild() {
    String trigger = "e2e-" + UUID.randomUUID().toString().substring(0, 8);
    Instant changed = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    editSpec(spec -> spec.setTrigger(trigger));
    say("spec.trigger set to %s", trigger);

    awaitOrExplain(
        "a " + SCHEDULE + "-manual-... child Succeeded and status.lastTrigger " + trigger,
        Duration.ofMinutes(3),
        () -> {
          observeChildren();
          List<MysqlBackup> manual = manualChildren();
          MysqlBackupScheduleStatus st = schedule().getStatus();
          return manual.size() >= 1
              && phase(child(manual.get(0).getMetadata().getName())) == Phase.Succeeded
              && st != null
              && trigger.equals(st.getLastTrigger());
        });
    // No second child for the same value, on this reconcile or the next ones.
    await("exactly one manual child for 15 s")
        .during(Duration.ofSeconds(15))
        .atMost(Duration.ofSeconds(30))
        .pollInterval(POLL)
        .until(
            () -> {
              observeChildren();
              return manualChildren().size() == 1;
            });

    List<MysqlBackup> manual = manualChildren();
    assertThat(manual)
        .as("children named %s-manual-... for one trigger value", SCHEDULE)
        .hasSize(1);
    MysqlBackup m = child(manual.get(0).getMetadata().getName());
    String name = m.getMetadata().getName();
    assertChildOfTheSchedule(m);
    assertThat(m.getMetadata().getLabels())
        .as("labels of %s", name)
        .containsEntry(LABEL_TRIGGER, "manual");
    Instant at =
        DateTimeFormatter.ofPattern("yyyyMMddHHmmss")
            .withZone(ZoneOffset.UTC)
            .parse(name.substring((SCHEDULE + "-manual-").length()), Instant::from);
    assertThat(at)
        .as("time in the name of %s: after the trigger changed at %s", name, changed)
        .isAfterOrEqualTo(changed.minusSeconds(2));
    assertThat(m.getStatus().getPhase()).as("phase of %s", name).isEqualTo(Phase.Succeeded);
    say("manual child %s Succeeded", name);
  }

  // ---------------------------------------------------------------- (b) suspend

  /**
   * Case (b): suspend: true: an active child finishes, no child is created across the next minute
   * boundary and 30 s beyond, the Suspended condition is True and the passed slot is missed with
   * reason Suspended.
   */
  @Test
  @Order(3)
  void suspendStopsNewChildren() {
    Instant suspended = Instant.now();
    editSpec(spec -> spec.setSuspend(true));
    say("spec.suspend set to true");
    awaitOrExplain(
        "no active child of " + SCHEDULE + " and the Suspended condition True",
        Duration.ofMinutes(2),
        () -> {
          observeChildren();
          MysqlBackupScheduleStatus st = schedule().getStatus();
          return seenNow().stream().allMatch(c -> terminal(phase(c)))
              && st != null
              && (st.getActive() == null || st.getActive().isEmpty())
              && condition(st, "Suspended") == ConditionStatus.True;
        });
    Set<String> before = currentNames();
    Instant settled = Instant.now();
    Instant boundary = settled.truncatedTo(ChronoUnit.MINUTES).plus(Duration.ofMinutes(1));
    Instant until = boundary.plusSeconds(30);
    say("suspended with children %s; watching until %s (a minute boundary + 30 s)", before, until);

    List<String> appeared = new ArrayList<>();
    awaitOrExplain(
        "the minute boundary " + boundary + " + 30 s passed while suspended",
        Duration.ofMinutes(2),
        () -> {
          for (String n : currentNames()) {
            if (!before.contains(n) && !appeared.contains(n)) {
              appeared.add(n);
            }
          }
          return Instant.now().isAfter(until);
        });
    assertThat(appeared)
        .as("children created while %s was suspended (%s .. %s)", SCHEDULE, suspended, until)
        .isEmpty();
    assertThat(
            currentChildren().stream()
                .filter(
                    c ->
                        Instant.parse(c.getMetadata().getCreationTimestamp())
                            .isAfter(settled.plusSeconds(1)))
                .map(c -> c.getMetadata().getName()))
        .as("children created after the active ones finished while suspended")
        .isEmpty();
    MysqlBackupScheduleStatus st = schedule().getStatus();
    assertThat(condition(st, "Suspended"))
        .as("Suspended condition: %s", st.getConditions())
        .isEqualTo(ConditionStatus.True);
    assertThat(st.getMissedRuns()).as("status.missedRuns while suspended").isNotNull();
    assertThat(st.getMissedRuns().getLastMissedReason())
        .as("status.missedRuns.lastMissedReason after the slot %s passed suspended", boundary)
        .isEqualTo("Suspended");
    assertThat(Instant.parse(st.getMissedRuns().getLastMissedTime()))
        .as("status.missedRuns.lastMissedTime")
        .isAfterOrEqualTo(boundary);
  }

  // ---------------------------------------------------------------- (a) a kept child restores

  /**
   * Case (a), continued: the newest kept child restores into a new claim (a MysqlRestore Succeeds),
   * and MariaDB on that claim answers the same rows and checksums. The schedule is suspended, so
   * retention keeps that child meanwhile.
   */
  @Test
  @Order(4)
  void aKeptChildRestoresIntoANewClaim() {
    MysqlBackup kept =
        currentChildren().stream()
            .filter(c -> phase(c) == Phase.Succeeded)
            .max(Comparator.comparing(c -> c.getMetadata().getCreationTimestamp()))
            .orElseThrow(() -> new AssertionError("no Succeeded child of " + SCHEDULE + " left"));
    String name = kept.getMetadata().getName();
    say("restoring %s into the new claim restored", name);
    client
        .resources(MysqlRestore.class)
        .inNamespace(ns)
        .resource(StowageObjects.restoreIntoNewClaim(ns, "from-schedule", name, "restored"))
        .create();
    awaitOrExplain(
        "MysqlRestore from-schedule Succeeded or Failed",
        Duration.ofMinutes(5),
        () -> {
          MysqlRestore r = restore("from-schedule");
          return r != null && r.getStatus() != null && terminal(r.getStatus().getPhase());
        });
    MysqlRestore r = restore("from-schedule");
    assertThat(r.getStatus().getPhase())
        .as("phase of MysqlRestore from-schedule of %s: %s", name, r.getStatus().getMessage())
        .isEqualTo(Phase.Succeeded);
    assertThat(r.getStatus().getBackupName())
        .as("backup restored")
        .isEqualTo(kept.getStatus().getBackupName());
    assertThat(child(name)).as("%s after the restore", name).isNotNull();

    db.startPodOnClaim("restored-db", "restored");
    assertThat(db.sql("read-restored", "restored-db", ShopData.READ))
        .as("rows and checksums of the MariaDB restored from %s", name)
        .isEqualTo(expectedRows);
  }

  // ---------------------------------------------------------------- (d) delete, Retain

  /**
   * Case (d): deleting the schedule (deletionPolicy Retain, the default) leaves every child and its
   * stored data, with no ownerReference to the schedule, so the garbage collector leaves them too.
   */
  @Test
  @Order(5)
  void deletingTheScheduleWithRetainKeepsItsBackupsAndTheirData() {
    Map<String, MysqlBackup> before = new LinkedHashMap<>();
    for (MysqlBackup c : currentChildren()) {
      before.put(c.getMetadata().getName(), c);
    }
    assertThat(before).as("children before the schedule is deleted").isNotEmpty();
    MysqlBackupSchedule s = schedule();
    // The operator's finalizer makes the deletion wait until the children are disowned.
    assertThat(s.getMetadata().getFinalizers())
        .as("finalizers of %s", SCHEDULE)
        .anySatisfy(f -> assertThat(f).endsWith("stowage.dev/finalizer"));
    say(
        "deleting %s (finalizers %s); its children: %s",
        SCHEDULE, s.getMetadata().getFinalizers(), before.keySet());
    client.resources(MysqlBackupSchedule.class).inNamespace(ns).withName(SCHEDULE).delete();
    awaitOrExplain(
        "MysqlBackupSchedule " + SCHEDULE + " gone",
        Duration.ofMinutes(2),
        () -> schedule() == null);

    // The garbage collector would delete children still owned by the deleted schedule.
    await("every child of the deleted schedule still there for 20 s")
        .during(Duration.ofSeconds(20))
        .atMost(Duration.ofSeconds(40))
        .pollInterval(POLL)
        .until(() -> currentNames().containsAll(before.keySet()));

    for (MysqlBackup old : before.values()) {
      String name = old.getMetadata().getName();
      MysqlBackup now = child(name);
      assertThat(now).as("%s after its schedule was deleted (Retain)", name).isNotNull();
      assertThat(now.getMetadata().getUid())
          .as("uid of %s: the same object", name)
          .isEqualTo(old.getMetadata().getUid());
      assertThat(now.getMetadata().getDeletionTimestamp())
          .as("deletionTimestamp of %s", name)
          .isNull();
      List<OwnerReference> owners =
          now.getMetadata().getOwnerReferences() == null
              ? List.of()
              : now.getMetadata().getOwnerReferences();
      assertThat(owners)
          .as("ownerReferences of %s after the schedule was deleted", name)
          .noneMatch(
              o -> scheduleUid.equals(o.getUid()) || "MysqlBackupSchedule".equals(o.getKind()));
      if (phase(now) == Phase.Succeeded) {
        assertThat(s3.exists(backupDir(now) + "/MANIFEST"))
            .as("MANIFEST of %s after its schedule was deleted", name)
            .isTrue();
      }
    }
  }

  // ---------------------------------------------------------------- the schedule

  private static MysqlBackupSchedule createSchedule() {
    Retention retention = new Retention();
    retention.setKeepLast(2);
    BackupTemplateMetadata metadata = new BackupTemplateMetadata();
    metadata.setLabels(Map.of(TEMPLATE_LABEL, "schedule"));
    BackupTemplate template = new BackupTemplate();
    template.setMetadata(metadata);
    // deletionPolicy unset: with retention, the children get Delete.
    template.setSpec(StowageObjects.s3BackupOf(DB, ns, s3, CREDENTIALS));
    MysqlBackupScheduleSpec spec = new MysqlBackupScheduleSpec();
    spec.setSchedule("*/1 * * * *");
    spec.setRetention(retention);
    spec.setBackupTemplate(template);
    MysqlBackupSchedule schedule = new MysqlBackupSchedule();
    schedule.setMetadata(new ObjectMetaBuilder().withName(SCHEDULE).withNamespace(ns).build());
    schedule.setSpec(spec);
    return client.resources(MysqlBackupSchedule.class).inNamespace(ns).resource(schedule).create();
  }

  private static void editSpec(Consumer<MysqlBackupScheduleSpec> change) {
    client
        .resources(MysqlBackupSchedule.class)
        .inNamespace(ns)
        .withName(SCHEDULE)
        .edit(
            s -> {
              change.accept(s.getSpec());
              return s;
            });
  }

  private static MysqlBackupSchedule schedule() {
    return client.resources(MysqlBackupSchedule.class).inNamespace(ns).withName(SCHEDULE).get();
  }

  private static ConditionStatus condition(MysqlBackupScheduleStatus st, String type) {
    if (st == null || st.getConditions() == null) {
      return null;
    }
    return st.getConditions().stream()
        .filter(c -> type.equals(c.getType()))
        .map(Condition::getStatus)
        .findFirst()
        .orElse(null);
  }

  // ---------------------------------------------------------------- the children

  /**
   * Every MysqlBackup of the namespace: the schedule's children are the only ones, so a child
   * without the schedule's label is still seen (and fails {@link #assertChildOfTheSchedule}).
   */
  private static List<MysqlBackup> currentChildren() {
    return client.resources(MysqlBackup.class).inNamespace(ns).list().getItems();
  }

  private static Set<String> currentNames() {
    return currentChildren().stream()
        .map(c -> c.getMetadata().getName())
        .collect(Collectors.toSet());
  }

  private static MysqlBackup child(String name) {
    return client.resources(MysqlBackup.class).inNamespace(ns).withName(name).get();
  }

  private static MysqlRestore restore(String name) {
    return client.resources(MysqlRestore.class).inNamespace(ns).withName(name).get();
  }

  /** Lists the children, remembers each as last seen, prints phase changes, fails on a failure. */
  private static void observeChildren() {
    for (MysqlBackup c : currentChildren()) {
      String name = c.getMetadata().getName();
      seen.put(name, c);
      Phase p = phase(c);
      String shown = p == null ? "(no phase yet)" : p.toString();
      if (!shown.equals(phasesPrinted.get(name))) {
        phasesPrinted.put(name, shown);
        say("child %s: %s", name, shown);
      }
      if (p == Phase.Failed) {
        throw new AssertionError(
            "child "
                + name
                + " of "
                + SCHEDULE
                + " Failed: "
                + c.getStatus().getMessage()
                + "\n"
                + diagnostics());
      }
    }
  }

  /** The children seen that still exist, as last seen. */
  private static List<MysqlBackup> seenNow() {
    Set<String> names = currentNames();
    return seen.values().stream().filter(c -> names.contains(c.getMetadata().getName())).toList();
  }

  /** The scheduled (not manual) children seen Succeeded, oldest slot first. */
  private static List<MysqlBackup> scheduledSucceeded() {
    return seen.values().stream()
        .filter(c -> !c.getMetadata().getName().startsWith(SCHEDULE + "-manual-"))
        .filter(c -> phase(c) == Phase.Succeeded)
        .sorted(Comparator.comparing(c -> c.getMetadata().getName()))
        .toList();
  }

  private static List<MysqlBackup> manualChildren() {
    return seen.values().stream()
        .filter(c -> c.getMetadata().getName().startsWith(SCHEDULE + "-manual-"))
        .toList();
  }

  /** The labels, annotations, owner and deletionPolicy the reconciler gives every child. */
  private static void assertChildOfTheSchedule(MysqlBackup c) {
    String name = c.getMetadata().getName();
    assertThat(c.getMetadata().getLabels())
        .as("labels of %s", name)
        .isNotNull()
        .containsEntry(LABEL_SCHEDULE, SCHEDULE)
        .containsEntry(LABEL_MANAGED_BY, "stowage")
        .containsEntry(TEMPLATE_LABEL, "schedule")
        .containsKey(LABEL_TRIGGER);
    assertThat(c.getMetadata().getAnnotations())
        .as("annotations of %s", name)
        .isNotNull()
        .containsEntry(ANNOTATION_UID, scheduleUid)
        .containsKey(ANNOTATION_TIME);
    List<OwnerReference> owners = c.getMetadata().getOwnerReferences();
    assertThat(owners)
        .as("ownerReferences of %s", name)
        .isNotNull()
        .anySatisfy(
            o -> {
              assertThat(o.getKind()).isEqualTo("MysqlBackupSchedule");
              assertThat(o.getName()).isEqualTo(SCHEDULE);
              assertThat(o.getUid()).isEqualTo(scheduleUid);
              assertThat(o.getController()).as("controller").isTrue();
            });
    assertThat(c.getSpec().getDeletionPolicy())
        .as("spec.deletionPolicy of %s (retention set, template leaves it unset)", name)
        .isEqualTo(DeletionPolicy.Delete);
  }

  /**
   * Consecutive scheduled children are a minute apart, unless the earlier one was still running at
   * the skipped slot (Forbid); every skipped slot is counted in status.missedRuns.
   */
  private static void assertEveryMinuteUnlessTheLastChildRan(List<MysqlBackup> children) {
    long skipped = 0;
    for (int i = 1; i < children.size(); i++) {
      MysqlBackup earlier = children.get(i - 1);
      Instant from = slotOf(earlier);
      Instant to = slotOf(children.get(i));
      long minutes = Duration.between(from, to).toMinutes();
      say("%s -> %s: %d min", from, to, minutes);
      assertThat(minutes).as("minutes from slot %s to %s", from, to).isGreaterThanOrEqualTo(1);
      for (long m = 1; m < minutes; m++) {
        Instant missed = from.plus(Duration.ofMinutes(m));
        Instant finished = Instant.parse(earlier.getStatus().getCompletionTime());
        assertThat(finished)
            .as(
                "slot %s has no child although %s had finished at %s",
                missed, earlier.getMetadata().getName(), finished)
            .isAfter(missed);
        skipped++;
      }
    }
    if (skipped > 0) {
      MysqlBackupScheduleStatus st = schedule().getStatus();
      assertThat(st.getMissedRuns())
          .as("status.missedRuns with %d skipped slots", skipped)
          .isNotNull();
      assertThat(st.getMissedRuns().getTotal())
          .as("status.missedRuns.total with %d skipped slots", skipped)
          .isGreaterThanOrEqualTo(skipped);
    }
  }

  /** The slot of a scheduled child, from its stowage.dev/scheduled-time annotation. */
  private static Instant slotOf(MysqlBackup c) {
    String at =
        c.getMetadata().getAnnotations() == null
            ? null
            : c.getMetadata().getAnnotations().get(ANNOTATION_TIME);
    assertThat(at)
        .as("annotation %s of %s", ANNOTATION_TIME, c.getMetadata().getName())
        .isNotBlank();
    return Instant.parse(at);
  }

  private static String childName(Instant slot) {
    return SCHEDULE + "-" + SLOT.format(slot);
  }

  private static String backupDir(MysqlBackup b) {
    assertThat(b.getStatus()).as("status of %s", b.getMetadata().getName()).isNotNull();
    return b.getSpec().getStorage().getS3().getPrefix()
        + "/"
        + b.getStatus().getDirectory()
        + "/"
        + b.getStatus().getBackupName();
  }

  private static Phase phase(MysqlBackup b) {
    return b == null || b.getStatus() == null ? null : b.getStatus().getPhase();
  }

  private static boolean terminal(Phase p) {
    return p == Phase.Succeeded || p == Phase.Failed;
  }

  // ---------------------------------------------------------------- waiting, diagnostics

  private static void say(String format, Object... args) {
    System.out.printf(
        "[ScheduleE2E +%3ds] %s%n",
        Duration.between(classStart, Instant.now()).toSeconds(), String.format(format, args));
  }

  /** Awaits a condition; on time-out fails with the schedule, its children, events and logs. */
  private static void awaitOrExplain(String what, Duration timeout, Callable<Boolean> condition) {
    say("waiting (at most %d s) for: %s", timeout.toSeconds(), what);
    Instant start = Instant.now();
    try {
      await(what).atMost(timeout).pollInterval(POLL).until(condition);
    } catch (ConditionTimeoutException e) {
      throw new AssertionError(
          what + ": not after " + timeout.toSeconds() + " s\n" + diagnostics(), e);
    }
    say("done after %d s: %s", Duration.between(start, Instant.now()).toSeconds(), what);
  }

  /** Events of one object, as "Type Reason: message". */
  private static List<String> events(String kind, String name) {
    return client.v1().events().inNamespace(ns).list().getItems().stream()
        .filter(
            e ->
                kind.equals(e.getInvolvedObject().getKind())
                    && name.equals(e.getInvolvedObject().getName()))
        .map(e -> e.getType() + " " + e.getReason() + ": " + e.getMessage())
        .toList();
  }

  private static String diagnostics() {
    StringBuilder out = new StringBuilder();
    try {
      MysqlBackupSchedule s = schedule();
      out.append("----- MysqlBackupSchedule ").append(SCHEDULE).append('\n');
      out.append(
          s == null ? "gone\n" : yaml(s.getMetadata().getFinalizers()) + yaml(s.getStatus()));
      out.append("----- MysqlBackups (seen: ").append(seen.keySet()).append(")\n");
      for (MysqlBackup c : currentChildren()) {
        out.append(c.getMetadata().getName())
            .append(": ")
            .append(phase(c))
            .append(' ')
            .append(c.getStatus() == null ? "" : Objects.toString(c.getStatus().getMessage()))
            .append(" owners ")
            .append(
                c.getMetadata().getOwnerReferences() == null
                    ? "[]"
                    : c.getMetadata().getOwnerReferences().stream()
                        .map(o -> o.getKind() + "/" + o.getName())
                        .toList())
            .append('\n');
      }
      out.append("----- events\n");
      out.append(Cluster.events(client, ns));
    } catch (RuntimeException e) {
      out.append("(diagnostics cut short: ").append(e).append(")\n");
    }
    out.append(Operator.logs(client, 80));
    return out.toString();
  }

  private static String yaml(Object o) {
    return client.getKubernetesSerialization().asYaml(o);
  }

  /**
   * The test namespace first and until it is gone, so that a MysqlBackup whose finalizer holds it
   * is reported (the operator lets go of backups in a terminating namespace: no rm Job can run
   * there), then the S3 namespace.
   */
  private static void deleteNamespaces() {
    client.namespaces().withName(ns).delete();
    String stuck = null;
    try {
      await("namespace " + ns + " deleted")
          .atMost(Duration.ofMinutes(3))
          .pollInterval(POLL)
          .until(() -> client.namespaces().withName(ns).get() == null);
    } catch (ConditionTimeoutException e) {
      StringBuilder held = new StringBuilder();
      for (MysqlBackup b : currentChildren()) {
        held.append(b.getMetadata().getName())
            .append(" finalizers ")
            .append(b.getMetadata().getFinalizers())
            .append(' ')
            .append(b.getStatus() == null ? "" : b.getStatus().getMessage())
            .append('\n');
        client
            .resources(MysqlBackup.class)
            .inNamespace(ns)
            .withName(b.getMetadata().getName())
            .edit(
                x -> {
                  x.getMetadata().setFinalizers(List.of());
                  return x;
                });
      }
      stuck = held.toString();
    } finally {
      namespaces.stream()
          .filter(n -> !n.equals(ns))
          .forEach(n -> client.namespaces().withName(n).delete());
    }
    if (stuck != null) {
      throw new AssertionError(
          "namespace "
              + ns
              + " still there after 3 min (its MysqlBackups' finalizers were removed to clean"
              + " up):\n"
              + stuck
              + Operator.logs(client, 40));
    }
  }
}
