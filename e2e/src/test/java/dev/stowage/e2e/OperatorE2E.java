package dev.stowage.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.stowage.api.v1alpha1.ClusterBackupStore;
import dev.stowage.api.v1alpha1.Compression;
import dev.stowage.api.v1alpha1.CompressionEngine;
import dev.stowage.api.v1alpha1.Condition;
import dev.stowage.api.v1alpha1.ConditionStatus;
import dev.stowage.api.v1alpha1.DeletionPolicy;
import dev.stowage.api.v1alpha1.MysqlBackup;
import dev.stowage.api.v1alpha1.MysqlBackupSpec;
import dev.stowage.api.v1alpha1.MysqlBackupStatus;
import dev.stowage.api.v1alpha1.MysqlRestore;
import dev.stowage.api.v1alpha1.MysqlRestoreStatus;
import dev.stowage.api.v1alpha1.Phase;
import dev.stowage.api.v1alpha1.QuiesceStatus;
import dev.stowage.api.v1alpha1.StoreRef;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The operator, installed from deploy/ (Deployment stowage-system/stowage-operator), on a real
 * cluster: MysqlBackup and MysqlRestore resources of a MariaDB StatefulSet, stored in S3
 * (VersityGW). Each test has its own namespace, MariaDB StatefulSet and S3 prefix; the S3 server is
 * shared, in a namespace of its own.
 */
class OperatorE2E {

  static final String BUCKET = "backups";
  static final String CREDENTIALS = "s3-credentials";

  /** The StatefulSet of every test; its pod mounts the claim data-db-0. */
  static final String DB = "db";

  static final Duration BACKUP_TIMEOUT = Duration.ofMinutes(5);
  static final Duration POLL = Duration.ofMillis(500);

  static KubernetesClient client;
  static S3Server s3;
  static final List<String> namespaces = new ArrayList<>();

  String ns;
  MariaDb db;

  /** ClusterBackupStores the tests made: cluster-scoped, so not deleted with a namespace. */
  static final List<String> stores = new java.util.ArrayList<>();

  @BeforeAll
  static void operatorAndS3() throws Exception {
    client = Cluster.connect();
    Operator.requireAvailable(client, Duration.ofMinutes(2));
    String s3Namespace = Cluster.createNamespace(client, "stowage-e2e-s3-");
    namespaces.add(s3Namespace);
    s3 = S3Server.start(client, s3Namespace, BUCKET);
  }

  @BeforeEach
  void namespace() {
    // An earlier test may have replaced the operator pod; each test starts with one that is
    // Available.
    Operator.requireAvailable(client, Duration.ofMinutes(2));
    ns = Cluster.createNamespace(client, "stowage-e2e-op-");
    namespaces.add(ns);
    db = new MariaDb(client, ns).withPasswordSecret();
    s3.credentialsSecret(ns, CREDENTIALS, true);
  }

  @AfterEach
  void deleteNamespace() {
    if (!Cluster.keepNamespaces()) {
      client.namespaces().withName(ns).delete();
    }
  }

  @AfterAll
  static void cleanup() {
    if (client == null) {
      return;
    }
    try {
      stores.forEach(name -> client.resources(ClusterBackupStore.class).withName(name).delete());
      if (!Cluster.keepNamespaces()) {
        namespaces.forEach(n -> client.namespaces().withName(n).delete());
        Cluster.awaitNamespacesGone(client, namespaces);
      }
    } finally {
      client.close();
    }
  }

  // ---------------------------------------------------------------- tests

