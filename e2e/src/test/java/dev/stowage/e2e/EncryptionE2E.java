package dev.stowage.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.stowage.api.v1alpha1.BackupEncryption;
import dev.stowage.api.v1alpha1.MysqlBackup;
import dev.stowage.api.v1alpha1.MysqlRestore;
import dev.stowage.api.v1alpha1.Phase;
import dev.stowage.api.v1alpha1.RestoreEncryption;
import dev.stowage.api.v1alpha1.SecretKeyRef;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Issue 16 on the local cluster: a MysqlBackup encrypted with a key from a Secret, to the cluster's
 * S3 server, restored by a MysqlRestore with the key from the Secret (data identical); a restore
 * with a Secret holding another key fails with a clear message and leaves its target untouched; and
 * no key material (base64 or hex) in any engine pod's log, the operator's log, the resources'
 * status or the namespace's events.
 */
class EncryptionE2E {

  static final String BUCKET = "backups";
  static final String CREDENTIALS = "s3-credentials";
  static final String DB = "db";
  static final String KEY_SECRET = "backup-key";
  static final String WRONG_SECRET = "other-key";
  static final String KEY = "key-2026-12";
  static final ObjectMapper JSON = new ObjectMapper();

  static KubernetesClient client;
  static S3Server s3;
  static String ns;
  static MariaDb db;
  static final List<String> namespaces = new ArrayList<>();
  static final byte[] key = new byte[32];
  static final byte[] wrongKey = new byte[32];
  static final String PASSPHRASE_SECRET = "backup-passphrase";
  static final String PASSPHRASE_KEY = "passphrase";
  static String passphrase;
  static String expectedData;

  /** Every engine pod's log in the namespace, by pod name, as last read. */
  static final Map<String, String> engineLogs = new ConcurrentHashMap<>();

  static Thread logCollector;
  static volatile boolean collecting = true;
  static String since;

  @BeforeAll
  static void operatorS3DatabaseAndKeys() throws Exception {
    client = Cluster.connect();
    Operator.requireAvailable(client, Duration.ofMinutes(2));
    since = Instant.now().minusSeconds(1).toString();
    String s3Namespace = Cluster.createNamespace(client, "stowage-e2e-enc-s3-");
    namespaces.add(s3Namespace);
    s3 = S3Server.start(client, s3Namespace, BUCKET);
    ns = Cluster.createNamespace(client, "stowage-e2e-enc-");
    namespaces.add(ns);
    db = new MariaDb(client, ns).withPasswordSecret();
    s3.credentialsSecret(ns, CREDENTIALS, true);
    SecureRandom random = new SecureRandom();
    random.nextBytes(key);
    random.nextBytes(wrongKey);
    keySecret(KEY_SECRET, key);
    keySecret(WRONG_SECRET, wrongKey);
    byte[] words = new byte[18];
    random.nextBytes(words);
    passphrase = "pass " + Base64.getUrlEncoder().withoutPadding().encodeToString(words);
    secret(PASSPHRASE_SECRET, PASSPHRASE_KEY, passphrase.getBytes(StandardCharsets.UTF_8));
    secret("short-key", KEY, new byte[31]);
    db.startStatefulSet(DB);
    // The check Job is deleted as soon as it passed: its log is read while it exists.
    logCollector = new Thread(EncryptionE2E::collectEngineLogs, "engine-logs");
    logCollector.setDaemon(true);
    logCollector.start();
  }

  @AfterAll
  static void cleanup() throws InterruptedException {
    collecting = false;
    if (logCollector != null) {
      logCollector.join(5000);
    }
    if (client == null) {
      return;
    }
    try {
      if (!Cluster.keepNamespaces()) {
        namespaces.forEach(n -> client.namespaces().withName(n).delete());
      }
    } finally {
      client.close();
    }
  }

