package dev.stowage.operator.backup;

import static dev.stowage.operator.backup.MysqlBackupReconcilerTest.CLOCK;
import static dev.stowage.operator.backup.MysqlBackupReconcilerTest.OK_RESULT;
import static dev.stowage.operator.backup.MysqlBackupReconcilerTest.YAML;
import static dev.stowage.operator.backup.MysqlBackupReconcilerTest.condition;
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
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 11: a MysqlBackup in snapshot mode (spec.source.snapshot), in the order of what the
 * reconciler does: names recorded, VolumeSnapshot, clone, Job on the clone, cleanup; each failure
 * path and each Blocked path, and a restart mid-way.
 */
class SnapshotBackupReconcilerTest {
  static final String DRIVER = "btrfs.stowage.dev";
  static final String SNAP = "nightly-snapshot";
  static final String CLONE = "nightly-clone";
  static final String CUT = "2030-01-02T03:04:07Z";

  final List<String> log = new ArrayList<>();
  final InMemoryCluster cluster = new InMemoryCluster(log);
  final RecordingStatusWriter writer = new RecordingStatusWriter(log);
  final RecordingEvents events = new RecordingEvents();
  final SimpleMeterRegistry registry = new SimpleMeterRegistry();

  MysqlBackupReconciler newReconciler() {
    return new MysqlBackupReconciler(
        new EngineJobFactory(
            EngineJobConfig.withImage("stowage/engine:dev"),
            CLOCK,
            new dev.stowage.operator.store.ClusterStores(cluster)),
        cluster,
        writer,
        events,
        new OperatorMetrics(registry),
        new Conditions(CLOCK));
  }

  MysqlBackupReconciler reconciler = newReconciler();

  @BeforeEach
  void aClaimOfACsiDriverWithASnapshotClass() {
    cluster
        .csiClaim("data-db-1", DRIVER, "stowage-btrfs", "10Gi")
        .snapshotClass("stowage-btrfs", DRIVER, true)
        .storageClass("stowage-btrfs", "Immediate");
  }

  static MysqlBackup snapshotBackup(String snapshotFields) {
    return MysqlBackupReconcilerTest.backup(
        "nightly", "    snapshot:\n" + snapshotFields, "Retain");
  }

  static MysqlBackup snapshotBackup() {
    return snapshotBackup("      keepSnapshot: false");
  }

  void reconcile(MysqlBackup b) {
    reconciler.reconcile(b, new TestContext<>(b));
  }

  /** Reconciles up to the Job: snapshot taken and ready, clone bound. */
  MysqlBackup running() {
    MysqlBackup b = snapshotBackup();
    reconcile(b);
    cluster.readySnapshot(SNAP, CUT);
    reconcile(b);
    cluster.bindClaim(CLONE);
    reconcile(b);
    assertThat(cluster.jobs).containsKey("nightly-backup");
    return b;
  }

  int indexOf(String prefix) {
    for (int i = 0; i < log.size(); i++) {
      if (log.get(i).startsWith(prefix)) {
        return i;
      }
    }
    throw new AssertionError("no log line starts with " + prefix + ": " + log);
  }

  int firstStatusNaming(String name) {
    for (int i = 0; i < log.size(); i++) {
      if (log.get(i).startsWith("status ") && log.get(i).contains("\"" + name + "\"")) {
        return i;
      }
    }
    throw new AssertionError("no status write names " + name + ": " + log);
  }

