package dev.stowage.operator.backup;

import static org.assertj.core.api.Assertions.assertThat;

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
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Issue 15, finding 10: a MysqlBackup's status is not an input where it decides what to delete or
 * scale. Whoever may write {@code mysqlbackups/status} must not choose the rm target or the
 * replicas a StatefulSet gets back: both are derived from the spec and metadata, and bounded by
 * what the operator observed.
 */
class StatusIsNotAnInputTest {

  static final Clock CLOCK = Clock.fixed(Instant.parse("2030-01-02T03:04:05Z"), ZoneOffset.UTC);
  static final KubernetesSerialization YAML = new KubernetesSerialization();
  static final String OK =
      "{\"status\":\"Succeeded\",\"exitCode\":0,\"name\":\"n\",\"files\":3,\"chunks\":1}";

  final List<String> log = new ArrayList<>();
  final InMemoryCluster cluster = new InMemoryCluster(log);
  final RecordingEvents events = new RecordingEvents();
  final MysqlBackupReconciler reconciler =
      new MysqlBackupReconciler(
          new EngineJobFactory(EngineJobConfig.withImage("stowage/engine:dev"), CLOCK),
          cluster,
          new RecordingStatusWriter(log),
          events,
          new OperatorMetrics(new SimpleMeterRegistry()),
          new Conditions(CLOCK));

  static MysqlBackup backup(String quiesce, String deletionPolicy) {
    return YAML.unmarshal(
        """
        apiVersion: stowage.dev/v1alpha1
        kind: MysqlBackup
        metadata:
          name: nightly
          namespace: prod
          uid: uid-nightly
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
              endpoint: https://s3:7070
              credentialsSecretRef:
                name: s3
        """
            .formatted(quiesce, deletionPolicy),
        MysqlBackup.class);
  }

  void reconcile(MysqlBackup b) {
    reconciler.reconcile(b, new TestContext<>(b));
  }

  DeleteControl cleanup(MysqlBackup b) {
    return reconciler.cleanup(b, new TestContext<>(b));
  }

  /** A backup with deletionPolicy Delete that succeeded. */
  MysqlBackup succeeded() {
    cluster.claim("data-db-1");
    MysqlBackup b = backup("", "Delete");
    reconcile(b);
    cluster.finishJob("nightly-backup", true, 0, OK);
    reconcile(b);
    assertThat(b.getStatus().getPhase()).isEqualTo(Phase.Succeeded);
    return b;
  }

  List<String> rmArgs() {
    Job rm = cluster.jobs.get("nightly-rm");
    return rm == null
        ? List.of()
        : rm.getSpec().getTemplate().getSpec().getContainers().get(0).getArgs();
  }

  @Test
  void theRmTargetIsTheDirectoryAndNameTheSpecAndMetadataGive() {
    MysqlBackup b = succeeded();

    assertThat(cleanup(b).isRemoveFinalizer()).isFalse();

    assertThat(String.join(" ", rmArgs()))
        .contains("prod/data-db-1")
        .contains("2030-01-02.030000.nightly");
  }

  @Test
  void aStatusDirectoryPointingElsewhereIsRefusedAndNothingIsDeleted() {
    MysqlBackup b = succeeded();
    b.getStatus().setDirectory("other-tenant/data-db-0");

    DeleteControl control = cleanup(b);

    assertThat(control.isRemoveFinalizer()).isFalse();
    assertThat(cluster.jobs).doesNotContainKey("nightly-rm");
    assertThat(b.getStatus().getMessage())
        .contains("status.directory of MysqlBackup nightly is other-tenant/data-db-0")
        .contains("its spec and metadata give prod/data-db-1")
        .contains("never acts on a status that disagrees");
    assertThat(events.events).anyMatch(e -> e.startsWith("Warning StatusMismatch: "));
  }

  @Test
  void aStatusBackupNamePointingElsewhereIsRefusedAndNothingIsDeleted() {
    MysqlBackup b = succeeded();
    b.getStatus().setBackupName("2029-12-31.000000.someone-elses");

    DeleteControl control = cleanup(b);

    assertThat(control.isRemoveFinalizer()).isFalse();
    assertThat(cluster.jobs).doesNotContainKey("nightly-rm");
    assertThat(b.getStatus().getMessage())
        .contains("status.backupName of MysqlBackup nightly is 2029-12-31.000000.someone-elses")
        .contains("2030-01-02.030000.nightly");
  }

