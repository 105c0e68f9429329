package dev.stowage.operator.schedule;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stowage.api.v1alpha1.Condition;
import dev.stowage.api.v1alpha1.DeletionPolicy;
import dev.stowage.api.v1alpha1.MysqlBackup;
import dev.stowage.api.v1alpha1.MysqlBackupSchedule;
import dev.stowage.api.v1alpha1.MysqlBackupStatus;
import dev.stowage.api.v1alpha1.Phase;
import dev.stowage.operator.backup.MysqlBackupReconciler;
import dev.stowage.operator.metrics.ScheduleMetrics;
import dev.stowage.operator.status.Conditions;
import dev.stowage.operator.testing.InMemoryCluster;
import dev.stowage.operator.testing.RecordingEvents;
import dev.stowage.operator.testing.RecordingStatusWriter;
import dev.stowage.operator.testing.TestContext;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The schedule reconciler against an in-memory cluster and a clock the test moves. Each test pins a
 * failure users of another operator hit (issue 9 names them).
 */
class MysqlBackupScheduleReconcilerTest {
  static final KubernetesSerialization YAML = new KubernetesSerialization();

  /** A clock the test sets. */
  static final class TestClock extends Clock {
    Instant now;

    TestClock(String t) {
      now = Instant.parse(t);
    }

    void set(String t) {
      now = Instant.parse(t);
    }

    void advance(Duration d) {
      now = now.plus(d);
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }
  }

  final TestClock clock = new TestClock("2030-01-01T00:00:00Z");
  final List<String> log = new ArrayList<>();
  final InMemoryCluster cluster = new InMemoryCluster(log);
  final RecordingStatusWriter writer = new RecordingStatusWriter(log);
  final RecordingEvents events = new RecordingEvents();
  final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  final MysqlBackupScheduleReconciler reconciler =
      new MysqlBackupScheduleReconciler(
          cluster, writer, events, new ScheduleMetrics(registry), new Conditions(clock), clock);

  static MysqlBackupSchedule schedule(String cron, String extraSpec) {
    String yaml =
        """
        apiVersion: stowage.dev/v1alpha1
        kind: MysqlBackupSchedule
        metadata:
          name: nightly
          namespace: prod
          uid: sched-uid
          generation: 1
          creationTimestamp: "2030-01-01T00:00:00Z"
        spec:
          schedule: "%s"
          timeZone: Etc/UTC
          startingDeadlineSeconds: 3600
          backupTemplate:
            spec:
              source:
                persistentVolumeClaim: data-mysql-0
                quiesce: {statefulSet: mysql}
              storage:
                s3: {bucket: backups}
        %s
        """
            .formatted(cron, extraSpec.indent(2));
    return YAML.unmarshal(yaml, MysqlBackupSchedule.class);
  }

  void reconcile(MysqlBackupSchedule s) {
    reconciler.reconcile(s, new TestContext<>(s));
  }

  List<String> childNames() {
    return cluster.backups.keySet().stream().sorted().toList();
  }

  void finish(String child, Phase phase, String at) {
    MysqlBackup b = cluster.backups.get(child);
    MysqlBackupStatus st = b.getStatus() == null ? new MysqlBackupStatus() : b.getStatus();
    st.setPhase(phase);
    st.setCompletionTime(at);
    st.setLocation("s3://backups");
    st.setDirectory("prod/data-mysql-0");
    st.setBackupName("n-" + child);
    st.setBytesStored(1000L);
    st.setMessage(phase == Phase.Succeeded ? "backed up" : "engine failed: exit 3");
    b.setStatus(st);
  }

  static String condition(MysqlBackupSchedule s, String type) {
    return Conditions.find(s.getStatus().getConditions(), type)
        .map(c -> c.getStatus() + "/" + c.getReason())
        .orElse("absent");
  }

  /** Issue 11: the template's snapshot mode reaches each child whole. */
  @Test
  void aSnapshotModeTemplateGivesSnapshotModeChildren() {
    MysqlBackupSchedule s = schedule("0 * * * *", "");
    var snapshot = new dev.stowage.api.v1alpha1.SnapshotSource();
    snapshot.setVolumeSnapshotClassName("stowage-btrfs");
    snapshot.setStorageClassName("stowage-btrfs");
    snapshot.setKeepSnapshot(true);
    s.getSpec().getBackupTemplate().getSpec().getSource().setQuiesce(null);
    s.getSpec().getBackupTemplate().getSpec().getSource().setSnapshot(snapshot);
    clock.set("2030-01-01T01:00:07Z");

    reconcile(s);

    var source = cluster.backups.get("nightly-203001010100").getSpec().getSource();
    assertThat(source.getQuiesce()).isNull();
    assertThat(source.getSnapshot().getVolumeSnapshotClassName()).isEqualTo("stowage-btrfs");
    assertThat(source.getSnapshot().getStorageClassName()).isEqualTo("stowage-btrfs");
    assertThat(source.getSnapshot().getKeepSnapshot()).isTrue();
  }

  /** Issue 16: the template's encryption key reaches each child, so every slot is encrypted. */
  @Test
  void anEncryptedTemplateGivesEncryptedChildren() {
    MysqlBackupSchedule s = schedule("0 * * * *", "");
    var ref = new dev.stowage.api.v1alpha1.SecretKeyRef();
    ref.setName("backup-key");
    ref.setKey("key-2026-12");
    var encryption = new dev.stowage.api.v1alpha1.BackupEncryption();
    encryption.setKeySecretRef(ref);
    s.getSpec().getBackupTemplate().getSpec().setEncryption(encryption);
    clock.set("2030-01-01T01:00:07Z");

    reconcile(s);

    var child = cluster.backups.get("nightly-203001010100").getSpec().getEncryption();
    assertThat(child.getKeySecretRef().getName()).isEqualTo("backup-key");
    assertThat(child.getKeySecretRef().getKey()).isEqualTo("key-2026-12");
  }