  @Test
  void theSnapshotAndCloneNamesAreInStatusBeforeTheSnapshotIsCreated() {
    MysqlBackup b = snapshotBackup();

    reconcile(b);

    int recorded = firstStatusNaming(SNAP);
    assertThat(log.get(recorded)).contains("\"cloneClaim\":\"" + CLONE + "\"");
    assertThat(recorded).isLessThan(indexOf("create volumesnapshot " + SNAP));
    assertThat(indexOf("lock stowage-claim-data-db-1"))
        .isLessThan(indexOf("create volumesnapshot"));
    assertThat(indexOf("create job nightly-check")).isLessThan(indexOf("create volumesnapshot"));
    assertThat(b.getStatus().getPhase()).isEqualTo(Phase.Pending);
    assertThat(condition(b, Conditions.BLOCKED)).startsWith("True TakingSnapshot");
    assertThat(cluster.jobs).doesNotContainKey("nightly-backup");
    assertThat(log).noneMatch(l -> l.startsWith("create claim"));

    GenericKubernetesResource snap = cluster.volumeSnapshots.get(SNAP);
    assertThat(snap.getApiVersion()).isEqualTo("snapshot.storage.k8s.io/v1");
    assertThat((Map<?, ?>) snap.getAdditionalProperties().get("spec"))
        .isEqualTo(
            Map.of(
                "volumeSnapshotClassName",
                "stowage-btrfs",
                "source",
                Map.of("persistentVolumeClaimName", "data-db-1")));
    assertThat(snap.getMetadata().getLabels())
        .containsEntry("app.kubernetes.io/managed-by", "stowage-operator")
        .containsEntry("stowage.dev/backup", "nightly")
        .containsEntry("stowage.dev/owner-uid", "uid-nightly");
    assertThat(snap.getMetadata().getOwnerReferences())
        .singleElement()
        .satisfies(
            o -> {
              assertThat(o.getUid()).isEqualTo("uid-nightly");
              assertThat(o.getController()).isTrue();
            });
    assertThat(events.events)
        .contains(
            "Normal SnapshotCreated: created VolumeSnapshot nightly-snapshot of"
                + " PersistentVolumeClaim data-db-1 (VolumeSnapshotClass stowage-btrfs)");
  }

  @Test
  void theCloneIsCreatedOnlyOnceTheSnapshotIsReadyAndTheJobOnlyOnceTheCloneIsBound() {
    MysqlBackup b = snapshotBackup();
    reconcile(b);
    reconcile(b); // not ready yet
    assertThat(log).noneMatch(l -> l.startsWith("create claim"));

    cluster.readySnapshot(SNAP, CUT);
    reconcile(b);

    assertThat(b.getStatus().getSnapshot().getReadyToUse()).isTrue();
    assertThat(b.getStatus().getSnapshot().getCreationTime()).isEqualTo(CUT);
    assertThat(indexOf("create volumesnapshot")).isLessThan(indexOf("create claim " + CLONE));
    PersistentVolumeClaim clone = cluster.claims.get(CLONE);
    assertThat(clone.getSpec().getDataSource().getKind()).isEqualTo("VolumeSnapshot");
    assertThat(clone.getSpec().getDataSource().getApiGroup()).isEqualTo("snapshot.storage.k8s.io");
    assertThat(clone.getSpec().getDataSource().getName()).isEqualTo(SNAP);
    assertThat(clone.getSpec().getStorageClassName()).isEqualTo("stowage-btrfs");
    // The source's capacity (10Gi), not its smaller request (1Gi).
    assertThat(clone.getSpec().getResources().getRequests().get("storage"))
        .isEqualTo(new Quantity("10Gi"));
    assertThat(clone.getSpec().getAccessModes()).containsExactly("ReadWriteOnce");
    assertThat(clone.getMetadata().getLabels())
        .containsEntry("app.kubernetes.io/managed-by", "stowage-operator")
        .containsEntry("stowage.dev/owner-uid", "uid-nightly");
    // Immediate binding: no Job on an unbound clone (its pod would be unschedulable).
    assertThat(cluster.jobs).doesNotContainKey("nightly-backup");
    assertThat(condition(b, Conditions.BLOCKED)).startsWith("True ProvisioningClone");

    cluster.bindClaim(CLONE);
    reconcile(b);

    assertThat(indexOf("create claim " + CLONE)).isLessThan(indexOf("create job nightly-backup"));
    Job job = cluster.jobs.get("nightly-backup");
    var claims =
        job.getSpec().getTemplate().getSpec().getVolumes().stream()
            .filter(v -> v.getPersistentVolumeClaim() != null)
            .map(v -> v.getPersistentVolumeClaim().getClaimName())
            .toList();
    assertThat(claims).containsExactly(CLONE);
    assertThat(b.getStatus().getPhase()).isEqualTo(Phase.Running);
    assertThat(b.getStatus().getMessage())
        .isEqualTo(
            "backing up data-db-1 (from its VolumeSnapshot nightly-snapshot, clone nightly-clone)"
                + " to s3://backups/prod/data-db-1/2030-01-02.030000.nightly");
    assertThat(condition(b, Conditions.BLOCKED)).startsWith("False JobCreated");
  }

