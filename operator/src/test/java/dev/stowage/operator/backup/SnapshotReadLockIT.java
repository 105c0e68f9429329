package dev.stowage.operator.backup;

import static dev.stowage.operator.backup.MysqlBackupReconcilerTest.CLOCK;
import static dev.stowage.operator.backup.MysqlBackupReconcilerTest.condition;
import static org.assertj.core.api.Assertions.assertThat;

import dev.stowage.api.v1alpha1.MysqlBackup;
import dev.stowage.api.v1alpha1.Phase;
import dev.stowage.operator.job.EngineJobConfig;
import dev.stowage.operator.job.EngineJobFactory;
import dev.stowage.operator.job.EngineTimeouts;
import dev.stowage.operator.metrics.OperatorMetrics;
import dev.stowage.operator.mysql.JdbcReadLocks;
import dev.stowage.operator.status.Conditions;
import dev.stowage.operator.testing.InMemoryCluster;
import dev.stowage.operator.testing.MariaDbServer;
import dev.stowage.operator.testing.RecordingEvents;
import dev.stowage.operator.testing.RecordingStatusWriter;
import dev.stowage.operator.testing.TestContext;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 11, consistency FlushTablesWithReadLock: the reconciler's read lock on a real MariaDB (the
 * cluster is the in-memory one of the ordered reconciler tests). A writer on a second connection
 * shows when writes really wait: only between the lock and the snapshot's creationTime, never past
 * the limit.
 */
class SnapshotReadLockIT {
  static final String SNAP = SnapshotBackupReconcilerTest.SNAP;
  static final String CUT = SnapshotBackupReconcilerTest.CUT;

  @TempDir static Path dir;
  static MariaDbServer db;

  final List<String> log = new ArrayList<>();
  final InMemoryCluster cluster = new InMemoryCluster(log);
  final RecordingStatusWriter writer = new RecordingStatusWriter(log);
  final RecordingEvents events = new RecordingEvents();
  final JdbcReadLocks locks = new JdbcReadLocks();
  MysqlBackupReconciler reconciler = newReconciler();

  @BeforeAll
  static void mariadb() throws Exception {
    db = MariaDbServer.start(dir);
    db.sql(
        "CREATE DATABASE shop",
        "CREATE TABLE shop.orders (id INT PRIMARY KEY) ENGINE=InnoDB",
        "CREATE TABLE shop.slow (id INT PRIMARY KEY) ENGINE=InnoDB",
        "INSERT INTO shop.slow VALUES (1)",
        "CREATE USER 'backup'@'127.0.0.1' IDENTIFIED BY 'b4ckup'",
        "GRANT RELOAD ON *.* TO 'backup'@'127.0.0.1'",
        "CREATE USER 'reader'@'127.0.0.1' IDENTIFIED BY 'r34d'",
        "GRANT SELECT ON shop.* TO 'reader'@'127.0.0.1'");
  }

  @AfterAll
  static void stop() {
    if (db != null) {
      db.close();
    }
  }

  MysqlBackupReconciler newReconciler() {
    return new MysqlBackupReconciler(
        new EngineJobFactory(
            EngineJobConfig.withImage("stowage/engine:dev"),
            CLOCK,
            new dev.stowage.operator.store.ClusterStores(cluster)),
        cluster,
        writer,
        events,
        new OperatorMetrics(new SimpleMeterRegistry()),
        new Conditions(CLOCK),
        EngineTimeouts.DEFAULTS,
        locks);
  }

  @BeforeEach
  void aClaimWithASnapshotClassAndAConnectionSecret() throws SQLException {
    cluster
        .csiClaim("data-db-1", SnapshotBackupReconcilerTest.DRIVER, "stowage-btrfs", "10Gi")
        .snapshotClass("stowage-btrfs", SnapshotBackupReconcilerTest.DRIVER, true)
        .storageClass("stowage-btrfs", "Immediate")
        .secret(
            "mysql-backup",
            Map.of(
                "host", "127.0.0.1",
                "port", Integer.toString(db.port()),
                "user", "backup",
                "password", "b4ckup"));
    db.sql("DELETE FROM shop.orders");
  }

  static MysqlBackup lockedBackup(int limitSeconds) {
    return SnapshotBackupReconcilerTest.snapshotBackup(
        "      consistency: FlushTablesWithReadLock\n"
            + "      lockLimitSeconds: "
            + limitSeconds
            + "\n"
            + "      mysql:\n"
            + "        connectionSecretRef:\n"
            + "          name: mysql-backup");
  }

  void reconcile(MysqlBackup b) {
    reconciler.reconcile(b, new TestContext<>(b));
  }

  /** An INSERT on its own connection, started now; done when the server took it. */
  CompletableFuture<Long> insert(int id) {
    return CompletableFuture.supplyAsync(
        () -> {
          long start = System.nanoTime();
          try (Connection c = db.connect("root", "");
              Statement s = c.createStatement()) {
            s.execute("INSERT INTO shop.orders VALUES (" + id + ")");
          } catch (SQLException e) {
            throw new IllegalStateException(e);
          }
          return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        });
  }