  @Test
  void aDueSlotCreatesOneChildNamedAfterTheSlotInUtc() {
    MysqlBackupSchedule s = schedule("0 * * * *", "");
    clock.set("2030-01-01T01:00:07Z");
    reconcile(s);
    assertThat(childNames()).containsExactly("nightly-203001010100");
    MysqlBackup child = cluster.backups.get("nightly-203001010100");
    assertThat(child.getMetadata().getLabels())
        .containsEntry("stowage.dev/schedule", "nightly")
        .containsEntry("stowage.dev/trigger", "scheduled")
        .containsEntry("app.kubernetes.io/managed-by", "stowage");
    assertThat(child.getMetadata().getAnnotations())
        .containsEntry("stowage.dev/schedule-uid", "sched-uid")
        .containsEntry("stowage.dev/scheduled-time", "2030-01-01T01:00:00Z")
        .containsEntry("stowage.dev/start-deadline", "2030-01-01T02:00:00Z");
    assertThat(child.getMetadata().getOwnerReferences())
        .singleElement()
        .satisfies(
            o -> {
              assertThat(o.getUid()).isEqualTo("sched-uid");
              assertThat(o.getController()).isTrue();
            });
    // An hourly schedule: the injected activeDeadlineSeconds is the hour, not 6 h.
    assertThat(child.getSpec().getActiveDeadlineSeconds()).isEqualTo(3600L);
    assertThat(s.getStatus().getLastScheduleTime()).isEqualTo("2030-01-01T01:00:00Z");
    assertThat(s.getStatus().getLastScheduledBackup()).isEqualTo("nightly-203001010100");
    assertThat(s.getStatus().getActive()).containsExactly("nightly-203001010100");
    assertThat(s.getStatus().getNextScheduleTime()).isEqualTo("2030-01-01T02:00:00Z");
    assertThat(condition(s, "Ready")).isEqualTo("True/Scheduling");
    assertThat(events.events)
        .anyMatch(
            e -> e.startsWith("Normal BackupCreated: created MysqlBackup nightly-203001010100"));

    reconcile(s); // the same minute again: nothing new
    assertThat(childNames()).hasSize(1);
  }

  /**
   * Issue 14 (500 slots in one minute): a child is created with the MysqlBackup controller's
   * finalizer, so its first reconcile does its work at once instead of only adding the finalizer (a
   * patch, then a second trip through the work queue behind every other resource).
   */
  @Test
  void everyChildIsCreatedWithTheBackupControllersFinalizer() {
    MysqlBackupSchedule s = schedule("0 * * * *", "");
    clock.set("2030-01-01T01:00:07Z");
    reconcile(s);
    finish("nightly-203001010100", Phase.Succeeded, "2030-01-01T01:05:00Z");
    s.getSpec().setTrigger("now");
    clock.set("2030-01-01T01:10:00Z");
    reconcile(s);
    assertThat(cluster.backups.values())
        .hasSize(2) // the slot's child and the manual one
        .allSatisfy(
            child ->
                assertThat(child.getMetadata().getFinalizers())
                    .containsExactly("mysqlbackups.stowage.dev/finalizer"));
    assertThat(MysqlBackupReconciler.FINALIZER).isEqualTo("mysqlbackups.stowage.dev/finalizer");
    assertThat(
            io.javaoperatorsdk.operator.ReconcilerUtils.getDefaultFinalizerName(MysqlBackup.class))
        .as("the name JOSDK gave the finalizer before it was set explicitly")
        .isEqualTo(MysqlBackupReconciler.FINALIZER);
  }

  @Test
  void noCatchUpForSlotsBeforeCreation() {
    MysqlBackupSchedule s = schedule("0 * * * *", "");
    s.getMetadata().setCreationTimestamp("2030-01-01T00:30:00Z");
    clock.set("2030-01-01T00:45:00Z");
    reconcile(s);
    assertThat(childNames()).isEmpty();
    assertThat(s.getStatus().getMissedRuns()).isNull();
  }

  @Test
  void operatorDownAcross3SlotsWithinDeadlineMakesOneChildForTheLatestAnd2Missed() {
    MysqlBackupSchedule s = schedule("*/10 * * * *", "");
    clock.set("2030-01-01T00:00:05Z");
    reconcile(s); // cursor: creation, 00:00 is not after it
    clock.set("2030-01-01T00:35:00Z"); // 00:10, 00:20, 00:30 passed unseen
    reconcile(s);
    assertThat(childNames()).containsExactly("nightly-203001010030");
    assertThat(s.getStatus().getMissedRuns().getTotal()).isEqualTo(2);
    assertThat(s.getStatus().getMissedRuns().getLastMissedReason()).isEqualTo("OperatorDown");
    assertThat(s.getStatus().getMissedRuns().getLastMissedTime()).isEqualTo("2030-01-01T00:20:00Z");
    assertThat(events.events)
        .anyMatch(e -> e.startsWith("Warning MissedSchedule: 2 slots missed (OperatorDown)"));
    assertThat(registry.get("stowage.schedule.runs").tag("result", "missed").counter().count())
        .isEqualTo(2.0);
  }

  @Test
  void operatorDownBeyondTheDeadlineMakesNoChildAnd3Missed() {
    MysqlBackupSchedule s = schedule("*/10 * * * *", "");
    s.getSpec().setStartingDeadlineSeconds(60L);
    clock.set("2030-01-01T00:35:00Z"); // the latest slot, 00:30, is 5 minutes old
    reconcile(s);
    assertThat(childNames()).isEmpty();
    assertThat(s.getStatus().getMissedRuns().getTotal()).isEqualTo(3);
    assertThat(s.getStatus().getMissedRuns().getLastMissedReason()).isEqualTo("DeadlineExceeded");
    assertThat(s.getStatus().getLastScheduleTime()).isEqualTo("2030-01-01T00:30:00Z");
    reconcile(s); // never counted twice
    assertThat(s.getStatus().getMissedRuns().getTotal()).isEqualTo(3);
  }