  /** A CSI provisioner refuses a clone smaller than the snapshot's restoreSize. */
  @Test
  void theCloneIsAtLeastTheSnapshotsRestoreSize() {
    MysqlBackup b = snapshotBackup();
    reconcile(b);
    cluster.readySnapshot(SNAP, CUT, "12Gi");

    reconcile(b);

    assertThat(cluster.claims.get(CLONE).getSpec().getResources().getRequests().get("storage"))
        .isEqualTo(new Quantity("12Gi"));
  }

  @Test
  void aCloneOfAWaitForFirstConsumerClassGetsItsJobAtOnce() {
    cluster.storageClass("stowage-btrfs", "WaitForFirstConsumer");
    MysqlBackup b = snapshotBackup();
    reconcile(b);
    cluster.readySnapshot(SNAP, CUT);

    reconcile(b);

    assertThat(indexOf("create claim " + CLONE)).isLessThan(indexOf("create job nightly-backup"));
  }

  @Test
  void aStorageClassNameInTheSpecIsTheClonesClass() {
    cluster.storageClass("fast", "WaitForFirstConsumer");
    MysqlBackup b = snapshotBackup("      storageClassName: fast");
    reconcile(b);
    cluster.readySnapshot(SNAP, CUT);

    reconcile(b);

    assertThat(cluster.claims.get(CLONE).getSpec().getStorageClassName()).isEqualTo("fast");
  }

  @Test
  void theLiveDatabaseIsNeitherStoppedNorWaitedFor() {
    cluster.statefulSet("db", 3).pod("db-1", "data-db-1");

    running();

    assertThat(log).noneMatch(l -> l.startsWith("scale ") || l.startsWith("annotate "));
    assertThat(events.events).noneMatch(e -> e.contains("ClaimInUse"));
  }

  @Test
  void theCloneAndSnapshotAreDeletedAfterSuccessBeforeTheClaimIsGivenBack() {
    MysqlBackup b = running();
    cluster.finishJob("nightly-backup", true, 0, OK_RESULT);

    reconcile(b);

    assertThat(b.getStatus().getPhase()).isEqualTo(Phase.Succeeded);
    assertThat(cluster.claims).doesNotContainKey(CLONE).containsKey("data-db-1");
    assertThat(cluster.volumeSnapshots).isEmpty();
    assertThat(indexOf("delete claim " + CLONE))
        .isLessThan(indexOf("unlock stowage-claim-data-db-1"));
    assertThat(indexOf("delete volumesnapshot " + SNAP))
        .isLessThan(indexOf("unlock stowage-claim-data-db-1"));
    assertThat(cluster.locks).isEmpty();
    // The point in time the backup is of stays in status.
    assertThat(b.getStatus().getSnapshot().getCreationTime()).isEqualTo(CUT);
    reconcile(b); // again: nothing is deleted twice
    assertThat(log)
        .filteredOn(l -> l.startsWith("delete claim") || l.startsWith("delete volumesnapshot"))
        .hasSize(2);
  }