  @Test
  void anEncryptedBackupIsRestoredWithItsKeyOnlyAndNoKeyMaterialLeaks() throws Exception {
    String expected = data();

    // 1. The encrypted backup, through the operator (quiesce, pre-flight, engine Job).
    MysqlBackup created = createBackup("sealed");
    MysqlBackup backup = awaitBackup(created.getMetadata().getName(), Duration.ofMinutes(6));
    assertThat(backup.getStatus().getPhase())
        .as("backup: %s", backup.getStatus().getMessage())
        .isEqualTo(Phase.Succeeded);
    var encryption = backup.getStatus().getEncryption();
    assertThat(encryption.getCipher()).isEqualTo("AES-256-GCM");
    assertThat(encryption.getKeySecretName()).isEqualTo(KEY_SECRET);
    assertThat(encryption.getKeys()).containsExactly(KEY);
    assertThat(encryption.getKeyId()).matches("[0-9a-f]{16}");
    var backupJob =
        client.batch().v1().jobs().inNamespace(ns).withName("sealed-backup").get().getSpec();
    assertThat(backupJob.getTemplate().getSpec().getContainers().get(0).getArgs())
        .containsSubsequence("--encryption-key-file", "/stowage/encryption/key-0");
    db.awaitReady(DB, Duration.ofMinutes(3));

    // 2. Restored with the key from the Secret, into a new claim: the same rows and checksums.
    MysqlRestore restore = restore("unsealed", "sealed", KEY_SECRET, "unsealed-data");
    MysqlRestore restored = awaitRestore(restore.getMetadata().getName(), Duration.ofMinutes(6));
    assertThat(restored.getStatus().getPhase())
        .as("restore: %s", restored.getStatus().getMessage())
        .isEqualTo(Phase.Succeeded);
    assertThat(restored.getStatus().getEncryption().getKeyId()).isEqualTo(encryption.getKeyId());
    db.startPodOnClaim("unsealed-db", "unsealed-data");
    assertThat(db.sql("read-unsealed", "unsealed-db", ShopData.READ)).isEqualTo(expected);

    // 3. A Secret holding another key: refused before any write, the target untouched.
    prepareTarget("wrong-target");
    MysqlRestore wrong = restoreInto("wrong-key", "sealed", WRONG_SECRET, "wrong-target");
    MysqlRestore refused = awaitRestore(wrong.getMetadata().getName(), Duration.ofMinutes(4));
    assertThat(refused.getStatus().getPhase()).isEqualTo(Phase.Failed);
    assertThat(refused.getStatus().getMessage())
        .contains("is encrypted with key id " + encryption.getKeyId())
        .contains("(wrong key)")
        .contains("spec.encryption.keySecretRef")
        .contains("[exit code 4]")
        .contains("PersistentVolumeClaim wrong-target is untouched")
        .doesNotContain("--encryption-key-file");
    onClaim(
        "wrong-target-intact",
        "wrong-target",
        "test -f /var/lib/mysql/keep-me && test \"$(cat /var/lib/mysql/keep-me)\" = intact"
            + " && test ! -e /var/lib/mysql/.stowage-restore-in-progress"
            + " && test ! -e /var/lib/mysql/ibdata1");

    // 4. No key material anywhere a person or a log collector reads.
    collecting = false;
    logCollector.join(10_000);
    readEngineLogs(); // a last read, with every pod finished
    assertThat(engineLogs.keySet())
        .as("engine pods whose logs were read")
        .anyMatch(p -> p.startsWith("sealed-backup-"))
        .anyMatch(p -> p.startsWith("unsealed-restore-"))
        .anyMatch(p -> p.startsWith("wrong-key-restore-"));
    System.out.println("engine pod logs read: " + engineLogs.keySet());
    String backupLog =
        engineLogs.entrySet().stream()
            .filter(e -> e.getKey().startsWith("sealed-backup-"))
            .findFirst()
            .orElseThrow()
            .getValue();
    // The search below looks at real output, and for the forms the Secret really holds.
    assertThat(backupLog).contains("AES-256-GCM").contains(encryption.getKeyId());
    assertThat(client.secrets().inNamespace(ns).withName(KEY_SECRET).get().getData().get(KEY))
        .isEqualTo(keyForms(key).get(0));
    List<String> secrets = keyForms(key);
    secrets.addAll(keyForms(wrongKey));
    for (var e : engineLogs.entrySet()) {
      assertNoKey("log of engine pod " + e.getKey(), e.getValue(), secrets);
    }
    assertNoKey("operator log", operatorLogsSince(since), secrets);
    assertNoKey("events of " + ns, Cluster.events(client, ns), secrets);
    for (MysqlBackup b : client.resources(MysqlBackup.class).inNamespace(ns).list().getItems()) {
      assertNoKey(
          "status of MysqlBackup " + b.getMetadata().getName(),
          JSON.writeValueAsString(b.getStatus()),
          secrets);
    }
    for (MysqlRestore r : client.resources(MysqlRestore.class).inNamespace(ns).list().getItems()) {
      assertNoKey(
          "status of MysqlRestore " + r.getMetadata().getName(),
          JSON.writeValueAsString(r.getStatus()),
          secrets);
    }
  }