  @Test
  void aChildRunningAcross2SlotsMissesThemWithConcurrencyForbid() {
    MysqlBackupSchedule s = schedule("*/10 * * * *", "");
    clock.set("2030-01-01T00:10:00Z");
    reconcile(s);
    clock.set("2030-01-01T00:20:01Z");
    reconcile(s);
    clock.set("2030-01-01T00:30:01Z");
    reconcile(s);
    assertThat(childNames()).containsExactly("nightly-203001010010");
    assertThat(s.getStatus().getMissedRuns().getTotal()).isEqualTo(2);
    assertThat(s.getStatus().getMissedRuns().getLastMissedReason()).isEqualTo("ConcurrencyForbid");
    finish("nightly-203001010010", Phase.Succeeded, "2030-01-01T00:31:00Z");
    clock.set("2030-01-01T00:40:00Z");
    reconcile(s);
    assertThat(childNames()).contains("nightly-203001010040");
  }

  @Test
  void aChildThatNeverStartsCarriesItsStartDeadline() {
    // The MysqlBackup reconciler fails it with NotStartedInTime at that instant (its own test).
    MysqlBackupSchedule s = schedule("0 3 * * *", "");
    s.getSpec().setStartingDeadlineSeconds(600L);
    clock.set("2030-01-01T03:00:30Z");
    reconcile(s);
    assertThat(cluster.backups.get("nightly-203001010300").getMetadata().getAnnotations())
        .containsEntry("stowage.dev/start-deadline", "2030-01-01T03:10:00Z");
    // Daily: the injected activeDeadlineSeconds is capped at 6 hours.
    assertThat(cluster.backups.get("nightly-203001010300").getSpec().getActiveDeadlineSeconds())
        .isEqualTo(6 * 3600L);
  }

  /**
   * A child that failed before its engine ran (the storage pre-flight, a pod that cannot start) has
   * no completionTime: its failure counts at the time it was marked Stalled (seen failing in
   * MonitoringE2E, where such a schedule never showed lastFailedBackup nor its failed run).
   */
  @Test
  void aChildThatFailedBeforeItsEngineRanCountsAsTheLastFailure() {
    MysqlBackupSchedule s = schedule("0 * * * *", "");
    clock.set("2030-01-01T01:00:00Z");
    reconcile(s);
    MysqlBackup b = cluster.backups.get("nightly-203001010100");
    MysqlBackupStatus st = new MysqlBackupStatus();
    st.setPhase(Phase.Failed);
    st.setMessage("the pre-flight check of the storage (spec.storage) failed");
    Condition stalled = new Condition();
    stalled.setType("Stalled");
    stalled.setStatus(dev.stowage.api.v1alpha1.ConditionStatus.True);
    stalled.setReason("PreflightFailed");
    stalled.setLastTransitionTime("2030-01-01T01:00:30Z");
    st.getConditions().add(stalled);
    b.setStatus(st);
    clock.set("2030-01-01T01:01:00Z");
    reconcile(s);
    assertThat(s.getStatus().getLastFailedBackup()).isEqualTo("nightly-203001010100");
    assertThat(s.getStatus().getLastFailedTime()).isEqualTo("2030-01-01T01:00:30Z");
    assertThat(condition(s, "LastBackupSucceeded")).isEqualTo("False/Failed");
    assertThat(registry.get("stowage.schedule.runs").tag("result", "failed").counter().count())
        .isEqualTo(1.0);
  }

  @Test
  void aFailedChildThenTheNextSlotRunsAndOverdueFlipsAfterOverdueAfter() {
    MysqlBackupSchedule s = schedule("0 * * * *", "");
    s.getSpec().setOverdueAfter("3h");
    clock.set("2030-01-01T01:00:00Z");
    reconcile(s);
    finish("nightly-203001010100", Phase.Failed, "2030-01-01T01:05:00Z");
    clock.set("2030-01-01T01:06:00Z");
    reconcile(s);
    assertThat(s.getStatus().getLastFailedBackup()).isEqualTo("nightly-203001010100");
    assertThat(condition(s, "LastBackupSucceeded")).isEqualTo("False/Failed");
    assertThat(condition(s, "Overdue")).isEqualTo("False/OnSchedule");
    assertThat(condition(s, "Ready"))
        .as("failing backups never make Ready false")
        .isEqualTo("True/Scheduling");

    clock.set("2030-01-01T02:00:00Z");
    reconcile(s);
    assertThat(childNames()).contains("nightly-203001010200");
    finish("nightly-203001010200", Phase.Failed, "2030-01-01T02:05:00Z");
    clock.set("2030-01-01T03:00:01Z");
    reconcile(s);
    assertThat(condition(s, "Overdue")).isEqualTo("True/NeverSucceeded");
    finish("nightly-203001010300", Phase.Succeeded, "2030-01-01T03:05:00Z");
    clock.set("2030-01-01T03:06:00Z");
    reconcile(s);
    assertThat(condition(s, "Overdue")).isEqualTo("False/OnSchedule");
    assertThat(condition(s, "LastBackupSucceeded")).isEqualTo("True/Succeeded");
    assertThat(s.getStatus().getLastSuccessfulTime()).isEqualTo("2030-01-01T03:05:00Z");
    assertThat(s.getStatus().getRecoveryWindow().getSucceededBackups()).isEqualTo(1);
    // Suspend the slots after the success: 3 h later it is overdue because runs were missed.
    s.getSpec().setSuspend(false);
    s.getSpec().setStartingDeadlineSeconds(60L);
    clock.set("2030-01-01T06:05:01Z");
    reconcile(s);
    assertThat(condition(s, "Overdue")).isEqualTo("True/RunsMissed");
    assertThat(
            registry
                .get("stowage.schedule.last.success.timestamp")
                .tag("schedule", "nightly")
                .gauge()
                .value())
        .isEqualTo(Instant.parse("2030-01-01T03:05:00Z").getEpochSecond());
    assertThat(
            registry
                .get("stowage.schedule.overdue.after")
                .tag("schedule", "nightly")
                .gauge()
                .value())
        .isEqualTo(3 * 3600.0);
  }