  /**
   * A backup of a StatefulSet's claim (quiesced by scaling it down) to S3, and a restore of it,
   * applied together, into a claim the operator creates: the restored server has the same tables.
   */
  @Test
  void backupToS3AndRestoreIntoANewClaimGiveIdenticalTables() {
    String expected = startShop(0);
    // Through the administrators' store (issue 15, finding 2): its bucket and credentials, the
    // engine reading the keys from the mounted Secret.
    String store = ns;
    client.resource(StowageObjects.clusterStore(store, ns, s3, CREDENTIALS)).serverSideApply();
    stores.add(store);

    createBackup(
        "full",
        spec -> {
          spec.getStorage().setS3(null);
          spec.getStorage().setStoreRef(new StoreRef(null, store));
        });
    createRestore("full-restore", "full", "restored");
    Observations seen = new Observations();
    MysqlBackup backup =
        awaitBackups(seen, () -> restoreWaits("full-restore", "full", seen), "full").get("full");

    assertPhase(backup, Phase.Succeeded);
    assertThat(seen.violations).as("while the backup ran").isEmpty();
    assertThat(seen.blocked.getOrDefault("full-restore", Set.of()))
        .as("Blocked conditions of full-restore while full ran (seen: %s)", seen.blocked)
        .anySatisfy(c -> assertThat(c).startsWith("(WaitingForBackup) ").contains("full"));
    MysqlBackupStatus status = backup.getStatus();
    long generation = backup.getMetadata().getGeneration();
    assertThat(status.getObservedGeneration()).isEqualTo(generation);
    assertThat(status.getLocation()).isEqualTo("clusterbackupstore://" + store);
    assertThat(status.getDirectory()).isNotBlank();
    assertThat(status.getBackupName()).isNotBlank();
    assertThat(status.getFiles()).isPositive();
    assertThat(status.getBytesRead()).isPositive();
    assertThat(status.getBytesStored()).isPositive();
    assertThat(status.getStartTime()).isNotBlank();
    assertThat(status.getCompletionTime()).isNotBlank();
    assertThat(Instant.parse(status.getCompletionTime()))
        .isAfterOrEqualTo(Instant.parse(status.getStartTime()));
    assertThat(status.getEngineVersion()).isNotBlank();
    // Issue 13: the engine's progress lines, read from its pod's log (pods/log RBAC).
    assertThat(status.getProgress()).as("status.progress").isNotNull();
    assertThat(status.getProgress().getPercent()).isEqualTo(100);
    assertThat(status.getProgress().getBytesDone()).isEqualTo(status.getBytesRead());
    assertThat(status.getProgress().getDisplay()).startsWith("100% of ");
    assertThat(status.getConditions())
        .isNotEmpty()
        .allSatisfy(
            c ->
                assertThat(c.getObservedGeneration())
                    .as("observedGeneration of %s", c)
                    .isEqualTo(generation));
    assertThat(condition(status.getConditions(), "Ready"))
        .as("Ready condition")
        .isNotNull()
        .extracting(Condition::getStatus)
        .isEqualTo(ConditionStatus.True);
    assertQuiesceUndone(status);
    db.awaitReady(DB, Duration.ofMinutes(3));
    String storedUnder = "e2e/" + ns + "/" + status.getDirectory() + "/" + status.getBackupName();
    assertThat(status.getDirectory()).startsWith(ns + "/");
    assertThat(s3.exists(storedUnder + "/MANIFEST"))
        .as("MANIFEST of %s in the store's bucket, under its prefix", status.getBackupName())
        .isTrue();

    MysqlRestore restore = awaitRestore("full-restore");
    assertPhase(restore, Phase.Succeeded);
    MysqlRestoreStatus restored = restore.getStatus();
    assertThat(restored.getBackupName()).isEqualTo(status.getBackupName());
    assertThat(restored.getTargetPersistentVolumeClaim()).isEqualTo("restored");
    assertThat(restored.getFiles()).isEqualTo(status.getFiles());
    assertThat(restored.getBytesWritten()).isPositive();
    assertThat(restored.getProgress().getPercent()).isEqualTo(100);
    assertThat(restored.getCompletionTime()).isNotBlank();
    assertThat(condition(restored.getConditions(), "Ready"))
        .as("Ready condition")
        .isNotNull()
        .extracting(Condition::getStatus)
        .isEqualTo(ConditionStatus.True);

    db.startPodOnClaim("restored-db", "restored");
    assertThat(db.sql("read-restored", "restored-db", READ)).isEqualTo(expected);
  }