  /**
   * A key Secret that does not exist: the pre-flight check pod cannot mount it, so the backup fails
   * before the StatefulSet is scaled down, naming spec.encryption.keySecretRef.
   */
  @Test
  void aMissingKeySecretFailsTheBackupBeforeAnythingIsStopped() {
    createBackup("missing-key", "no-such-key");
    List<Integer> replicasSeen = new ArrayList<>();
    MysqlBackup failed =
        awaitBackupWatchingReplicas("missing-key", Duration.ofSeconds(90), replicasSeen);

    assertThat(failed.getStatus().getPhase()).isEqualTo(Phase.Failed);
    assertThat(failed.getStatus().getMessage())
        .contains("the pre-flight check pod could not start, so nothing was stopped")
        .contains("no-such-key")
        .contains("check spec.encryption.keySecretRef");
    assertThat(replicasSeen).as("replicas of %s while the backup ran", DB).containsOnly(1);
    assertThat(failed.getStatus().getQuiesce()).isNull();
  }

  /**
   * A passphrase instead of a key (issue 16): PBKDF2 in the engine, the passphrase mounted from its
   * Secret into the check, backup and restore Jobs; the restore gets the rows back, and the
   * passphrase is in no engine log, status or event.
   */
  @Test
  void aBackupSealedWithAPassphraseIsRestoredWithIt() throws Exception {
    String expected = data();
    MysqlBackup backup =
        awaitBackup(
            createBackup("pass-sealed", passphraseEncryption()).getMetadata().getName(),
            Duration.ofMinutes(6));
    assertThat(backup.getStatus().getPhase())
        .as("backup: %s", backup.getStatus().getMessage())
        .isEqualTo(Phase.Succeeded);
    var encryption = backup.getStatus().getEncryption();
    assertThat(encryption.getForm()).isEqualTo("Passphrase");
    assertThat(encryption.getKeySecretName()).isEqualTo(PASSPHRASE_SECRET);
    assertThat(encryption.getKeyId()).matches("[0-9a-f]{16}");
    assertThat(
            client
                .batch()
                .v1()
                .jobs()
                .inNamespace(ns)
                .withName("pass-sealed-backup")
                .get()
                .getSpec()
                .getTemplate()
                .getSpec()
                .getContainers()
                .get(0)
                .getArgs())
        .containsSubsequence("--encryption-passphrase-file", "/stowage/encryption/passphrase-0");
    db.awaitReady(DB, Duration.ofMinutes(3));

    MysqlRestore r =
        StowageObjects.restoreIntoNewClaim(ns, "pass-unsealed", "pass-sealed", "pass-data");
    SecretKeyRef ref = new SecretKeyRef();
    ref.setName(PASSPHRASE_SECRET);
    ref.setKey(PASSPHRASE_KEY);
    RestoreEncryption e = new RestoreEncryption();
    e.setPassphraseSecretRef(ref);
    r.getSpec().setEncryption(e);
    client.resources(MysqlRestore.class).inNamespace(ns).resource(r).create();
    MysqlRestore restored = awaitRestore("pass-unsealed", Duration.ofMinutes(6));
    assertThat(restored.getStatus().getPhase())
        .as("restore: %s", restored.getStatus().getMessage())
        .isEqualTo(Phase.Succeeded);
    assertThat(restored.getStatus().getEncryption().getKeyId()).isEqualTo(encryption.getKeyId());
    assertThat(restored.getStatus().getEncryption().getForm()).isEqualTo("Passphrase");
    db.startPodOnClaim("pass-db", "pass-data");
    assertThat(db.sql("read-pass", "pass-db", ShopData.READ)).isEqualTo(expected);

    readEngineLogs();
    assertThat(engineLogs.keySet())
        .anyMatch(p -> p.startsWith("pass-sealed-backup-"))
        .anyMatch(p -> p.startsWith("pass-unsealed-restore-"));
    List<String> secrets = List.of(passphrase);
    for (var log : engineLogs.entrySet()) {
      assertNoKey("log of engine pod " + log.getKey(), log.getValue(), secrets);
    }
    assertNoKey("operator log", operatorLogsSince(since), secrets);
    assertNoKey("events of " + ns, Cluster.events(client, ns), secrets);
    assertNoKey("status of pass-sealed", JSON.writeValueAsString(backup.getStatus()), secrets);
    assertNoKey("status of pass-unsealed", JSON.writeValueAsString(restored.getStatus()), secrets);
  }