  @Test
  void createSucceededButTheStatusWriteWasLostAdoptsTheChild() {
    MysqlBackupSchedule s = schedule("0 * * * *", "");
    clock.set("2030-01-01T01:00:00Z");
    MysqlBackupSchedule stale = YAML.unmarshal(YAML.asYaml(s), MysqlBackupSchedule.class);
    reconcile(s);
    assertThat(childNames()).containsExactly("nightly-203001010100");
    // The operator restarts and sees the schedule as before that reconcile's status write.
    events.events.clear();
    reconcile(stale);
    assertThat(childNames()).containsExactly("nightly-203001010100");
    assertThat(stale.getStatus().getLastScheduleTime()).isEqualTo("2030-01-01T01:00:00Z");
    assertThat(stale.getStatus().getMissedRuns()).isNull();
    assertThat(log).contains("create backup nightly-203001010100: already exists");
    assertThat(events.events).noneMatch(e -> e.contains("BackupNameCollision"));
  }

  @Test
  void aFailedCreateLeavesTheCursorSoTheRetryCreatesIt() {
    MysqlBackupSchedule s = schedule("0 * * * *", "");
    clock.set("2030-01-01T01:00:00Z");
    cluster.failNextCreate = new KubernetesClientException("connection reset");
    try {
      reconcile(s);
    } catch (KubernetesClientException expected) {
      // JOSDK retries
    }
    assertThat(s.getStatus() == null ? null : s.getStatus().getLastScheduleTime()).isNull();
    reconcile(s);
    assertThat(childNames()).containsExactly("nightly-203001010100");
  }

  @Test
  void aForeignObjectOfTheChildsNameSkipsTheSlotWithBackupNameCollision() {
    MysqlBackup foreign = new MysqlBackup();
    foreign.setMetadata(new ObjectMeta());
    foreign.getMetadata().setName("nightly-203001010100");
    foreign.getMetadata().setNamespace("prod");
    cluster.backups.put("nightly-203001010100", foreign);
    MysqlBackupSchedule s = schedule("0 * * * *", "");
    clock.set("2030-01-01T01:00:00Z");
    reconcile(s);
    assertThat(s.getStatus().getMissedRuns().getLastMissedReason())
        .isEqualTo("BackupNameCollision");
    assertThat(s.getStatus().getLastScheduleTime()).isEqualTo("2030-01-01T01:00:00Z");
    assertThat(events.events)
        .anyMatch(
            e ->
                e.startsWith(
                    "Warning BackupNameCollision: MysqlBackup nightly-203001010100 exists and was"
                        + " not created by this schedule"));
    long creates = log.stream().filter(l -> l.startsWith("create backup")).count();
    reconcile(s); // never a retry loop on one name
    assertThat(log.stream().filter(l -> l.startsWith("create backup")).count()).isEqualTo(creates);
  }

  @Test
  void aSlotWhileAnotherBackupHoldsTheClaimIsMissedWithSourceBusy() {
    cluster.locks.put("stowage-claim-data-mysql-0", "MysqlRestore/restore@uid-r");
    MysqlBackupSchedule s = schedule("0 * * * *", "");
    clock.set("2030-01-01T01:00:00Z");
    reconcile(s);
    assertThat(childNames()).isEmpty();
    assertThat(s.getStatus().getMissedRuns().getLastMissedReason()).isEqualTo("SourceBusy");
  }

  /** Issue 15, finding 12: a Lease Stowage did not make on the source is named, not hidden. */
  @Test
  void aForeignLeaseOnTheSourceMissesTheSlotNamingTheLease() {
    cluster.foreignLeases.put("stowage-claim-data-mysql-0", "it has no owner");
    MysqlBackupSchedule s = schedule("0 * * * *", "");
    clock.set("2030-01-01T01:00:00Z");
    reconcile(s);
    assertThat(childNames()).isEmpty();
    assertThat(s.getStatus().getMissedRuns().getLastMissedReason()).isEqualTo("SourceBusy");
    assertThat(events.events)
        .anyMatch(
            e ->
                e.contains(
                    "missed (SourceBusy): Lease stowage-claim-data-mysql-0, which Stowage"
                        + " did not make (it has no owner)"));
  }

  @Test
  void berlinAt0230OnBothDstDaysRunsOnceEach() {
    MysqlBackupSchedule s = schedule("30 2 * * *", "");
    s.getSpec().setTimeZone("Europe/Berlin");
    s.getMetadata().setCreationTimestamp("2030-03-30T12:00:00Z");
    // 2030-03-31: 02:00 to 03:00 does not exist in Berlin; the slot runs at 03:00 CEST = 01:00Z.
    clock.set("2030-03-31T01:00:10Z");
    reconcile(s);
    clock.set("2030-03-31T01:30:00Z");
    reconcile(s);
    assertThat(childNames()).containsExactly("nightly-203003310100");
    // 2030-10-27: 02:30 happens twice (00:30Z and 01:30Z); it runs once.
    cluster.backups.clear();
    s.getStatus().setActive(List.of());
    clock.set("2030-10-27T00:30:05Z");
    reconcile(s);
    clock.set("2030-10-27T01:30:05Z");
    finishAll(Phase.Succeeded, "2030-10-27T00:40:00Z");
    reconcile(s);
    assertThat(childNames()).containsExactly("nightly-203010270030");
  }

