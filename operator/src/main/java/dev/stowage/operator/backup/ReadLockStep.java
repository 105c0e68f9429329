package dev.stowage.operator.backup;

import static dev.stowage.operator.backup.MysqlBackupReconciler.WAIT;

import dev.stowage.api.v1alpha1.LocalSecretRef;
import dev.stowage.api.v1alpha1.MysqlBackup;
import dev.stowage.api.v1alpha1.SnapshotConsistency;
import dev.stowage.api.v1alpha1.SnapshotSource;
import dev.stowage.api.v1alpha1.SnapshotStatus;
import dev.stowage.operator.cluster.Cluster;
import dev.stowage.operator.mysql.MysqlEndpoint;
import dev.stowage.operator.mysql.ReadLockException;
import dev.stowage.operator.mysql.ReadLocks;
import dev.stowage.operator.mysql.ReadLocks.HeldLock;
import dev.stowage.operator.snapshot.VolumeSnapshots;
import dev.stowage.operator.status.Conditions;
import dev.stowage.operator.status.EventRecorder;
import dev.stowage.operator.status.EventRecorder.Type;
import dev.stowage.operator.status.Reason;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Snapshot mode with consistency FlushTablesWithReadLock: the global read lock is taken before the
 * VolumeSnapshot is created and released as soon as the snapshot has its creationTime, so the cut
 * lies inside the locked interval. Only a lock this operator process holds, unbroken, from before
 * the create to after the creationTime counts: a lock killed at its limit, a lost connection or an
 * operator restart in between fail the backup before anything is copied.
 */
final class ReadLockStep {
  private static final Logger log = LoggerFactory.getLogger(MysqlBackupReconciler.class);

  /** How often the snapshot is read while the lock is held: writes wait meanwhile. */
  static final Duration POLL = Duration.ofMillis(500);

  static final int DEFAULT_PORT = 3306;

  private final Cluster cluster;
  private final ReadLocks locks;
  private final EventRecorder events;
  private final Conditions conditions;
  // The locks this process holds, by MysqlBackup uid: a lock lives on one connection, which no
  // restart can hand over.
  private final Map<String, HeldLock> held = new ConcurrentHashMap<>();

  ReadLockStep(Cluster cluster, ReadLocks locks, EventRecorder events, Conditions conditions) {
    this.cluster = cluster;
    this.locks = locks;
    this.events = events;
    this.conditions = conditions;
  }

  /** Whether the backup takes its snapshot under a global read lock. */
  static boolean wanted(MysqlBackup backup) {
    SnapshotSource s = backup.getSpec().getSource().getSnapshot();
    return s != null && s.getConsistency() == SnapshotConsistency.FlushTablesWithReadLock;
  }

  /**
   * Fails the backup when status says a lock was taken and not yet released but this process does
   * not hold it (the operator restarted): the snapshot, if any was cut, cannot be shown to lie
   * inside the lock.
   */
  Duration failIfLost(BackupRun run) {
    SnapshotStatus s = run.status().getSnapshot();
    if (s == null
        || s.getReadLockTime() == null
        || s.getReadLockHeldMillis() != null
        || held.containsKey(uid(run))) {
      return null;
    }
    return fail(
        run,
        "the global read lock taken at "
            + s.getReadLockTime()
            + " was lost before VolumeSnapshot "
            + s.getName()
            + " had its creationTime (the operator restarted, and a lock lives on its"
            + " connection): the snapshot's consistency cannot be shown; nothing was copied, the"
            + " next backup takes a new lock");
  }

  /**
   * Reads the connection Secret (Blocked, with the claim unlocked and nothing created, when it is
   * unusable), records the lock time in status, then takes the lock; a refused lock fails the
   * backup. Null once the lock is held.
   */
  Duration lock(BackupRun run, ClaimLocking locking) {
    if (held.containsKey(uid(run))) {
      return null; // taken by an earlier pass whose snapshot create did not get through
    }
    MysqlBackup backup = run.backup();
    SnapshotSource spec = backup.getSpec().getSource().getSnapshot();
    LocalSecretRef ref = spec.getMysql().getConnectionSecretRef();
    MysqlEndpoint endpoint;
    try {
      endpoint = endpoint(run.namespace(), ref.getName());
    } catch (Unusable e) {
      locking.unlockClaim(run);
      return run.block(Reason.ConnectionSecretUnusable, e.getMessage(), WAIT);
    }
    Duration limit = Duration.ofSeconds(limitSeconds(spec));
    run.status().getSnapshot().setReadLockTime(conditions.now());
    run.saveNow();
    HeldLock lock;
    try {
      lock = locks.lock(endpoint, limit);
    } catch (ReadLockException e) {
      return fail(run, e.getMessage() + "; no snapshot was taken");
    }
    held.put(uid(run), lock);
    log.info("holding the global read lock on {} (limit {} s)", endpoint, limit.toSeconds());
    events.record(
        backup,
        Type.Normal,
        Reason.ReadLockTaken,
        "FLUSH TABLES WITH READ LOCK on "
            + endpoint
            + ": writes wait until VolumeSnapshot "
            + run.status().getSnapshot().getName()
            + " is cut (at most "
            + limit.toSeconds()
            + " s)");
    return null;
  }