  @Test
  void aFailedBackupWithAStatusPointingElsewhereRemovesNothing() {
    cluster.claim("data-db-1");
    MysqlBackup b = backup("", "Retain");
    reconcile(b);
    cluster.finishJob(
        "nightly-backup", false, 3, "{\"status\":\"Failed\",\"exitCode\":3,\"error\":\"boom\"}");
    reconcile(b);
    assertThat(b.getStatus().getPhase()).isEqualTo(Phase.Failed);
    cluster.jobs.remove("nightly-rm");
    b.getStatus().setDirectory("other-tenant/data-db-0");

    reconcile(b);

    assertThat(cluster.jobs).doesNotContainKey("nightly-rm");
    assertThat(Conditions.find(b.getStatus().getConditions(), Conditions.PARTIAL_REMOVED))
        .hasValueSatisfying(
            c ->
                assertThat(c.getMessage())
                    .contains("status.directory of MysqlBackup nightly is other-tenant/data-db-0"));
  }

  @Test
  void aStatusWrittenBeforeTheFirstReconcileIsRefusedNotUsed() {
    cluster.claim("data-db-1");
    MysqlBackup b = backup("", "Retain");
    b.setStatus(new dev.stowage.api.v1alpha1.MysqlBackupStatus());
    b.getStatus().setDirectory("other-tenant/data-db-0");
    b.getStatus().setBackupName("2029-12-31.000000.someone-elses");

    reconcile(b);

    assertThat(b.getStatus().getPhase()).isEqualTo(Phase.Failed);
    assertThat(b.getStatus().getMessage()).contains("status.directory");
    assertThat(cluster.jobs).isEmpty();
  }

  /** A quiesced backup whose Job runs: db scaled from 3 to 1. */
  MysqlBackup quiescedAndRunning() {
    cluster.claim("data-db-1").statefulSet("db", 3).pod("db-1", "data-db-1");
    MysqlBackup b = backup("    quiesce:\n      statefulSet: db", "Retain");
    reconcile(b);
    cluster.pods.clear();
    reconcile(b);
    assertThat(cluster.jobs).containsKey("nightly-backup");
    assertThat(cluster.statefulSets.get("db").getSpec().getReplicas()).isEqualTo(1);
    return b;
  }

  @Test
  void theObservedReplicasAreWrittenOnTheStatefulSetBeforeTheScaleDown() {
    MysqlBackup b = quiescedAndRunning();

    assertThat(log)
        .containsSubsequence(
            "annotate db stowage.dev/quiesced-from=3",
            "scale db to 1",
            "create job nightly-backup");
    assertThat(cluster.statefulSets.get("db").getMetadata().getAnnotations())
        .containsEntry("stowage.dev/quiesced-from", "3")
        .containsEntry("stowage.dev/quiesced-by", "uid-nightly");

    cluster.finishJob("nightly-backup", true, 0, OK);
    reconcile(b);
    assertThat(cluster.statefulSets.get("db").getSpec().getReplicas()).isEqualTo(3);
    assertThat(cluster.statefulSets.get("db").getMetadata().getAnnotations())
        .doesNotContainKeys("stowage.dev/quiesced-from", "stowage.dev/quiesced-by");
  }

  @Test
  void aRaisedOriginalReplicasInStatusNeverScalesAboveWhatWasObserved() {
    MysqlBackup b = quiescedAndRunning();
    b.getStatus().getQuiesce().setOriginalReplicas(50);

    cluster.finishJob("nightly-backup", true, 0, OK);
    reconcile(b);

    assertThat(cluster.statefulSets.get("db").getSpec().getReplicas()).isEqualTo(3);
    assertThat(events.events)
        .anyMatch(
            e ->
                e.startsWith("Warning StatusMismatch: status.quiesce.originalReplicas is 50")
                    && e.contains("scaling back to 3, never above what was observed"));
  }

  @Test
  void aStatusNamingAnotherStatefulSetScalesNothing() {
    MysqlBackup b = quiescedAndRunning();
    cluster.statefulSet("other", 0);
    b.getStatus().getQuiesce().setStatefulSet("other");
    b.getStatus().getQuiesce().setOriginalReplicas(5);

    cluster.finishJob("nightly-backup", true, 0, OK);
    reconcile(b);

    assertThat(cluster.statefulSets.get("other").getSpec().getReplicas()).isEqualTo(0);
    assertThat(log).doesNotContain("scale other to 5");
    assertThat(events.events)
        .anyMatch(e -> e.startsWith("Warning StatusMismatch: status.quiesce.statefulSet is other"));
  }

  @Test
  void withoutTheAnnotationStatusAloneScalesNothingUp() {
    MysqlBackup b = quiescedAndRunning();
    cluster.statefulSets.get("db").getMetadata().setAnnotations(null);

    cluster.finishJob("nightly-backup", true, 0, OK);
    reconcile(b);

    assertThat(cluster.statefulSets.get("db").getSpec().getReplicas()).isEqualTo(1);
    assertThat(Conditions.find(b.getStatus().getConditions(), Conditions.QUIESCED))
        .hasValueSatisfying(
            c ->
                assertThat(c.getMessage())
                    .contains("carries no stowage.dev/quiesced-from annotation of this backup")
                    .contains("scale it back yourself"));
  }
}