  /**
   * The pvc-protection controller counts a finished pod that names the clone: the finished Job goes
   * (only once its outcome is stored), or the clone would stay Terminating until the Job's TTL.
   */
  @Test
  void theFinishedJobGoesOnlyAfterItsOutcomeIsStoredWhileTheCloneIsLeft() {
    MysqlBackup b = running();
    cluster.finishJob("nightly-backup", true, 0, OK_RESULT);
    // As on a real cluster: the delete leaves the clone Terminating while a pod names it.
    cluster.claims.get(CLONE).getMetadata().setFinalizers(List.of("kubernetes.io/pvc-protection"));
    cluster.keepDeletedClaimsWithFinalizers = true;

    reconcile(b); // the outcome, then the clone's delete
    assertThat(log).doesNotContain("delete job nightly-backup");
    reconcile(b); // the next pass: the Job, whose pod holds the clone

    int stored = -1;
    for (int i = 0; i < log.size(); i++) {
      if (log.get(i).startsWith("status ") && log.get(i).contains("\"phase\":\"Succeeded\"")) {
        stored = i;
        break;
      }
    }
    assertThat(stored).isNotNegative();
    assertThat(stored).isLessThan(indexOf("delete job nightly-backup"));
    assertThat(b.getStatus().getPhase()).isEqualTo(Phase.Succeeded);
    reconcile(b);
    assertThat(log).filteredOn(l -> l.equals("delete job nightly-backup")).hasSize(1);
  }

  @Test
  void aJobIsKeptWhenItsCloneIsAlreadyGone() {
    MysqlBackup b = running();
    cluster.finishJob("nightly-backup", true, 0, OK_RESULT);

    reconcile(b);
    reconcile(b);

    assertThat(cluster.claims).doesNotContainKey(CLONE);
    assertThat(log).doesNotContain("delete job nightly-backup");
  }

  @Test
  void theCloneAndSnapshotAreDeletedAfterFailure() {
    MysqlBackup b = running();
    cluster.finishJob(
        "nightly-backup",
        false,
        3,
        "{\"status\":\"Failed\",\"exitCode\":3,\"error\":\"S3 refused the key\"}");

    reconcile(b);

    assertThat(b.getStatus().getPhase()).isEqualTo(Phase.Failed);
    assertThat(cluster.claims).doesNotContainKey(CLONE);
    assertThat(cluster.volumeSnapshots).isEmpty();
    assertThat(cluster.locks).isEmpty();
  }

  /** Seen with deploy/rbac.yaml without PVC delete: the backup never became Succeeded. */
  @Test
  void aRefusedCloneDeleteDoesNotKeepTheOutcomeFromBeingRecordedAndIsTriedAgain() {
    MysqlBackup b = running();
    cluster.finishJob("nightly-backup", true, 0, OK_RESULT);
    cluster.failNextClaimDelete =
        new io.fabric8.kubernetes.client.KubernetesClientException(
            new io.fabric8.kubernetes.api.model.StatusBuilder()
                .withCode(403)
                .withMessage("persistentvolumeclaims \"nightly-clone\" is forbidden")
                .build());

    reconcile(b);

    assertThat(b.getStatus().getPhase()).isEqualTo(Phase.Succeeded);
    assertThat(cluster.claims).containsKey(CLONE);
    assertThat(cluster.volumeSnapshots).isEmpty();
    assertThat(cluster.locks).isEmpty();
    assertThat(events.events)
        .contains(
            "Warning SnapshotCleanupFailed: could not delete PersistentVolumeClaim nightly-clone:"
                + " persistentvolumeclaims \"nightly-clone\" is forbidden; tried again on the next"
                + " reconcile, and it goes with this MysqlBackup");

    reconcile(b);

    assertThat(cluster.claims).doesNotContainKey(CLONE);
  }

  @Test
  void keepSnapshotKeepsTheSnapshotButNotTheClone() {
    MysqlBackup b = snapshotBackup("      keepSnapshot: true");
    reconcile(b);
    cluster.readySnapshot(SNAP, CUT);
    reconcile(b);
    cluster.bindClaim(CLONE);
    reconcile(b);
    cluster.finishJob("nightly-backup", true, 0, OK_RESULT);

    reconcile(b);

    assertThat(b.getStatus().getPhase()).isEqualTo(Phase.Succeeded);
    assertThat(cluster.claims).doesNotContainKey(CLONE);
    assertThat(cluster.volumeSnapshots).containsKey(SNAP);
  }