  /**
   * A key of 31 bytes: the pre-flight check Job reads the key file as the backup would and refuses
   * it, so the database is never stopped for a backup that cannot run (issue 16).
   */
  @Test
  void aMalformedKeyFailsTheBackupBeforeAnythingIsStopped() {
    createBackup("short-key", "short-key");
    List<Integer> replicasSeen = new ArrayList<>();
    MysqlBackup failed =
        awaitBackupWatchingReplicas("short-key", Duration.ofMinutes(3), replicasSeen);
    assertThat(failed.getStatus().getPhase()).isEqualTo(Phase.Failed);
    assertThat(failed.getStatus().getMessage())
        .contains("nothing was stopped")
        .contains("31 bytes")
        .contains("spec.encryption");
    assertThat(replicasSeen).as("replicas of %s while the backup ran", DB).containsOnly(1);
    assertThat(failed.getStatus().getQuiesce()).isNull();
  }

  // ------------------------------------------------------------------ helpers

  /**
   * Waits for backup {@code name} to finish, adding the StatefulSet's replica count to {@code
   * replicasSeen} at every poll (a backup refused before the quiesce must never show 0).
   */
  static MysqlBackup awaitBackupWatchingReplicas(
      String name, Duration timeout, List<Integer> replicasSeen) {
    await(name + " finished")
        .atMost(timeout)
        .pollInterval(Duration.ofMillis(500))
        .until(
            () -> {
              var sts = client.apps().statefulSets().inNamespace(ns).withName(DB).get();
              replicasSeen.add(sts.getSpec().getReplicas());
              MysqlBackup got =
                  client.resources(MysqlBackup.class).inNamespace(ns).withName(name).get();
              Phase p = got == null || got.getStatus() == null ? null : got.getStatus().getPhase();
              return p == Phase.Succeeded || p == Phase.Failed;
            });
    return client.resources(MysqlBackup.class).inNamespace(ns).withName(name).get();
  }

  /** The shop data, written once for the whole class; what ShopData.READ then reads. */
  static synchronized String data() {
    if (expectedData == null) {
      expectedData = ShopData.write(db, DB, 200);
    }
    return expectedData;
  }

  static BackupEncryption passphraseEncryption() {
    SecretKeyRef ref = new SecretKeyRef();
    ref.setName(PASSPHRASE_SECRET);
    ref.setKey(PASSPHRASE_KEY);
    BackupEncryption e = new BackupEncryption();
    e.setPassphraseSecretRef(ref);
    return e;
  }

  static void secret(String name, String key, byte[] value) {
    client
        .secrets()
        .inNamespace(ns)
        .resource(
            new SecretBuilder()
                .withNewMetadata()
                .withName(name)
                .endMetadata()
                .withData(Map.of(key, Base64.getEncoder().encodeToString(value)))
                .build())
        .create();
  }

  /** The forms a key could leak in: base64 (with and without padding), hex in either case. */
  static List<String> keyForms(byte[] k) {
    List<String> forms = new ArrayList<>();
    forms.add(Base64.getEncoder().encodeToString(k));
    forms.add(Base64.getEncoder().withoutPadding().encodeToString(k));
    forms.add(Base64.getUrlEncoder().withoutPadding().encodeToString(k));
    forms.add(HexFormat.of().formatHex(k));
    forms.add(HexFormat.of().formatHex(k).toUpperCase(Locale.ROOT));
    return forms;
  }

  static void assertNoKey(String where, String text, List<String> secrets) {
    assertThat(text).as("%s is read", where).isNotNull();
    for (String s : secrets) {
      assertThat(text).as("key material in %s", where).doesNotContain(s);
    }
  }

  static void keySecret(String name, byte[] k) {
    client
        .secrets()
        .inNamespace(ns)
        .resource(
            new SecretBuilder()
                .withNewMetadata()
                .withName(name)
                .endMetadata()
                .withData(Map.of(KEY, Base64.getEncoder().encodeToString(k)))
                .build())
        .create();
  }

  static MysqlBackup createBackup(String name) {
    return createBackup(name, KEY_SECRET);
  }

  static MysqlBackup createBackup(String name, String keySecret) {
    SecretKeyRef ref = new SecretKeyRef();
    ref.setName(keySecret);
    ref.setKey(KEY);
    BackupEncryption encryption = new BackupEncryption();
    encryption.setKeySecretRef(ref);
    return createBackup(name, encryption);
  }