  /**
   * The operator pod deleted while the engine Job of a backup runs: the new operator pod finishes
   * the backup from what it finds (the Job, the replica count in status) and scales the StatefulSet
   * back.
   */
  @Test
  void operatorRestartedDuringABackupStillFinishesItAndScalesTheStatefulSetBack() {
    // ~8 MB of hex text at zstd level 19 on one thread (~0.5 MB/s here) keeps the engine busy for
    // half a minute or more, long enough to replace the operator pod under it.
    startShop(8000);
    createBackup(
        "slow",
        spec -> {
          spec.setConcurrency(1);
          Compression compression = new Compression();
          compression.setEngine(CompressionEngine.ZSTD);
          compression.setLevel(19);
          spec.setCompression(compression);
        });
    Observations seen = new Observations();
    awaitOrExplain(
        "engine container of slow-backup running",
        Duration.ofMinutes(3),
        () -> {
          seen.check(DB, List.of("slow"));
          return engineRunning("slow-backup");
        },
        "slow");
    Job job = client.batch().v1().jobs().inNamespace(ns).withName("slow-backup").get();
    String jobUid = job.getMetadata().getUid();

    List<Pod> old = Operator.pods(client);
    assertThat(old).as("operator pods").isNotEmpty();
    Set<String> oldNames =
        old.stream().map(p -> p.getMetadata().getName()).collect(Collectors.toSet());
    assertThat(engineRunning("slow-backup"))
        .as("the backup still runs when the operator pod is deleted")
        .isTrue();
    Instant deleted = Instant.now();
    oldNames.forEach(n -> client.pods().inNamespace(Operator.NAMESPACE).withName(n).delete());
    awaitOrExplain(
        "a new operator pod Ready and the old one gone",
        Duration.ofMinutes(3),
        () -> {
          seen.check(DB, List.of("slow"));
          List<Pod> now = Operator.pods(client);
          return now.stream().noneMatch(p -> oldNames.contains(p.getMetadata().getName()))
              && now.stream().anyMatch(Operator::ready);
        },
        "slow");
    Instant newReady = Instant.now();
    boolean stillRunning = engineRunning("slow-backup");

    MysqlBackup backup = awaitBackups(seen, null, "slow").get("slow");
    assertPhase(backup, Phase.Succeeded);
    assertThat(seen.violations).as("while the backup ran").isEmpty();
    Job after = client.batch().v1().jobs().inNamespace(ns).withName("slow-backup").get();
    assertThat(after.getMetadata().getUid()).as("the Job was not replaced").isEqualTo(jobUid);
    assertThat(client.pods().inNamespace(ns).withLabel("job-name", "slow-backup").list().getItems())
        .as("engine pods of slow-backup")
        .hasSize(1);
    assertThat(backup.getStatus().getFiles()).isPositive();
    assertQuiesceUndone(backup.getStatus());
    db.awaitReady(DB, Duration.ofMinutes(3));
    System.out.printf(
        "operator restart: old pod(s) %s deleted at %s; new pod Ready at %s (engine still running then: %s);"
            + " Job ran %s .. %s; backup %.1f s%n",
        oldNames,
        deleted,
        newReady,
        stillRunning,
        after.getStatus().getStartTime(),
        after.getStatus().getCompletionTime(),
        backup.getStatus().getDurationSeconds());
  }

  /** Two backups of one claim created together: both succeed, one engine Job after the other. */
  @Test
  void twoBackupsOfOneClaimRunOneAfterTheOther() {
    startShop(0);
    createBackup("first", spec -> {});
    createBackup("second", spec -> {});
    Observations seen = new Observations();
    Map<String, MysqlBackup> done = awaitBackups(seen, null, "first", "second");

    assertPhase(done.get("first"), Phase.Succeeded);
    assertPhase(done.get("second"), Phase.Succeeded);
    assertThat(seen.violations).as("while the backups ran").isEmpty();
    assertThat(seen.overlaps).as("moments when both engine containers ran").isEmpty();
    List<Job> jobs =
        new ArrayList<>(List.of(seen.lastJob("first-backup"), seen.lastJob("second-backup")));
    jobs.sort(Comparator.comparing(j -> Instant.parse(j.getStatus().getStartTime())));
    Job earlier = jobs.get(0);
    Job later = jobs.get(1);
    assertThat(Instant.parse(later.getStatus().getStartTime()))
        .as(
            "%s started after %s completed",
            later.getMetadata().getName(), earlier.getMetadata().getName())
        .isAfterOrEqualTo(Instant.parse(earlier.getStatus().getCompletionTime()));
    String waiter = later.getMetadata().getName().replace("-backup", "");
    String other = earlier.getMetadata().getName().replace("-backup", "");
    assertThat(seen.blocked.getOrDefault(waiter, Set.of()))
        .as("Blocked conditions of %s while %s ran (seen: %s)", waiter, other, seen.blocked)
        .isNotEmpty()
        .anySatisfy(
            c -> assertThat(c).startsWith("(WaitingForClaim) ").contains("MysqlBackup/" + other));
    assertQuiesceUndone(done.get("first").getStatus());
    assertQuiesceUndone(done.get("second").getStatus());
    assertThat(done.get("first").getStatus().getBackupName())
        .isNotEqualTo(done.get("second").getStatus().getBackupName());
    assertThat(s3.exists(manifestKey(done.get("first")))).isTrue();
    assertThat(s3.exists(manifestKey(done.get("second")))).isTrue();
    db.awaitReady(DB, Duration.ofMinutes(3));
  }