  @Test
  void deletingARunningSnapshotBackupCancelsItAndDeletesCloneAndSnapshot() {
    MysqlBackup b = running();
    cluster.startJob("nightly-backup");

    reconciler.cleanup(b, new TestContext<>(b));
    reconciler.cleanup(b, new TestContext<>(b));

    assertThat(log).contains("delete job nightly-backup");
    assertThat(cluster.claims).doesNotContainKey(CLONE);
    assertThat(cluster.volumeSnapshots).isEmpty();
    assertThat(cluster.locks).isEmpty();
  }

  @Test
  void deletingABackupWhoseSnapshotIsNotReadyYetDeletesTheSnapshot() {
    MysqlBackup b = snapshotBackup();
    reconcile(b);

    reconciler.cleanup(b, new TestContext<>(b));

    assertThat(cluster.volumeSnapshots).isEmpty();
    assertThat(log).noneMatch(l -> l.startsWith("create claim"));
    assertThat(cluster.locks).isEmpty();
  }

  @Test
  void aSnapshotErrorFailsTheBackupWithTheDriversMessage() {
    MysqlBackup b = snapshotBackup();
    reconcile(b);
    cluster.failSnapshot(
        SNAP, "rpc error: code = Internal desc = btrfs subvolume snapshot: ENOSPC");

    reconcile(b);

    assertThat(b.getStatus().getPhase()).isEqualTo(Phase.Failed);
    assertThat(condition(b, Conditions.READY)).startsWith("False SnapshotFailed");
    assertThat(b.getStatus().getMessage())
        .contains("VolumeSnapshot nightly-snapshot of data-db-1 failed: rpc error")
        .contains("btrfs subvolume snapshot: ENOSPC");
    assertThat(cluster.volumeSnapshots).isEmpty();
    assertThat(log)
        .noneMatch(l -> l.startsWith("create claim") || l.equals("create job nightly-backup"));
    assertThat(cluster.locks).isEmpty();
    assertThat(events.events).anyMatch(e -> e.startsWith("Warning Failed: VolumeSnapshot"));
  }

  @Test
  void aSnapshotNotReadyWithinItsDeadlineFailsTheBackup() {
    MysqlBackup b = snapshotBackup();
    reconcile(b);
    cluster.volumeSnapshots.get(SNAP).getMetadata().setCreationTimestamp("2030-01-02T02:50:00Z");

    reconcile(b);

    assertThat(b.getStatus().getPhase()).isEqualTo(Phase.Failed);
    assertThat(b.getStatus().getMessage())
        .contains("was not ready to use 10 minutes after it was created")
        .contains("snapshot-controller");
    assertThat(cluster.volumeSnapshots).isEmpty();
    assertThat(cluster.locks).isEmpty();
  }

  @Test
  void aCloneThatCannotBeProvisionedFailsWithTheDriversMessage() {
    MysqlBackup b = snapshotBackup();
    reconcile(b);
    cluster.readySnapshot(SNAP, CUT);
    reconcile(b);
    cluster.claims.get(CLONE).getMetadata().setCreationTimestamp("2030-01-02T02:50:00Z");
    cluster.provisioningFailures.put(
        CLONE,
        List.of(
            "failed to provision volume: snapshot not found",
            "failed to provision volume with StorageClass \"stowage-btrfs\": requested size"
                + " exceeds the pool"));

    reconcile(b);

    assertThat(b.getStatus().getPhase()).isEqualTo(Phase.Failed);
    assertThat(condition(b, Conditions.READY)).startsWith("False CloneNotProvisioned");
    assertThat(b.getStatus().getMessage())
        .contains("PersistentVolumeClaim nightly-clone (the clone of VolumeSnapshot")
        .contains("the driver said: failed to provision volume with StorageClass")
        .contains("requested size exceeds the pool");
    assertThat(cluster.claims).doesNotContainKey(CLONE);
    assertThat(cluster.volumeSnapshots).isEmpty();
    assertThat(cluster.jobs).doesNotContainKey("nightly-backup");
    assertThat(cluster.locks).isEmpty();
  }