  static MysqlBackup createBackup(String name, BackupEncryption encryption) {
    var spec = StowageObjects.s3BackupOf(DB, ns, s3, CREDENTIALS);
    spec.setEncryption(encryption);
    MysqlBackup backup = new MysqlBackup();
    backup.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(ns).build());
    backup.setSpec(spec);
    return client.resources(MysqlBackup.class).inNamespace(ns).resource(backup).create();
  }

  static RestoreEncryption encryption(String secret) {
    SecretKeyRef ref = new SecretKeyRef();
    ref.setName(secret);
    ref.setKey(KEY);
    RestoreEncryption e = new RestoreEncryption();
    e.setKeySecretRef(ref);
    return e;
  }

  /** A restore of {@code backup} into a new claim made from a template. */
  static MysqlRestore restore(String name, String backup, String secret, String claim) {
    MysqlRestore r = StowageObjects.restoreIntoNewClaim(ns, name, backup, claim);
    r.getSpec().setEncryption(encryption(secret));
    return client.resources(MysqlRestore.class).inNamespace(ns).resource(r).create();
  }

  /** A restore of {@code backup} over the existing claim {@code claim} (overwrite: true). */
  static MysqlRestore restoreInto(String name, String backup, String secret, String claim) {
    MysqlRestore r = StowageObjects.restoreIntoNewClaim(ns, name, backup, "unused");
    var target = new dev.stowage.api.v1alpha1.RestoreTarget();
    target.setPersistentVolumeClaim(claim);
    r.getSpec().setTarget(target);
    r.getSpec().setOverwrite(true);
    r.getSpec().setEncryption(encryption(secret));
    return client.resources(MysqlRestore.class).inNamespace(ns).resource(r).create();
  }

  /** A claim holding one file, keep-me, that a refused restore must leave as it is. */
  static void prepareTarget(String claim) {
    client
        .persistentVolumeClaims()
        .inNamespace(ns)
        .resource(
            new PersistentVolumeClaimBuilder()
                .withNewMetadata()
                .withName(claim)
                .endMetadata()
                .withNewSpec()
                .withAccessModes("ReadWriteOnce")
                .withNewResources()
                .addToRequests("storage", new Quantity("1Gi"))
                .endResources()
                .endSpec()
                .build())
        .create();
    onClaim("prepare-" + claim, claim, "echo intact > /var/lib/mysql/keep-me");
  }

  static MysqlBackup awaitBackup(String name, Duration timeout) {
    await(name + " finished")
        .atMost(timeout)
        .pollInterval(Duration.ofSeconds(1))
        .until(
            () -> {
              MysqlBackup b =
                  client.resources(MysqlBackup.class).inNamespace(ns).withName(name).get();
              Phase p = b == null || b.getStatus() == null ? null : b.getStatus().getPhase();
              return p == Phase.Succeeded || p == Phase.Failed;
            });
    return client.resources(MysqlBackup.class).inNamespace(ns).withName(name).get();
  }

  static MysqlRestore awaitRestore(String name, Duration timeout) {
    await(name + " finished")
        .atMost(timeout)
        .pollInterval(Duration.ofSeconds(1))
        .until(
            () -> {
              MysqlRestore r =
                  client.resources(MysqlRestore.class).inNamespace(ns).withName(name).get();
              Phase p = r == null || r.getStatus() == null ? null : r.getStatus().getPhase();
              return p == Phase.Succeeded || p == Phase.Failed;
            });
    return client.resources(MysqlRestore.class).inNamespace(ns).withName(name).get();
  }

  static String operatorLogsSince(String since) {
    StringBuilder all = new StringBuilder();
    for (Pod p : Operator.pods(client)) {
      all.append(
          client
              .pods()
              .inNamespace(Operator.NAMESPACE)
              .withName(p.getMetadata().getName())
              .sinceTime(since)
              .getLog());
    }
    return all.toString();
  }

  static void collectEngineLogs() {
    while (collecting) {
      try {
        readEngineLogs();
        Thread.sleep(300);
      } catch (InterruptedException e) {
        return;
      } catch (RuntimeException e) {
        // a pod gone between list and log: read again on the next round
      }
    }
  }

  static void readEngineLogs() {
    for (Pod p :
        client
            .pods()
            .inNamespace(ns)
            .withLabel("app.kubernetes.io/name", "stowage-engine")
            .list()
            .getItems()) {
      String name = p.getMetadata().getName();
      try {
        String log = client.pods().inNamespace(ns).withName(name).getLog();
        if (log != null && !log.isEmpty()) {
          engineLogs.merge(name, log, (a, b) -> b.length() >= a.length() ? b : a);
        } else {
          engineLogs.putIfAbsent(name, "");
        }
      } catch (RuntimeException e) {
        // not started yet, or gone
      }
    }
  }

  static void onClaim(String name, String claim, String script) {
    MariaDb.onClaim(client, ns, name, claim, script);
  }
}