  void finishAll(Phase phase, String at) {
    for (String n : new ArrayList<>(cluster.backups.keySet())) {
      finish(n, phase, at);
    }
  }

  @Test
  void suspendMissesSlotsWithoutCatchUpAndRetentionKeepsRunning() {
    MysqlBackupSchedule s = schedule("0 * * * *", "retention: {keepLast: 1}");
    clock.set("2030-01-01T01:00:00Z");
    reconcile(s);
    finish("nightly-203001010100", Phase.Succeeded, "2030-01-01T01:10:00Z");
    clock.set("2030-01-01T02:00:00Z");
    reconcile(s);
    finish("nightly-203001010200", Phase.Succeeded, "2030-01-01T02:10:00Z");
    s.getSpec().setSuspend(true);
    s.getMetadata().setGeneration(2L);
    clock.set("2030-01-01T03:00:00Z");
    reconcile(s);
    assertThat(childNames())
        .as("the older one pruned, no new one")
        .containsExactly("nightly-203001010200");
    assertThat(s.getStatus().getMissedRuns().getLastMissedReason()).isEqualTo("Suspended");
    assertThat(condition(s, "Suspended")).isEqualTo("True/Suspended");
    assertThat(condition(s, "Ready")).isEqualTo("True/Suspended");
    assertThat(
            registry.get("stowage.schedule.suspended").tag("schedule", "nightly").gauge().value())
        .isEqualTo(1.0);
    s.getSpec().setSuspend(false);
    s.getMetadata().setGeneration(3L);
    clock.set("2030-01-01T03:30:00Z");
    reconcile(s);
    assertThat(childNames()).as("no catch-up on resume").containsExactly("nightly-203001010200");
    clock.set("2030-01-01T04:00:00Z");
    reconcile(s);
    assertThat(childNames()).contains("nightly-203001010400");
  }

  @Test
  void aChangedTriggerMakesOneManualChildAndWaitsWhileOneIsActive() {
    MysqlBackupSchedule s = schedule("0 3 * * *", "");
    clock.set("2030-01-01T10:00:00Z");
    reconcile(s);
    assertThat(childNames()).isEmpty();
    s.getSpec().setTrigger("ticket-42");
    clock.set("2030-01-01T10:00:01Z");
    reconcile(s);
    assertThat(childNames()).containsExactly("nightly-manual-20300101100001");
    assertThat(cluster.backups.get("nightly-manual-20300101100001").getMetadata().getLabels())
        .containsEntry("stowage.dev/trigger", "manual");
    assertThat(s.getStatus().getLastTrigger()).isEqualTo("ticket-42");
    clock.set("2030-01-01T10:00:05Z");
    reconcile(s);
    assertThat(childNames()).hasSize(1);

    s.getSpec().setTrigger("ticket-43"); // while the first runs: waits
    clock.set("2030-01-01T10:01:00Z");
    reconcile(s);
    assertThat(childNames()).hasSize(1);
    finish("nightly-manual-20300101100001", Phase.Succeeded, "2030-01-01T10:02:00Z");
    clock.set("2030-01-01T10:03:00Z");
    reconcile(s);
    assertThat(childNames())
        .containsExactly("nightly-manual-20300101100001", "nightly-manual-20300101100300");
  }

  /**
   * A backup triggered by hand seconds before the next slot gets the whole interval between slots,
   * not the seconds left until the next one (its Job failed with DeadlineExceeded in ScheduleE2E).
   */
  @Test
  void aManualChildJustBeforeASlotGetsTheWholeIntervalAsItsDeadline() {
    MysqlBackupSchedule s = schedule("0 * * * *", "");
    clock.set("2030-01-01T10:00:00Z");
    reconcile(s);
    assertThat(childNames()).containsExactly("nightly-203001011000");
    finish("nightly-203001011000", Phase.Succeeded, "2030-01-01T10:05:00Z");
    s.getSpec().setTrigger("now");
    clock.set("2030-01-01T10:59:52Z");

    reconcile(s);

    MysqlBackup manual = cluster.backups.get("nightly-manual-20300101105952");
    assertThat(manual).isNotNull();
    assertThat(manual.getSpec().getActiveDeadlineSeconds()).isEqualTo(3600L);
  }

  @Test
  void aManualChildWhoseStatusWriteWasLostIsAdoptedNotDuplicated() {
    MysqlBackupSchedule s = schedule("0 3 * * *", "trigger: t1");
    s.getSpec().setTrigger("t1");
    MysqlBackupSchedule stale = YAML.unmarshal(YAML.asYaml(s), MysqlBackupSchedule.class);
    clock.set("2030-01-01T10:00:00Z");
    reconcile(s);
    clock.set("2030-01-01T10:00:09Z");
    reconcile(stale);
    assertThat(childNames()).containsExactly("nightly-manual-20300101100000");
    assertThat(stale.getStatus().getLastTrigger()).isEqualTo("t1");
  }

  @Test
  void immediateRunsOnceWhenTheScheduleHasNeverRun() {
    MysqlBackupSchedule s = schedule("0 3 * * *", "immediate: true");
    s.getSpec().setImmediate(true);
    clock.set("2030-01-01T00:00:02Z");
    reconcile(s);
    assertThat(childNames()).containsExactly("nightly-manual-20300101000002");
    assertThat(cluster.backups.get("nightly-manual-20300101000002").getMetadata().getLabels())
        .containsEntry("stowage.dev/trigger", "immediate");
    finishAll(Phase.Succeeded, "2030-01-01T00:01:00Z");
    clock.set("2030-01-01T00:02:00Z");
    reconcile(s);
    assertThat(childNames()).hasSize(1);
  }