  static boolean waits(CompletableFuture<?> f) throws Exception {
    try {
      f.get(1500, TimeUnit.MILLISECONDS);
      return false;
    } catch (TimeoutException e) {
      return true;
    }
  }

  int indexOf(String prefix) {
    for (int i = 0; i < log.size(); i++) {
      if (log.get(i).startsWith(prefix)) {
        return i;
      }
    }
    throw new AssertionError("no log line starts with " + prefix + ": " + log);
  }

  @Test
  void writesWaitFromTheLockUntilTheSnapshotIsCutAndNoLonger() throws Exception {
    MysqlBackup b = lockedBackup(30);

    reconcile(b);

    // Record, then act: the lock time is in status before the snapshot is created.
    assertThat(b.getStatus().getSnapshot().getReadLockTime()).isNotNull();
    int lockRecorded = -1;
    for (int i = 0; i < log.size(); i++) {
      if (log.get(i).startsWith("status ") && log.get(i).contains("\"readLockTime\"")) {
        lockRecorded = i;
        break;
      }
    }
    assertThat(lockRecorded).isGreaterThanOrEqualTo(0).isLessThan(indexOf("create volumesnapshot"));
    assertThat(condition(b, Conditions.BLOCKED))
        .startsWith("True TakingSnapshot: holding the global read lock");
    CompletableFuture<Long> during = insert(1);
    assertThat(waits(during)).as("an INSERT while the lock is held waits").isTrue();

    reconcile(b); // no creationTime yet: still held
    assertThat(during).isNotDone();

    cluster.readySnapshot(SNAP, CUT);
    reconcile(b);

    during.get(10, TimeUnit.SECONDS);
    assertThat(insert(2).get(10, TimeUnit.SECONDS))
        .as("an INSERT after the release")
        .isLessThan(5000);
    assertThat(b.getStatus().getSnapshot().getReadLockHeldMillis()).isBetween(1500L, 30_000L);
    assertThat(b.getStatus().getSnapshot().getCreationTime()).isEqualTo(CUT);
    assertThat(events.events)
        .anyMatch(
            e ->
                e.startsWith(
                    "Normal ReadLockTaken: FLUSH TABLES WITH READ LOCK on backup@127.0.0.1:"))
        .anyMatch(e -> e.startsWith("Normal ReadLockReleased: UNLOCK TABLES after "));
    // The backup goes on as any snapshot backup: the clone, then the Job.
    cluster.bindClaim(SnapshotBackupReconcilerTest.CLONE);
    reconcile(b);
    assertThat(cluster.jobs).containsKey("nightly-backup");
    assertThat(events.events).noneMatch(e -> e.contains("b4ckup"));
    assertThat(log).noneMatch(e -> e.contains("b4ckup"));
  }

  @Test
  void aSnapshotNotCutWithinTheLimitReleasesTheLockAtTheLimitAndFailsTheBackup() throws Exception {
    MysqlBackup b = lockedBackup(2);
    reconcile(b);
    CompletableFuture<Long> during = insert(1);

    // The limit, not a reconcile, ends the lock: the INSERT goes through at about 2 s.
    assertThat(during.get(15, TimeUnit.SECONDS)).isLessThan(10_000L);
    cluster.readySnapshot(SNAP, CUT); // cut too late: after the lock was gone
    reconcile(b);

    assertThat(b.getStatus().getPhase()).isEqualTo(Phase.Failed);
    assertThat(b.getStatus().getMessage())
        .contains("killed at its limit of 2 s before the snapshot had its creationTime")
        .contains("nothing was copied");
    assertThat(cluster.jobs).doesNotContainKey("nightly-backup");
    assertThat(log).noneMatch(l -> l.startsWith("create claim"));
    assertThat(cluster.volumeSnapshots).doesNotContainKey(SNAP);
  }

  @Test
  void anOperatorRestartWhileTheLockIsHeldFailsTheBackup() throws Exception {
    MysqlBackup b = lockedBackup(30);
    reconcile(b);
    CompletableFuture<Long> during = insert(1);
    assertThat(waits(during)).isTrue();

    // A new process: the lock went with the old one's connection (closed here as a crash would).
    reconciler = newReconciler();
    killLockConnections();
    during.get(10, TimeUnit.SECONDS);
    cluster.readySnapshot(SNAP, CUT);
    reconcile(b);

    assertThat(b.getStatus().getPhase()).isEqualTo(Phase.Failed);
    assertThat(b.getStatus().getMessage())
        .contains("was lost before VolumeSnapshot " + SNAP + " had its creationTime")
        .contains("nothing was copied");
    assertThat(log).noneMatch(l -> l.startsWith("create claim"));
  }

  @Test
  void aLockWhoseConnectionDiedBeforeTheCutFailsTheBackup() throws Exception {
    MysqlBackup b = lockedBackup(30);
    reconcile(b);

    killLockConnections(); // as a server restart or a network cut would
    cluster.readySnapshot(SNAP, CUT);
    reconcile(b);

    assertThat(b.getStatus().getPhase()).isEqualTo(Phase.Failed);
    assertThat(b.getStatus().getMessage())
        .contains("failed before UNLOCK TABLES")
        .contains("the server had dropped the lock at an unknown time");
    assertThat(log).noneMatch(l -> l.startsWith("create claim"));
  }

