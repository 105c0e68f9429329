package dev.stowage.operator.backup;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stowage.api.v1alpha1.ConditionStatus;
import dev.stowage.api.v1alpha1.MysqlBackup;
import dev.stowage.api.v1alpha1.Phase;
import dev.stowage.operator.job.EngineJobConfig;
import dev.stowage.operator.job.EngineJobFactory;
import dev.stowage.operator.metrics.OperatorMetrics;
import dev.stowage.operator.status.Conditions;
import dev.stowage.operator.testing.InMemoryCluster;
import dev.stowage.operator.testing.RecordingEvents;
import dev.stowage.operator.testing.RecordingStatusWriter;
import dev.stowage.operator.testing.TestContext;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.javaoperatorsdk.operator.api.reconciler.DeleteControl;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class MysqlBackupReconcilerTest {

  static final Clock CLOCK = Clock.fixed(Instant.parse("2030-01-02T03:04:05Z"), ZoneOffset.UTC);
  static final KubernetesSerialization YAML = new KubernetesSerialization();
  static final String OK_RESULT =
      "{\"status\":\"Succeeded\",\"exitCode\":0,\"name\":\"n\",\"files\":203,\"chunks\":6,"
          + "\"bytesRead\":117918442,\"bytesStored\":694066,\"durationSeconds\":1.5,"
          + "\"engineVersion\":\"0.1.0\"}";

  final List<String> log = new ArrayList<>();
  final InMemoryCluster cluster = new InMemoryCluster(log);
  final RecordingStatusWriter writer = new RecordingStatusWriter(log);
  final RecordingEvents events = new RecordingEvents();
  final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  final MysqlBackupReconciler reconciler =
      new MysqlBackupReconciler(
          new EngineJobFactory(
              EngineJobConfig.withImage("stowage/engine:dev"),
              CLOCK,
              new dev.stowage.operator.store.ClusterStores(cluster)),
          cluster,
          writer,
          events,
          new OperatorMetrics(registry),
          new Conditions(CLOCK));

  static MysqlBackup backup(String name, String extraSource, String deletionPolicy) {
    String yaml =
        """
        apiVersion: stowage.dev/v1alpha1
        kind: MysqlBackup
        metadata:
          name: %s
          namespace: prod
          uid: uid-%s
          generation: 1
          creationTimestamp: "2030-01-02T03:00:00Z"
        spec:
          source:
            persistentVolumeClaim: data-db-1
        %s
          deletionPolicy: %s
          storage:
            s3:
              bucket: backups
              endpoint: http://s3:7070
              insecure: true
              credentialsSecretRef:
                name: s3
        """
            .formatted(name, name, extraSource, deletionPolicy);
    return YAML.unmarshal(yaml, MysqlBackup.class);
  }

  static MysqlBackup plain() {
    return backup("nightly", "", "Retain");
  }

  static MysqlBackup quiesced() {
    return backup("nightly", "    quiesce:\n      statefulSet: db", "Retain");
  }

  UpdateControl<MysqlBackup> reconcile(MysqlBackup b) {
    return reconciler.reconcile(b, new TestContext<>(b));
  }

  DeleteControl cleanup(MysqlBackup b) {
    return reconciler.cleanup(b, new TestContext<>(b));
  }

  static String condition(MysqlBackup b, String type) {
    return Conditions.find(b.getStatus().getConditions(), type)
        .map(c -> c.getStatus() + " " + c.getReason() + ": " + c.getMessage())
        .orElse("none");
  }

  double counted(String result) {
    var c = registry.find("stowage.backups").tag("result", result).counter();
    return c == null ? 0 : c.count();
  }

  @Test
  void recordsWhereTheBackupGoesBeforeCreatingItsJob() {
    cluster.claim("data-db-1");
    MysqlBackup b = plain();

    reconcile(b);

    assertThat(log.get(0))
        .startsWith("status ")
        .contains("\"backupName\":\"2030-01-02.030000.nightly\"");
    assertThat(log)
        .containsSubsequence(
            "lock stowage-claim-data-db-1 for MysqlBackup/nightly", "create job nightly-backup");
    assertThat(b.getStatus().getPhase()).isEqualTo(Phase.Running);
    assertThat(b.getStatus().getDirectory()).isEqualTo("prod/data-db-1");
    assertThat(b.getStatus().getLocation()).startsWith("s3://backups");
    assertThat(b.getStatus().getObservedGeneration()).isEqualTo(1L);
    assertThat(condition(b, Conditions.READY)).startsWith("False Running");
    assertThat(events.events)
        .startsWith("Normal JobCreated: created engine Job nightly-backup to back up data-db-1");
  }

  /** Issue 15, finding 2: a store not meant for the namespace stops nothing. */
  @Test
  void aBackupToAStoreThatDoesNotAllowTheNamespaceFailsBeforeAnythingIsStopped() {
    cluster.clusterStore("shared", "tenants", "billing");
    cluster.claim("data-db-1").statefulSet("db", 3).pod("db-1", "data-db-1");
    MysqlBackup b = quiesced();
    b.getSpec().getStorage().setS3(null);
    b.getSpec().getStorage().setStoreRef(new dev.stowage.api.v1alpha1.StoreRef(null, "shared"));

    reconcile(b);

    assertThat(b.getStatus().getPhase()).isEqualTo(Phase.Failed);
    assertThat(b.getStatus().getMessage())
        .contains("ClusterBackupStore shared does not allow namespace prod");
    assertThat(b.getStatus().getLocation()).isEqualTo("clusterbackupstore://shared");
    assertThat(log).noneMatch(l -> l.startsWith("scale ") || l.startsWith("create job"));
    assertThat(cluster.locks).isEmpty();
  }

  /**
   * The store named by storeRef is read once by the reconcile that creates the Job, not per use.
   */
  @Test
  void theReconcileThatCreatesTheJobReadsTheStoreOnce() {
    cluster.clusterStore("shared", "tenants", "prod");
    cluster.claim("data-db-1");
    MysqlBackup b = plain();
    b.getSpec().getStorage().setS3(null);
    b.getSpec().getStorage().setStoreRef(new dev.stowage.api.v1alpha1.StoreRef(null, "shared"));
    reconcile(b); // validate, the pre-flight check (passed at once here), then the Job

    assertThat(log).contains("create job nightly-backup");
    // Once to validate, once for the pre-flight Job; the backup Job and its warning reuse it.
    assertThat(cluster.clusterStoreReads).isEqualTo(2);
  }

  /** Issue 15, finding 6: plain http:// is an explicit opt-in, and said on every engine Job. */
  @Test
  void aPlainHttpEndpointIsAWarningEventWhenTheJobIsCreated() {
    cluster.claim("data-db-1");
    MysqlBackup b = plain();

    reconcile(b);

    assertThat(events.events)
        .containsExactly(
            "Normal JobCreated: created engine Job nightly-backup to back up data-db-1",
            "Warning InsecureEndpoint: the engine reaches http://s3:7070 over plain http://: the"
                + " access key id, request signatures and all data cross the network unencrypted"
                + " (storage.s3.insecure: true); use https:// outside a trusted network");
  }

  @Test
  void aLiveDatabaseWithoutQuiesceBlocksAndNothingRuns() {
    cluster.claim("data-db-1").pod("db-1", "data-db-1");
    MysqlBackup b = plain();

    UpdateControl<MysqlBackup> control = reconcile(b);

    assertThat(cluster.jobs).isEmpty();
    assertThat(cluster.locks).isEmpty();
    assertThat(b.getStatus().getPhase()).isEqualTo(Phase.Pending);
    assertThat(condition(b, Conditions.BLOCKED))
        .startsWith("True ClaimInUse: pod db-1 is running with PersistentVolumeClaim data-db-1")
        .contains("spec.source.quiesce.statefulSet");
    assertThat(control.getScheduleDelay()).contains(MysqlBackupReconciler.WAIT.toMillis());

    cluster.pods.clear();
    reconcile(b);
    assertThat(cluster.jobs).containsKey("nightly-backup");
    assertThat(condition(b, Conditions.BLOCKED)).startsWith("False JobCreated");
  }

  @Test
  void quiesceRecordsTheReplicasBeforeScalingDownJustEnough() {
    cluster.claim("data-db-1").statefulSet("db", 3).pod("db-1", "data-db-1");
    MysqlBackup b = quiesced();

    UpdateControl<MysqlBackup> control = reconcile(b);

    int recorded = indexOf("\"originalReplicas\":3");
    assertThat(recorded).isGreaterThanOrEqualTo(0).isLessThan(log.indexOf("scale db to 1"));
    assertThat(cluster.statefulSets.get("db").getSpec().getReplicas()).isEqualTo(1);
    assertThat(cluster.jobs).isEmpty(); // db-1 is still stopping
    assertThat(condition(b, Conditions.BLOCKED))
        .startsWith("True ClaimInUse: waiting for pod db-1 to stop");
    assertThat(control.getScheduleDelay()).contains(MysqlBackupReconciler.QUIESCE_POLL.toMillis());

    cluster.pods.clear();
    reconcile(b);
    assertThat(cluster.jobs).containsKey("nightly-backup");
    assertThat(log).containsOnlyOnce("scale db to 1");

    cluster.finishJob("nightly-backup", true, 0, OK_RESULT);
    reconcile(b);
    assertThat(log)
        .containsSubsequence(
            "scale db to 1",
            "create job nightly-backup",
            "scale db to 3",
            "unlock stowage-claim-data-db-1");
    assertThat(b.getStatus().getQuiesce().getRestoredTime()).isNotNull();
    assertThat(condition(b, Conditions.QUIESCED)).startsWith("False ScaledUp");
  }

  /** Issue 9, behaviour 4: a schedule's backup that has not started by its slot + deadline. */
  @Test
  void aScheduledBackupThatCannotStartByItsDeadlineFailsWithNotStartedInTimeAndGivesBack() {
    cluster.claim("data-db-1").statefulSet("db", 3).pod("db-1", "data-db-1");
    MysqlBackup b = quiesced();
    b.getMetadata().setAnnotations(Map.of("stowage.dev/start-deadline", "2030-01-02T03:10:00Z"));
    reconcile(b); // scaled down, db-1 still stopping; the deadline has not passed (03:04:05)
    assertThat(cluster.statefulSets.get("db").getSpec().getReplicas()).isEqualTo(1);

    MysqlBackup later = YAML.unmarshal(YAML.asYaml(b), MysqlBackup.class);
    MysqlBackupReconciler afterDeadline =
        new MysqlBackupReconciler(
            new EngineJobFactory(EngineJobConfig.withImage("stowage/engine:dev"), CLOCK),
            cluster,
            writer,
            events,
            new OperatorMetrics(registry),
            new Conditions(Clock.fixed(Instant.parse("2030-01-02T03:10:01Z"), ZoneOffset.UTC)));
    afterDeadline.reconcile(later, new TestContext<>(later));

    assertThat(later.getStatus().getPhase()).isEqualTo(Phase.Failed);
    assertThat(condition(later, Conditions.READY))
        .startsWith("False NotStartedInTime: not started by 2030-01-02T03:10:00Z");
    assertThat(cluster.jobs).doesNotContainKey("nightly-backup");
    assertThat(cluster.statefulSets.get("db").getSpec().getReplicas()).isEqualTo(3);
    assertThat(cluster.locks).isEmpty();
  }

  /** The start deadline is the last instant a backup may still start (was SlotPlannerTest's). */
  @Test
  void aScheduledBackupAtExactlyItsStartDeadlineStillStarts() {
    cluster.claim("data-db-1");
    MysqlBackup b = plain();
    b.getMetadata().setAnnotations(Map.of("stowage.dev/start-deadline", "2030-01-02T03:04:05Z"));

    reconcile(b); // the test clock is 2030-01-02T03:04:05Z

    assertThat(b.getStatus().getPhase()).isEqualTo(Phase.Running);
    assertThat(cluster.jobs).containsKey("nightly-backup");
  }

  @Test
  void aWaitingScheduledBackupLooksAgainByItsStartDeadline() {
    cluster.claim("data-db-1").pod("db-1", "data-db-1");
    cluster.locks.put("stowage-claim-data-db-1", "MysqlRestore/r@uid-r");
    MysqlBackup b = plain();
    b.getMetadata().setAnnotations(Map.of("stowage.dev/start-deadline", "2030-01-02T03:04:07Z"));
    UpdateControl<MysqlBackup> control = reconcile(b);
    assertThat(b.getStatus().getPhase()).isEqualTo(Phase.Pending);
    assertThat(control.getScheduleDelay())
        .hasValueSatisfying(ms -> assertThat(ms).isLessThanOrEqualTo(3000L));
  }

  @Test
  void aRestartAfterTheScaleDownStillScalesBackToTheRecordedReplicas() {
    cluster.claim("data-db-1").statefulSet("db", 3).pod("db-1", "data-db-1");
    MysqlBackup b = quiesced();
    reconcile(b);
    // The operator restarts: a new reconciler reads the status back, the pod has stopped.
    MysqlBackup reread = YAML.unmarshal(YAML.asYaml(b), MysqlBackup.class);
    cluster.pods.clear();

    reconcile(reread);
    cluster.finishJob("nightly-backup", true, 0, OK_RESULT);
    reconcile(reread);

    assertThat(reread.getStatus().getQuiesce().getOriginalReplicas()).isEqualTo(3);
    assertThat(cluster.statefulSets.get("db").getSpec().getReplicas()).isEqualTo(3);
  }

  @Test
  void theUserScalingUpDuringTheBackupIsNotUndone() {
    cluster.claim("data-db-1").statefulSet("db", 2);
    MysqlBackup b = quiesced();
    reconcile(b);
    cluster.pods.clear();
    reconcile(b);
    cluster.statefulSets.get("db").getSpec().setReplicas(5);
    cluster.finishJob("nightly-backup", true, 0, OK_RESULT);

    reconcile(b);

    assertThat(cluster.statefulSets.get("db").getSpec().getReplicas()).isEqualTo(5);
  }

  @Test
  void successIsProjectedFromTheTerminationMessageAndCountedOnce() {
    cluster.claim("data-db-1");
    MysqlBackup b = plain();
    reconcile(b);
    cluster.startJob("nightly-backup");
    reconcile(b);
    assertThat(b.getStatus().getStartTime()).isEqualTo("2030-01-02T03:04:06Z");

    cluster.finishJob("nightly-backup", true, 0, OK_RESULT);
    reconcile(b);
    reconcile(b);

    var s = b.getStatus();
    assertThat(s.getPhase()).isEqualTo(Phase.Succeeded);
    assertThat(s.getFiles()).isEqualTo(203);
    assertThat(s.getChunks()).isEqualTo(6);
    assertThat(s.getBytesRead()).isEqualTo(117918442L);
    assertThat(s.getBytesStored()).isEqualTo(694066L);
    assertThat(s.getDurationSeconds()).isEqualTo(1.5);
    assertThat(s.getEngineVersion()).isEqualTo("0.1.0");
    assertThat(s.getCompletionTime()).isEqualTo("2030-01-02T03:05:06Z");
    assertThat(s.getMessage())
        .isEqualTo(
            "backed up 203 files of data-db-1 to s3://backups/prod/data-db-1/2030-01-02.030000.nightly");
    assertThat(condition(b, Conditions.READY)).startsWith("True Succeeded");
    assertThat(condition(b, Conditions.BLOCKED)).isEqualTo("none");
    assertThat(cluster.locks).isEmpty();
    assertThat(counted("succeeded")).isEqualTo(1);
    assertThat(registry.find("stowage.backup.last.success.timestamp").gauge().value())
        .isEqualTo(Instant.parse("2030-01-02T03:05:06Z").getEpochSecond());
    assertThat(events.events).filteredOn(e -> e.contains("Succeeded")).hasSize(1);
  }

  @Test
  void failureCarriesTheEngineMessageAndExitCode() {
    cluster.claim("data-db-1");
    MysqlBackup b = plain();
    reconcile(b);
    cluster.finishJob(
        "nightly-backup",
        false,
        3,
        "{\"status\":\"Failed\",\"exitCode\":3,\"error\":\"S3 refused the secret access key for"
            + " bucket backups: check the Secret\"}");

    reconcile(b);

    assertThat(b.getStatus().getPhase()).isEqualTo(Phase.Failed);
    assertThat(b.getStatus().getMessage())
        .contains("S3 refused the secret access key for bucket backups")
        .contains("exit code 3");
    assertThat(condition(b, Conditions.READY)).startsWith("False Failed");
    assertThat(events.events).anyMatch(e -> e.startsWith("Warning Failed: S3 refused"));
    assertThat(counted("failed")).isEqualTo(1);
    assertThat(cluster.locks).isEmpty();
  }

  @Test
  void anEngineKilledWithoutAResultSaysWhatKubernetesSaid() {
    cluster.claim("data-db-1");
    MysqlBackup b = plain();
    reconcile(b);
    cluster.finishJob("nightly-backup", false, 137, "");

    reconcile(b);

    assertThat(b.getStatus().getMessage())
        .contains("BackoffLimitExceeded")
        .contains("the engine wrote no result");
  }

  @Test
  void aSecondBackupOfTheClaimWaitsForTheFirst() {
    cluster.claim("data-db-1");
    MysqlBackup first = plain();
    MysqlBackup second = backup("hourly", "", "Retain");
    reconcile(first);

    reconcile(second);

    assertThat(cluster.jobs).containsOnlyKeys("nightly-backup");
    assertThat(condition(second, Conditions.BLOCKED))
        .isEqualTo(
            "True WaitingForClaim: waiting for MysqlBackup/nightly, which is using"
                + " PersistentVolumeClaim data-db-1; one backup or restore runs on a claim at a time");

    cluster.finishJob("nightly-backup", true, 0, OK_RESULT);
    reconcile(first);
    reconcile(second);
    assertThat(cluster.jobs).containsKeys("nightly-backup", "hourly-backup");
  }

  @Test
  void aFinishedBackupGivesBackAClaimItStillHolds() {
    cluster.claim("data-db-1");
    MysqlBackup b = plain();
    reconcile(b);
    cluster.finishJob("nightly-backup", true, 0, OK_RESULT);
    reconcile(b);
    // As if the unlock had failed after the status was written.
    cluster.locks.put("stowage-claim-data-db-1", "MysqlBackup/nightly@uid-nightly");

    reconcile(b);

    assertThat(cluster.locks).isEmpty();
  }

  @Test
  void aJobDeletedWhileRunningFailsTheBackupInsteadOfStartingAgain() {
    cluster.claim("data-db-1");
    MysqlBackup b = plain();
    reconcile(b);
    cluster.jobs.clear();

    reconcile(b);

    assertThat(b.getStatus().getPhase()).isEqualTo(Phase.Failed);
    assertThat(b.getStatus().getMessage()).contains("was deleted before its result was read");
    assertThat(log).containsOnlyOnce("create job nightly-backup");
  }

  @Test
  void aMissingClaimWaits() {
    MysqlBackup b = plain();
    reconcile(b);
    assertThat(condition(b, Conditions.BLOCKED))
        .startsWith("True ClaimNotFound: PersistentVolumeClaim data-db-1 does not exist");
    assertThat(cluster.locks).isEmpty();
  }

  @Test
  void deletingARunningBackupCancelsItAndScalesBack() {
    cluster.claim("data-db-1").statefulSet("db", 2);
    MysqlBackup b = quiesced();
    reconcile(b);
    cluster.pods.clear();
    reconcile(b);
    cluster.startJob("nightly-backup");

    DeleteControl first = cleanup(b);
    assertThat(first.isRemoveFinalizer()).isFalse();
    assertThat(log).contains("delete job nightly-backup");

    DeleteControl second = cleanup(b);
    assertThat(cluster.statefulSets.get("db").getSpec().getReplicas()).isEqualTo(2);
    assertThat(cluster.locks).isEmpty();
    // It recorded the scale-back; the finalizer goes in the next pass, which writes nothing.
    assertThat(second.isRemoveFinalizer()).isFalse();
    assertThat(cleanup(b).isRemoveFinalizer()).isTrue(); // Retain: nothing to delete in storage
  }

  @Test
  void theFinalizerGoesOnlyInAPassThatWroteNoStatus() {
    // JOSDK removes the finalizer with a patch based on the resource it handed to cleanup; a status
    // written in that same pass makes its resourceVersion stale and every attempt conflicts (seen
    // on the local cluster as "Exceeded maximum (10) retry attempts to patch resource" with a stack
    // trace on each cancel-by-delete).
    cluster.claim("data-db-1").statefulSet("db", 2);
    MysqlBackup b = quiesced();
    reconcile(b);
    cluster.pods.clear();
    reconcile(b);
    cluster.startJob("nightly-backup");
    assertThat(cleanup(b).isRemoveFinalizer()).as("cancelling").isFalse();

    String before = b.getMetadata().getResourceVersion();
    DeleteControl settled = cleanup(b);
    assertThat(b.getMetadata().getResourceVersion())
        .as("scaled back and recorded it")
        .isNotEqualTo(before);
    assertThat(cluster.statefulSets.get("db").getSpec().getReplicas()).isEqualTo(2);
    assertThat(settled.isRemoveFinalizer()).isFalse();
    assertThat(settled.getScheduleDelay()).isPresent();

    int writes = writer.writes;
    DeleteControl last = cleanup(b);
    assertThat(writer.writes).as("status writes in the last pass").isEqualTo(writes);
    assertThat(last.isRemoveFinalizer()).isTrue();
  }

  @Test
  void deletionPolicyDeleteRunsRmAndKeepsTheFinalizerUntilItSucceeds() {
    cluster.claim("data-db-1");
    MysqlBackup b = backup("nightly", "", "Delete");
    reconcile(b);
    cluster.finishJob("nightly-backup", true, 0, OK_RESULT);
    reconcile(b);

    assertThat(cleanup(b).isRemoveFinalizer()).isFalse();
    Job rm = cluster.jobs.get("nightly-rm");
    assertThat(rm.getSpec().getTemplate().getSpec().getContainers().get(0).getArgs())
        .contains("rm");

    cluster.finishJob(
        "nightly-rm", false, 3, "{\"status\":\"Failed\",\"exitCode\":3,\"error\":\"unreachable\"}");
    DeleteControl failed = cleanup(b);
    assertThat(failed.isRemoveFinalizer()).isFalse();
    assertThat(failed.getScheduleDelay()).contains(MysqlBackupReconciler.DELETE_RETRY.toMillis());
    assertThat(b.getStatus().getMessage())
        .contains("could not delete the stored backup")
        .contains("unreachable");

    cluster.finishJob("nightly-rm", true, 0, "{\"status\":\"Succeeded\",\"exitCode\":0}");
    assertThat(cleanup(b).isRemoveFinalizer()).isTrue();
    assertThat(events.events)
        .anyMatch(e -> e.startsWith("Normal Deleted: deleted the stored backup"));
  }

  /** A Job someone made by hand with {@code name}, owned (as controller) by {@code ownerUid}. */
  Job foreignJob(String name, String ownerUid) {
    var job =
        new io.fabric8.kubernetes.api.model.batch.v1.JobBuilder()
            .withNewMetadata()
            .withName(name)
            .withNamespace(InMemoryCluster.NS)
            .withUid("uid-forged-" + name)
            .endMetadata()
            .withNewSpec()
            .endSpec()
            .build();
    if (ownerUid != null) {
      job.getMetadata()
          .setOwnerReferences(
              List.of(
                  new io.fabric8.kubernetes.api.model.OwnerReferenceBuilder()
                      .withApiVersion("stowage.dev/v1alpha1")
                      .withKind("MysqlBackup")
                      .withName("nightly")
                      .withUid(ownerUid)
                      .withController(true)
                      .build()));
    }
    cluster.jobs.put(name, job);
    return job;
  }

  /**
   * Issue 15, finding 11: a pre-created Job of the backup's Job name (no owner, or an owner of the
   * same name but another uid) that "succeeded" is never adopted or read: Blocked, naming it.
   */
  @ParameterizedTest
  @ValueSource(strings = {"", "uid-of-an-older-nightly"})
  void aPreCreatedJobOfTheBackupsJobNameIsNeverAdoptedNorRead(String ownerUid) {
    cluster.claim("data-db-1");
    foreignJob("nightly-backup", ownerUid.isEmpty() ? null : ownerUid);
    cluster.finishJob("nightly-backup", true, 0, OK_RESULT);
    MysqlBackup b = plain();

    reconcile(b);

    assertThat(b.getStatus().getPhase()).isEqualTo(Phase.Pending);
    assertThat(condition(b, Conditions.BLOCKED))
        .startsWith(
            "True ForeignJob: Job nightly-backup in prod has the name of this MysqlBackup's"
                + " engine Job but was not created for it")
        .contains(
            ownerUid.isEmpty()
                ? "it has no controller owner"
                : "its controller is MysqlBackup/nightly (uid uid-of-an-older-nightly)")
        .contains("kubectl delete job -n prod nightly-backup");
    assertThat(b.getStatus().getFiles()).isNull();
    assertThat(cluster.locks).isEmpty();
    assertThat(log).noneMatch(l -> l.startsWith("create job") || l.startsWith("delete job"));
    assertThat(events.events).anyMatch(e -> e.startsWith("Warning ForeignJob: "));

    cluster.jobs.remove("nightly-backup");
    cluster.jobPods.clear();
    reconcile(b);
    assertThat(log).contains("create job nightly-backup");
    assertThat(b.getStatus().getPhase()).isEqualTo(Phase.Running);
  }

  /**
   * Issue 15, finding 11: a pod that carries the Job's name as a label but is not the Job
   * controller's (no uid label of this Job) cannot forge the result.
   */
  @Test
  void aPodLabelledWithTheJobsNameCannotForgeTheResult() {
    cluster.claim("data-db-1");
    MysqlBackup b = plain();
    reconcile(b);
    cluster.finishJob(
        "nightly-backup",
        false,
        3,
        "{\"status\":\"Failed\",\"exitCode\":3,\"error\":\"the real engine failed\"}");
    var real = cluster.jobPods.get("nightly-backup").get(0);
    var forged =
        new io.fabric8.kubernetes.api.model.PodBuilder()
            .withNewMetadata()
            .withName("nightly-backup-forged")
            .withNamespace(InMemoryCluster.NS)
            .withCreationTimestamp("2030-01-02T03:09:00Z")
            .addToLabels("job-name", "nightly-backup")
            .addToLabels("batch.kubernetes.io/job-name", "nightly-backup")
            .endMetadata()
            .withNewStatus()
            .withPhase("Succeeded")
            .addNewContainerStatus()
            .withName("engine")
            .withNewState()
            .withNewTerminated()
            .withExitCode(0)
            .withMessage(OK_RESULT)
            .endTerminated()
            .endState()
            .endContainerStatus()
            .endStatus()
            .build();
    cluster.jobPods.put("nightly-backup", List.of(real, forged));

    reconcile(b);

    assertThat(b.getStatus().getPhase()).isEqualTo(Phase.Failed);
    assertThat(b.getStatus().getMessage()).contains("the real engine failed");
    assertThat(b.getStatus().getFiles()).isNull();
  }

  /** Issue 15, finding 11: a running backup's Job replaced by a foreign one fails it. */
  /** Issue 13: the engine's newest progress line reaches status.progress (column PROGRESS). */
  @Test
  void aRunningBackupShowsTheEnginesProgressAndLooksAgainInTenSeconds() {
    cluster.claim("data-db-1");
    MysqlBackup b = plain();
    reconcile(b);
    cluster.startJob("nightly-backup");
    cluster.runningJobPod(
        "nightly-backup", dev.stowage.operator.job.EngineProgressLogTest.LINE + "\n");

    UpdateControl<MysqlBackup> control = reconcile(b);

    assertThat(b.getStatus().getPhase()).isEqualTo(Phase.Running);
    assertThat(b.getStatus().getProgress().getDisplay()).isEqualTo("37% of 2.7 GiB, 1m12s left");
    assertThat(control.getScheduleDelay()).contains(Duration.ofSeconds(10).toMillis());

    cluster.finishJob("nightly-backup", true, 0, OK_RESULT);
    reconcile(b);

    assertThat(b.getStatus().getPhase()).isEqualTo(Phase.Succeeded);
    assertThat(b.getStatus().getProgress().getDisplay()).isEqualTo("100% of 2.7 GiB");
    assertThat(b.getStatus().getSize()).isEqualTo("677.8 KiB"); // bytesStored 694066
    assertThat(b.getStatus().getDuration()).isEqualTo("1.5s");
  }

  /** A backup over before the operator looked at it while it ran still ends with its figures. */
  @Test
  void aShortBackupGetsItsProgressFromTheLastLineOfItsLog() {
    cluster.claim("data-db-1");
    MysqlBackup b = plain();
    reconcile(b);
    cluster.finishJob("nightly-backup", true, 0, OK_RESULT);
    String pod = cluster.jobPods.get("nightly-backup").get(0).getMetadata().getName();
    cluster.engineLogs.put(pod, dev.stowage.operator.job.EngineProgressLogTest.LINE + "\n");

    reconcile(b);

    assertThat(b.getStatus().getPhase()).isEqualTo(Phase.Succeeded);
    assertThat(b.getStatus().getProgress().getDisplay()).isEqualTo("100% of 2.7 GiB");
  }

  @Test
  void aRunningBackupsJobReplacedByAForeignOneFailsAndIsNotRead() {
    cluster.claim("data-db-1").statefulSet("db", 3).pod("db-1", "data-db-1");
    MysqlBackup b = quiesced();
    reconcile(b);
    cluster.pods.clear();
    reconcile(b);
    assertThat(b.getStatus().getPhase()).isEqualTo(Phase.Running);
    cluster.jobs.remove("nightly-backup");
    foreignJob("nightly-backup", null);
    cluster.finishJob("nightly-backup", true, 0, OK_RESULT);

    reconcile(b);

    assertThat(b.getStatus().getPhase()).isEqualTo(Phase.Failed);
    assertThat(condition(b, Conditions.READY))
        .startsWith("False ForeignJob: the engine Job nightly-backup was deleted")
        .contains("has no controller owner");
    assertThat(cluster.statefulSets.get("db").getSpec().getReplicas()).isEqualTo(3);
    assertThat(cluster.locks).isEmpty();
  }

  /**
   * Issue 15, finding 11: an rm Job of the backup's rm Job name that it did not create never lets
   * the finalizer go: the stored backup is not deleted, and the message says why.
   */
  @Test
  void aForeignRmJobNeverLetsTheFinalizerGo() {
    cluster.claim("data-db-1");
    MysqlBackup b = backup("nightly", "", "Delete");
    reconcile(b);
    cluster.finishJob("nightly-backup", true, 0, OK_RESULT);
    reconcile(b);
    foreignJob("nightly-rm", null);
    cluster.finishJob("nightly-rm", true, 0, "{\"status\":\"Succeeded\",\"exitCode\":0}");

    DeleteControl control = cleanup(b);

    assertThat(control.isRemoveFinalizer()).isFalse();
    assertThat(b.getStatus().getMessage())
        .contains("is not deleted yet: Job nightly-rm in prod has the name")
        .contains("kubectl delete job -n prod nightly-rm");
    assertThat(log).doesNotContain("delete job nightly-rm");
    assertThat(events.events).noneMatch(e -> e.startsWith("Normal Deleted"));

    cluster.jobs.remove("nightly-rm");
    cluster.jobPods.remove("nightly-rm");
    cleanup(b);
    assertThat(cluster.jobs.get("nightly-rm").getMetadata().getLabels())
        .containsEntry("stowage.dev/owner-uid", "uid-nightly");
    cluster.finishJob("nightly-rm", true, 0, "{\"status\":\"Succeeded\",\"exitCode\":0}");
    assertThat(cleanup(b).isRemoveFinalizer()).isTrue();
  }

  /**
   * Issue 15, finding 12: a Lease of the claim's lock name that Stowage did not make blocks the
   * backup with a reason naming it and saying to delete it; it is never taken over.
   */
  @Test
  void aLeaseStowageDidNotMakeBlocksTheBackupNamingItAndWhatToDo() {
    cluster.claim("data-db-1");
    cluster.foreignLeases.put("stowage-claim-data-db-1", "it has no owner");
    MysqlBackup b = plain();

    UpdateControl<MysqlBackup> control = reconcile(b);

    assertThat(condition(b, Conditions.BLOCKED))
        .isEqualTo(
            "True ForeignLease: Lease stowage-claim-data-db-1 in prod was not made by Stowage (it"
                + " has no owner), so PersistentVolumeClaim data-db-1 cannot be locked; a Lease"
                + " Stowage did not make is never counted as a lock nor taken over. If nothing of"
                + " yours uses it, delete it: kubectl delete lease -n prod"
                + " stowage-claim-data-db-1");
    assertThat(control.getScheduleDelay()).contains(MysqlBackupReconciler.WAIT.toMillis());
    assertThat(cluster.jobs).isEmpty();
    assertThat(events.events).anyMatch(e -> e.startsWith("Warning ForeignLease: "));

    cluster.foreignLeases.clear();
    reconcile(b);
    assertThat(cluster.jobs).containsKey("nightly-backup");
  }

  /** Issue 15, finding 12: on the StatefulSet's lock, the claim's lock is given back. */
  @Test
  void aForeignLeaseOnTheStatefulSetsLockBlocksAndGivesTheClaimBack() {
    cluster.claim("data-db-1").statefulSet("db", 3).pod("db-1", "data-db-1");
    cluster.foreignLeases.put(
        "stowage-statefulset-db", "its owner is ConfigMap/x, not a MysqlBackup or MysqlRestore");
    MysqlBackup b = quiesced();

    reconcile(b);

    assertThat(condition(b, Conditions.BLOCKED))
        .startsWith("True ForeignLease: Lease stowage-statefulset-db in prod was not made by")
        .contains("so StatefulSet db cannot be locked");
    assertThat(cluster.locks).isEmpty();
    assertThat(cluster.statefulSets.get("db").getSpec().getReplicas()).isEqualTo(3);
  }

  /**
   * Issue 15, finding 1: the allowlist was narrowed after the backup ran. Its rm pod may not run
   * with its spec.pod any more: the deletion says so and waits, rather than failing every pass.
   */
  @Test
  void aBackupWhosePodIsNoLongerAllowedSaysWhyItsStoredBackupIsNotDeleted() {
    cluster.claim("data-db-1");
    MysqlBackup b = backup("nightly", "", "Delete");
    var pod = new dev.stowage.api.v1alpha1.PodSettings();
    pod.setTolerations(
        List.of(
            new io.fabric8.kubernetes.api.model.TolerationBuilder()
                .withKey("spot")
                .withOperator("Exists")
                .build()));
    b.getSpec().setPod(pod);
    var allowing =
        new MysqlBackupReconciler(
            new EngineJobFactory(
                new EngineJobConfig(
                    "stowage/engine:dev",
                    null,
                    1,
                    999,
                    999,
                    dev.stowage.operator.job.PodAllowlist.parse(null, "spot")),
                CLOCK),
            cluster,
            writer,
            events,
            new OperatorMetrics(registry),
            new Conditions(CLOCK));
    allowing.reconcile(b, new TestContext<>(b));
    cluster.finishJob("nightly-backup", true, 0, OK_RESULT);
    allowing.reconcile(b, new TestContext<>(b));
    assertThat(b.getStatus().getPhase()).isEqualTo(Phase.Succeeded);

    DeleteControl waiting = cleanup(b); // the operator now allows no toleration
    assertThat(waiting.isRemoveFinalizer()).isFalse();
    assertThat(waiting.getScheduleDelay()).contains(MysqlBackupReconciler.DELETE_RETRY.toMillis());
    assertThat(cluster.jobs).doesNotContainKey("nightly-rm");
    assertThat(b.getStatus().getMessage())
        .startsWith("cannot delete the stored backup ")
        .contains("spec.pod.tolerations[0] spot (Exists) (every effect) is not allowed")
        .contains("remove the finalizer");
    assertThat(events.events).anyMatch(e -> e.startsWith("Warning DeleteFailed: cannot delete"));
  }

  @Test
  void aBackupThatNeverStartedIsDeletedAtOnceEvenWithDeletePolicy() {
    MysqlBackup b = backup("nightly", "", "Delete");
    reconcile(b); // no claim: it waits

    // The first pass records the end of its wait; the finalizer goes in a pass that writes nothing.
    assertThat(cleanup(b).isRemoveFinalizer()).isFalse();
    assertThat(cleanup(b).isRemoveFinalizer()).isTrue();
    assertThat(cluster.jobs).isEmpty();
  }

  @Test
  void anOperatorThatGivesUpAfterErrorsScalesTheDatabaseBackFirst() {
    cluster.claim("data-db-1").statefulSet("db", 2).pod("db-1", "data-db-1");
    MysqlBackup b = quiesced();
    cluster.backups.put("nightly", b);
    reconcile(b);
    assertThat(cluster.statefulSets.get("db").getSpec().getReplicas()).isEqualTo(1);
    var error = new IllegalStateException("etcdserver: request timed out");

    reconciler.updateErrorStatus(b, TestContext.retrying(b, 3, false), error);
    assertThat(b.getStatus().getPhase()).isEqualTo(Phase.Pending);
    assertThat(b.getStatus().getMessage())
        .startsWith("retrying after an error from the Kubernetes API");
    assertThat(cluster.statefulSets.get("db").getSpec().getReplicas()).isEqualTo(1);

    reconciler.updateErrorStatus(b, TestContext.retrying(b, 10, true), error);
    assertThat(b.getStatus().getPhase()).isEqualTo(Phase.Failed);
    assertThat(b.getStatus().getMessage()).contains("gave up").contains("request timed out");
    assertThat(cluster.statefulSets.get("db").getSpec().getReplicas()).isEqualTo(2);
    assertThat(cluster.locks).isEmpty();
  }

  @Test
  void anErrorNeverWritesBackAStatusOlderThanTheReplicasRecorded() {
    cluster.claim("data-db-1").statefulSet("db", 3).pod("db-1", "data-db-1");
    MysqlBackup stale = quiesced();
    MysqlBackup stored = YAML.unmarshal(YAML.asYaml(stale), MysqlBackup.class);
    cluster.backups.put("nightly", stored);
    reconcile(stored); // records 3, scales to 1

    // JOSDK hands the error handler the resource as it was before that reconcile.
    reconciler.updateErrorStatus(
        stale,
        TestContext.retrying(stale, 1, false),
        new IllegalStateException("connection reset"));

    assertThat(stored.getStatus().getQuiesce().getOriginalReplicas()).isEqualTo(3);
    assertThat(stored.getStatus().getMessage()).contains("connection reset");
  }

  @Test
  void givingUpWhileTheEngineRunsKeepsTheDatabaseDown() {
    cluster.claim("data-db-1").statefulSet("db", 2);
    MysqlBackup b = quiesced();
    cluster.backups.put("nightly", b);
    reconcile(b);
    cluster.startJob("nightly-backup");

    var control =
        reconciler.updateErrorStatus(
            b,
            TestContext.retrying(b, 10, true),
            new IllegalStateException("etcdserver: request timed out"));

    assertThat(cluster.statefulSets.get("db").getSpec().getReplicas()).isEqualTo(1);
    assertThat(b.getStatus().getPhase()).isEqualTo(Phase.Running);
    assertThat(b.getStatus().getMessage()).contains("still runs");
    assertThat(control.getScheduleDelay()).contains(MysqlBackupReconciler.GIVE_UP_POLL.toMillis());
  }

  @Test
  void oneBackupAtATimeQuiescesAStatefulSet() {
    cluster.claim("data-db-1").claim("data-db-2").statefulSet("db", 3);
    MysqlBackup first = backup("first", "    quiesce:\n      statefulSet: db", "Retain");
    MysqlBackup second =
        YAML.unmarshal(
            YAML.asYaml(first).replace("first", "second").replace("data-db-1", "data-db-2"),
            MysqlBackup.class);
    reconcile(first);
    assertThat(cluster.statefulSets.get("db").getSpec().getReplicas()).isEqualTo(1);

    reconcile(second);

    assertThat(cluster.jobs).containsOnlyKeys("first-backup");
    assertThat(condition(second, Conditions.BLOCKED))
        .startsWith(
            "True WaitingForStatefulSet: waiting for MysqlBackup/first, which has StatefulSet db scaled down");
    assertThat(cluster.locks).doesNotContainKey("stowage-claim-data-db-2");
    assertThat(second.getStatus().getQuiesce()).isNull();
  }

  @Test
  void ordinalsStartIsHonoured() {
    cluster.claim("data-db-1").pod("db-1", "data-db-1");
    cluster.statefulSets.put(
        "db",
        new io.fabric8.kubernetes.api.model.apps.StatefulSetBuilder()
            .withNewMetadata()
            .withName("db")
            .withNamespace(InMemoryCluster.NS)
            .endMetadata()
            .withNewSpec()
            .withReplicas(3)
            .withNewOrdinals()
            .withStart(1)
            .endOrdinals()
            .addNewVolumeClaimTemplate()
            .withNewMetadata()
            .withName("data")
            .endMetadata()
            .endVolumeClaimTemplate()
            .endSpec()
            .build());
    MysqlBackup b = quiesced();

    reconcile(b);

    assertThat(cluster.statefulSets.get("db").getSpec().getReplicas())
        .isZero(); // db-1 is the first
  }

  @Test
  void aPodThatNeverStopsFailsTheBackupAndTheReplicasComeBack() {
    cluster.claim("data-db-1").statefulSet("db", 2).pod("db-1", "data-db-1");
    MysqlBackup b = quiesced();
    reconcile(b);
    var later =
        new MysqlBackupReconciler(
            new EngineJobFactory(EngineJobConfig.withImage("stowage/engine:dev"), CLOCK),
            cluster,
            writer,
            events,
            new OperatorMetrics(registry),
            new Conditions(Clock.offset(CLOCK, Duration.ofMinutes(11))));

    later.reconcile(b, new TestContext<>(b));

    assertThat(b.getStatus().getPhase()).isEqualTo(Phase.Failed);
    assertThat(b.getStatus().getMessage())
        .startsWith("pod db-1 still mounts PersistentVolumeClaim data-db-1 10 minutes after");
    assertThat(cluster.statefulSets.get("db").getSpec().getReplicas()).isEqualTo(2);
    assertThat(cluster.locks).isEmpty();
    assertThat(cluster.jobs).isEmpty();
  }

  @Test
  void theStoredBackupIsNotDeletedWhileARestoreReadsIt() {
    cluster.claim("data-db-1");
    MysqlBackup b = backup("nightly", "", "Delete");
    reconcile(b);
    cluster.finishJob("nightly-backup", true, 0, OK_RESULT);
    reconcile(b);
    var reader =
        YAML.unmarshal(
            """
        apiVersion: stowage.dev/v1alpha1
        kind: MysqlRestore
        metadata: {name: recover, namespace: prod, uid: uid-r}
        spec:
          backup: {name: nightly}
          target: {persistentVolumeClaim: data-new}
        status: {phase: Running}
        """,
            dev.stowage.api.v1alpha1.MysqlRestore.class);
    cluster.restores.put("recover", reader);

    assertThat(cleanup(b).isRemoveFinalizer()).isFalse();
    assertThat(cluster.jobs).doesNotContainKey("nightly-rm");
    assertThat(b.getStatus().getMessage()).contains("waiting for MysqlRestore recover");

    reader.getStatus().setPhase(Phase.Succeeded);
    cleanup(b);
    assertThat(cluster.jobs).containsKey("nightly-rm");
    assertThat(cluster.jobs.get("nightly-rm").getMetadata().getOwnerReferences()).isNullOrEmpty();
    cluster.finishJob("nightly-rm", true, 0, "{\"status\":\"Succeeded\",\"exitCode\":0}");
    assertThat(cleanup(b).isRemoveFinalizer()).isTrue();
    assertThat(log).contains("delete job nightly-rm");
  }

  @Test
  void anRmPodThatCannotStartSaysWhy() {
    cluster.claim("data-db-1");
    MysqlBackup b = backup("nightly", "", "Delete");
    reconcile(b);
    cluster.finishJob("nightly-backup", true, 0, OK_RESULT);
    reconcile(b);
    cleanup(b);
    cluster.putJobPods(
        "nightly-rm",
        List.of(
            new io.fabric8.kubernetes.api.model.PodBuilder()
                .withNewMetadata()
                .withName("nightly-rm-abc")
                .endMetadata()
                .withNewStatus()
                .withPhase("Pending")
                .addNewContainerStatus()
                .withName("engine")
                .withNewState()
                .withNewWaiting()
                .withReason("CreateContainerConfigError")
                .withMessage("secret \"s3\" not found")
                .endWaiting()
                .endState()
                .endContainerStatus()
                .endStatus()
                .build()));

    assertThat(cleanup(b).isRemoveFinalizer()).isFalse();
    assertThat(b.getStatus().getMessage())
        .contains(
            "the rm pod cannot start: pod nightly-rm-abc:"
                + " CreateContainerConfigError (secret \"s3\" not found)");
  }

  @Test
  void theOrdinalComesFromThePodOrTheClaimName() {
    assertThat(QuiesceArithmetic.ordinal("db-12", "db")).isEqualTo(12);
    assertThat(QuiesceArithmetic.ordinal("data-db-0", "db")).isEqualTo(0);
    assertThat(QuiesceArithmetic.ordinal("data-otherdb-0", "db")).isNull();
    assertThat(QuiesceArithmetic.ordinal("db-x", "db")).isNull();
    assertThat(QuiesceArithmetic.ordinal("db", "db")).isNull();
  }

  @Test
  void conditionsKeepTheirTransitionTimeWhileTheStatusHolds() {
    cluster.claim("data-db-1").pod("db-1", "data-db-1");
    MysqlBackup b = plain();
    reconcile(b);
    String first =
        Conditions.find(b.getStatus().getConditions(), Conditions.BLOCKED)
            .orElseThrow()
            .getLastTransitionTime();
    var later =
        new MysqlBackupReconciler(
            new EngineJobFactory(EngineJobConfig.withImage("stowage/engine:dev"), CLOCK),
            cluster,
            writer,
            events,
            new OperatorMetrics(registry),
            new Conditions(Clock.offset(CLOCK, Duration.ofMinutes(5))));

    later.reconcile(b, new TestContext<>(b));

    var blocked = Conditions.find(b.getStatus().getConditions(), Conditions.BLOCKED).orElseThrow();
    assertThat(blocked.getStatus()).isEqualTo(ConditionStatus.True);
    assertThat(blocked.getLastTransitionTime()).isEqualTo(first);
    assertThat(Optional.ofNullable(blocked.getObservedGeneration())).contains(1L);
  }

  // Issue 17, item 1: an engine pod that cannot start must never leave the database down.

  MysqlBackupReconciler reconcilerAt(Duration later) {
    return new MysqlBackupReconciler(
        new EngineJobFactory(EngineJobConfig.withImage("stowage/engine:dev"), CLOCK),
        cluster,
        writer,
        events,
        new OperatorMetrics(registry),
        new Conditions(Clock.offset(CLOCK, later)));
  }

  /** A quiesced backup whose Job was created and whose StatefulSet is down to 1 of 3. */
  MysqlBackup quiescedAndJobCreated() {
    cluster.claim("data-db-1").statefulSet("db", 3).pod("db-1", "data-db-1");
    MysqlBackup b = quiesced();
    reconcile(b);
    cluster.pods.clear();
    reconcile(b);
    assertThat(cluster.jobs).containsKey("nightly-backup");
    assertThat(cluster.statefulSets.get("db").getSpec().getReplicas()).isEqualTo(1);
    return b;
  }

  void assertFailedFastAndGaveEverythingBack(MysqlBackup b, String... inMessage) {
    assertThat(b.getStatus().getPhase()).isEqualTo(Phase.Failed);
    assertThat(b.getStatus().getMessage()).contains(inMessage);
    assertThat(condition(b, Conditions.READY)).startsWith("False EnginePodCannotStart");
    assertThat(cluster.jobs).doesNotContainKey("nightly-backup");
    assertThat(cluster.statefulSets.get("db").getSpec().getReplicas()).isEqualTo(3);
    assertThat(cluster.locks).isEmpty();
    assertThat(log)
        .containsSubsequence(
            "delete job nightly-backup", "scale db to 3", "unlock stowage-claim-data-db-1");
    assertThat(events.events).anyMatch(e -> e.startsWith("Warning Failed: "));
    assertThat(counted("failed")).isEqualTo(1.0);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {"ErrImagePull", "ImagePullBackOff", "InvalidImageName", "CreateContainerError"})
  void anEnginePodThatCannotStartFailsTheBackupAndScalesBackAtOnce(String reason) {
    MysqlBackup b = quiescedAndJobCreated();
    cluster.waitingJobPod("nightly-backup", reason, "something is wrong", InMemoryCluster.CREATED);

    reconcile(b);

    assertFailedFastAndGaveEverythingBack(
        b,
        "the engine pod could not start",
        reason + " (something is wrong)",
        "nothing was copied");
  }

  /** The kubelet's own cache miss clears by itself: it waits for the start deadline. */
  @ParameterizedTest
  @ValueSource(
      strings = {
        "failed to sync secret cache: timed out waiting for the condition",
        "failed to sync configmap cache: timed out waiting for the condition"
      })
  void aKubeletCacheTimeoutWaitsForTheStartDeadlineInsteadOfFailing(String message) {
    MysqlBackup b = quiescedAndJobCreated();
    cluster.waitingJobPod(
        "nightly-backup", "CreateContainerConfigError", message, InMemoryCluster.CREATED);

    reconcilerAt(Duration.ofSeconds(100)).reconcile(b, new TestContext<>(b));
    assertThat(b.getStatus().getPhase()).isEqualTo(Phase.Running);
    assertThat(cluster.jobs).containsKey("nightly-backup");

    reconcilerAt(Duration.ofMinutes(2).plusSeconds(1)).reconcile(b, new TestContext<>(b));
    assertFailedFastAndGaveEverythingBack(b, "has not started within 2 minutes", message);
  }

  /** Configuration errors the kubelet cannot get out of fail at once. */
  @ParameterizedTest
  @ValueSource(
      strings = {
        "secret \"s3\" not found",
        "configmap \"ca\" not found",
        "couldn't find key AWS_ACCESS_KEY_ID in Secret prod/s3",
        "container has runAsNonRoot and image will run as root"
      })
  void aPermanentConfigurationErrorFailsTheBackupAtOnce(String message) {
    MysqlBackup b = quiescedAndJobCreated();
    cluster.waitingJobPod(
        "nightly-backup", "CreateContainerConfigError", message, InMemoryCluster.CREATED);

    reconcile(b);

    assertFailedFastAndGaveEverythingBack(
        b, "the engine pod could not start", "CreateContainerConfigError (" + message + ")");
  }

  /**
   * Credentials come as a Secret volume: a missing Secret or key keeps the pod in ContainerCreating
   * and shows only in the kubelet's FailedMount event, which counts as permanent at once.
   */
  @ParameterizedTest
  @ValueSource(
      strings = {
        "MountVolume.SetUp failed for volume \"s3-credentials\" : secret \"s3\" not found",
        "MountVolume.SetUp failed for volume \"s3-credentials\" : references non-existent secret"
            + " key: AWS_SECRET_ACCESS_KEY",
        "MountVolume.SetUp failed for volume \"ca-bundle\" : configmap \"ca\" not found"
      })
  void aVolumeThatCannotBeMountedFailsTheBackupAtOnce(String event) {
    MysqlBackup b = quiescedAndJobCreated();
    var pod =
        cluster.waitingJobPod("nightly-backup", "ContainerCreating", null, InMemoryCluster.CREATED);
    cluster.mountFailures.put(pod.getMetadata().getName(), List.of(event));

    reconcile(b);

    assertFailedFastAndGaveEverythingBack(
        b, "the engine pod could not start", event, "nothing was copied");
  }

  /** A mount that failed for a moment (the kubelet retries it) waits for the start deadline. */
  @Test
  void aTransientMountFailureWaitsForTheStartDeadline() {
    MysqlBackup b = quiescedAndJobCreated();
    var pod =
        cluster.waitingJobPod("nightly-backup", "ContainerCreating", null, InMemoryCluster.CREATED);
    cluster.mountFailures.put(
        pod.getMetadata().getName(),
        List.of(
            "MountVolume.SetUp failed for volume \"data\" : rpc error: code = DeadlineExceeded"));

    reconcilerAt(Duration.ofSeconds(100)).reconcile(b, new TestContext<>(b));
    assertThat(b.getStatus().getPhase()).isEqualTo(Phase.Running);
  }

  @Test
  void aMissingSecretSaysWhichFieldNamesIt() {
    MysqlBackup b = quiescedAndJobCreated();
    cluster.waitingJobPod(
        "nightly-backup",
        "CreateContainerConfigError",
        "secret \"s3\" not found",
        InMemoryCluster.CREATED);

    reconcile(b);

    assertFailedFastAndGaveEverythingBack(
        b, "secret \"s3\" not found", "spec.storage.s3.credentialsSecretRef");
  }

  @Test
  void anUnschedulableEnginePodFailsTheBackupAndScalesBackAtOnce() {
    MysqlBackup b = quiescedAndJobCreated();
    cluster.unschedulableJobPod(
        "nightly-backup", "0/1 nodes are available: 1 Insufficient cpu.", InMemoryCluster.CREATED);

    reconcile(b);

    assertFailedFastAndGaveEverythingBack(b, "cannot be scheduled", "Insufficient cpu", "spec.pod");
  }

  @Test
  void anEnginePodPendingPastTheStartDeadlineFailsTheBackup() {
    MysqlBackup b = quiescedAndJobCreated();
    cluster.waitingJobPod("nightly-backup", "ContainerCreating", null, InMemoryCluster.CREATED);

    reconcilerAt(Duration.ofSeconds(100)).reconcile(b, new TestContext<>(b));
    assertThat(b.getStatus().getPhase()).isEqualTo(Phase.Running);
    assertThat(cluster.jobs).containsKey("nightly-backup");

    reconcilerAt(Duration.ofMinutes(2).plusSeconds(1)).reconcile(b, new TestContext<>(b));
    assertFailedFastAndGaveEverythingBack(b, "has not started within 2 minutes");
  }

  @Test
  void aJobWithoutAPodPastTheStartDeadlineFailsTheBackup() {
    MysqlBackup b = quiescedAndJobCreated();

    var control = reconcile(b);
    assertThat(b.getStatus().getPhase()).isEqualTo(Phase.Running);
    // A running Job is looked at again before its start deadline even without an event.
    assertThat(control.getScheduleDelay()).isPresent();

    reconcilerAt(Duration.ofMinutes(3)).reconcile(b, new TestContext<>(b));
    assertFailedFastAndGaveEverythingBack(b, "no engine pod", "within 2 minutes");
  }

  @Test
  void aStartedEngineIsNeverCancelledByTheStartDeadline() {
    MysqlBackup b = quiescedAndJobCreated();
    cluster.startJob("nightly-backup");
    cluster.putJobPods(
        "nightly-backup",
        List.of(
            new io.fabric8.kubernetes.api.model.PodBuilder()
                .withNewMetadata()
                .withName("nightly-backup-r")
                .withCreationTimestamp(InMemoryCluster.CREATED)
                .endMetadata()
                .withNewStatus()
                .withPhase("Running")
                .addNewContainerStatus()
                .withName("engine")
                .withNewState()
                .withNewRunning()
                .endRunning()
                .endState()
                .endContainerStatus()
                .endStatus()
                .build()));

    reconcilerAt(Duration.ofHours(1)).reconcile(b, new TestContext<>(b));

    assertThat(b.getStatus().getPhase()).isEqualTo(Phase.Running);
    assertThat(cluster.jobs).containsKey("nightly-backup");
    assertThat(cluster.statefulSets.get("db").getSpec().getReplicas()).isEqualTo(1);
  }

  @Test
  void aStorageClaimThatIsTheSourceClaimIsRefusedBeforeQuiescing() {
    cluster.claim("data-db-1").statefulSet("db", 3).pod("db-1", "data-db-1");
    MysqlBackup b = quiesced();
    b.getSpec().getStorage().setS3(null);
    var pvc = new dev.stowage.api.v1alpha1.VolumeStorage();
    pvc.setClaimName("data-db-1");
    b.getSpec().getStorage().setPersistentVolumeClaim(pvc);

    reconcile(b);

    assertThat(b.getStatus().getPhase()).isEqualTo(Phase.Failed);
    assertThat(b.getStatus().getMessage())
        .contains("spec.storage.persistentVolumeClaim.claimName")
        .contains("spec.source.persistentVolumeClaim");
    assertThat(log).noneMatch(l -> l.startsWith("scale ") || l.startsWith("create job"));
    assertThat(cluster.locks).isEmpty();
  }

  /** Issue 15, finding 1: the default operator allows no toleration; nothing is taken. */
  @Test
  void aTolerationOutsideTheAllowlistFailsTheBackupWithInvalidSpecBeforeAnythingIsTaken() {
    cluster.claim("data-db-1").statefulSet("db", 3).pod("db-1", "data-db-1");
    MysqlBackup b = quiesced();
    var pod = new dev.stowage.api.v1alpha1.PodSettings();
    pod.setTolerations(
        List.of(
            new io.fabric8.kubernetes.api.model.TolerationBuilder()
                .withKey("node-role.kubernetes.io/control-plane")
                .withOperator("Exists")
                .withEffect("NoSchedule")
                .build()));
    b.getSpec().setPod(pod);

    reconcile(b);

    assertThat(b.getStatus().getPhase()).isEqualTo(Phase.Failed);
    assertThat(condition(b, Conditions.READY)).startsWith("False InvalidSpec");
    assertThat(b.getStatus().getMessage())
        .contains(
            "spec.pod.tolerations[0] node-role.kubernetes.io/control-plane (Exists):NoSchedule is"
                + " not allowed: the operator allows no toleration (STOWAGE_ALLOWED_TOLERATIONS is"
                + " empty)");
    assertThat(log).noneMatch(l -> l.startsWith("scale ") || l.startsWith("create job"));
    assertThat(cluster.jobs).isEmpty();
    assertThat(cluster.locks).isEmpty();
  }

  // Issue 17, item 3: only a StatefulSet that produces the claim is ever scaled.

  @Test
  void aStatefulSetThatDoesNotMountTheClaimIsNeverScaled() {
    cluster.claim("data-db-1").statefulSet("db", 3, "logs", null).pod("db-1", "data-db-1");
    MysqlBackup b = quiesced();

    reconcile(b);

    assertThat(log).noneMatch(l -> l.startsWith("scale "));
    assertThat(cluster.statefulSets.get("db").getSpec().getReplicas()).isEqualTo(3);
    assertThat(cluster.jobs).isEmpty();
    assertThat(cluster.locks).isEmpty();
    assertThat(b.getStatus().getPhase()).isEqualTo(Phase.Pending);
    assertThat(condition(b, Conditions.BLOCKED))
        .startsWith("True StatefulSetDoesNotMountClaim: StatefulSet db")
        .contains("spec.source.quiesce.statefulSet")
        .contains("volumeClaimTemplates (logs)");
    assertThat(events.events).anyMatch(e -> e.startsWith("Warning StatefulSetDoesNotMountClaim"));
  }

  @Test
  void aTemplateOfAnotherStatefulSetWithTheSamePrefixDoesNotCount() {
    // data-db-1 is the claim of StatefulSet "db", not of "b" (template data-d).
    cluster.claim("data-db-1").statefulSet("b", 3, "data-d", null);
    MysqlBackup b = backup("nightly", "    quiesce:\n      statefulSet: b", "Retain");

    reconcile(b);

    assertThat(log).noneMatch(l -> l.startsWith("scale "));
    assertThat(condition(b, Conditions.BLOCKED)).startsWith("True StatefulSetDoesNotMountClaim");
  }

  @Test
  void aStatefulSetWhosePodTemplateMountsTheClaimIsScaledToZero() {
    cluster.claim("data-db-1").statefulSet("db", 2, null, "data-db-1").pod("db-0", "data-db-1");
    MysqlBackup b = quiesced();

    reconcile(b);

    assertThat(log).contains("scale db to 0");
  }

  // Issue 17, item 2: the storage is checked before anything is stopped.

  /**
   * A check Job of this backup's check-Job name that someone else made (without the engine's label,
   * so the operator's Job cache never holds it): found, by a read or by the create that would have
   * made ours (issue 14: no read before the create), and never taken for ours: Blocked with nothing
   * held or stopped, and it is not deleted.
   */
  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void aForeignCheckJobBlocksBeforeAnythingStopsWhetherOrNotTheCacheHoldsIt(
      boolean onlyEngineJobs) {
    cluster.jobCacheHoldsOnlyEngineJobs = onlyEngineJobs;
    cluster.claim("data-db-1").statefulSet("db", 3).pod("db-1", "data-db-1");
    foreignJob("nightly-check", null);
    cluster.finishJob("nightly-check", true, 0, InMemoryCluster.CHECK_OK);
    MysqlBackup b = quiesced();

    reconcile(b);

    assertThat(condition(b, Conditions.BLOCKED))
        .startsWith(
            "True ForeignJob: Job nightly-check in prod has the name of this MysqlBackup's");
    assertThat(condition(b, Conditions.STORAGE_CHECKED)).isEqualTo("none");
    assertThat(cluster.locks).isEmpty();
    assertThat(cluster.statefulSets.get("db").getSpec().getReplicas()).isEqualTo(3);
    assertThat(log).noneMatch(l -> l.startsWith("scale ") || l.startsWith("delete job"));
    assertThat(cluster.jobs.get("nightly-check").getMetadata().getUid())
        .isEqualTo("uid-forged-nightly-check");
  }

  /**
   * Issue 14: while its check runs, a backup looks again every {@link MysqlBackupReconciler#WAIT}
   * (5 s), not every 2 s: the check Job's end is an event of the Job informer, which reconciles at
   * once; the look only finds a pod that cannot start (its deadline is minutes). With 500 backups
   * checking at once, a look every 2 s was most of the requests.
   */
  @Test
  void aBackupWhoseCheckRunsLooksAgainEveryWaitNotEveryQuiescePoll() {
    cluster.autoPassChecks = false;
    cluster.claim("data-db-1");
    MysqlBackup b = plain();

    UpdateControl<MysqlBackup> first = reconcile(b);
    UpdateControl<MysqlBackup> again = reconcile(b);

    assertThat(condition(b, Conditions.BLOCKED)).startsWith("True CheckingStorage: checking that");
    assertThat(first.getScheduleDelay()).contains(MysqlBackupReconciler.WAIT.toMillis());
    assertThat(again.getScheduleDelay()).contains(MysqlBackupReconciler.WAIT.toMillis());
  }

  @Test
  void thePreflightRunsBeforeTheQuiesceAndNothingStopsUntilItPassed() {
    cluster.autoPassChecks = false;
    cluster.claim("data-db-1").statefulSet("db", 3).pod("db-1", "data-db-1");
    MysqlBackup b = quiesced();

    reconcile(b);

    assertThat(cluster.jobs).containsOnlyKeys("nightly-check");
    assertThat(log).noneMatch(l -> l.startsWith("scale "));
    assertThat(condition(b, Conditions.BLOCKED)).startsWith("True CheckingStorage: checking that");
    Job check = cluster.jobs.get("nightly-check");
    assertThat(check.getSpec().getTemplate().getSpec().getContainers().get(0).getArgs())
        .containsSubsequence("check", "--storage")
        .contains("--name", "2030-01-02.030000.nightly");
    assertThat(check.getSpec().getTemplate().getSpec().getVolumes())
        .noneMatch(v -> v.getName().equals("data"));
    assertThat(check.getSpec().getBackoffLimit()).isZero();

    cluster.finishJob("nightly-check", true, 0, InMemoryCluster.CHECK_OK);
    reconcile(b);

    assertThat(log).containsSubsequence("create job nightly-check", "scale db to 1");
    assertThat(condition(b, Conditions.STORAGE_CHECKED)).startsWith("True StorageChecked");
  }

  /**
   * status.completionTime is "when the backup succeeded or failed": a backup that failed before its
   * engine ran (here at the storage pre-flight) has one too, so whatever orders finished backups by
   * it (a schedule's last failure, retention, its children) sees this failure.
   */
  @Test
  void aBackupThatFailedBeforeItsEngineRanRecordsWhenItFailed() {
    cluster.autoPassChecks = false;
    cluster.claim("data-db-1");
    MysqlBackup b = plain();
    reconcile(b);
    cluster.finishJob(
        "nightly-check",
        false,
        3,
        "{\"command\":\"check\",\"status\":\"Failed\",\"exitCode\":3,"
            + "\"error\":\"bucket backups does not exist\"}");

    reconcile(b);

    assertThat(b.getStatus().getPhase()).isEqualTo(Phase.Failed);
    assertThat(b.getStatus().getCompletionTime()).isEqualTo("2030-01-02T03:04:05Z");
  }

  @Test
  void aFailedPreflightFailsTheBackupWithTheDatabaseUntouched() {
    cluster.autoPassChecks = false;
    cluster.claim("data-db-1").statefulSet("db", 3).pod("db-1", "data-db-1");
    MysqlBackup b = quiesced();
    reconcile(b);
    cluster.finishJob(
        "nightly-check",
        false,
        3,
        "{\"command\":\"check\",\"status\":\"Failed\",\"exitCode\":3,"
            + "\"error\":\"bucket backups does not exist\"}");

    reconcile(b);

    assertThat(b.getStatus().getPhase()).isEqualTo(Phase.Failed);
    assertThat(condition(b, Conditions.READY)).startsWith("False PreflightFailed");
    assertThat(b.getStatus().getMessage())
        .contains("nothing was stopped")
        .contains("bucket backups does not exist [exit code 3]")
        .contains("spec.storage.s3.bucket (backups)")
        .contains("spec.storage.s3.endpoint (http://s3:7070)")
        .contains("Secret s3 (spec.storage.s3.credentialsSecretRef)");
    assertThat(log).noneMatch(l -> l.startsWith("scale ") || l.equals("create job nightly-backup"));
    assertThat(cluster.statefulSets.get("db").getSpec().getReplicas()).isEqualTo(3);
    assertThat(cluster.locks).isEmpty();
  }

  @Test
  void aTakenBackupNameFailsThePreflight() {
    cluster.autoPassChecks = false;
    cluster.claim("data-db-1");
    MysqlBackup b = plain();
    reconcile(b);
    cluster.finishJob(
        "nightly-check",
        false,
        5,
        "{\"status\":\"Failed\",\"exitCode\":5,\"error\":\"a complete backup named x already"
            + " exists\"}");

    reconcile(b);

    assertThat(b.getStatus().getPhase()).isEqualTo(Phase.Failed);
    assertThat(b.getStatus().getMessage())
        .contains("the backup name 2030-01-02.030000.nightly is taken");
    assertThat(cluster.jobs).doesNotContainKey("nightly-backup");
  }

  @Test
  void aPreflightPodThatCannotStartFailsWithNothingStopped() {
    cluster.autoPassChecks = false;
    cluster.claim("data-db-1").statefulSet("db", 3).pod("db-1", "data-db-1");
    MysqlBackup b = quiesced();
    reconcile(b);
    cluster.waitingJobPod(
        "nightly-check",
        "CreateContainerConfigError",
        "couldn't find key AWS_SECRET_ACCESS_KEY in Secret prod/s3",
        InMemoryCluster.CREATED);

    reconcile(b);

    assertThat(b.getStatus().getPhase()).isEqualTo(Phase.Failed);
    assertThat(b.getStatus().getMessage())
        .contains("the pre-flight check pod could not start, so nothing was stopped")
        .contains("couldn't find key AWS_SECRET_ACCESS_KEY")
        .contains("spec.storage.s3.credentialsSecretRef");
    assertThat(log).noneMatch(l -> l.startsWith("scale "));
    assertThat(cluster.jobs).isEmpty();
    assertThat(cluster.locks).isEmpty();
  }

  // Issue 16: client-side encryption with a key from a Secret.

  static MysqlBackup encrypted() {
    MysqlBackup b = quiesced();
    var ref = new dev.stowage.api.v1alpha1.SecretKeyRef();
    ref.setName("backup-key");
    ref.setKey("key-2026-12");
    var encryption = new dev.stowage.api.v1alpha1.BackupEncryption();
    encryption.setKeySecretRef(ref);
    b.getSpec().setEncryption(encryption);
    return b;
  }

  static boolean mountsKey(Job job) {
    var pod = job.getSpec().getTemplate().getSpec();
    return pod.getVolumes().stream()
            .anyMatch(
                v ->
                    v.getSecret() != null
                        && "backup-key".equals(v.getSecret().getSecretName())
                        && v.getSecret().getDefaultMode() == 0400
                        && v.getSecret().getItems().size() == 1
                        && "key-2026-12".equals(v.getSecret().getItems().get(0).getKey()))
        && pod.getContainers().get(0).getVolumeMounts().stream()
            .anyMatch(m -> "/stowage/encryption".equals(m.getMountPath()) && m.getReadOnly());
  }

  static List<String> args(Job job) {
    return job.getSpec().getTemplate().getSpec().getContainers().get(0).getArgs();
  }

  @Test
  void anEncryptedBackupPassesItsKeyToItsCheckAndBackupJobs() {
    cluster.autoPassChecks = false;
    cluster.claim("data-db-1").statefulSet("db", 3).pod("db-1", "data-db-1");
    MysqlBackup b = encrypted();

    reconcile(b);

    // Recorded before anything runs: which Secret and key, no key id yet, never the key.
    assertThat(b.getStatus().getEncryption().getKeySecretName()).isEqualTo("backup-key");
    assertThat(b.getStatus().getEncryption().getKeys()).containsExactly("key-2026-12");
    assertThat(b.getStatus().getEncryption().getCipher()).isEqualTo("AES-256-GCM");
    assertThat(b.getStatus().getEncryption().getKeyId()).isNull();
    // The pre-flight mounts the key so that a missing Secret or key stops it before the quiesce,
    // and passes it so that check refuses a malformed key as the backup would (issue 16).
    Job check = cluster.jobs.get("nightly-check");
    assertThat(mountsKey(check)).isTrue();
    assertThat(args(check))
        .containsSubsequence("check", "--encryption-key-file", "/stowage/encryption/key-0");

    cluster.finishJob("nightly-check", true, 0, InMemoryCluster.CHECK_OK);
    reconcile(b);
    cluster.pods.clear();
    reconcile(b);
    Job backup = cluster.jobs.get("nightly-backup");
    assertThat(mountsKey(backup)).isTrue();
    assertThat(args(backup))
        .containsSubsequence("--encryption-key-file", "/stowage/encryption/key-0");

    cluster.finishJob(
        "nightly-backup",
        true,
        0,
        OK_RESULT.replace("}", ",\"encryptionKeyId\":\"3f9a0c1d2e4b5a69\"}"));
    reconcile(b);

    assertThat(b.getStatus().getPhase()).isEqualTo(Phase.Succeeded);
    assertThat(b.getStatus().getEncryption().getKeyId()).isEqualTo("3f9a0c1d2e4b5a69");
    assertThat(b.getStatus().getEncryption().getKeySecretName()).isEqualTo("backup-key");
  }

  /**
   * A malformed key (here 31 bytes) is refused by the pre-flight check with the engine's exit 2,
   * before the StatefulSet is scaled down: the database never stops for a backup that cannot run.
   */
  @Test
  void aMalformedKeyFailsThePreflightAndTheStatefulSetIsNeverScaledDown() {
    cluster.autoPassChecks = false;
    cluster.claim("data-db-1").statefulSet("db", 3).pod("db-1", "data-db-1");
    MysqlBackup b = encrypted();
    reconcile(b);
    assertThat(args(cluster.jobs.get("nightly-check")))
        .containsSubsequence("--encryption-key-file", "/stowage/encryption/key-0");
    cluster.finishJob(
        "nightly-check",
        false,
        2,
        "{\"command\":\"check\",\"status\":\"Failed\",\"exitCode\":2,"
            + "\"error\":\"--encryption-key-file /stowage/encryption/key-0 holds 31 bytes that"
            + " are not a backup encryption key: give exactly 32 raw bytes (e.g. `openssl rand"
            + " 32`) or the base64 of 32 bytes\"}");

    reconcile(b);

    assertThat(b.getStatus().getPhase()).isEqualTo(Phase.Failed);
    assertThat(condition(b, Conditions.READY)).startsWith("False PreflightFailed");
    assertThat(b.getStatus().getMessage())
        .contains("nothing was stopped")
        .contains("key key-2026-12 of Secret backup-key holds 31 bytes")
        .contains("spec.encryption")
        .doesNotContain("/stowage/encryption")
        .doesNotContain("spec.storage.s3.bucket");
    assertThat(log).noneMatch(l -> l.startsWith("scale ") || l.equals("create job nightly-backup"));
    assertThat(cluster.statefulSets.get("db").getSpec().getReplicas()).isEqualTo(3);
    assertThat(cluster.locks).isEmpty();
  }

  static MysqlBackup encryptedWithAPassphrase() {
    MysqlBackup b = quiesced();
    var ref = new dev.stowage.api.v1alpha1.SecretKeyRef();
    ref.setName("backup-pass");
    ref.setKey("passphrase");
    var encryption = new dev.stowage.api.v1alpha1.BackupEncryption();
    encryption.setPassphraseSecretRef(ref);
    b.getSpec().setEncryption(encryption);
    return b;
  }

  @Test
  void aBackupEncryptedWithAPassphrasePassesItToItsCheckAndBackupJobs() {
    cluster.autoPassChecks = false;
    cluster.claim("data-db-1").statefulSet("db", 3).pod("db-1", "data-db-1");
    MysqlBackup b = encryptedWithAPassphrase();

    reconcile(b);

    assertThat(b.getStatus().getEncryption().getForm()).isEqualTo("Passphrase");
    assertThat(b.getStatus().getEncryption().getKeySecretName()).isEqualTo("backup-pass");
    assertThat(b.getStatus().getEncryption().getKeys()).containsExactly("passphrase");
    Job check = cluster.jobs.get("nightly-check");
    assertThat(args(check))
        .containsSubsequence(
            "check", "--encryption-passphrase-file", "/stowage/encryption/passphrase-0")
        .doesNotContain("--encryption-key-file");
    var volume =
        check.getSpec().getTemplate().getSpec().getVolumes().stream()
            .filter(
                v -> v.getSecret() != null && "backup-pass".equals(v.getSecret().getSecretName()))
            .findFirst()
            .orElseThrow();
    assertThat(volume.getSecret().getItems())
        .singleElement()
        .satisfies(
            i -> {
              assertThat(i.getKey()).isEqualTo("passphrase");
              assertThat(i.getPath()).isEqualTo("passphrase-0");
            });
    assertThat(volume.getSecret().getDefaultMode()).isEqualTo(0400);
    assertThat(volume.getSecret().getOptional()).isFalse();

    cluster.finishJob("nightly-check", true, 0, InMemoryCluster.CHECK_OK);
    reconcile(b);
    cluster.pods.clear();
    reconcile(b);
    Job backup = cluster.jobs.get("nightly-backup");
    assertThat(backup.getSpec().getTemplate().getSpec().getVolumes())
        .anyMatch(
            v -> v.getSecret() != null && "backup-pass".equals(v.getSecret().getSecretName()));
    assertThat(args(backup))
        .containsSubsequence("--encryption-passphrase-file", "/stowage/encryption/passphrase-0")
        .doesNotContain("--encryption-key-file");

    cluster.finishJob(
        "nightly-backup",
        true,
        0,
        OK_RESULT.replace("}", ",\"encryptionKeyId\":\"0123456789abcdef\"}"));
    reconcile(b);

    assertThat(b.getStatus().getPhase()).isEqualTo(Phase.Succeeded);
    assertThat(b.getStatus().getEncryption().getKeyId()).isEqualTo("0123456789abcdef");
    assertThat(b.getStatus().getEncryption().getForm()).isEqualTo("Passphrase");
  }

  @Test
  void aTooShortPassphraseFailsThePreflightInTheResourcesTerms() {
    cluster.autoPassChecks = false;
    cluster.claim("data-db-1").statefulSet("db", 3).pod("db-1", "data-db-1");
    MysqlBackup b = encryptedWithAPassphrase();
    reconcile(b);
    cluster.finishJob(
        "nightly-check",
        false,
        2,
        "{\"command\":\"check\",\"status\":\"Failed\",\"exitCode\":2,"
            + "\"error\":\"--encryption-passphrase-file /stowage/encryption/passphrase-0 holds a"
            + " passphrase of 5 characters (after trailing newlines): give at least 12\"}");

    reconcile(b);

    assertThat(b.getStatus().getPhase()).isEqualTo(Phase.Failed);
    assertThat(b.getStatus().getMessage())
        .contains(
            "spec.encryption.passphraseSecretRef key passphrase of Secret backup-pass holds a"
                + " passphrase of 5 characters")
        .contains("nothing was stopped");
    assertThat(log).noneMatch(l -> l.startsWith("scale "));
  }

  @Test
  void anEncryptedBackupsRmJobGetsNoKey() {
    MysqlBackup b = encrypted();
    Job rm =
        new EngineJobFactory(EngineJobConfig.withImage("stowage/engine:dev"), CLOCK).deleteJob(b);
    assertThat(rm.getSpec().getTemplate().getSpec().getVolumes())
        .noneMatch(
            v -> v.getSecret() != null && "backup-key".equals(v.getSecret().getSecretName()));
    assertThat(args(rm)).noneMatch(a -> a.contains("encryption"));
  }

  /** The key id shown is only ever the engine's 16 hex digits, whatever the result says. */
  @Test
  void aKeyIdThatIsNotSixteenHexDigitsIsNeverShown() {
    cluster.claim("data-db-1").statefulSet("db", 3).pod("db-1", "data-db-1");
    MysqlBackup b = encrypted();
    reconcile(b);
    cluster.pods.clear();
    reconcile(b);
    cluster.finishJob(
        "nightly-backup",
        true,
        0,
        OK_RESULT.replace(
            "}", ",\"encryptionKeyId\":\"q83vEjRWeJCrze8SNFZ4kKvN7xI0VniQq83vEjRWeJA=\"}"));

    reconcile(b);

    assertThat(b.getStatus().getPhase()).isEqualTo(Phase.Succeeded);
    assertThat(b.getStatus().getEncryption().getKeyId()).isNull();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "MountVolume.SetUp failed for volume \"encryption-key\" : secret \"backup-key\" not found",
        "MountVolume.SetUp failed for volume \"encryption-key\" : references non-existent secret"
            + " key: key-2026-12"
      })
  void aMissingKeySecretOrKeyStopsThePreflightWithNothingStopped(String event) {
    cluster.autoPassChecks = false;
    cluster.claim("data-db-1").statefulSet("db", 3).pod("db-1", "data-db-1");
    MysqlBackup b = encrypted();
    reconcile(b);
    var pod =
        cluster.waitingJobPod("nightly-check", "ContainerCreating", null, InMemoryCluster.CREATED);
    cluster.mountFailures.put(pod.getMetadata().getName(), List.of(event));

    reconcile(b);

    assertThat(b.getStatus().getPhase()).isEqualTo(Phase.Failed);
    assertThat(b.getStatus().getMessage())
        .contains("nothing was stopped")
        .contains(event)
        .contains("check spec.encryption.keySecretRef")
        .doesNotContain("credentialsSecretRef");
    assertThat(log).noneMatch(l -> l.startsWith("scale "));
    assertThat(cluster.jobs).doesNotContainKey("nightly-backup");
    assertThat(cluster.statefulSets.get("db").getSpec().getReplicas()).isEqualTo(3);
    assertThat(cluster.locks).isEmpty();
  }

  static MysqlBackup onClaimStorage(String path) {
    MysqlBackup b = quiesced();
    b.getSpec().getStorage().setS3(null);
    var pvc = new dev.stowage.api.v1alpha1.VolumeStorage();
    pvc.setClaimName("backups");
    pvc.setPath(path);
    b.getSpec().getStorage().setPersistentVolumeClaim(pvc);
    return b;
  }

  @Test
  void aMissingStorageClaimBlocksBeforeAnythingIsStopped() {
    cluster.claim("data-db-1").statefulSet("db", 3).pod("db-1", "data-db-1");
    MysqlBackup b = onClaimStorage(null);

    reconcile(b);

    assertThat(condition(b, Conditions.BLOCKED))
        .startsWith("True StorageClaimNotFound: PersistentVolumeClaim backups")
        .contains("spec.storage.persistentVolumeClaim.claimName");
    assertThat(cluster.jobs).isEmpty();
    assertThat(log).noneMatch(l -> l.startsWith("scale "));
  }

  /** Found by the refactor's review: a stale Blocked condition after the claim lost its volume. */
  @Test
  void aStorageClaimThatLostItsVolumeFailsWithoutAStaleBlockedCondition() {
    cluster.claim("data-db-1").statefulSet("db", 3).pod("db-1", "data-db-1");
    MysqlBackup b = onClaimStorage(null);
    reconcile(b); // waits for the storage claim: Blocked StorageClaimNotFound
    cluster.claim("backups");
    cluster
        .claims
        .get("backups")
        .setStatus(new io.fabric8.kubernetes.api.model.PersistentVolumeClaimStatus());
    cluster.claims.get("backups").getStatus().setPhase("Lost");

    reconcile(b);

    assertThat(b.getStatus().getPhase()).isEqualTo(Phase.Failed);
    assertThat(condition(b, Conditions.READY)).startsWith("False PreflightFailed");
    assertThat(condition(b, Conditions.BLOCKED)).isEqualTo("none");
    assertThat(log).noneMatch(l -> l.startsWith("scale "));
  }

  @Test
  void aStoragePathThatDoesNotExistSaysHowToCreateIt() {
    cluster.autoPassChecks = false;
    cluster.claim("data-db-1").claim("backups").statefulSet("db", 3).pod("db-1", "data-db-1");
    MysqlBackup b = onClaimStorage("mysql/prod");
    reconcile(b);
    cluster.finishJob(
        "nightly-check",
        false,
        3,
        "{\"status\":\"Failed\",\"exitCode\":3,\"error\":\"storage root"
            + " file:///stowage/storage/mysql/prod does not exist or is not a directory\"}");

    reconcile(b);

    assertThat(b.getStatus().getMessage())
        .contains("storage root PersistentVolumeClaim backups:/mysql/prod does not exist")
        .doesNotContain("/stowage/")
        .contains("spec.storage.persistentVolumeClaim.path (mysql/prod)")
        .contains("mkdir -p");
    assertThat(log).noneMatch(l -> l.startsWith("scale "));
  }

  // Issue 17, item 7: a waiting backup is visible.

  double blockedGauge() {
    var g = registry.find("stowage.backups.blocked").tag("namespace", "prod").gauge();
    return g == null ? -1 : g.value();
  }

  @Test
  void aBlockedBackupEmitsOneEventAndCountsInTheBlockedGauge() {
    cluster.claim("data-db-1").pod("db-1", "data-db-1");
    MysqlBackup b = plain();

    reconcile(b);
    reconcile(b);

    assertThat(events.events)
        .filteredOn(e -> e.contains("ClaimInUse"))
        .hasSize(1)
        .allMatch(e -> e.startsWith("Warning ClaimInUse: pod db-1 is running"));
    assertThat(blockedGauge()).isEqualTo(1.0);

    cluster.pods.clear();
    reconcile(b);

    assertThat(b.getStatus().getPhase()).isEqualTo(Phase.Running);
    assertThat(blockedGauge()).isZero();
  }

  @Test
  void aWaitForAnotherBackupIsANormalEvent() {
    cluster.claim("data-db-1");
    reconcile(backup("first", "", "Retain"));
    MysqlBackup second = backup("second", "", "Retain");

    reconcile(second);

    assertThat(events.events).anyMatch(e -> e.startsWith("Normal WaitingForClaim: waiting for"));
    assertThat(blockedGauge()).isEqualTo(1.0);
  }

  // Issue 17, item 8: leftovers.

  @Test
  void aFinishedJobGetsATtlOnlyOnceItsResultIsRecorded() {
    cluster.claim("data-db-1");
    MysqlBackup b = plain();
    reconcile(b);
    cluster.finishJob("nightly-backup", true, 0, OK_RESULT);

    reconcile(b);

    int recorded = indexOf("\"phase\":\"Succeeded\"");
    int ttl =
        log.indexOf("ttl job nightly-backup " + MysqlBackupReconciler.FINISHED_JOB_TTL_SECONDS);
    assertThat(recorded).isGreaterThanOrEqualTo(0);
    assertThat(ttl).isGreaterThan(recorded);

    cluster.jobs.clear(); // collected by the TTL controller
    cluster.jobPods.clear();
    reconcile(b);

    assertThat(b.getStatus().getPhase()).isEqualTo(Phase.Succeeded);
    assertThat(b.getStatus().getFiles()).isEqualTo(203);
  }

  @Test
  void aDoneBackupWhoseJobIsGoneIsNotFailedAndStillScalesBack() {
    MysqlBackup b = quiescedAndJobCreated();
    // Succeeded was written, then the operator stopped before scaling back; the Job was collected.
    b.getStatus().setPhase(Phase.Succeeded);
    cluster.jobs.clear();

    reconcile(b);

    assertThat(b.getStatus().getPhase()).isEqualTo(Phase.Succeeded);
    assertThat(cluster.statefulSets.get("db").getSpec().getReplicas()).isEqualTo(3);
  }

  @Test
  void aFailedBackupsPartialObjectsAreRemovedEvenUnderRetain() {
    cluster.claim("data-db-1");
    MysqlBackup b = plain();
    reconcile(b);
    cluster.finishJob(
        "nightly-backup",
        false,
        3,
        "{\"status\":\"Failed\",\"exitCode\":3,\"error\":\"S3 went away\"}");
    reconcile(b);
    assertThat(b.getStatus().getPhase()).isEqualTo(Phase.Failed);
    String failure = b.getStatus().getMessage();

    reconcile(b);
    assertThat(cluster.jobs).containsKey("nightly-rm");
    cluster.finishJob("nightly-rm", true, 0, "{\"status\":\"Succeeded\",\"exitCode\":0}");
    reconcile(b);

    assertThat(b.getStatus().getPhase()).isEqualTo(Phase.Failed);
    assertThat(b.getStatus().getMessage()).isEqualTo(failure);
    assertThat(condition(b, Conditions.PARTIAL_REMOVED)).startsWith("True PartialBackupRemoved");
    assertThat(cluster.jobs).doesNotContainKey("nightly-rm");
    assertThat(events.events).anyMatch(e -> e.startsWith("Normal PartialBackupRemoved"));
  }

  @Test
  void aBackupRefusedForATakenNameNeverRemovesTheOtherBackup() {
    cluster.claim("data-db-1");
    MysqlBackup b = plain();
    reconcile(b);
    cluster.finishJob(
        "nightly-backup",
        false,
        5,
        "{\"status\":\"Failed\",\"exitCode\":5,\"error\":\"a complete backup of that name"
            + " exists\"}");

    reconcile(b);
    reconcile(b);

    assertThat(b.getStatus().getPhase()).isEqualTo(Phase.Failed);
    assertThat(cluster.jobs).doesNotContainKey("nightly-rm");
  }

  int indexOf(String fragment) {
    for (int i = 0; i < log.size(); i++) {
      if (log.get(i).contains(fragment)) {
        return i;
      }
    }
    return -1;
  }
}