  @Test
  void templateMetadataLosesGitOpsTrackingKeysWithAWarning() {
    MysqlBackupSchedule s = schedule("0 * * * *", "");
    var meta = new dev.stowage.api.v1alpha1.BackupTemplateMetadata();
    meta.setLabels(
        new LinkedHashMap<>(
            Map.of(
                "team",
                "db",
                "app.kubernetes.io/instance",
                "prod-db",
                "argocd.argoproj.io/instance",
                "x")));
    meta.setAnnotations(
        new LinkedHashMap<>(
            Map.of("note", "keep me", "kubectl.kubernetes.io/last-applied-configuration", "{}")));
    s.getSpec().getBackupTemplate().setMetadata(meta);
    clock.set("2030-01-01T01:00:00Z");
    reconcile(s);
    MysqlBackup child = cluster.backups.get("nightly-203001010100");
    assertThat(child.getMetadata().getLabels())
        .containsEntry("team", "db")
        .doesNotContainKeys("app.kubernetes.io/instance", "argocd.argoproj.io/instance");
    assertThat(child.getMetadata().getAnnotations())
        .containsEntry("note", "keep me")
        .doesNotContainKey("kubectl.kubernetes.io/last-applied-configuration");
    assertThat(events.events)
        .anyMatch(
            e ->
                e.startsWith("Warning TemplateMetadataStripped:")
                    && e.contains("app.kubernetes.io/instance")
                    && e.contains("kubectl.kubernetes.io/last-applied-configuration"));
  }

  @Test
  void childrenOfAScheduleWithRetentionGetDeletionPolicyDeleteUnlessTheTemplateSaysOtherwise() {
    MysqlBackupSchedule s = schedule("0 * * * *", "retention: {keepLast: 2}");
    clock.set("2030-01-01T01:00:00Z");
    reconcile(s);
    assertThat(cluster.backups.get("nightly-203001010100").getSpec().getDeletionPolicy())
        .isEqualTo(DeletionPolicy.Delete);
    s.getSpec().getBackupTemplate().getSpec().setDeletionPolicy(DeletionPolicy.Retain);
    finishAll(Phase.Succeeded, "2030-01-01T01:05:00Z");
    clock.set("2030-01-01T02:00:00Z");
    reconcile(s);
    assertThat(cluster.backups.get("nightly-203001010200").getSpec().getDeletionPolicy())
        .isEqualTo(DeletionPolicy.Retain);
    MysqlBackupSchedule none = schedule("0 * * * *", "");
    assertThat(none.getSpec().getBackupTemplate().getSpec().getDeletionPolicy()).isNull();
  }

  @Test
  void retentionPrunesOnlyItsOwnChildrenKeepsPinsAndNeverDeletesTheLastSuccess() {
    MysqlBackupSchedule s =
        schedule("0 * * * *", "retention: {keepLast: 1, failedHistoryLimit: 0}");
    // Another schedule's backup with the same label value but another UID: untouched.
    MysqlBackup other =
        child("nightly-202912310100", "other-uid", Phase.Succeeded, "2029-12-31T01:05:00Z");
    MysqlBackup pinned =
        child("nightly-202912310200", "sched-uid", Phase.Succeeded, "2029-12-31T02:05:00Z");
    pinned.getMetadata().getLabels().put("stowage.dev/keep", "true");
    MysqlBackup old =
        child("nightly-202912310300", "sched-uid", Phase.Succeeded, "2029-12-31T03:05:00Z");
    MysqlBackup failed =
        child("nightly-202912310400", "sched-uid", Phase.Failed, "2029-12-31T04:05:00Z");
    MysqlBackup newest =
        child("nightly-202912310500", "sched-uid", Phase.Succeeded, "2029-12-31T05:05:00Z");
    clock.set("2030-01-01T00:30:00Z");
    reconcile(s);
    assertThat(childNames())
        .containsExactly("nightly-202912310100", "nightly-202912310200", "nightly-202912310500");
    assertThat(s.getStatus().getRetention().getLastDeleted())
        .containsExactly("nightly-202912310400", "nightly-202912310300");
    assertThat(s.getStatus().getRetention().getDeletedTotal()).isEqualTo(2);
    assertThat(events.events)
        .anyMatch(
            e ->
                e.startsWith("Normal RetentionDeleted: deleted MysqlBackup nightly-202912310300")
                    && e.contains("no retention rule keeps it (keepLast 1"));
    assertThat(
            registry.get("stowage.retention.deleted").tag("schedule", "nightly").counter().count())
        .isEqualTo(2.0);
    assertThat(condition(s, "RetentionFailing")).isEqualTo("False/Deleting");
    assertThat(other).isNotNull();
    assertThat(pinned).isNotNull();
    assertThat(old).isNotNull();
    assertThat(failed).isNotNull();
    assertThat(newest).isNotNull();
  }

  @Test
  void thirtyDaysOfFailuresDeleteNoSuccess() {
    MysqlBackupSchedule s =
        schedule("0 3 * * *", "retention: {keepWithin: 7d, failedHistoryLimit: 3}");
    child("nightly-202911010300", "sched-uid", Phase.Succeeded, "2029-11-01T03:10:00Z");
    for (int d = 2; d <= 30; d++) {
      String day = String.format("%02d", d);
      child(
          "nightly-202911" + day + "0300",
          "sched-uid",
          Phase.Failed,
          "2029-11-" + day + "T03:10:00Z");
    }
    clock.set("2029-12-01T00:00:00Z");
    s.getMetadata().setCreationTimestamp("2029-10-01T00:00:00Z");
    reconcile(s);
    assertThat(cluster.backups).containsKey("nightly-202911010300");
    assertThat(s.getStatus().getRetention().getLastDeleted()).hasSize(10);
    assertThat(condition(s, "Overdue")).isEqualTo("True/LastRunsFailed");
  }