  /**
   * While the lock is held: waits (briefly) for the snapshot's creationTime, then releases the lock
   * and records how long writes waited. A snapshot that failed or is not this backup's gives the
   * lock up at once and lets the snapshot steps fail the backup with the driver's words.
   */
  Duration releaseOnceCut(BackupRun run) {
    SnapshotStatus s = run.status().getSnapshot();
    if (s.getReadLockHeldMillis() != null) {
      return null;
    }
    HeldLock lock = held.get(uid(run));
    if (lock == null) {
      return failIfLost(run);
    }
    Optional<GenericKubernetesResource> snap = cluster.volumeSnapshot(run.namespace(), s.getName());
    if (snap.isPresent()
        && (!VolumeSnapshots.madeFor(snap.get(), run.backup())
            || VolumeSnapshots.error(snap.get()).isPresent())) {
      discard(run);
      return null;
    }
    Optional<String> cut = snap.flatMap(VolumeSnapshots::creationTime);
    if (cut.isEmpty()) {
      return run.block(
          Reason.TakingSnapshot,
          "holding the global read lock until VolumeSnapshot "
              + s.getName()
              + " of "
              + run.claim()
              + " is cut (at most "
              + limitSeconds(run.backup().getSpec().getSource().getSnapshot())
              + " s)",
          POLL);
    }
    held.remove(uid(run));
    Duration waited;
    try {
      waited = lock.release();
    } catch (ReadLockException e) {
      return fail(run, e.getMessage() + "; nothing was copied");
    }
    s.setCreationTime(cut.get());
    s.setReadLockHeldMillis(waited.toMillis());
    log.info(
        "released the read lock after {} ms; snapshot cut at {}", waited.toMillis(), cut.get());
    events.record(
        run.backup(),
        Type.Normal,
        Reason.ReadLockReleased,
        "UNLOCK TABLES after "
            + waited.toMillis()
            + " ms: VolumeSnapshot "
            + s.getName()
            + " was cut at "
            + cut.get()
            + " under the lock");
    return null;
  }

  /** Gives up a lock this process holds for the backup; for every end. */
  void discard(BackupRun run) {
    HeldLock lock = held.remove(uid(run));
    if (lock != null) {
      lock.close();
    }
  }

  private Duration fail(BackupRun run, String message) {
    discard(run);
    run.fail(Reason.ReadLockFailed, message);
    run.settle();
    return null;
  }

  private static long limitSeconds(SnapshotSource spec) {
    return spec.getLockLimitSeconds() == null ? 30 : spec.getLockLimitSeconds();
  }

  private static String uid(BackupRun run) {
    return run.backup().getMetadata().getUid();
  }

  /** Why the connection Secret cannot be used; the message says what to do. */
  private static final class Unusable extends Exception {
    Unusable(String message) {
      super(message);
    }
  }

  private MysqlEndpoint endpoint(String namespace, String name) throws Unusable {
    Optional<Secret> found;
    try {
      found = cluster.secret(namespace, name);
    } catch (KubernetesClientException e) {
      if (e.getCode() != 403) {
        throw e;
      }
      throw new Unusable(
          "the operator may not read Secret "
              + name
              + " ("
              + (e.getStatus() != null ? e.getStatus().getMessage() : e.getMessage())
              + "): consistency FlushTablesWithReadLock needs get on secrets, which the default"
              + " install does not grant; apply deploy/components/read-lock-credentials (kustomize"
              + " component) or use CrashConsistent. Nothing was created");
    }
    if (found.isEmpty()) {
      throw new Unusable(
          "Secret "
              + name
              + " (spec.source.snapshot.mysql.connectionSecretRef) does not exist in namespace "
              + namespace
              + ": create it with the keys host, port, user and password. Nothing was created");
    }
    Map<String, String> data = found.get().getData() == null ? Map.of() : found.get().getData();
    String host = decoded(data, "host", name);
    String user = decoded(data, "user", name);
    String password = data.get("password") == null ? "" : decoded(data, "password", name);
    int port = DEFAULT_PORT;
    if (data.containsKey("port")) {
      String p = decoded(data, "port", name).trim();
      try {
        port = Integer.parseInt(p);
      } catch (NumberFormatException e) {
        port = -1;
      }
      if (port < 1 || port > 65535) {
        throw new Unusable(
            "key port of Secret " + name + " is not a TCP port (1 to 65535): '" + p + "'");
      }
    }
    return new MysqlEndpoint(host, port, user, password);
  }

  private static String decoded(Map<String, String> data, String key, String secret)
      throws Unusable {
    String v = data.get(key);
    if (v == null || (v.isEmpty() && !key.equals("password"))) {
      throw new Unusable(
          "Secret "
              + secret
              + " has no key "
              + key
              + " (it needs host, user, password and optionally port, default "
              + DEFAULT_PORT
              + "). Nothing was created");
    }
    try {
      return new String(Base64.getDecoder().decode(v), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw new Unusable("key " + key + " of Secret " + secret + " is not base64");
    }
  }
}