  @Test
  void anAccountWithoutReloadFailsTheBackupBeforeAnySnapshot() throws Exception {
    cluster.secret(
        "mysql-backup",
        Map.of(
            "host",
            "127.0.0.1",
            "port",
            Integer.toString(db.port()),
            "user",
            "reader",
            "password",
            "r34d"));
    MysqlBackup b = lockedBackup(30);

    reconcile(b);

    assertThat(b.getStatus().getPhase()).isEqualTo(Phase.Failed);
    assertThat(b.getStatus().getMessage())
        .contains("FLUSH TABLES WITH READ LOCK on reader@127.0.0.1:")
        .contains("RELOAD")
        .contains("no snapshot was taken");
    assertThat(log).noneMatch(l -> l.startsWith("create volumesnapshot"));
    assertThat(insert(1).get(10, TimeUnit.SECONDS)).isLessThan(5000L);
  }

  @Test
  void aFlushWaitingBehindALongWriteIsKilledAtTheLimitAndWritesGoOn() throws Exception {
    CompletableFuture<Void> longRead =
        CompletableFuture.runAsync(
            () -> {
              try (Connection c = db.connect("root", "");
                  Statement s = c.createStatement()) {
                // A running write holds the global intention lock that FTWRL waits for (a
                // long SELECT does not block it on MariaDB, whose FLUSH no longer waits for
                // tables in use by readers).
                s.executeUpdate("UPDATE shop.slow SET id = id WHERE SLEEP(8) = 0");
              } catch (SQLException e) {
                throw new IllegalStateException(e);
              }
            });
    Thread.sleep(700);
    MysqlBackup b = lockedBackup(2);
    CompletableFuture<Long> during =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                Thread.sleep(500);
              } catch (InterruptedException e) {
                throw new IllegalStateException(e);
              }
              return insert(1).join();
            });

    long start = System.nanoTime();
    reconcile(b);
    long reconcileMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

    assertThat(b.getStatus().getPhase()).isEqualTo(Phase.Failed);
    assertThat(b.getStatus().getMessage())
        .contains("FLUSH TABLES WITH READ LOCK on backup@127.0.0.1");
    assertThat(log).noneMatch(l -> l.startsWith("create volumesnapshot"));
    // The write queued behind the waiting FLUSH went through long before the 8 s UPDATE ended.
    assertThat(during.get(15, TimeUnit.SECONDS)).isLessThan(6000L);
    assertThat(reconcileMillis).isLessThan(7000L);
    longRead.get(30, TimeUnit.SECONDS);
  }

  @Test
  void aMissingSecretBlocksWithNothingCreated() {
    cluster.secrets.clear();
    MysqlBackup b = lockedBackup(30);

    reconcile(b);

    assertThat(condition(b, Conditions.BLOCKED))
        .startsWith("True ConnectionSecretUnusable: Secret mysql-backup")
        .contains("does not exist in namespace prod");
    assertThat(b.getStatus().getPhase()).isEqualTo(Phase.Pending);
    assertThat(log).noneMatch(l -> l.startsWith("create volumesnapshot"));
  }

  @Test
  void aSecretWithoutAHostBlocksNamingTheKey() {
    cluster.secret("mysql-backup", Map.of("user", "backup", "password", "b4ckup"));
    MysqlBackup b = lockedBackup(30);

    reconcile(b);

    assertThat(condition(b, Conditions.BLOCKED))
        .startsWith("True ConnectionSecretUnusable: Secret mysql-backup has no key host");
    assertThat(log).noneMatch(l -> l.startsWith("create volumesnapshot"));
  }

  @Test
  void anOperatorThatMayNotReadSecretsBlocksNamingTheComponentToApply() {
    cluster.secretsError =
        new KubernetesClientException("secrets \"mysql-backup\" is forbidden", 403, null);
    MysqlBackup b = lockedBackup(30);

    reconcile(b);

    assertThat(condition(b, Conditions.BLOCKED))
        .startsWith("True ConnectionSecretUnusable: the operator may not read Secret mysql-backup")
        .contains("deploy/components/read-lock-credentials");
    assertThat(log).noneMatch(l -> l.startsWith("create volumesnapshot"));
  }

  /** Kills every connection of the account {@code backup}: the lock's. */
  static void killLockConnections() throws SQLException {
    try (Connection c = db.connect("root", "");
        Statement s = c.createStatement();
        var r =
            s.executeQuery("SELECT id FROM information_schema.processlist WHERE user = 'backup'")) {
      List<Long> ids = new ArrayList<>();
      while (r.next()) {
        ids.add(r.getLong(1));
      }
      assertThat(ids).as("connections of the lock").isNotEmpty();
      for (long id : ids) {
        try (Statement k = c.createStatement()) {
          k.execute("KILL CONNECTION " + id);
        }
      }
    }
  }
}