  @Test
  void dryRunOnlyFillsWouldDelete() {
    MysqlBackupSchedule s = schedule("0 * * * *", "retention: {keepLast: 1, dryRun: true}");
    s.getSpec().getRetention().setDryRun(true);
    child("nightly-202912310300", "sched-uid", Phase.Succeeded, "2029-12-31T03:05:00Z");
    child("nightly-202912310500", "sched-uid", Phase.Succeeded, "2029-12-31T05:05:00Z");
    clock.set("2030-01-01T00:30:00Z");
    reconcile(s);
    assertThat(childNames()).hasSize(2);
    assertThat(s.getStatus().getRetention().getWouldDelete())
        .containsExactly("nightly-202912310300");
  }

  @Test
  void aRetentionDeletionStuckFor10MinutesSetsRetentionFailing() {
    MysqlBackupSchedule s = schedule("0 * * * *", "retention: {keepLast: 1}");
    MysqlBackup stuck =
        child("nightly-202912310300", "sched-uid", Phase.Succeeded, "2029-12-31T03:05:00Z");
    stuck.getMetadata().setDeletionTimestamp("2030-01-01T00:00:00Z");
    stuck.getStatus().setMessage("could not delete the stored backup s3://backups/x: AccessDenied");
    clock.set("2030-01-01T00:30:00Z");
    reconcile(s);
    assertThat(condition(s, "RetentionFailing")).isEqualTo("True/DeleteFailed");
    assertThat(
            Conditions.find(s.getStatus().getConditions(), "RetentionFailing")
                .map(Condition::getMessage)
                .orElseThrow())
        .contains("nightly-202912310300")
        .contains("AccessDenied");
    assertThat(
            registry.get("stowage.retention.errors").tag("schedule", "nightly").counter().count())
        .isEqualTo(1.0);
    clock.advance(Duration.ofHours(2));
    reconcile(s);
    assertThat(
            registry.get("stowage.retention.errors").tag("schedule", "nightly").counter().count())
        .as("one episode counts once")
        .isEqualTo(1.0);
  }

  @Test
  void deletingTheNewestSuccessNeverMovesTheRecordBack() {
    MysqlBackupSchedule s = schedule("0 * * * *", "");
    child("nightly-202912310300", "sched-uid", Phase.Succeeded, "2029-12-31T03:05:00Z");
    child("nightly-202912310500", "sched-uid", Phase.Succeeded, "2029-12-31T05:05:00Z");
    clock.set("2030-01-01T00:30:00Z");
    reconcile(s);
    assertThat(s.getStatus().getLastSuccessfulBackup()).isEqualTo("nightly-202912310500");
    cluster.backups.remove("nightly-202912310500");
    reconcile(s);
    assertThat(s.getStatus().getLastSuccessfulBackup()).isEqualTo("nightly-202912310500");
    assertThat(s.getStatus().getLastSuccessfulTime()).isEqualTo("2029-12-31T05:05:00Z");
    assertThat(registry.get("stowage.schedule.runs").tag("result", "succeeded").counter().count())
        .isEqualTo(1.0);
  }

  @Test
  void suspendedSlotsCountAsSkippedNotMissedInMetrics() {
    MysqlBackupSchedule s = schedule("0 * * * *", "");
    s.getSpec().setSuspend(true);
    clock.set("2030-01-01T01:00:00Z");
    reconcile(s);
    assertThat(s.getStatus().getMissedRuns().getTotal()).isEqualTo(1);
    assertThat(registry.get("stowage.schedule.runs").tag("result", "skipped").counter().count())
        .isEqualTo(1.0);
    assertThat(registry.get("stowage.schedule.runs").tag("result", "missed").counter().count())
        .as("the missed counter starts at 0 and stays there")
        .isEqualTo(0.0);
    assertThat(
            registry
                .get("stowage.schedule.missed.runs")
                .tag("reason", "Suspended")
                .counter()
                .count())
        .isEqualTo(1.0);
  }

  @Test
  void aNewSuccessRecordsItsDurationAndBytesPerSchedule() {
    MysqlBackupSchedule s = schedule("0 * * * *", "");
    MysqlBackup b =
        child("nightly-202912310500", "sched-uid", Phase.Succeeded, "2029-12-31T05:05:00Z");
    b.getStatus().setDurationSeconds(42.5);
    b.getStatus().setBytesRead(1000L);
    b.getStatus().setBytesStored(300L);
    clock.set("2030-01-01T00:30:00Z");
    reconcile(s);
    reconcile(s);
    assertThat(
            registry
                .get("stowage.schedule.last.backup.duration")
                .tag("schedule", "nightly")
                .gauge()
                .value())
        .isEqualTo(42.5);
    assertThat(registry.get("stowage.schedule.last.backup.read").gauge().value()).isEqualTo(1000.0);
    assertThat(registry.get("stowage.schedule.backup.duration").summary().count())
        .as("one success, seen on two reconciles, recorded once")
        .isEqualTo(1);
    assertThat(registry.get("stowage.schedule.backup.read").counter().count()).isEqualTo(1000.0);
    assertThat(registry.get("stowage.schedule.backup.stored").counter().count()).isEqualTo(300.0);
  }