  /**
   * A wrong secret key: the backup fails with the engine's explanation, and the StatefulSet comes
   * back.
   */
  @Test
  void backupWithAWrongSecretKeyFailsSayingSo() {
    startShop(0);
    s3.credentialsSecret(ns, "wrong-credentials", false);
    createBackup(
        "wrong-key",
        spec -> {
          spec.getStorage().getS3().getCredentialsSecretRef().setName("wrong-credentials");
          spec.setBackoffLimit(0);
        });
    Observations seen = new Observations();
    MysqlBackup backup = awaitBackups(seen, null, "wrong-key").get("wrong-key");

    assertPhase(backup, Phase.Failed);
    assertThat(seen.violations).as("while the backup ran").isEmpty();
    // The engine's words (S3Errors): its first request is a HEAD of the MANIFEST, and an S3 error
    // answer to a HEAD has no body, so VersityGW's SignatureDoesNotMatch arrives as a bare 403.
    assertThat(backup.getStatus().getMessage())
        .satisfiesAnyOf(
            m -> assertThat(m).contains("the secret key does not match the access key"),
            m -> assertThat(m).contains("access denied; check the credentials"))
        .contains("exit code 3")
        .doesNotContain("not-the-secret-");
    assertThat(client.v1().events().inNamespace(ns).list().getItems())
        .as("events of MysqlBackup wrong-key")
        .anySatisfy(
            e -> {
              assertThat(e.getInvolvedObject().getName()).isEqualTo("wrong-key");
              assertThat(e.getType()).isEqualTo("Warning");
              assertThat(e.getMessage()).isEqualTo(backup.getStatus().getMessage());
            });
    assertThat(condition(backup.getStatus().getConditions(), "Ready"))
        .as("Ready condition")
        .isNotNull()
        .extracting(Condition::getStatus)
        .isNotEqualTo(ConditionStatus.True);
    // Issue 17, item 2: the pre-flight check found the wrong key before anything was stopped.
    assertThat(backup.getStatus().getMessage()).contains("nothing was stopped");
    assertThat(backup.getStatus().getQuiesce()).as("status.quiesce: never scaled").isNull();
    db.awaitReady(DB, Duration.ofMinutes(3));
    assertThat(s3.list("e2e/" + ns))
        .as("objects stored by a backup that could not authenticate")
        .doesNotContain("MANIFEST");
  }

  /**
   * deletionPolicy Delete: deleting the resource removes its stored backup, and only it, before the
   * resource goes away.
   */
  @Test
  void deletingABackupWithDeletionPolicyDeleteRemovesItsStoredBackup() {
    startShop(0);
    createBackup("keep", spec -> {});
    createBackup("drop", spec -> spec.setDeletionPolicy(DeletionPolicy.Delete));
    Map<String, MysqlBackup> done = awaitBackups(new Observations(), null, "keep", "drop");
    assertPhase(done.get("keep"), Phase.Succeeded);
    assertPhase(done.get("drop"), Phase.Succeeded);
    MysqlBackup drop = done.get("drop");
    assertThat(drop.getMetadata().getFinalizers()).as("finalizers of drop").isNotEmpty();
    String dropDir = backupDir(drop);
    String keepManifest = manifestKey(done.get("keep"));
    assertThat(s3.exists(manifestKey(drop))).as("MANIFEST of drop before the delete").isTrue();
    assertThat(s3.exists(keepManifest)).as("MANIFEST of keep").isTrue();

    client.resources(MysqlBackup.class).inNamespace(ns).withName("drop").delete();
    awaitOrExplain(
        "MysqlBackup drop gone",
        Duration.ofMinutes(3),
        () -> client.resources(MysqlBackup.class).inNamespace(ns).withName("drop").get() == null,
        "drop");

    assertThat(s3.list(dropDir)).as("objects left under %s", dropDir).isEmpty();
    assertThat(s3.exists(keepManifest))
        .as("MANIFEST of keep (Retain) after drop was deleted")
        .isTrue();
    assertThat(client.resources(MysqlBackup.class).inNamespace(ns).withName("keep").get())
        .isNotNull();
  }

