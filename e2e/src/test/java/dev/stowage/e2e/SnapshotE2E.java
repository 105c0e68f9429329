package dev.stowage.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.stowage.api.v1alpha1.MysqlBackupSpec;
import dev.stowage.api.v1alpha1.MysqlRestore;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceList;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.ExecWatch;
import io.fabric8.kubernetes.client.dsl.MixedOperation;
import io.fabric8.kubernetes.client.dsl.NonNamespaceOperation;
import io.fabric8.kubernetes.client.dsl.Resource;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Issue 11's proof on a real cluster whose CSI driver takes atomic snapshots (the local cluster's
 * btrfs-csi, StorageClass and VolumeSnapshotClass {@value #BTRFS}): a MariaDB under continuous
 * autocommit inserts is backed up in snapshot mode (CrashConsistent) without a restart or a write
 * error, and the restored copy holds exactly the ids 1..N, a prefix of what was committed that
 * includes everything committed before the snapshot. One namespace and one MariaDB StatefulSet for
 * the class.
 *
 * <p>The MysqlBackups are written and read as raw objects ({@link GenericKubernetesResource}), not
 * through the typed API classes, so that this class compiles against a crds jar with or without
 * {@code spec.source.snapshot} and {@code status.snapshot}.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SnapshotE2E {

  static final String BUCKET = "backups";
  static final String CREDENTIALS = "s3-credentials";
  static final String DB = "db";

  /** StorageClass and VolumeSnapshotClass of the local cluster's btrfs CSI driver. */
  static final String BTRFS = "stowage-btrfs";

  static final String STOWAGE_API = "stowage.dev/v1alpha1";
  static final String SNAPSHOT_API = "snapshot.storage.k8s.io/v1";

  /** The label the operator puts on the VolumeSnapshot and clone claim of a backup. */
  static final String BACKUP_LABEL = "stowage.dev/backup";

  /** The connection Secret of the FlushTablesWithReadLock case, and its lock limit. */
  static final String LOCK_SECRET = "mysql-lock";

  static final int LOCK_LIMIT_SECONDS = 30;

  /** The client pod inserting ids; it stops when /tmp/stop exists. */
  static final String WRITER = "writer";

  static final Duration BACKUP_TIMEOUT = Duration.ofMinutes(8);
  static final Duration POLL = Duration.ofMillis(500);

  /**
   * One autocommit INSERT per id, a new client process each (so no connection hides an error); each
   * committed id is logged after the client returned, with the pod's clock, so an id logged at t
   * was committed before t. Errors are logged and the loop goes on, so the log shows them all.
   */
  static final String WRITER_SCRIPT =
      "for i in $(seq 1 60); do mariadb-admin --connect-timeout=2 -h "
          + DB
          + " -uroot -p\"$MARIADB_ROOT_PASSWORD\" ping >/dev/null 2>&1 && break; sleep 1; done\n"
          + "i=0\n"
          + "while [ ! -e /tmp/stop ]; do\n"
          + "  i=$((i+1))\n"
          + "  if out=$(mariadb --connect-timeout=5 -h "
          + DB
          + " -uroot -p\"$MARIADB_ROOT_PASSWORD\" -e \"INSERT INTO e2e.ids (id) VALUES ($i)\" 2>&1);"
          + " then\n"
          + "    echo \"committed $i $(date -u +%s.%N)\"\n"
          + "  else\n"
          + "    echo \"error $i $(date -u +%s.%N) $(printf '%s' \"$out\" | tr '\\n' ' ')\"\n"
          + "  fi\n"
          + "done\n"
          + "echo \"stopped after $i\"\n";

  /** Every base table outside the system schemas, as a list for CHECK TABLE. */
  static final String TABLE_LIST_SQL =
      "SET SESSION group_concat_max_len = 1000000; SELECT GROUP_CONCAT(CONCAT('`', table_schema,"
          + " '`.`', table_name, '`') SEPARATOR ', ') FROM information_schema.tables WHERE"
          + " table_type = 'BASE TABLE' AND table_schema NOT IN ('information_schema',"
          + " 'performance_schema', 'sys')";

  static KubernetesClient client;
  static S3Server s3;
  static String ns;
  static MariaDb db;
  static final List<String> namespaces = new ArrayList<>();
  static final long T0 = System.nanoTime();

  @BeforeAll
  static void operatorBtrfsClassesS3AndDatabase() throws Exception {
    client = Cluster.connect();
    Operator.requireAvailable(client, Duration.ofMinutes(2));
    requireBtrfsClasses();
    String s3Namespace = Cluster.createNamespace(client, "stowage-e2e-snap-s3-");
    namespaces.add(s3Namespace);
    s3 = S3Server.start(client, s3Namespace, BUCKET);
    ns = Cluster.createNamespace(client, "stowage-e2e-snap-");
    namespaces.add(ns);
    db = new MariaDb(client, ns).withPasswordSecret();
    s3.credentialsSecret(ns, CREDENTIALS, true);
    // 1 is MariaDB's default; named so that the durability this test relies on is explicit.
    db.startStatefulSet(DB, BTRFS, "--innodb-flush-log-at-trx-commit=1");
    say("MariaDB StatefulSet " + DB + " Ready on a " + BTRFS + " claim");
  }

  @AfterAll
  static void cleanup() {
    if (client == null) {
      return;
    }
    try {
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
   * The proof: a CrashConsistent snapshot backup of MariaDB while a client inserts ids 1, 2, 3, ...
   * in autocommit stops nothing (same pod, no restart, the StatefulSet never scaled, no client
   * error, the client still writing afterwards), leaves no snapshot or clone behind, and restores
   * into a new claim where CHECK TABLE ... EXTENDED is OK on every table and the ids are exactly
   * 1..N with N at least the last id committed before the snapshot's creationTime and at most the
   * last id committed at all.
   */
  @Test
  @Order(1)
  void aCrashConsistentSnapshotBackupUnderWriteLoadStopsNothingAndRestoresAPrefixOfTheIds()
      throws Exception {
    backupUnderWriteLoadStopsNothingAndRestoresAPrefixOfTheIds("online", "CrashConsistent");
  }

  /**
   * The same under FLUSH TABLES WITH READ LOCK (the operator reads a connection Secret, which the
   * local cluster's install may: deploy/components/read-lock-credentials): the client only waits,
   * never errs, and status says how long writes were blocked.
   */
  @Test
  @Order(2)
  void aFlushTablesWithReadLockSnapshotBackupUnderWriteLoadStopsNothingAndRestoresAPrefixOfTheIds()
      throws Exception {
    db.readLockSecret(LOCK_SECRET, DB);
    GenericKubernetesResource b =
        backupUnderWriteLoadStopsNothingAndRestoresAPrefixOfTheIds(
            "locked", "FlushTablesWithReadLock");
    String held = text(b, "status", "snapshot", "readLockHeldMillis");
    assertThat(held).as("status.snapshot.readLockHeldMillis").isNotBlank();
    assertThat(Long.parseLong(held))
        .as("ms writes waited under the read lock (limit %d s)", LOCK_LIMIT_SECONDS)
        .isPositive()
        .isLessThan(LOCK_LIMIT_SECONDS * 1000L);
    assertThat(text(b, "status", "snapshot", "readLockTime")).isNotBlank();
    say("writes waited " + held + " ms under FLUSH TABLES WITH READ LOCK");
  }

  private GenericKubernetesResource backupUnderWriteLoadStopsNothingAndRestoresAPrefixOfTheIds(
      String name, String consistency) throws Exception {
    String restoreName = name + "-restore";
    String restoredClaim = name + "-restored";
    String restoredDb = name + "-restored-db";
    client.pods().inNamespace(ns).withName(WRITER).delete();
    awaitOrExplain(
        "no writer pod left from an earlier case",
        Duration.ofMinutes(1),
        () -> client.pods().inNamespace(ns).withName(WRITER).get() == null,
        null);
    String flush =
        db.sql(
            "schema-" + name,
            DB,
            "CREATE DATABASE IF NOT EXISTS e2e; DROP TABLE IF EXISTS e2e.ids;"
                + " CREATE TABLE e2e.ids (id BIGINT PRIMARY KEY) ENGINE=InnoDB;"
                + " SELECT @@innodb_flush_log_at_trx_commit;");
    assertThat(flush.strip()).as("innodb_flush_log_at_trx_commit of %s", DB).isEqualTo("1");
    Pod dbPod = dbPod();
    String podUid = dbPod.getMetadata().getUid();
    assertThat(restarts(dbPod)).as("restarts of %s before the backup", podName()).isZero();
    long generation = statefulSet().getMetadata().getGeneration();

    startWriter();
    awaitOrExplain(
        "the writer committed 200 ids",
        Duration.ofMinutes(3),
        () -> WriterLog.parse(writerLog()).lastCommitted() >= 200,
        null);
    say("writer at id " + WriterLog.parse(writerLog()).lastCommitted() + "; creating the backup");

    createSnapshotBackup(name, BTRFS, consistency);
    Set<String> violations = new LinkedHashSet<>();
    GenericKubernetesResource[] snapshotSeen = new GenericKubernetesResource[1];
    PersistentVolumeClaim[] cloneSeen = new PersistentVolumeClaim[1];
    Set<String> phases = new LinkedHashSet<>();
    awaitOrExplain(
        "MysqlBackup " + name + " Succeeded or Failed",
        BACKUP_TIMEOUT,
        () -> {
          violations.addAll(databaseUndisturbed(podUid));
          Pod writer = client.pods().inNamespace(ns).withName(WRITER).get();
          if (writer == null || !"Running".equals(writer.getStatus().getPhase())) {
            violations.add(
                "the writer is not running: "
                    + (writer == null ? "gone" : writer.getStatus().getPhase()));
          }
          GenericKubernetesResource b = backup(name);
          String phase = text(b, "status", "phase");
          if (phase != null && phases.add(phase)) {
            say(name + ": " + phase);
          }
          String snapshotName = text(b, "status", "snapshot", "name");
          if (snapshotName != null) {
            GenericKubernetesResource s = volumeSnapshots().withName(snapshotName).get();
            if (s != null) {
              snapshotSeen[0] = s;
            }
          }
          String cloneName = text(b, "status", "snapshot", "cloneClaim");
          if (cloneName != null) {
            PersistentVolumeClaim c =
                client.persistentVolumeClaims().inNamespace(ns).withName(cloneName).get();
            if (c != null) {
              cloneSeen[0] = c;
            }
          }
          return "Succeeded".equals(phase) || "Failed".equals(phase);
        },
        name);

    GenericKubernetesResource backup = backup(name);
    if (!"Succeeded".equals(text(backup, "status", "phase"))) {
      throw new AssertionError("MysqlBackup " + name + " did not succeed\n" + explain(name));
    }
    assertThat(violations).as("while the snapshot backup ran").isEmpty();
    String snapshotName = text(backup, "status", "snapshot", "name");
    String creationTime = text(backup, "status", "snapshot", "creationTime");
    String cloneClaim = text(backup, "status", "snapshot", "cloneClaim");
    assertThat(snapshotName).as("status.snapshot.name").isNotBlank();
    assertThat(creationTime).as("status.snapshot.creationTime").isNotBlank();
    assertThat(cloneClaim).as("status.snapshot.cloneClaim").isNotBlank();
    Instant snapshotTime = Instant.parse(creationTime);

    // A snapshot of the database's claim, in the named class, was really taken and cloned.
    assertThat(snapshotSeen[0])
        .as("VolumeSnapshot %s seen while the backup ran", snapshotName)
        .isNotNull();
    assertThat(text(snapshotSeen[0], "spec", "source", "persistentVolumeClaimName"))
        .isEqualTo(MariaDb.claimOf(DB));
    assertThat(text(snapshotSeen[0], "spec", "volumeSnapshotClassName")).isEqualTo(BTRFS);
    assertThat(snapshotSeen[0].getMetadata().getLabels()).containsEntry(BACKUP_LABEL, name);
    assertThat(cloneSeen[0]).as("clone claim %s seen while the backup ran", cloneClaim).isNotNull();
    assertThat(cloneSeen[0].getSpec().getStorageClassName()).isEqualTo(BTRFS);
    assertThat(cloneSeen[0].getSpec().getDataSource()).as("dataSource of the clone").isNotNull();
    assertThat(cloneSeen[0].getSpec().getDataSource().getKind()).isEqualTo("VolumeSnapshot");
    assertThat(cloneSeen[0].getSpec().getDataSource().getName()).isEqualTo(snapshotName);
    assertThat(cloneSeen[0].getMetadata().getLabels()).containsEntry(BACKUP_LABEL, name);

    // Nothing was stopped: the same pod, never restarted, the StatefulSet never scaled.
    Pod after = dbPod();
    assertThat(after.getMetadata().getUid()).as("uid of %s", podName()).isEqualTo(podUid);
    assertThat(restarts(after)).as("restarts of %s", podName()).isZero();
    assertThat(statefulSet().getMetadata().getGeneration())
        .as("generation of StatefulSet %s (a scale changes it)", DB)
        .isEqualTo(generation);
    assertThat(statefulSet().getSpec().getReplicas()).isEqualTo(1);

    // The client kept writing through the backup and after it (ids, not clocks, compared).
    long atBackupEnd = WriterLog.parse(writerLog()).lastCommitted();
    awaitOrExplain(
        "the writer committed an id after the backup finished (after " + atBackupEnd + ")",
        Duration.ofMinutes(1),
        () -> WriterLog.parse(writerLog()).lastCommitted() > atBackupEnd,
        name);

    // The clone and the snapshot are gone.
    awaitOrExplain(
        "clone claim " + cloneClaim + " and VolumeSnapshot " + snapshotName + " deleted",
        Duration.ofMinutes(2),
        () ->
            client.persistentVolumeClaims().inNamespace(ns).withName(cloneClaim).get() == null
                && volumeSnapshots().withName(snapshotName).get() == null
                && volumeSnapshots().withLabel(BACKUP_LABEL, name).list().getItems().isEmpty()
                && client
                    .persistentVolumeClaims()
                    .inNamespace(ns)
                    .withLabel(BACKUP_LABEL, name)
                    .list()
                    .getItems()
                    .isEmpty(),
        name);

    WriterLog writes = stopWriter();
    assertThat(writes.errors).as("the writer's error lines").isEmpty();
    assertThat(writes.stopped).as("the writer's last line says it stopped").isTrue();
    long committedBeforeSnapshot = writes.lastCommittedBefore(snapshotTime.minusSeconds(1));
    long lastCommitted = writes.lastCommitted();
    assertThat(committedBeforeSnapshot)
        .as("ids committed before the snapshot's creationTime %s minus 1 s", creationTime)
        .isPositive();
    say(
        "snapshot at "
            + creationTime
            + ": last id committed before it (-1 s) "
            + committedBeforeSnapshot
            + ", last id committed overall "
            + lastCommitted);

    client
        .resources(MysqlRestore.class)
        .inNamespace(ns)
        .resource(StowageObjects.restoreIntoNewClaim(ns, restoreName, name, restoredClaim))
        .create();
    awaitOrExplain(
        "MysqlRestore " + restoreName + " Succeeded or Failed",
        BACKUP_TIMEOUT,
        () -> {
          MysqlRestore r = restore(restoreName);
          return r != null
              && r.getStatus() != null
              && r.getStatus().getPhase() != null
              && List.of("Succeeded", "Failed").contains(r.getStatus().getPhase().toString());
        },
        restoreName);
    if (!"Succeeded".equals(restore(restoreName).getStatus().getPhase().toString())) {
      throw new AssertionError(
          "MysqlRestore " + restoreName + " did not succeed\n" + explain(restoreName));
    }

    // MariaDB starts on the restored copy (InnoDB recovers it as after a power cut).
    db.startPodOnClaim(restoredDb, restoredClaim);
    List<String[]> checks = checkEveryTable(restoredDb);
    assertThat(checks).extracting(row -> row[0]).contains("e2e.ids");
    assertThat(checks)
        .as("CHECK TABLE ... EXTENDED on every table of the restored server")
        .allSatisfy(
            row ->
                assertThat(row[2] + " " + row[3])
                    .as("CHECK TABLE %s", row[0])
                    .isEqualTo("status OK"));

    String[] counts =
        db.sql("count-" + restoredDb, restoredDb, "SELECT COUNT(*), MIN(id), MAX(id) FROM e2e.ids;")
            .strip()
            .split("\t");
    assertThat(counts).as("COUNT, MIN, MAX of e2e.ids").hasSize(3);
    long count = Long.parseLong(counts[0]);
    assertThat(counts[1]).as("MIN(id)").isEqualTo("1");
    long max = Long.parseLong(counts[2]);
    assertThat(count).as("COUNT(*) = MAX(id): no hole in 1..%d", max).isEqualTo(max);
    assertThat(max)
        .as("N: at least the last id committed before the snapshot (%s)", creationTime)
        .isGreaterThanOrEqualTo(committedBeforeSnapshot)
        .as("N: at most the last id committed when the backup had finished (%d)", atBackupEnd)
        .isLessThanOrEqualTo(atBackupEnd)
        .as("N: at most the last id committed")
        .isLessThanOrEqualTo(lastCommitted);
    say(
        "restored ids 1.."
            + max
            + " (committed before the snapshot: "
            + committedBeforeSnapshot
            + ", at all: "
            + lastCommitted
            + "), "
            + checks.size()
            + " tables checked");
    return backup;
  }

  /**
   * A VolumeSnapshotClass that does not exist: the backup stays Pending with Blocked=True
   * (NoVolumeSnapshotClass, naming the class), and no VolumeSnapshot, clone claim or engine Job is
   * created, nor is the database touched.
   */
  @Test
  @Order(3)
  void aVolumeSnapshotClassThatDoesNotExistBlocksTheBackupAndCreatesNothing() {
    String missing = "no-such-class";
    String podUid = dbPod().getMetadata().getUid();
    long generation = statefulSet().getMetadata().getGeneration();
    createSnapshotBackup("no-class", missing);
    awaitOrExplain(
        "MysqlBackup no-class Blocked",
        Duration.ofSeconds(90),
        () -> "True".equals(conditionField(backup("no-class"), "Blocked", "status")),
        "no-class");

    // It stays so, and nothing appears, for a while.
    Set<String> created = new LinkedHashSet<>();
    Set<String> violations = new LinkedHashSet<>();
    Set<String> phases = new LinkedHashSet<>();
    long until = System.nanoTime() + Duration.ofSeconds(15).toNanos();
    while (System.nanoTime() < until) {
      GenericKubernetesResource b = backup("no-class");
      phases.add(text(b, "status", "phase"));
      created.addAll(objectsOf(b));
      violations.addAll(databaseUndisturbed(podUid));
      sleep(POLL);
    }

    GenericKubernetesResource blocked = backup("no-class");
    assertThat(phases).as("phases of no-class while Blocked").containsOnly("Pending");
    assertThat(conditionField(blocked, "Blocked", "status")).isEqualTo("True");
    assertThat(conditionField(blocked, "Blocked", "reason")).isEqualTo("NoVolumeSnapshotClass");
    assertThat(conditionField(blocked, "Blocked", "message")).contains(missing);
    assertThat(created).as("objects of no-class").isEmpty();
    assertThat(violations).as("while no-class was Blocked").isEmpty();
    assertThat(statefulSet().getMetadata().getGeneration()).isEqualTo(generation);

    backups().inNamespace(ns).withName("no-class").delete();
    awaitOrExplain(
        "MysqlBackup no-class deleted",
        Duration.ofMinutes(1),
        () -> backup("no-class") == null,
        "no-class");
  }

  // ---------------------------------------------------------------- the writer

  private void startWriter() {
    db.startClientPod(WRITER, WRITER_SCRIPT);
  }

  /** Touches /tmp/stop in the writer, waits for it to end, returns its whole log. */
  private WriterLog stopWriter() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    try (ExecWatch w =
        client
            .pods()
            .inNamespace(ns)
            .withName(WRITER)
            .inContainer("client")
            .writingOutput(out)
            .writingError(err)
            .exec("touch", "/tmp/stop")) {
      Integer code = w.exitCode().get(1, TimeUnit.MINUTES);
      assertThat(code)
          .as("touch /tmp/stop in the writer: %s", err.toString(StandardCharsets.UTF_8))
          .isEqualTo(0);
    } catch (Exception e) {
      throw new AssertionError("cannot stop the writer: " + e, e);
    }
    awaitOrExplain(
        "the writer pod Succeeded",
        Duration.ofMinutes(1),
        () -> {
          Pod p = client.pods().inNamespace(ns).withName(WRITER).get();
          return p != null && "Succeeded".equals(p.getStatus().getPhase());
        },
        null);
    return WriterLog.parse(writerLog());
  }

  private String writerLog() {
    return client.pods().inNamespace(ns).withName(WRITER).getLog();
  }

  /** The writer's log: committed ids with the time they were known committed, and errors. */
  static final class WriterLog {
    final List<Long> ids = new ArrayList<>();
    final List<Instant> times = new ArrayList<>();
    final List<String> errors = new ArrayList<>();
    boolean stopped;

    static WriterLog parse(String log) {
      WriterLog w = new WriterLog();
      String[] lines = log.split("\n");
      for (int i = 0; i < lines.length; i++) {
        String line = lines[i];
        String[] f = line.split(" ");
        if (line.startsWith("committed ") && f.length != 3 && i == lines.length - 1) {
          continue; // a line still being written (the log read while the writer runs)
        }
        if (line.startsWith("committed ") && f.length == 3) {
          long id = Long.parseLong(f[1]);
          if (id != w.ids.size() + 1) {
            w.errors.add("ids not consecutive: " + line + " after " + w.lastCommitted());
          }
          w.ids.add(id);
          w.times.add(epoch(f[2]));
        } else if (line.startsWith("stopped after ")) {
          w.stopped = true;
        } else if (!line.isBlank()) {
          w.errors.add(line);
        }
      }
      return w;
    }

    /** {@code seconds.nanoseconds} as {@code date +%s.%N} prints it. */
    private static Instant epoch(String text) {
      String[] parts = text.split("\\.");
      return Instant.ofEpochSecond(Long.parseLong(parts[0]), Long.parseLong(parts[1]));
    }

    long lastCommitted() {
      return ids.isEmpty() ? 0 : ids.get(ids.size() - 1);
    }

    /** The last id logged as committed strictly before {@code t} (0 if none). */
    long lastCommittedBefore(Instant t) {
      long last = 0;
      for (int i = 0; i < ids.size(); i++) {
        if (times.get(i).isBefore(t)) {
          last = ids.get(i);
        }
      }
      return last;
    }
  }

  // ---------------------------------------------------------------- checks

  /** Violations now: the MariaDB pod replaced or restarted, or the StatefulSet scaled. */
  private List<String> databaseUndisturbed(String podUid) {
    List<String> out = new ArrayList<>();
    Pod p = dbPod();
    if (p == null) {
      out.add(podName() + " is gone");
    } else {
      if (!podUid.equals(p.getMetadata().getUid())) {
        out.add(podName() + " was replaced (uid " + p.getMetadata().getUid() + ")");
      }
      if (p.getMetadata().getDeletionTimestamp() != null) {
        out.add(podName() + " is being deleted");
      }
      if (restarts(p) != 0) {
        out.add(podName() + " restarted " + restarts(p) + " times");
      }
    }
    StatefulSet s = statefulSet();
    if (s == null || s.getSpec().getReplicas() != 1) {
      out.add(
          "StatefulSet "
              + DB
              + " scaled to "
              + (s == null ? "nothing (gone)" : s.getSpec().getReplicas()));
    }
    return out;
  }

  /**
   * The VolumeSnapshots, claims and Jobs a backup may have made: named {@code <backup>-...}, named
   * in its status, or labelled {@value #BACKUP_LABEL} with its name.
   */
  private Set<String> objectsOf(GenericKubernetesResource b) {
    String name = b.getMetadata().getName();
    Set<String> found = new LinkedHashSet<>();
    for (GenericKubernetesResource s : volumeSnapshots().list().getItems()) {
      String n = s.getMetadata().getName();
      Map<String, String> labels = s.getMetadata().getLabels();
      if (n.startsWith(name + "-")
          || n.equals(text(b, "status", "snapshot", "name"))
          || (labels != null && name.equals(labels.get(BACKUP_LABEL)))) {
        found.add("VolumeSnapshot " + n);
      }
    }
    for (PersistentVolumeClaim c :
        client.persistentVolumeClaims().inNamespace(ns).list().getItems()) {
      String n = c.getMetadata().getName();
      Map<String, String> labels = c.getMetadata().getLabels();
      if (n.startsWith(name + "-")
          || n.equals(text(b, "status", "snapshot", "cloneClaim"))
          || (labels != null && name.equals(labels.get(BACKUP_LABEL)))) {
        found.add("PersistentVolumeClaim " + n);
      }
    }
    for (Job j : client.batch().v1().jobs().inNamespace(ns).list().getItems()) {
      if (j.getMetadata().getName().startsWith(name + "-")) {
        found.add("Job " + j.getMetadata().getName());
      }
    }
    return found;
  }

  /**
   * CHECK TABLE ... EXTENDED on every base table of the server except the system schemas; rows of
   * {table, op, msg_type, msg_text}.
   */
  private List<String[]> checkEveryTable(String host) {
    String out =
        db.shell(
            "check-" + host,
            "for i in $(seq 1 60); do mariadb-admin --connect-timeout=2 -h "
                + host
                + " -uroot -p\"$MARIADB_ROOT_PASSWORD\" ping >/dev/null 2>&1 && break; sleep 1;"
                + " done\n"
                + "t=$(mariadb -N -B -h "
                + host
                + " -uroot -p\"$MARIADB_ROOT_PASSWORD\" -e \"$LIST_SQL\") || exit 1\n"
                + "[ -n \"$t\" ] || { echo 'no tables' >&2; exit 1; }\n"
                + "mariadb -N -B -h "
                + host
                + " -uroot -p\"$MARIADB_ROOT_PASSWORD\" -e \"CHECK TABLE $t EXTENDED\"",
            new EnvVarBuilder().withName("LIST_SQL").withValue(TABLE_LIST_SQL).build());
    List<String[]> rows = new ArrayList<>();
    for (String line : out.split("\n")) {
      if (!line.isBlank()) {
        String[] row = line.split("\t", 4);
        assertThat(row).as("CHECK TABLE output line %s", line).hasSize(4);
        rows.add(row);
      }
    }
    return rows;
  }

  // ---------------------------------------------------------------- resources

  /**
   * A snapshot-mode MysqlBackup of {@value #DB}'s claim to the S3 server (the storage of {@link
   * StowageObjects#s3BackupOf}, without quiesce): {@code spec.source.snapshot} with the given
   * VolumeSnapshotClass, clone class {@value #BTRFS}, CrashConsistent.
   */
  private void createSnapshotBackup(String name, String volumeSnapshotClass) {
    createSnapshotBackup(name, volumeSnapshotClass, "CrashConsistent");
  }

  @SuppressWarnings("unchecked")
  private void createSnapshotBackup(String name, String volumeSnapshotClass, String consistency) {
    MysqlBackupSpec typed = StowageObjects.s3BackupOf(DB, ns, s3, CREDENTIALS);
    typed.getSource().setQuiesce(null);
    Map<String, Object> spec =
        client.getKubernetesSerialization().convertValue(typed, LinkedHashMap.class);
    Map<String, Object> source = (Map<String, Object>) spec.get("source");
    source.remove("quiesce");
    Map<String, Object> snapshot = new LinkedHashMap<>();
    snapshot.put("volumeSnapshotClassName", volumeSnapshotClass);
    snapshot.put("storageClassName", BTRFS);
    snapshot.put("consistency", consistency);
    if ("FlushTablesWithReadLock".equals(consistency)) {
      snapshot.put("lockLimitSeconds", LOCK_LIMIT_SECONDS);
      snapshot.put("mysql", Map.of("connectionSecretRef", Map.of("name", LOCK_SECRET)));
    }
    source.put("snapshot", snapshot);
    GenericKubernetesResource backup = new GenericKubernetesResource();
    backup.setApiVersion(STOWAGE_API);
    backup.setKind("MysqlBackup");
    backup.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(ns).build());
    backup.setAdditionalProperty("spec", spec);
    GenericKubernetesResource stored = backups().resource(backup).create();
    // An API server whose CRD lacks the field prunes it silently: say so now, not in 8 minutes.
    assertThat(text(stored, "spec", "source", "snapshot", "volumeSnapshotClassName"))
        .as(
            "spec.source.snapshot of MysqlBackup %s as stored (the installed CRD must have"
                + " snapshot mode, issue 11)",
            name)
        .isEqualTo(volumeSnapshotClass);
  }

  private MixedOperation<
          GenericKubernetesResource,
          GenericKubernetesResourceList,
          Resource<GenericKubernetesResource>>
      backups() {
    return client.genericKubernetesResources(STOWAGE_API, "MysqlBackup");
  }

  private GenericKubernetesResource backup(String name) {
    return backups().inNamespace(ns).withName(name).get();
  }

  private MysqlRestore restore(String name) {
    return client.resources(MysqlRestore.class).inNamespace(ns).withName(name).get();
  }

  private static NonNamespaceOperation<
          GenericKubernetesResource,
          GenericKubernetesResourceList,
          Resource<GenericKubernetesResource>>
      volumeSnapshots() {
    return client.genericKubernetesResources(SNAPSHOT_API, "VolumeSnapshot").inNamespace(ns);
  }

  private static String podName() {
    return DB + "-0";
  }

  private static Pod dbPod() {
    return client.pods().inNamespace(ns).withName(podName()).get();
  }

  private static StatefulSet statefulSet() {
    return client.apps().statefulSets().inNamespace(ns).withName(DB).get();
  }

  private static int restarts(Pod p) {
    if (p.getStatus() == null || p.getStatus().getContainerStatuses() == null) {
      return 0;
    }
    return p.getStatus().getContainerStatuses().stream()
        .mapToInt(ContainerStatus::getRestartCount)
        .sum();
  }

  /** A string at a path of a raw object ({@code "status", "snapshot", "name"}), or null. */
  static String text(GenericKubernetesResource r, String... path) {
    if (r == null) {
      return null;
    }
    Object at = r.getAdditionalProperties();
    for (String key : path) {
      if (!(at instanceof Map<?, ?> map)) {
        return null;
      }
      at = map.get(key);
    }
    return at == null ? null : at.toString();
  }

  /** A field of a status condition of a raw object, or null. */
  static String conditionField(GenericKubernetesResource r, String type, String field) {
    if (r == null || !(r.getAdditionalProperties().get("status") instanceof Map<?, ?> status)) {
      return null;
    }
    if (!(status.get("conditions") instanceof List<?> conditions)) {
      return null;
    }
    for (Object c : conditions) {
      if (c instanceof Map<?, ?> m && type.equals(m.get("type"))) {
        Object v = m.get(field);
        return v == null ? null : v.toString();
      }
    }
    return null;
  }

  /** Fails (never skips) unless the cluster has the btrfs StorageClass and VolumeSnapshotClass. */
  private static void requireBtrfsClasses() {
    String hint =
        ": this class needs a cluster with CSI snapshots, StorageClass and VolumeSnapshotClass "
            + BTRFS
            + " (the local cluster's btrfs-csi driver, make cluster-up; see e2e/README.md)";
    if (client.storage().v1().storageClasses().withName(BTRFS).get() == null) {
      throw new AssertionError("StorageClass " + BTRFS + " does not exist" + hint);
    }
    GenericKubernetesResource snapshotClass;
    try {
      snapshotClass =
          client
              .genericKubernetesResources(SNAPSHOT_API, "VolumeSnapshotClass")
              .withName(BTRFS)
              .get();
    } catch (RuntimeException e) {
      throw new AssertionError("the API server does not serve VolumeSnapshotClasses" + hint, e);
    }
    if (snapshotClass == null) {
      throw new AssertionError("VolumeSnapshotClass " + BTRFS + " does not exist" + hint);
    }
  }

  // ---------------------------------------------------------------- waits and diagnostics

  private void awaitOrExplain(
      String what, Duration timeout, Callable<Boolean> condition, String resource) {
    say("waiting: " + what);
    try {
      await(what).atMost(timeout).pollInterval(POLL).until(condition);
    } catch (ConditionTimeoutException e) {
      throw new AssertionError(
          what + ": not after " + timeout.toSeconds() + " s\n" + explain(resource), e);
    }
  }

  /**
   * The resource (raw), the namespace's VolumeSnapshots, claims, Jobs and pods, the writer's last
   * lines, events and the operator's log.
   */
  private String explain(String name) {
    StringBuilder out = new StringBuilder();
    try {
      if (name != null) {
        GenericKubernetesResource b = backup(name);
        if (b != null) {
          out.append("----- MysqlBackup ").append(name).append('\n').append(yaml(b));
        }
        MysqlRestore r = restore(name);
        if (r != null) {
          out.append("----- MysqlRestore ").append(name).append('\n').append(yaml(r));
        }
      }
      out.append("----- VolumeSnapshots\n");
      for (GenericKubernetesResource s : volumeSnapshots().list().getItems()) {
        out.append(s.getMetadata().getName())
            .append(": ")
            .append(yaml(s.getAdditionalProperties().get("status")));
      }
      out.append("----- claims\n");
      for (PersistentVolumeClaim c :
          client.persistentVolumeClaims().inNamespace(ns).list().getItems()) {
        out.append(c.getMetadata().getName())
            .append(' ')
            .append(c.getStatus() == null ? "?" : c.getStatus().getPhase())
            .append(' ')
            .append(c.getSpec().getStorageClassName())
            .append('\n');
      }
      out.append("----- Jobs\n");
      for (Job j : client.batch().v1().jobs().inNamespace(ns).list().getItems()) {
        out.append(j.getMetadata().getName()).append(": ").append(yaml(j.getStatus()));
      }
      out.append("----- pods\n");
      for (Pod p : client.pods().inNamespace(ns).list().getItems()) {
        out.append(p.getMetadata().getName())
            .append(' ')
            .append(p.getStatus().getPhase())
            .append(" restarts ")
            .append(restarts(p))
            .append('\n');
      }
      out.append("----- writer (last 20 lines)\n");
      out.append(client.pods().inNamespace(ns).withName(WRITER).tailingLines(20).getLog());
      out.append("\n----- events\n").append(Cluster.events(client, ns));
    } catch (RuntimeException e) {
      out.append("(diagnostics cut short: ").append(e).append(")\n");
    }
    out.append(Operator.logs(client, 80));
    return out.toString();
  }

  private static String yaml(Object o) {
    return client.getKubernetesSerialization().asYaml(o);
  }

  private static void sleep(Duration d) {
    try {
      Thread.sleep(d.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    }
  }

  private static void say(String what) {
    System.out.printf(
        "[SnapshotE2E +%ds] %s%n", Duration.ofNanos(System.nanoTime() - T0).toSeconds(), what);
  }
}