  @Test
  void deletingWithRetainDisownsTheChildrenAndKeepsThem() {
    MysqlBackupSchedule s = schedule("0 * * * *", "");
    clock.set("2030-01-01T01:00:00Z");
    reconcile(s);
    reconciler.cleanup(s, new TestContext<>(s));
    assertThat(childNames()).containsExactly("nightly-203001010100");
    assertThat(cluster.backups.get("nightly-203001010100").getMetadata().getOwnerReferences())
        .isEmpty();
    assertThat(events.events).anyMatch(e -> e.startsWith("Normal BackupsRetained:"));
  }

  @Test
  void deletingWithDeleteDeletesTheChildren() {
    MysqlBackupSchedule s = schedule("0 * * * *", "");
    s.getSpec().setDeletionPolicy(DeletionPolicy.Delete);
    clock.set("2030-01-01T01:00:00Z");
    reconcile(s);
    reconciler.cleanup(s, new TestContext<>(s));
    assertThat(childNames()).isEmpty();
  }

  /** Issue 15, finding 2: one stall, rather than one failed MysqlBackup per slot. */
  @Test
  void aScheduleWhoseStoreIsMissingStallsAndCreatesNothing() {
    var withStores =
        new MysqlBackupScheduleReconciler(
            cluster,
            writer,
            events,
            new ScheduleMetrics(registry),
            new Conditions(clock),
            clock,
            dev.stowage.operator.job.PodAllowlist.NONE,
            new dev.stowage.operator.store.ClusterStores(cluster),
            true);
    MysqlBackupSchedule s = schedule("30 2 * * *", "");
    var storage = s.getSpec().getBackupTemplate().getSpec().getStorage();
    storage.setS3(null);
    storage.setPersistentVolumeClaim(null);
    storage.setStoreRef(new dev.stowage.api.v1alpha1.StoreRef(null, "nowhere"));

    withStores.reconcile(s, new TestContext<>(s));

    assertThat(condition(s, "Stalled")).isEqualTo("True/InvalidSpec");
    assertThat(s.getStatus().getConditions())
        .anySatisfy(
            c ->
                assertThat(c.getMessage())
                    .contains("spec.backupTemplate.spec.storage")
                    .contains("ClusterBackupStore nowhere does not exist"));
    assertThat(cluster.backups).isEmpty();
  }

  @Test
  void anInvalidScheduleStallsAndCreatesNothing() {
    MysqlBackupSchedule s = schedule("0 30 2 * * *", "");
    clock.set("2030-01-01T01:00:00Z");
    reconcile(s);
    assertThat(childNames()).isEmpty();
    assertThat(condition(s, "Stalled")).isEqualTo("True/InvalidSpec");
    assertThat(condition(s, "Ready")).isEqualTo("False/InvalidSpec");
    assertThat(s.getStatus().getMessage()).contains("spec.schedule").contains("timeZone");
  }

  /** Issue 15, finding 1: checked once on the schedule, not on each of its MysqlBackups. */
  @Test
  void aTemplateTolerationOutsideTheAllowlistStallsTheScheduleWithInvalidSpec() {
    MysqlBackupSchedule s = schedule("0 2 * * *", "");
    var pod = new dev.stowage.api.v1alpha1.PodSettings();
    pod.setTolerations(
        List.of(
            new io.fabric8.kubernetes.api.model.TolerationBuilder()
                .withKey("dedicated")
                .withValue("payments")
                .withEffect("NoSchedule")
                .build()));
    s.getSpec().getBackupTemplate().getSpec().setPod(pod);
    clock.set("2030-01-01T02:00:30Z");
    reconcile(s);
    assertThat(childNames()).isEmpty();
    assertThat(condition(s, "Stalled")).isEqualTo("True/InvalidSpec");
    assertThat(s.getStatus().getMessage())
        .contains(
            "spec.backupTemplate.spec.pod.tolerations[0]: dedicated=payments:NoSchedule is not"
                + " allowed: the operator allows no toleration (STOWAGE_ALLOWED_TOLERATIONS is"
                + " empty)");

    var allowing =
        new MysqlBackupScheduleReconciler(
            cluster,
            writer,
            events,
            new ScheduleMetrics(registry),
            new Conditions(clock),
            clock,
            dev.stowage.operator.job.PodAllowlist.parse(null, "dedicated=payments:NoSchedule"));
    MysqlBackupSchedule allowed = schedule("0 2 * * *", "");
    allowed.getSpec().getBackupTemplate().getSpec().setPod(pod);
    allowing.reconcile(allowed, new TestContext<>(allowed));
    assertThat(condition(allowed, "Stalled")).doesNotStartWith("True");
    assertThat(childNames()).hasSize(1);
  }

  @Test
  void randomMacrosAreShownResolvedAndStable() {
    MysqlBackupSchedule s = schedule("@daily-random", "");
    clock.set("2030-01-01T00:00:01Z");
    reconcile(s);
    String effective = s.getStatus().getEffectiveSchedule();
    assertThat(effective).matches("[0-9]+ [0-9]+ \\* \\* \\*");
    reconcile(s);
    assertThat(s.getStatus().getEffectiveSchedule()).isEqualTo(effective);
  }

  /** A finished child of the schedule (by UID) put straight into the cluster. */
  MysqlBackup child(String name, String uid, Phase phase, String finished) {
    MysqlBackup b = new MysqlBackup();
    b.setMetadata(new ObjectMeta());
    b.getMetadata().setName(name);
    b.getMetadata().setNamespace("prod");
    b.getMetadata().setLabels(new LinkedHashMap<>(Map.of("stowage.dev/schedule", "nightly")));
    b.getMetadata()
        .setAnnotations(
            new LinkedHashMap<>(
                Map.of(
                    "stowage.dev/schedule-uid",
                    uid,
                    "stowage.dev/scheduled-time",
                    Instant.parse(finished).minusSeconds(300).toString())));
    cluster.backups.put(name, b);
    finish(name, phase, finished);
    return b;
  }
}