  @Test
  void aCloneNotProvisionedWhenTheEnginePodCannotStartFailsWithTheDriversMessage() {
    cluster.storageClass("stowage-btrfs", "WaitForFirstConsumer");
    MysqlBackup b = snapshotBackup();
    reconcile(b);
    cluster.readySnapshot(SNAP, CUT);
    reconcile(b);
    cluster.provisioningFailures.put(CLONE, List.of("cannot clone: driver does not support it"));
    cluster.unschedulableJobPod(
        "nightly-backup",
        "0/1 nodes are available: pod has unbound immediate PersistentVolumeClaims.",
        "2030-01-02T03:00:00Z"); // past the engine pod's start deadline (2 minutes)

    reconcile(b);

    assertThat(b.getStatus().getPhase()).isEqualTo(Phase.Failed);
    assertThat(condition(b, Conditions.READY)).startsWith("False CloneNotProvisioned");
    assertThat(b.getStatus().getMessage())
        .contains("the driver said: cannot clone: driver does not support it")
        .contains("deleted Job nightly-backup");
    assertThat(cluster.jobs).doesNotContainKey("nightly-backup");
    assertThat(cluster.claims).doesNotContainKey(CLONE);
    assertThat(cluster.volumeSnapshots).isEmpty();
  }

  void assertBlockedWithNothingCreated(MysqlBackup b, String reason, String... inMessage) {
    assertThat(b.getStatus().getPhase()).isEqualTo(Phase.Pending);
    assertThat(condition(b, Conditions.BLOCKED)).startsWith("True " + reason + ": ");
    for (String m : inMessage) {
      assertThat(condition(b, Conditions.BLOCKED)).contains(m);
    }
    assertThat(log).noneMatch(l -> l.startsWith("create "));
    assertThat(cluster.locks).isEmpty();
    assertThat(events.events).anyMatch(e -> e.startsWith("Warning " + reason + ": "));
    assertThat(registry.find("stowage.backups.blocked").gauge().value()).isEqualTo(1);
  }

  @Test
  void withoutTheVolumeSnapshotApiTheBackupIsBlockedAndNothingIsCreated() {
    cluster.snapshotApi = false;
    MysqlBackup b = snapshotBackup();

    reconcile(b);

    assertBlockedWithNothingCreated(
        b,
        "SnapshotApiMissing",
        "does not serve VolumeSnapshots (snapshot.storage.k8s.io/v1)",
        "external-snapshotter");
  }

  @Test
  void withoutAClassForTheClaimsDriverTheBackupIsBlocked() {
    cluster.snapshotClasses.clear();
    cluster.snapshotClass("other", "ebs.csi.aws.com", true);
    MysqlBackup b = snapshotBackup();

    reconcile(b);

    assertBlockedWithNothingCreated(
        b,
        "NoVolumeSnapshotClass",
        "no VolumeSnapshotClass has driver btrfs.stowage.dev (the CSI driver of"
            + " PersistentVolumeClaim data-db-1)");
  }

  @Test
  void aNamedClassThatDoesNotExistBlocks() {
    MysqlBackup b = snapshotBackup("      volumeSnapshotClassName: gone");

    reconcile(b);

    assertBlockedWithNothingCreated(
        b,
        "NoVolumeSnapshotClass",
        "VolumeSnapshotClass gone (spec.source.snapshot.volumeSnapshotClassName) does not exist");
  }

  @Test
  void aVolumeThatIsNotCsiBlocks() {
    cluster.csiClaim("data-db-1", null, "local", "10Gi");
    MysqlBackup b = snapshotBackup();

    reconcile(b);

    assertBlockedWithNothingCreated(
        b, "NoVolumeSnapshotClass", "is not a CSI volume", "spec.source.quiesce");
  }

