package dev.stowage.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.stowage.api.v1alpha1.LocalSecretRef;
import dev.stowage.api.v1alpha1.MysqlBackup;
import dev.stowage.api.v1alpha1.MysqlBackupSpec;
import dev.stowage.api.v1alpha1.MysqlConnection;
import dev.stowage.api.v1alpha1.SnapshotConsistency;
import dev.stowage.api.v1alpha1.SnapshotSource;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * Issue 11's benchmark, not a test (only bench/online-backup.sh runs it, with -Dit.test): the write
 * latency a client sees while the same database is backed up four ways, on the local cluster's
 * btrfs CSI driver and S3 server. A writer inserts rows back to back, one autocommit INSERT each
 * stamped with the server's UTC_TIMESTAMP(6); the gap between two consecutive stamps is what one
 * write took (commit and fsync included). Phases: no backup; a CrashConsistent snapshot backup; a
 * FlushTablesWithReadLock snapshot backup; a quiesced backup (the StatefulSet scaled to 0: the
 * longest gap is the database's downtime). Each phase is the interval from the MysqlBackup's
 * creation to its success (the quiesced one: until the server is Ready again, plus 3 s), on this
 * machine's clock, which the server shares (one node).
 */
class OnlineBackupLatencyBench {
  static final String DB = "db";
  static final String BUCKET = "backups";
  static final String CREDENTIALS = "s3-credentials";
  static final String BTRFS = "stowage-btrfs";
  static final String LOCK_SECRET = "mysql-lock";
  static final String WRITER = "writer";
  static final int DATA_MIB = Integer.getInteger("bench.dataMiB", 256);
  static final Duration IDLE = Duration.ofSeconds(Integer.getInteger("bench.idleSeconds", 30));
  static final Path REPORT =
      Path.of(System.getProperty("bench.report", "target/online-backup-latency.md"));

  /** Back-to-back autocommit INSERTs for at most {@code seconds}, then the client calls again. */
  static final String PROCEDURE =
      "CREATE PROCEDURE bench.load(seconds INT) BEGIN"
          + " DECLARE stop DATETIME(6) DEFAULT UTC_TIMESTAMP(6) + INTERVAL seconds SECOND;"
          + " WHILE UTC_TIMESTAMP(6) < stop DO"
          + " INSERT INTO bench.lat (t) VALUES (UTC_TIMESTAMP(6)); END WHILE; END";

  /** Reconnects at once after an error (the quiesced phase stops the server). */
  static final String WRITER_SCRIPT =
      "while true; do mariadb --connect-timeout=1 -h "
          + DB
          + " -uroot -p\"$MARIADB_ROOT_PASSWORD\" -e 'CALL bench.load(10)' 2>/dev/null"
          + " || sleep 0.1; done";

  static KubernetesClient client;
  static final List<String> namespaces = new ArrayList<>();

  record Phase(String name, Instant start, Instant end, String note) {}

  @Test
  void writeLatencyDuringEachKindOfBackup() throws Exception {
    client = Cluster.connect();
    Operator.requireAvailable(client, Duration.ofMinutes(2));
    String s3ns = Cluster.createNamespace(client, "stowage-bench-s3-");
    namespaces.add(s3ns);
    S3Server s3 = S3Server.start(client, s3ns, BUCKET);
    String ns = Cluster.createNamespace(client, "stowage-bench-online-");
    namespaces.add(ns);
    MariaDb db = new MariaDb(client, ns).withPasswordSecret();
    s3.credentialsSecret(ns, CREDENTIALS, true);
    db.startStatefulSet(DB, BTRFS, "--innodb-flush-log-at-trx-commit=1");
    say("filling " + DATA_MIB + " MiB of random rows");
    db.sql(
        "fill",
        DB,
        "CREATE DATABASE bench; USE bench; CREATE TABLE filler (id INT PRIMARY KEY, b BLOB)"
            + " ENGINE=InnoDB; INSERT INTO filler SELECT seq, RANDOM_BYTES(1024) FROM seq_1_to_"
            + DATA_MIB * 1024
            + "; CREATE TABLE lat (id BIGINT AUTO_INCREMENT PRIMARY KEY, t DATETIME(6)"
            + " NOT NULL) ENGINE=InnoDB;\nDELIMITER //\n"
            + PROCEDURE
            + " //\nDELIMITER ;\n");
    db.readLockSecret(LOCK_SECRET, DB);
    db.startClientPod(WRITER, WRITER_SCRIPT);
    Thread.sleep(5000); // the writer connected and warmed up

    List<Phase> phases = new ArrayList<>();
    Instant idleStart = Instant.now();
    Thread.sleep(IDLE.toMillis());
    phases.add(new Phase("no backup", idleStart, Instant.now(), ""));
    phases.add(backup(ns, s3, "crash", snapshot(SnapshotConsistency.CrashConsistent)));
    Thread.sleep(5000);
    phases.add(backup(ns, s3, "locked", snapshot(SnapshotConsistency.FlushTablesWithReadLock)));
    Thread.sleep(5000);
    phases.add(backup(ns, s3, "quiesced", null));
    Thread.sleep(5000);
    client.pods().inNamespace(ns).withName(WRITER).withGracePeriod(0).delete();

    List<Instant> stamps = stamps(db);
    String report = report(phases, stamps);
    Files.createDirectories(REPORT.toAbsolutePath().getParent());
    Files.writeString(REPORT, report);
    System.out.println(report);
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

  static SnapshotSource snapshot(SnapshotConsistency consistency) {
    SnapshotSource s = new SnapshotSource();
    s.setVolumeSnapshotClassName(BTRFS);
    s.setStorageClassName(BTRFS);
    s.setConsistency(consistency);
    if (consistency == SnapshotConsistency.FlushTablesWithReadLock) {
      LocalSecretRef ref = new LocalSecretRef();
      ref.setName(LOCK_SECRET);
      MysqlConnection c = new MysqlConnection();
      c.setConnectionSecretRef(ref);
      s.setMysql(c);
    }
    return s;
  }

  /** Creates the backup and waits for its success; the phase is creation to success. */
  static Phase backup(String ns, S3Server s3, String name, SnapshotSource snapshot) {
    MysqlBackupSpec spec = StowageObjects.s3BackupOf(DB, ns, s3, CREDENTIALS);
    if (snapshot != null) {
      spec.getSource().setQuiesce(null);
      spec.getSource().setSnapshot(snapshot);
    }
    MysqlBackup b = new MysqlBackup();
    b.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(ns).build());
    b.setSpec(spec);
    say("backup " + name);
    Instant start = Instant.now();
    client.resources(MysqlBackup.class).inNamespace(ns).resource(b).create();
    await("MysqlBackup " + name + " finished")
        .atMost(Duration.ofMinutes(15))
        .pollInterval(Duration.ofMillis(250))
        .until(
            () -> {
              MysqlBackup r =
                  client.resources(MysqlBackup.class).inNamespace(ns).withName(name).get();
              return r.getStatus() != null
                  && r.getStatus().getPhase() != null
                  && List.of("Succeeded", "Failed").contains(r.getStatus().getPhase().toString());
            });
    Instant succeeded = Instant.now();
    MysqlBackup done = client.resources(MysqlBackup.class).inNamespace(ns).withName(name).get();
    assertThat(done.getStatus().getPhase().toString())
        .as("MysqlBackup %s: %s", name, done.getStatus().getMessage())
        .isEqualTo("Succeeded");
    String note = "";
    if (done.getStatus().getSnapshot() != null
        && done.getStatus().getSnapshot().getReadLockHeldMillis() != null) {
      note = "read lock held " + done.getStatus().getSnapshot().getReadLockHeldMillis() + " ms";
    }
    Instant end = succeeded;
    if (snapshot == null) {
      // The backup succeeds as the StatefulSet gets its replica back; the outage lasts until the
      // server takes writes again (the writer reconnects by itself), so the phase runs until
      // then, plus 3 s of writes.
      new MariaDb(client, ns).awaitReady(DB, Duration.ofMinutes(5));
      sleep(3000);
      end = Instant.now();
    }
    return new Phase(
        snapshot == null ? "quiesced backup" : snapshot.getConsistency() + " snapshot backup",
        start,
        end,
        note);
  }

  /** Every write's server timestamp, in order. */
  static List<Instant> stamps(MariaDb db) {
    String out =
        db.sql(
            "stamps",
            DB,
            "SELECT DATE_FORMAT(t, '%Y-%m-%dT%H:%i:%s.%fZ') FROM bench.lat ORDER BY id;");
    List<Instant> stamps = new ArrayList<>();
    for (String line : out.split("\n")) {
      if (!line.isBlank()) {
        stamps.add(Instant.parse(line.strip()));
      }
    }
    return stamps;
  }

  /** Per phase: writes, writes/s, p50, p99 and the longest gap between consecutive writes. */
  static String report(List<Phase> phases, List<Instant> stamps) {
    StringBuilder r = new StringBuilder();
    r.append("# Write latency during online and quiesced backups (issue 11)\n\n")
        .append(
            String.format(
                Locale.ROOT,
                "MariaDB 10.11 on the local cluster's btrfs CSI volume, %d MiB of InnoDB data,"
                    + " innodb_flush_log_at_trx_commit=1; one client inserting back to back"
                    + " (autocommit); a write's latency is the gap between two consecutive"
                    + " server timestamps. Command: bash bench/online-backup.sh%n%n",
                DATA_MIB))
        .append("| phase | seconds | writes | writes/s | p50 ms | p99 ms | longest ms | note |\n")
        .append("|---|---:|---:|---:|---:|---:|---:|---|\n");
    double idleP50 = 0;
    double idleP99 = 0;
    for (Phase p : phases) {
      List<Double> gaps = new ArrayList<>();
      for (int i = 1; i < stamps.size(); i++) {
        Instant t = stamps.get(i);
        if (!t.isBefore(p.start()) && t.isBefore(p.end())) {
          gaps.add(Duration.between(stamps.get(i - 1), t).toNanos() / 1e6);
        }
      }
      gaps.sort(Double::compare);
      double seconds = Duration.between(p.start(), p.end()).toMillis() / 1000.0;
      double p50 = pct(gaps, 0.50);
      double p99 = pct(gaps, 0.99);
      double max = gaps.isEmpty() ? Double.NaN : gaps.get(gaps.size() - 1);
      if (p.name().equals("no backup")) {
        idleP50 = p50;
        idleP99 = p99;
      }
      String note =
          p.note()
              + (p.name().equals("no backup") || gaps.isEmpty()
                  ? ""
                  : String.format(
                      Locale.ROOT,
                      "%sp50 %.2fx, p99 %.2fx of no backup",
                      p.note().isEmpty() ? "" : "; ",
                      p50 / idleP50,
                      p99 / idleP99))
              + (p.name().startsWith("quiesced")
                  ? String.format(Locale.ROOT, "; downtime (longest gap) %.1f s", max / 1000)
                  : "");
      r.append(
          String.format(
              Locale.ROOT,
              "| %s | %.1f | %d | %.0f | %.2f | %.2f | %.0f | %s |%n",
              p.name(),
              seconds,
              gaps.size(),
              gaps.size() / seconds,
              p50,
              p99,
              max,
              note));
    }
    return r.toString();
  }

  static double pct(List<Double> sorted, double q) {
    if (sorted.isEmpty()) {
      return Double.NaN;
    }
    return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(q * sorted.size()) - 1));
  }

  static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  static void say(String s) {
    System.out.println("[bench] " + s);
  }
}