  // ---------------------------------------------------------------- MariaDB

  static final String READ = ShopData.READ;

  /**
   * Starts the StatefulSet {@value #DB} and writes the shop tables, plus {@code blobRows} rows of 1
   * KiB of hex text; returns what {@link #READ} gives.
   */
  private String startShop(int blobRows) {
    db.startStatefulSet(DB);
    return ShopData.write(db, DB, blobRows);
  }

  // ---------------------------------------------------------------- resources

  private MysqlBackup createBackup(String name, Consumer<MysqlBackupSpec> adjust) {
    MysqlBackupSpec spec = StowageObjects.s3BackupOf(DB, ns, s3, CREDENTIALS);
    adjust.accept(spec);
    MysqlBackup backup = new MysqlBackup();
    backup.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(ns).build());
    backup.setSpec(spec);
    return client.resources(MysqlBackup.class).inNamespace(ns).resource(backup).create();
  }

  private MysqlRestore createRestore(String name, String backup, String claim) {
    return client
        .resources(MysqlRestore.class)
        .inNamespace(ns)
        .resource(StowageObjects.restoreIntoNewClaim(ns, name, backup, claim))
        .create();
  }

  private MysqlBackup getBackup(String name) {
    return client.resources(MysqlBackup.class).inNamespace(ns).withName(name).get();
  }

  private MysqlRestore getRestore(String name) {
    return client.resources(MysqlRestore.class).inNamespace(ns).withName(name).get();
  }

  private static String backupDir(MysqlBackup b) {
    return b.getSpec().getStorage().getS3().getPrefix()
        + "/"
        + b.getStatus().getDirectory()
        + "/"
        + b.getStatus().getBackupName();
  }

  private static String manifestKey(MysqlBackup b) {
    return backupDir(b) + "/MANIFEST";
  }

  private static Condition condition(List<Condition> conditions, String type) {
    return conditions == null
        ? null
        : conditions.stream().filter(c -> type.equals(c.getType())).findFirst().orElse(null);
  }

  private static boolean terminal(Phase phase) {
    return phase == Phase.Succeeded || phase == Phase.Failed;
  }

  private void assertPhase(HasMetadata resource, Phase phase) {
    Phase actual =
        resource instanceof MysqlBackup b
            ? (b.getStatus() == null ? null : b.getStatus().getPhase())
            : ((MysqlRestore) resource).getStatus() == null
                ? null
                : ((MysqlRestore) resource).getStatus().getPhase();
    if (actual != phase) {
      throw new AssertionError(
          resource.getKind()
              + " "
              + resource.getMetadata().getName()
              + " is "
              + actual
              + ", expected "
              + phase
              + "\n"
              + diagnostics(resource.getMetadata().getName()));
    }
  }

  /** The operator recorded the replica count before scaling down, and scaled back to it. */
  private static void assertQuiesceUndone(MysqlBackupStatus status) {
    QuiesceStatus quiesce = status.getQuiesce();
    assertThat(quiesce).as("status.quiesce").isNotNull();
    assertThat(quiesce.getStatefulSet()).isEqualTo(DB);
    assertThat(quiesce.getOriginalReplicas()).as("status.quiesce.originalReplicas").isEqualTo(1);
    assertThat(quiesce.getScaledDownTime()).as("status.quiesce.scaledDownTime").isNotBlank();
    assertThat(quiesce.getRestoredTime()).as("status.quiesce.restoredTime").isNotBlank();
    assertThat(condition(status.getConditions(), "Quiesced"))
        .as("Quiesced condition")
        .isNotNull()
        .extracting(Condition::getStatus)
        .isEqualTo(ConditionStatus.False);
  }

  // ---------------------------------------------------------------- waiting and watching

  /** What the test saw while it polled. */
  final class Observations {
    /** Moments when the quiesce contract was broken: a server or replica while an engine ran. */
    final List<String> violations = new ArrayList<>();

    /** Moments when two engine containers of the watched backups ran at once. */
    final List<String> overlaps = new ArrayList<>();

    /** Per resource: every distinct Blocked=True condition, as "(reason) message". */
    final Map<String, Set<String>> blocked = new LinkedHashMap<>();

    private final Map<String, Job> jobs = new HashMap<>();

    Job lastJob(String name) {
      Job job = jobs.get(name);
      if (job == null) {
        job = client.batch().v1().jobs().inNamespace(ns).withName(name).get();
      }
      assertThat(job).as("Job %s", name).isNotNull();
      return job;
    }

    void blocked(String name, List<Condition> conditions) {
      Condition c = condition(conditions, "Blocked");
      if (c != null && c.getStatus() == ConditionStatus.True) {
        blocked
            .computeIfAbsent(name, k -> new LinkedHashSet<>())
            .add("(" + c.getReason() + ") " + c.getMessage());
      }
    }

    /**
     * Reads the engine pods, then the StatefulSet and its pod, then the engine pods again: an
     * engine running at both ends ran while the StatefulSet was read.
     */
    void check(String statefulSet, List<String> backups) {
      List<String> before = runningEngines(backups);
      for (String b : backups) {
        Job job = client.batch().v1().jobs().inNamespace(ns).withName(b + "-backup").get();
        if (job != null) {
          jobs.put(b + "-backup", job);
        }
      }
      if (before.isEmpty()) {
        return;
      }
      StatefulSet sts = client.apps().statefulSets().inNamespace(ns).withName(statefulSet).get();
      Pod server = client.pods().inNamespace(ns).withName(statefulSet + "-0").get();
      List<String> after = runningEngines(backups);
      List<String> both = before.stream().filter(after::contains).toList();
      if (both.isEmpty()) {
        return;
      }
      Instant now = Instant.now();
      if (both.size() > 1) {
        overlaps.add(now + ": " + both);
      }
      Integer replicas = sts == null ? null : sts.getSpec().getReplicas();
      if (replicas == null || replicas != 0) {
        violations.add(
            now
                + ": StatefulSet "
                + statefulSet
                + " has spec.replicas "
                + replicas
                + " while "
                + both
                + " ran");
      }
      if (server != null && running(server)) {
        violations.add(
            now
                + ": pod "
                + statefulSet
                + "-0 runs ("
                + server.getStatus().getPhase()
                + ") while "
                + both
                + " ran");
      }
    }
  }

  /** Pods (of the Jobs of these backups) with a running container. */
  private List<String> runningEngines(List<String> backups) {
    List<String> running = new ArrayList<>();
    for (String b : backups) {
      for (Pod p :
          client.pods().inNamespace(ns).withLabel("job-name", b + "-backup").list().getItems()) {
        if (running(p)) {
          running.add(p.getMetadata().getName());
        }
      }
    }
    return running;
  }

  private boolean engineRunning(String job) {
    return client.pods().inNamespace(ns).withLabel("job-name", job).list().getItems().stream()
        .anyMatch(OperatorE2E::running);
  }

  private static boolean running(Pod p) {
    List<ContainerStatus> statuses =
        p.getStatus() == null ? null : p.getStatus().getContainerStatuses();
    return statuses != null
        && statuses.stream()
            .anyMatch(s -> s.getState() != null && s.getState().getRunning() != null);
  }

  /** While a backup has not Succeeded, a restore of it must not have a Job. */
  private void restoreWaits(String restore, String backup, Observations seen) {
    MysqlRestore r = getRestore(restore);
    if (r != null && r.getStatus() != null) {
      seen.blocked(restore, r.getStatus().getConditions());
    }
    MysqlBackup b = getBackup(backup);
    boolean jobExists =
        client.batch().v1().jobs().inNamespace(ns).withName(restore + "-restore").get() != null;
    MysqlBackup again = getBackup(backup);
    boolean succeeded =
        again != null
            && again.getStatus() != null
            && again.getStatus().getPhase() == Phase.Succeeded;
    if (jobExists && !succeeded) {
      seen.violations.add(
          Instant.now()
              + ": Job "
              + restore
              + "-restore exists while MysqlBackup "
              + backup
              + " is "
              + (b == null || b.getStatus() == null ? null : b.getStatus().getPhase()));
    }
  }

  /**
   * Polls the backups until every one is Succeeded or Failed, watching the StatefulSet {@value #DB}
   * (and running {@code extra}, if any) on each round.
   */
  private Map<String, MysqlBackup> awaitBackups(
      Observations seen, Runnable extra, String... names) {
    Map<String, MysqlBackup> last = new LinkedHashMap<>();
    awaitOrExplain(
        "MysqlBackup " + String.join(", ", names) + " Succeeded or Failed",
        BACKUP_TIMEOUT,
        () -> {
          seen.check(DB, List.of(names));
          if (extra != null) {
            extra.run();
          }
          boolean all = true;
          for (String name : names) {
            MysqlBackup b = getBackup(name);
            last.put(name, b);
            MysqlBackupStatus st = b == null ? null : b.getStatus();
            if (st != null) {
              seen.blocked(name, st.getConditions());
            }
            all &= st != null && terminal(st.getPhase());
          }
          return all;
        },
        names);
    return last;
  }

  private MysqlRestore awaitRestore(String name) {
    awaitOrExplain(
        "MysqlRestore " + name + " Succeeded or Failed",
        BACKUP_TIMEOUT,
        () -> {
          MysqlRestore r = getRestore(name);
          return r != null && r.getStatus() != null && terminal(r.getStatus().getPhase());
        },
        name);
    return getRestore(name);
  }

  /** Awaits a condition; on time-out fails with what the resources, Jobs, pods and operator say. */
  private void awaitOrExplain(
      String what, Duration timeout, Callable<Boolean> condition, String... resources) {
    try {
      await(what).atMost(timeout).pollInterval(POLL).until(condition);
    } catch (ConditionTimeoutException e) {
      throw new AssertionError(
          what + ": not after " + timeout.toSeconds() + " s\n" + diagnostics(resources), e);
    }
  }

  // ---------------------------------------------------------------- diagnostics

  /**
   * The resources, the Jobs and pods of the namespace, engine logs, events and the operator's log.
   */
  private String diagnostics(String... resources) {
    StringBuilder out = new StringBuilder();
    try {
      for (String name : resources) {
        MysqlBackup b = getBackup(name);
        if (b != null) {
          out.append("----- MysqlBackup ").append(name).append('\n').append(yaml(b));
        }
        MysqlRestore r = getRestore(name);
        if (r != null) {
          out.append("----- MysqlRestore ").append(name).append('\n').append(yaml(r));
        }
      }
      out.append("----- Jobs\n");
      for (Job j : client.batch().v1().jobs().inNamespace(ns).list().getItems()) {
        out.append(j.getMetadata().getName()).append(": ").append(yaml(j.getStatus()));
      }
      out.append("----- StatefulSet ").append(DB).append(": ");
      StatefulSet sts = client.apps().statefulSets().inNamespace(ns).withName(DB).get();
      out.append(
          sts == null
              ? "none\n"
              : "spec.replicas "
                  + sts.getSpec().getReplicas()
                  + ", status "
                  + yaml(sts.getStatus()));
      out.append("----- pods\n");
      for (Pod p : client.pods().inNamespace(ns).list().getItems()) {
        out.append(p.getMetadata().getName())
            .append(' ')
            .append(p.getStatus().getPhase())
            .append('\n');
        if (p.getMetadata().getLabels() != null
            && p.getMetadata().getLabels().containsKey("job-name")) {
          out.append("  log: ")
              .append(Objects.toString(tail(p.getMetadata().getName())))
              .append('\n');
          if (p.getStatus().getContainerStatuses() != null) {
            p.getStatus().getContainerStatuses().stream()
                .filter(s -> s.getState() != null && s.getState().getTerminated() != null)
                .forEach(
                    s ->
                        out.append("  terminated: exit ")
                            .append(s.getState().getTerminated().getExitCode())
                            .append(", message ")
                            .append(s.getState().getTerminated().getMessage())
                            .append('\n'));
          }
        }
      }
      out.append("----- events\n");
      out.append(Cluster.events(client, ns));
    } catch (RuntimeException e) {
      out.append("(diagnostics cut short: ").append(e).append(")\n");
    }
    out.append(Operator.logs(client, 80));
    return out.toString();
  }

  private String tail(String pod) {
    try {
      return client.pods().inNamespace(ns).withName(pod).tailingLines(30).getLog();
    } catch (RuntimeException e) {
      return "(no logs: " + e.getMessage() + ")";
    }
  }

  private static String yaml(Object o) {
    return client.getKubernetesSerialization().asYaml(o);
  }
}