  /** The namespaced install: a RoleBinding cannot grant the cluster-scoped reads. */
  @Test
  void anOperatorThatMayNotReadSnapshotClassesBlocksNamingThePermissions() {
    cluster.snapshotClassesError =
        new io.fabric8.kubernetes.client.KubernetesClientException(
            new io.fabric8.kubernetes.api.model.StatusBuilder()
                .withCode(403)
                .withMessage(
                    "volumesnapshotclasses.snapshot.storage.k8s.io is forbidden: User"
                        + " \"system:serviceaccount:stowage-system:stowage-operator\" cannot list"
                        + " resource \"volumesnapshotclasses\"")
                .build());
    MysqlBackup b = snapshotBackup();

    reconcile(b);

    assertBlockedWithNothingCreated(
        b,
        "NoVolumeSnapshotClass",
        "the operator may not read what snapshot mode needs (volumesnapshotclasses",
        "get and list on volumesnapshotclasses");
  }

  @Test
  void theDriversDefaultClassIsChosenAmongSeveral() {
    cluster.snapshotClasses.clear();
    cluster
        .snapshotClass("a-plain", DRIVER, false)
        .snapshotClass("b-default", DRIVER, true)
        .snapshotClass("c-other", "ebs.csi.aws.com", true);
    MysqlBackup b = snapshotBackup();

    reconcile(b);

    assertThat(
            ((Map<?, ?>) cluster.volumeSnapshots.get(SNAP).getAdditionalProperties().get("spec"))
                .get("volumeSnapshotClassName"))
        .isEqualTo("b-default");
  }

  @Test
  void severalClassesForTheDriverAndNoDefaultBlock() {
    cluster.snapshotClasses.clear();
    cluster.snapshotClass("a", DRIVER, false).snapshotClass("b", DRIVER, false);
    MysqlBackup b = snapshotBackup();

    reconcile(b);

    assertBlockedWithNothingCreated(
        b, "NoVolumeSnapshotClass", "VolumeSnapshotClasses a, b all have driver");
  }

  @Test
  void aSnapshotBackupHoldsTheClaimLockUntilItsCloneIsGone() {
    MysqlBackup b = snapshotBackup();
    reconcile(b);
    MysqlBackup second = MysqlBackupReconcilerTest.backup("second", "", "Retain");
    reconcile(second);
    assertThat(condition(second, Conditions.BLOCKED))
        .startsWith("True WaitingForClaim: waiting for MysqlBackup/nightly");
    assertThat(cluster.locks.get("stowage-claim-data-db-1")).startsWith("MysqlBackup/nightly");
  }

  @Test
  void anOperatorRestartedAfterRecordingTheNamesCreatesTheSnapshotOnceUnderThem() {
    MysqlBackup b = snapshotBackup();
    reconcile(b); // records the names, creates the snapshot
    cluster.volumeSnapshots.clear(); // as if the crash came between the status write and the create
    log.clear();
    MysqlBackup reread = YAML.unmarshal(YAML.asYaml(b), MysqlBackup.class);
    reconciler = newReconciler();

    reconcile(reread);

    assertThat(log)
        .filteredOn(l -> l.startsWith("create volumesnapshot"))
        .containsExactly("create volumesnapshot " + SNAP);
    assertThat(reread.getStatus().getSnapshot().getName()).isEqualTo(SNAP);
  }

  @Test
  void anOperatorRestartedMidwayReusesWhatItRecordedAndDuplicatesNothing() {
    MysqlBackup b = snapshotBackup();
    reconcile(b);
    // Restart while the snapshot is being cut.
    MysqlBackup reread = YAML.unmarshal(YAML.asYaml(b), MysqlBackup.class);
    reconciler = newReconciler();
    reconcile(reread);
    cluster.readySnapshot(SNAP, CUT);
    reconcile(reread);
    // Restart while the clone is provisioned.
    MysqlBackup again = YAML.unmarshal(YAML.asYaml(reread), MysqlBackup.class);
    reconciler = newReconciler();
    reconcile(again);
    cluster.bindClaim(CLONE);
    reconcile(again);
    // Restart while the Job runs.
    MysqlBackup third = YAML.unmarshal(YAML.asYaml(again), MysqlBackup.class);
    reconciler = newReconciler();
    reconcile(third);
    cluster.finishJob("nightly-backup", true, 0, OK_RESULT);
    reconcile(third);

    assertThat(log).filteredOn(l -> l.startsWith("create volumesnapshot")).hasSize(1);
    assertThat(log).filteredOn(l -> l.startsWith("create claim")).hasSize(1);
    assertThat(log).filteredOn(l -> l.equals("create job nightly-backup")).hasSize(1);
    assertThat(log).filteredOn(l -> l.equals("create job nightly-check")).hasSize(1);
    assertThat(third.getStatus().getPhase()).isEqualTo(Phase.Succeeded);
    assertThat(cluster.claims).doesNotContainKey(CLONE);
    assertThat(cluster.volumeSnapshots).isEmpty();
  }

  @Test
  void aForeignVolumeSnapshotOfTheNameIsNeverUsedNorDeleted() {
    GenericKubernetesResource foreign = new GenericKubernetesResource();
    foreign.setApiVersion("snapshot.storage.k8s.io/v1");
    foreign.setKind("VolumeSnapshot");
    foreign.setMetadata(
        new ObjectMetaBuilder()
            .withName(SNAP)
            .withNamespace("prod")
            .withLabels(Map.of("stowage.dev/owner-uid", "uid-nightly"))
            .build());
    cluster.volumeSnapshots.put(SNAP, foreign);
    MysqlBackup b = snapshotBackup();

    reconcile(b);

    assertThat(b.getStatus().getPhase()).isEqualTo(Phase.Failed);
    assertThat(b.getStatus().getMessage())
        .contains("a VolumeSnapshot nightly-snapshot exists that this MysqlBackup did not create");
    assertThat(cluster.volumeSnapshots).containsKey(SNAP);
    assertThat(log).noneMatch(l -> l.startsWith("delete volumesnapshot"));
  }

  @Test
  void aForeignClaimOfTheCloneNameIsNeverReadNorDeleted() {
    cluster.claims.put(
        CLONE,
        new PersistentVolumeClaimBuilder()
            .withNewMetadata()
            .withName(CLONE)
            .withNamespace("prod")
            .addToLabels("app.kubernetes.io/managed-by", "stowage-operator")
            .endMetadata()
            .build());
    MysqlBackup b = snapshotBackup();
    reconcile(b);
    cluster.readySnapshot(SNAP, CUT);

    reconcile(b);

    assertThat(b.getStatus().getPhase()).isEqualTo(Phase.Failed);
    assertThat(b.getStatus().getMessage())
        .contains("a PersistentVolumeClaim nightly-clone exists that this MysqlBackup did not");
    assertThat(cluster.claims).containsKey(CLONE);
    assertThat(log).doesNotContain("delete claim " + CLONE);
    assertThat(cluster.jobs).doesNotContainKey("nightly-backup");
    assertThat(cluster.volumeSnapshots).isEmpty(); // its own snapshot is still cleaned up
  }

  /** Status is not an input (issue 15, finding 10): a clone name written by someone else. */
  @Test
  void aStatusNamingAnotherCloneClaimIsRefusedAndThatClaimIsNotTouched() {
    cluster.claim("precious");
    MysqlBackup b = snapshotBackup();
    reconcile(b);
    b.getStatus().getSnapshot().setCloneClaim("precious");

    reconcile(b);

    assertThat(b.getStatus().getPhase()).isEqualTo(Phase.Failed);
    assertThat(condition(b, Conditions.READY)).startsWith("False StatusMismatch");
    assertThat(b.getStatus().getMessage())
        .contains(
            "status.snapshot.cloneClaim of MysqlBackup nightly is precious but its spec and"
                + " metadata give nightly-clone");
    assertThat(cluster.claims).containsKey("precious");
    assertThat(log).doesNotContain("delete claim precious");
  }
}
