package dev.stowage.api.v1alpha1;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stowage.api.v1alpha1.testing.LocalApiServer;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.FieldValidateable;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The committed CRDs (deploy/crds) on a real Kubernetes 1.34 API server: valid resources are
 * accepted and defaulted, each invalid one is refused with a message a person can act on.
 */
class CrdValidationIT {
  private static final String NS = "default";
  private static final KubernetesSerialization YAML = new KubernetesSerialization();
  private static LocalApiServer server;
  private static KubernetesClient client;

  private static final String BACKUP =
      """
      apiVersion: stowage.dev/v1alpha1
      kind: MysqlBackup
      metadata: {name: nightly}
      spec:
        source:
          persistentVolumeClaim: data-mysql-0
          subPath: mysql
          quiesce: {statefulSet: mysql}
        storage:
          s3:
            bucket: backups
            prefix: mysql/prod
            endpoint: http://s3.storage.svc:7070
            insecure: true
            credentialsSecretRef: {name: s3-credentials}
        chunking: {threshold: 1Gi, size: 64Mi}
        compression: {engine: zstd, level: 3}
        concurrency: 8
      """;

  private static final String RESTORE =
      """
      apiVersion: stowage.dev/v1alpha1
      kind: MysqlRestore
      metadata: {name: restore}
      spec:
        backup: {name: nightly}
        target: {persistentVolumeClaim: data-mysql-restored}
      """;

  private static final String SCHEDULE =
      """
      apiVersion: stowage.dev/v1alpha1
      kind: MysqlBackupSchedule
      metadata: {name: nightly}
      spec:
        schedule: "30 2 * * *"
        timeZone: Europe/Berlin
        backupTemplate:
          metadata:
            labels: {team: db}
          spec:
            source:
              persistentVolumeClaim: data-mysql-0
              quiesce: {statefulSet: mysql}
            storage:
              s3:
                bucket: backups
                endpoint: http://s3.storage.svc:7070
                insecure: true
                credentialsSecretRef: {name: s3-credentials}
        retention: {keepDaily: 7, keepWeekly: 4, keepMonthly: 12}
      """;

  private static final String CLUSTER_STORE =
      """
      apiVersion: stowage.dev/v1alpha1
      kind: ClusterBackupStore
      metadata: {name: shared}
      spec:
        allowedNamespaces: [shop, billing]
        s3:
          bucket: backups
          prefix: tenants
          endpoint: https://s3.storage.svc:7070
          credentialsSecretRef: {name: s3-credentials}
      """;

  private static final String STORE =
      """
      apiVersion: stowage.dev/v1alpha1
      kind: BackupStore
      metadata: {name: own}
      spec:
        serviceAccountName: backup-writer
        s3: {bucket: backups, region: eu-west-1}
      """;

  private static final Map<String, Object> TEMPLATE =
      Map.of(
          "metadata", Map.of("name", "restored"),
          "spec",
              Map.of(
                  "accessModes",
                  List.of("ReadWriteOnce"),
                  "resources",
                  Map.of("requests", Map.of("storage", "10Gi"))));

  private static final Map<String, Object> EXPLICIT_SOURCE =
      Map.of(
          "storage", Map.of("s3", Map.of("bucket", "backups")),
          "directory", "prod/data-mysql-0",
          "backupName", "latest");

  /**
   * The restore with a volumeClaimTemplate target (and an explicit source) where fields of the
   * template ({@code spec.volumeName}, {@code metadata.annotations}) are set or, with DELETE,
   * removed: pairs of path and value.
   */
  @SuppressWarnings("unchecked")
  static Map<String, Object> templateWith(Object... fieldsAndValues) {
    Map<String, Object> template = deepCopy(TEMPLATE);
    for (int f = 0; f < fieldsAndValues.length; f += 2) {
      String[] path = ((String) fieldsAndValues[f]).split("\\.");
      Object value = fieldsAndValues[f + 1];
      Map<String, Object> at = template;
      for (int i = 0; i < path.length - 1; i++) {
        at = (Map<String, Object>) at.computeIfAbsent(path[i], k -> new LinkedHashMap<>());
      }
      if ("DELETE".equals(value)) {
        at.remove(path[path.length - 1]);
      } else {
        at.put(path[path.length - 1], value);
      }
    }
    Map<String, Object> changes = new LinkedHashMap<>();
    changes.put("spec.backup", "DELETE");
    changes.put("spec.source", EXPLICIT_SOURCE);
    changes.put("spec.target", Map.of("volumeClaimTemplate", template));
    return changes;
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> deepCopy(Map<String, Object> m) {
    Map<String, Object> copy = new LinkedHashMap<>();
    m.forEach((k, v) -> copy.put(k, v instanceof Map ? deepCopy((Map<String, Object>) v) : v));
    return copy;
  }

  @BeforeAll
  static void installCrds() throws Exception {
    server = LocalApiServer.start(Path.of("target", "crds-it"));
    client = server.client();
    server.installCommittedCrds();
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.close();
    }
  }

  static Stream<Arguments> validResources() {
    return Stream.of(
        Arguments.of("the example backup", BACKUP, Map.of()),
        Arguments.of(
            "chunking off with any size",
            BACKUP,
            Map.of("spec.chunking", Map.of("threshold", 0, "size", "1Ki"))),
        Arguments.of(
            "sizes as numbers of bytes",
            BACKUP,
            Map.of("spec.chunking", Map.of("threshold", 1L << 30, "size", 4 << 20))),
        Arguments.of(
            "size only, at the default threshold",
            BACKUP,
            Map.of("spec.chunking", Map.of("size", "4Mi"))),
        Arguments.of(
            "a backup PVC",
            BACKUP,
            Map.of(
                "spec.storage",
                Map.of(
                    "persistentVolumeClaim",
                    Map.of("claimName", "backups", "path", "mysql/prod")))),
        Arguments.of(
            "a prefix with dots inside segments",
            BACKUP,
            Map.of("spec.storage.s3.prefix", "prod..v2/my.db/x.")),
        Arguments.of(
            "an endpoint with a port and a path",
            BACKUP,
            Map.of("spec.storage.s3.endpoint", "https://s3.example.com:8443/storage")),
        Arguments.of(
            "gzip at 9", BACKUP, Map.of("spec.compression", Map.of("engine", "gzip", "level", 9))),
        Arguments.of(
            "no compression", BACKUP, Map.of("spec.compression", Map.of("engine", "none"))),
        Arguments.of("the example restore", RESTORE, Map.of()),
        // Issue 15, finding 2: administrators' stores, named by tenants.
        Arguments.of(
            "a backup to a ClusterBackupStore",
            BACKUP,
            Map.of("spec.storage", Map.of("storeRef", Map.of("name", "shared")))),
        Arguments.of(
            "a backup to a BackupStore",
            BACKUP,
            Map.of(
                "spec.storage", Map.of("storeRef", Map.of("kind", "BackupStore", "name", "own")))),
        Arguments.of(
            "a schedule to a store",
            SCHEDULE,
            Map.of(
                "spec.backupTemplate.spec.storage", Map.of("storeRef", Map.of("name", "shared")))),
        Arguments.of("the example ClusterBackupStore", CLUSTER_STORE, Map.of()),
        Arguments.of(
            "a ClusterBackupStore for every namespace",
            CLUSTER_STORE,
            Map.of("spec.allowedNamespaces", List.of("*"))),
        Arguments.of("the example BackupStore", STORE, Map.of()),
        // Issue 15, finding 7: server-side encryption.
        Arguments.of(
            "SSE-S3",
            BACKUP,
            Map.of("spec.storage.s3.serverSideEncryption", Map.of("mode", "AES256"))),
        Arguments.of(
            "SSE-KMS with a key alias",
            BACKUP,
            Map.of(
                "spec.storage.s3.serverSideEncryption",
                Map.of("mode", "KMS", "kmsKeyId", "alias/backups"))),
        Arguments.of(
            "SSE-C over https",
            BACKUP,
            Map.of(
                "spec.storage.s3.endpoint",
                "https://s3.storage.svc",
                "spec.storage.s3.serverSideEncryption",
                Map.of(
                    "mode",
                    "CustomerKey",
                    "customerKeySecretRef",
                    Map.of("name", "sse-c", "key", "key")))),
        // Issue 15, finding 6: plain http only with the opt-in.
        Arguments.of(
            "https without insecure",
            BACKUP,
            Map.of(
                "spec.storage.s3.endpoint",
                "https://s3.storage.svc",
                "spec.storage.s3.insecure",
                "DELETE")),
        Arguments.of(
            "an explicit source into a new claim",
            RESTORE,
            Map.of(
                "spec.backup",
                "DELETE",
                "spec.source",
                EXPLICIT_SOURCE,
                "spec.target",
                Map.of("volumeClaimTemplate", TEMPLATE))),
        Arguments.of(
            "a template with access modes, storage class, size and labels",
            RESTORE,
            templateWith(
                "metadata.labels",
                Map.of("team", "shop"),
                "spec.storageClassName",
                "fast",
                "spec.accessModes",
                List.of("ReadWriteOnce", "ReadWriteOncePod"))),
        Arguments.of("the example schedule", SCHEDULE, Map.of()),
        Arguments.of("a -random macro", SCHEDULE, Map.of("spec.schedule", "@daily-random")),
        Arguments.of("@hourly", SCHEDULE, Map.of("spec.schedule", "@hourly")),
        Arguments.of("every minute", SCHEDULE, Map.of("spec.schedule", "*/1 * * * *")),
        Arguments.of("no time zone", SCHEDULE, Map.of("spec.timeZone", "DELETE")),
        Arguments.of("America/New_York", SCHEDULE, Map.of("spec.timeZone", "America/New_York")),
        Arguments.of("no retention", SCHEDULE, Map.of("spec.retention", "DELETE")),
        Arguments.of(
            "keepWithin alone", SCHEDULE, Map.of("spec.retention", Map.of("keepWithin", "14d"))),
        Arguments.of("a 50-character name", SCHEDULE, Map.of("metadata.name", "s".repeat(50))),
        // Issue 15, finding 1: what a tenant may still set (the operator checks the allowlists).
        Arguments.of(
            "pod ids, resources and scheduling",
            BACKUP,
            Map.of(
                "spec.pod",
                Map.of(
                    "securityContext",
                    Map.of("runAsUser", 27, "runAsGroup", 27, "fsGroup", 27),
                    "resources",
                    Map.of("requests", Map.of("cpu", "1", "memory", "1Gi")),
                    "nodeSelector",
                    Map.of("pool", "backup"),
                    "tolerations",
                    List.of(Map.of("key", "dedicated", "value", "db", "effect", "NoSchedule"))))),
        // Issue 11: a backup of a VolumeSnapshot of the live volume.
        Arguments.of(
            "a snapshot-mode backup",
            BACKUP,
            Map.of(
                "spec.source.quiesce",
                "DELETE",
                "spec.source.snapshot",
                Map.of(
                    "volumeSnapshotClassName",
                    "stowage-btrfs",
                    "storageClassName",
                    "stowage-btrfs",
                    "consistency",
                    "CrashConsistent",
                    "keepSnapshot",
                    true))),
        Arguments.of(
            "a snapshot-mode backup with every default",
            BACKUP,
            Map.of("spec.source.quiesce", "DELETE", "spec.source.snapshot", Map.of())),
        Arguments.of(
            "a snapshot-mode backup under a read lock",
            BACKUP,
            Map.of(
                "spec.source.quiesce",
                "DELETE",
                "spec.source.snapshot",
                Map.of(
                    "consistency",
                    "FlushTablesWithReadLock",
                    "lockLimitSeconds",
                    10,
                    "mysql",
                    Map.of("connectionSecretRef", Map.of("name", "mysql-backup"))))),
        Arguments.of(
            "a snapshot-mode schedule",
            SCHEDULE,
            Map.of(
                "spec.backupTemplate.spec.source.quiesce",
                "DELETE",
                "spec.backupTemplate.spec.source.snapshot",
                Map.of())),
        // Issue 16: client-side encryption with a key from a Secret.
        Arguments.of(
            "an encrypted backup",
            BACKUP,
            Map.of(
                "spec.encryption",
                Map.of("keySecretRef", Map.of("name", "backup-key", "key", "key-2026-12")))),
        Arguments.of(
            "an encrypted schedule",
            SCHEDULE,
            Map.of(
                "spec.backupTemplate.spec.encryption",
                Map.of("keySecretRef", Map.of("name", "backup-key", "key", "key-2026-12")))),
        Arguments.of(
            "an encrypted restore with the previous keys",
            RESTORE,
            Map.of(
                "spec.encryption",
                Map.of(
                    "keySecretRef",
                    Map.of("name", "backup-key", "key", "key-2026-12"),
                    "additionalKeys",
                    List.of("key-2026-06", "key-2025-12")))),
        Arguments.of(
            "a backup encrypted with a passphrase",
            BACKUP,
            Map.of(
                "spec.encryption",
                Map.of("passphraseSecretRef", Map.of("name", "backup-pass", "key", "passphrase")))),
        Arguments.of(
            "a schedule encrypted with a passphrase",
            SCHEDULE,
            Map.of(
                "spec.backupTemplate.spec.encryption",
                Map.of("passphraseSecretRef", Map.of("name", "backup-pass", "key", "passphrase")))),
        Arguments.of(
            "a restore with a passphrase and earlier raw keys",
            RESTORE,
            Map.of(
                "spec.encryption",
                Map.of(
                    "passphraseSecretRef",
                    Map.of("name", "backup-pass", "key", "passphrase"),
                    "additionalKeys",
                    List.of("key-2026-06")))),
        Arguments.of(
            "the largest uid",
            RESTORE,
            Map.of("spec.pod.securityContext", Map.of("runAsUser", 2147483647L))));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("validResources")
  void accepts(String why, String base, Map<String, Object> changes) {
    String json = variant(base, changes);
    assertThat(client.resource(json).inNamespace(NS).dryRun().create()).isNotNull();
  }

  static Stream<Arguments> invalidResources() {
    return Stream.of(
        Arguments.of(
            "chunk size 1Ki",
            BACKUP,
            Map.of("spec.chunking.size", "1Ki"),
            "chunking.size is 1Ki but must be at least 4Mi while chunking is on"),
        Arguments.of(
            "chunk size 3Mi in bytes",
            BACKUP,
            Map.of("spec.chunking.size", 3 << 20),
            "chunking.size is 3145728 but must be at least 4Mi"),
        Arguments.of(
            "threshold below size",
            BACKUP,
            Map.of("spec.chunking", Map.of("threshold", "64Mi", "size", "128Mi")),
            "chunking.threshold (64Mi) must be at least chunking.size (128Mi), or 0 to turn"
                + " chunking off"),
        Arguments.of(
            "size above the default threshold",
            BACKUP,
            Map.of("spec.chunking", Map.of("size", "128Mi")),
            "chunking.threshold (64Mi) must be at least chunking.size (128Mi)"),
        Arguments.of(
            "a size the engine cannot parse",
            BACKUP,
            Map.of("spec.chunking.size", "64MB"),
            "\"64MB\" is not a size: use a number of bytes, or a whole number with a Ki, Mi, Gi or"
                + " Ti suffix"),
        Arguments.of(
            "a fractional size",
            BACKUP,
            Map.of("spec.chunking.size", "1.5Gi"),
            "\"1.5Gi\" is not a size"),
        Arguments.of(
            "a negative threshold",
            BACKUP,
            Map.of("spec.chunking.threshold", -1),
            "\"-1\" is not a size"),
        Arguments.of(
            "two storages",
            BACKUP,
            Map.of("spec.storage.persistentVolumeClaim", Map.of("claimName", "backups")),
            "set exactly one storage kind: storeRef, s3 or persistentVolumeClaim"),
        Arguments.of(
            "no storage kind",
            BACKUP,
            Map.of("spec.storage", Map.of()),
            "set exactly one storage kind: storeRef, s3 or persistentVolumeClaim"),
        Arguments.of(
            "a store and s3",
            BACKUP,
            Map.of("spec.storage.storeRef", Map.of("name", "shared")),
            "set exactly one storage kind: storeRef, s3 or persistentVolumeClaim"),
        Arguments.of(
            "a store of an unknown kind",
            BACKUP,
            Map.of("spec.storage", Map.of("storeRef", Map.of("kind", "Bucket", "name", "shared"))),
            "Unsupported value: \"Bucket\": supported values: \"BackupStore\","
                + " \"ClusterBackupStore\""),
        Arguments.of(
            "a KMS key without KMS",
            BACKUP,
            Map.of(
                "spec.storage.s3.serverSideEncryption",
                Map.of("mode", "AES256", "kmsKeyId", "alias/backups")),
            "kmsKeyId is only for mode: KMS"),
        // Issue 16: client-side encryption.
        Arguments.of(
            "an encrypted backup without keySecretRef",
            BACKUP,
            Map.of("spec.encryption", Map.of()),
            "spec.encryption needs exactly one of keySecretRef (a 256-bit key) and"
                + " passphraseSecretRef"),
        Arguments.of(
            "a backup with both a key and a passphrase",
            BACKUP,
            Map.of(
                "spec.encryption",
                Map.of(
                    "keySecretRef",
                    Map.of("name", "backup-key", "key", "key-2026-12"),
                    "passphraseSecretRef",
                    Map.of("name", "backup-pass", "key", "passphrase"))),
            "spec.encryption needs exactly one of keySecretRef (a 256-bit key) and"
                + " passphraseSecretRef"),
        Arguments.of(
            "a schedule with both a key and a passphrase",
            SCHEDULE,
            Map.of(
                "spec.backupTemplate.spec.encryption",
                Map.of(
                    "keySecretRef",
                    Map.of("name", "backup-key", "key", "key-2026-12"),
                    "passphraseSecretRef",
                    Map.of("name", "backup-pass", "key", "passphrase"))),
            "spec.encryption needs exactly one of keySecretRef (a 256-bit key) and"
                + " passphraseSecretRef"),
        Arguments.of(
            "a schedule with neither a key nor a passphrase",
            SCHEDULE,
            Map.of("spec.backupTemplate.spec.encryption", Map.of()),
            "spec.encryption needs exactly one of keySecretRef (a 256-bit key) and"
                + " passphraseSecretRef"),
        Arguments.of(
            "a restore with both a key and a passphrase",
            RESTORE,
            Map.of(
                "spec.encryption",
                Map.of(
                    "keySecretRef",
                    Map.of("name", "backup-key", "key", "key-2026-12"),
                    "passphraseSecretRef",
                    Map.of("name", "backup-pass", "key", "passphrase"))),
            "spec.encryption needs exactly one of keySecretRef (a 256-bit key) and"
                + " passphraseSecretRef"),
        Arguments.of(
            "a restore with neither a key nor a passphrase",
            RESTORE,
            Map.of("spec.encryption", Map.of("additionalKeys", List.of("key-2026-06"))),
            "spec.encryption needs exactly one of keySecretRef (a 256-bit key) and"
                + " passphraseSecretRef"),
        Arguments.of(
            "an additional key that repeats the passphrase",
            RESTORE,
            Map.of(
                "spec.encryption",
                Map.of(
                    "passphraseSecretRef",
                    Map.of("name", "backup-pass", "key", "passphrase"),
                    "additionalKeys",
                    List.of("passphrase"))),
            "spec.encryption.additionalKeys repeats spec.encryption.passphraseSecretRef.key"),
        Arguments.of(
            "a passphrase without the Secret key",
            BACKUP,
            Map.of("spec.encryption", Map.of("passphraseSecretRef", Map.of("name", "backup-pass"))),
            "spec.encryption.passphraseSecretRef.key: Required value"),
        Arguments.of(
            "an encryption key without the Secret key",
            BACKUP,
            Map.of("spec.encryption", Map.of("keySecretRef", Map.of("name", "backup-key"))),
            "spec.encryption.keySecretRef.key: Required value"),
        Arguments.of(
            "an encryption key Secret that is no Kubernetes name",
            RESTORE,
            Map.of(
                "spec.encryption",
                Map.of("keySecretRef", Map.of("name", "Backup_Key", "key", "key"))),
            "spec.encryption.keySecretRef.name"),
        Arguments.of(
            "an additional key that repeats the key",
            RESTORE,
            Map.of(
                "spec.encryption",
                Map.of(
                    "keySecretRef",
                    Map.of("name", "backup-key", "key", "key-2026-12"),
                    "additionalKeys",
                    List.of("key-2026-12"))),
            "spec.encryption.additionalKeys repeats spec.encryption.keySecretRef.key"),
        Arguments.of(
            "an additional key named twice",
            RESTORE,
            Map.of(
                "spec.encryption",
                Map.of(
                    "keySecretRef",
                    Map.of("name", "backup-key", "key", "key-2026-12"),
                    "additionalKeys",
                    List.of("old", "old"))),
            "spec.encryption.additionalKeys names a key twice"),
        Arguments.of(
            "an additional key that is no Secret key",
            RESTORE,
            Map.of(
                "spec.encryption",
                Map.of(
                    "keySecretRef",
                    Map.of("name", "backup-key", "key", "key-2026-12"),
                    "additionalKeys",
                    List.of("../etc/passwd"))),
            "spec.encryption.additionalKeys[0]"),
        Arguments.of(
            "sixteen additional keys",
            RESTORE,
            Map.of(
                "spec.encryption",
                Map.of(
                    "keySecretRef",
                    Map.of("name", "backup-key", "key", "key"),
                    "additionalKeys",
                    java.util.stream.IntStream.range(0, 16).mapToObj(i -> "k" + i).toList())),
            "spec.encryption.additionalKeys: Too many"),
        Arguments.of(
            "SSE-C without its key",
            BACKUP,
            Map.of("spec.storage.s3.serverSideEncryption", Map.of("mode", "CustomerKey")),
            "mode: CustomerKey needs customerKeySecretRef, and only it does"),
        Arguments.of(
            "SSE-C over plain http",
            BACKUP,
            Map.of(
                "spec.storage.s3.serverSideEncryption",
                Map.of(
                    "mode",
                    "CustomerKey",
                    "customerKeySecretRef",
                    Map.of("name", "sse-c", "key", "key"))),
            "serverSideEncryption mode CustomerKey sends the key with every request: it needs an"
                + " https:// endpoint"),
        Arguments.of(
            "plain http without insecure",
            BACKUP,
            Map.of("spec.storage.s3.insecure", "DELETE"),
            "endpoint is plain http://: credentials and data would cross the network"
                + " unencrypted; use https://"),
        Arguments.of(
            "plain http with insecure: false",
            SCHEDULE,
            Map.of("spec.backupTemplate.spec.storage.s3.insecure", false),
            "or set insecure: true to accept that"),
        Arguments.of(
            "a ClusterBackupStore for no namespace",
            CLUSTER_STORE,
            Map.of("spec.allowedNamespaces", List.of()),
            "spec.allowedNamespaces: Invalid value: 0: spec.allowedNamespaces in body should have"
                + " at least 1 items"),
        Arguments.of(
            "a ClusterBackupStore naming a pattern",
            CLUSTER_STORE,
            Map.of("spec.allowedNamespaces", List.of("team-*")),
            "spec.allowedNamespaces[0] in body should match"),
        Arguments.of(
            "a ClusterBackupStore with plain http",
            CLUSTER_STORE,
            Map.of("spec.s3.endpoint", "http://s3.storage.svc:7070"),
            "endpoint is plain http://"),
        Arguments.of(
            "a BackupStore without a bucket",
            STORE,
            Map.of("spec.s3", Map.of("region", "eu-west-1")),
            "spec.s3.bucket: Required value"),
        Arguments.of(
            "concurrency 0",
            BACKUP,
            Map.of("spec.concurrency", 0),
            "spec.concurrency in body should be greater than or equal to 1"),
        Arguments.of(
            "concurrency 65",
            BACKUP,
            Map.of("spec.concurrency", 65),
            "spec.concurrency in body should be less than or equal to 64"),
        Arguments.of(
            "an unknown codec",
            BACKUP,
            Map.of("spec.compression", Map.of("engine", "brotli")),
            "Unsupported value: \"brotli\": supported values: \"gzip\", \"none\", \"zstd\""),
        Arguments.of(
            "zstd level 23",
            BACKUP,
            Map.of("spec.compression.level", 23),
            "compression.level must be 1..22 for zstd, 1..9 for gzip, and unset for none"),
        Arguments.of(
            "a level without compression",
            BACKUP,
            Map.of("spec.compression", Map.of("engine", "none", "level", 1)),
            "compression.level must be 1..22 for zstd, 1..9 for gzip, and unset for none"),
        Arguments.of(
            "an unknown deletion policy",
            BACKUP,
            Map.of("spec.deletionPolicy", "Orphan"),
            "Unsupported value: \"Orphan\": supported values: \"Delete\", \"Retain\""),
        Arguments.of(
            "a sub-path that climbs out",
            BACKUP,
            Map.of("spec.source.subPath", "../etc"),
            "spec.source.subPath: Invalid value: \"string\": must be a relative path inside the"
                + " volume"),
        Arguments.of(
            "an absolute storage path",
            BACKUP,
            Map.of(
                "spec.storage",
                Map.of("persistentVolumeClaim", Map.of("claimName", "b", "path", "/backups"))),
            "spec.storage.persistentVolumeClaim.path: Invalid value: \"string\": must be a relative"
                + " path"),
        // Issue 15, finding 13: credentials in a URL, and a prefix that climbs out of its place.
        Arguments.of(
            "an endpoint with user info",
            BACKUP,
            Map.of("spec.storage.s3.endpoint", "https://admin:Sup3rSecret@minio.storage:9000"),
            "spec.storage.s3.endpoint: Invalid value: \"string\": must not hold user info"
                + " (user:password@host)"),
        Arguments.of(
            "an endpoint with a user name only",
            SCHEDULE,
            Map.of("spec.backupTemplate.spec.storage.s3.endpoint", "http://admin@minio:9000/"),
            "spec.backupTemplate.spec.storage.s3.endpoint: Invalid value: \"string\": must not"
                + " hold user info"),
        Arguments.of(
            "a prefix with a .. segment",
            BACKUP,
            Map.of("spec.storage.s3.prefix", "tenant-a/../tenant-b"),
            "spec.storage.s3.prefix: Invalid value: \"string\": must not have a . or .. segment"),
        Arguments.of(
            "a prefix that is ..",
            BACKUP,
            Map.of("spec.storage.s3.prefix", ".."),
            "must not have a . or .. segment"),
        Arguments.of(
            "a prefix starting with ./",
            BACKUP,
            Map.of("spec.storage.s3.prefix", "./x"),
            "must not have a . or .. segment"),
        Arguments.of(
            "a restore source directory that climbs out",
            RESTORE,
            Map.of(
                "spec.backup",
                "DELETE",
                "spec.source",
                Map.of(
                    "storage",
                    Map.of("s3", Map.of("bucket", "backups")),
                    "directory",
                    "../other-namespace/db",
                    "backupName",
                    "latest")),
            "spec.source.directory: Invalid value: \"string\": must be a relative path"),
        Arguments.of(
            "a PVC name that is not a DNS name",
            BACKUP,
            Map.of("spec.source.persistentVolumeClaim", "Data_MySQL"),
            "spec.source.persistentVolumeClaim: Invalid value: \"Data_MySQL\""),
        Arguments.of(
            "no source", BACKUP, Map.of("spec.source", "DELETE"), "spec.source: Required value"),
        // Issue 17, item 1: the engine pod could never mount the claim it copies as its storage.
        Arguments.of(
            "a backup stored on the claim it copies",
            BACKUP,
            Map.of(
                "spec.storage",
                Map.of("persistentVolumeClaim", Map.of("claimName", "data-mysql-0", "path", "b"))),
            "spec.storage.persistentVolumeClaim.claimName is the claim being backed up"
                + " (spec.source.persistentVolumeClaim): a backup cannot be stored on the volume it"
                + " copies"),
        Arguments.of(
            "a restore with two sources",
            RESTORE,
            Map.of("spec.source", EXPLICIT_SOURCE),
            "set exactly one restore source: backup (a MysqlBackup) or source (storage, directory"
                + " and backupName)"),
        Arguments.of(
            "a restore without a source",
            RESTORE,
            Map.of("spec.backup", "DELETE"),
            "set exactly one restore source"),
        Arguments.of(
            "a restore with two targets",
            RESTORE,
            Map.of("spec.target.volumeClaimTemplate", TEMPLATE),
            "set exactly one restore target: persistentVolumeClaim (an existing claim) or"
                + " volumeClaimTemplate"),
        Arguments.of(
            "a restore without a target kind",
            RESTORE,
            Map.of("spec.target", Map.of()),
            "set exactly one restore target"),
        Arguments.of(
            "a restore from two storages",
            RESTORE,
            Map.of(
                "spec.backup",
                "DELETE",
                "spec.source",
                Map.of(
                    "storage",
                    Map.of(
                        "s3",
                        Map.of("bucket", "b"),
                        "persistentVolumeClaim",
                        Map.of("claimName", "c")),
                    "directory",
                    "d",
                    "backupName",
                    "n")),
            "set exactly one storage kind"),
        Arguments.of(
            "restore concurrency 100",
            RESTORE,
            Map.of("spec.concurrency", 100),
            "spec.concurrency in body should be less than or equal to 64"),
        // Issue 15, finding 5: a volumeClaimTemplate is access modes, storage class, size and
        // labels; nothing that binds, fills or provisions the claim in another way.
        Arguments.of(
            "a template that binds an existing PersistentVolume",
            RESTORE,
            templateWith("spec.volumeName", "pv-of-another-tenant"),
            "spec.target.volumeClaimTemplate.spec.volumeName is not allowed: a restore never"
                + " binds an existing PersistentVolume"),
        Arguments.of(
            "a template cloned from another claim",
            RESTORE,
            templateWith("spec.dataSource", Map.of("kind", "PersistentVolumeClaim", "name", "x")),
            "spec.target.volumeClaimTemplate.spec.dataSource and dataSourceRef are not allowed"),
        Arguments.of(
            "a template filled from a snapshot",
            RESTORE,
            templateWith(
                "spec.dataSourceRef",
                Map.of(
                    "apiGroup", "snapshot.storage.k8s.io", "kind", "VolumeSnapshot", "name", "s")),
            "spec.target.volumeClaimTemplate.spec.dataSource and dataSourceRef are not allowed"),
        Arguments.of(
            "a template with a volume selector",
            RESTORE,
            templateWith("spec.selector", Map.of("matchLabels", Map.of("tenant", "other"))),
            "spec.target.volumeClaimTemplate.spec.selector is not allowed"),
        Arguments.of(
            "a template with a block volume",
            RESTORE,
            templateWith("spec.volumeMode", "Block"),
            "spec.target.volumeClaimTemplate.spec.volumeMode is not allowed"),
        Arguments.of(
            "a template with a volume attributes class",
            RESTORE,
            templateWith("spec.volumeAttributesClassName", "gold"),
            "spec.target.volumeClaimTemplate.spec.volumeAttributesClassName is not allowed"),
        Arguments.of(
            "a template with limits",
            RESTORE,
            templateWith("spec.resources.limits", Map.of("storage", "10Gi")),
            "spec.target.volumeClaimTemplate.spec.resources may only request storage"),
        Arguments.of(
            "a template requesting something besides storage",
            RESTORE,
            templateWith("spec.resources.requests.cpu", "1"),
            "spec.target.volumeClaimTemplate.spec.resources may only request storage"),
        Arguments.of(
            "a template without a size",
            RESTORE,
            templateWith("spec.resources", "DELETE"),
            "spec.target.volumeClaimTemplate.spec.resources.requests.storage is required"),
        Arguments.of(
            "a template with provisioner annotations",
            RESTORE,
            templateWith(
                "metadata.annotations",
                Map.of("volume.kubernetes.io/selected-node", "node-of-another-tenant")),
            "spec.target.volumeClaimTemplate.metadata.annotations are not allowed"),
        // Issue 9: schedules that other operators accept and then run at the wrong time.
        Arguments.of(
            "a 6-field cron with seconds",
            SCHEDULE,
            Map.of("spec.schedule", "0 30 2 * * *"),
            "spec.schedule must be a 5-field cron expression (minute hour day-of-month month"
                + " day-of-week"),
        Arguments.of(
            "a CRON_TZ prefix",
            SCHEDULE,
            Map.of("spec.schedule", "CRON_TZ=Europe/Berlin 30 2 * * *"),
            "spec.schedule must not carry a time zone prefix (CRON_TZ= or TZ=): remove it and set"
                + " spec.timeZone instead"),
        Arguments.of(
            "a TZ prefix",
            SCHEDULE,
            Map.of("spec.schedule", "TZ=UTC 0 3 * * *"),
            "set spec.timeZone instead"),
        Arguments.of(
            "an unknown macro",
            SCHEDULE,
            Map.of("spec.schedule", "@fortnightly"),
            "spec.schedule must be a 5-field cron expression"),
        Arguments.of(
            "an unknown time zone",
            SCHEDULE,
            Map.of("spec.timeZone", "Europe/Springfield"),
            "spec.timeZone must be an IANA time zone name such as Europe/Berlin"),
        Arguments.of(
            "an offset as time zone",
            SCHEDULE,
            Map.of("spec.timeZone", "+02:00"),
            "spec.timeZone: Invalid value: \"+02:00\""),
        Arguments.of(
            "an empty retention",
            SCHEDULE,
            Map.of("spec.retention", Map.of()),
            "spec.retention needs at least one keep rule (keepLast, keepHourly, keepDaily,"
                + " keepWeekly, keepMonthly, keepYearly or keepWithin); to keep every backup,"
                + " remove spec.retention"),
        Arguments.of(
            "retention with only minSucceeded",
            SCHEDULE,
            Map.of("spec.retention", Map.of("minSucceeded", 2)),
            "spec.retention needs at least one keep rule"),
        Arguments.of(
            "a 51-character name",
            SCHEDULE,
            Map.of("metadata.name", "s".repeat(51)),
            "metadata.name of a MysqlBackupSchedule must be at most 50 characters"),
        Arguments.of(
            "a starting deadline of 30 s",
            SCHEDULE,
            Map.of("spec.startingDeadlineSeconds", 30),
            "spec.startingDeadlineSeconds in body should be greater than or equal to 60"),
        Arguments.of(
            "concurrency Allow",
            SCHEDULE,
            Map.of("spec.concurrencyPolicy", "Allow"),
            "Unsupported value: \"Allow\": supported values: \"Forbid\""),
        Arguments.of(
            "keepWithin in months",
            SCHEDULE,
            Map.of("spec.retention", Map.of("keepWithin", "3M")),
            "spec.retention.keepWithin: Invalid value: \"3M\""),
        Arguments.of(
            "a template with the rules of a MysqlBackup",
            SCHEDULE,
            Map.of("spec.backupTemplate.spec.concurrency", 65),
            "spec.backupTemplate.spec.concurrency in body should be less than or equal to 64"),
        // Issue 15, finding 8: bounded sizes.
        Arguments.of(
            "65 template labels",
            SCHEDULE,
            Map.of("spec.backupTemplate.metadata", Map.of("labels", manyLabels(65))),
            "spec.backupTemplate.metadata.labels: Too many: 65: must have at most 64 items"),
        Arguments.of(
            "no template", SCHEDULE, Map.of("spec.backupTemplate", "DELETE"), "Required value"),
        // Issue 15, finding 1: the engine never runs as root, whatever the spec says.
        Arguments.of(
            "uid 0",
            BACKUP,
            Map.of("spec.pod.securityContext.runAsUser", 0),
            "spec.pod.securityContext.runAsUser: Invalid value: \"integer\": runAsUser must be a"
                + " uid of 1 or more: the engine never runs as root"),
        Arguments.of(
            "gid 0",
            RESTORE,
            Map.of("spec.pod.securityContext.runAsGroup", 0),
            "spec.pod.securityContext.runAsGroup: Invalid value: \"integer\": runAsGroup must be"
                + " a gid of 1 or more"),
        Arguments.of(
            "fsGroup 0",
            RESTORE,
            Map.of("spec.pod.securityContext.fsGroup", 0),
            "spec.pod.securityContext.fsGroup: Invalid value: \"integer\": fsGroup must be a gid"
                + " of 1 or more"),
        Arguments.of(
            "a negative uid",
            BACKUP,
            Map.of("spec.pod.securityContext.runAsUser", -1),
            "runAsUser must be a uid of 1 or more"),
        Arguments.of(
            "a uid beyond int32",
            BACKUP,
            Map.of("spec.pod.securityContext.runAsUser", 2147483648L),
            "spec.pod.securityContext.runAsUser in body should be less than or equal to"),
        Arguments.of(
            "uid 0 in a schedule's template",
            SCHEDULE,
            Map.of(
                "spec.backupTemplate.spec.pod", Map.of("securityContext", Map.of("runAsUser", 0))),
            "spec.backupTemplate.spec.pod.securityContext.runAsUser: Invalid value:"),
        // Issue 11: quiesce and snapshot exclude each other; FTWRL needs a connection.
        Arguments.of(
            "quiesce and snapshot together",
            BACKUP,
            Map.of("spec.source.snapshot", Map.of()),
            "set at most one of spec.source.quiesce (stop the server for a cold copy) and"
                + " spec.source.snapshot"),
        Arguments.of(
            "quiesce and snapshot together in a schedule's template",
            SCHEDULE,
            Map.of("spec.backupTemplate.spec.source.snapshot", Map.of()),
            "spec.backupTemplate.spec.source: Forbidden: set at most one of"
                + " spec.source.quiesce"),
        Arguments.of(
            "FlushTablesWithReadLock without a connection Secret",
            BACKUP,
            Map.of(
                "spec.source.quiesce",
                "DELETE",
                "spec.source.snapshot",
                Map.of("consistency", "FlushTablesWithReadLock")),
            "consistency FlushTablesWithReadLock connects to the server: set"
                + " mysql.connectionSecretRef"),
        Arguments.of(
            "a read lock limit of 0 seconds",
            BACKUP,
            Map.of(
                "spec.source.quiesce",
                "DELETE",
                "spec.source.snapshot",
                Map.of("lockLimitSeconds", 0)),
            "spec.source.snapshot.lockLimitSeconds in body should be greater than or equal to 1"),
        Arguments.of(
            "an unknown consistency",
            BACKUP,
            Map.of(
                "spec.source.quiesce",
                "DELETE",
                "spec.source.snapshot",
                Map.of("consistency", "AppConsistent")),
            "Unsupported value: \"AppConsistent\""),
        Arguments.of(
            "65 node selector labels",
            BACKUP,
            Map.of("spec.pod.nodeSelector", sixtyFiveLabels()),
            "spec.pod.nodeSelector: Too many: 65: must have at most 64 items"));
  }

  private static Map<String, String> sixtyFiveLabels() {
    Map<String, String> labels = new LinkedHashMap<>();
    for (int i = 0; i < 65; i++) {
      labels.put("l" + i, "v");
    }
    return labels;
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("invalidResources")
  void refusesWithAReadableMessage(
      String why, String base, Map<String, Object> changes, String message) {
    String json = variant(base, changes);
    assertThatThrownBy(() -> client.resource(json).inNamespace(NS).dryRun().create())
        .isInstanceOf(KubernetesClientException.class)
        .satisfies(e -> assertThat(((KubernetesClientException) e).getCode()).isEqualTo(422))
        .hasMessageContaining(message);
  }

  /**
   * Issue 15, finding 1: the image and the full security contexts are gone from the API. The API
   * server prunes them (kubectl's strict field validation refuses them), so an old manifest can
   * never reach the operator with them.
   */
  @Test
  @SuppressWarnings("unchecked")
  void removedPodFieldsAreNeverStored() {
    String json =
        variant(
            BACKUP,
            Map.of(
                "spec.pod",
                Map.of(
                    "image",
                    "evil.example.com/root-shell:latest",
                    "imagePullPolicy",
                    "Always",
                    "securityContext",
                    Map.of("runAsUser", 1000, "runAsNonRoot", false, "sysctls", List.of()),
                    "containerSecurityContext",
                    Map.of("privileged", true, "allowPrivilegeEscalation", true))));
    GenericKubernetesResource created =
        client
            .genericKubernetesResources("stowage.dev/v1alpha1", "MysqlBackup")
            .inNamespace(NS)
            .resource(YAML.unmarshal(json, GenericKubernetesResource.class))
            .dryRun()
            .create();
    Map<String, Object> pod =
        (Map<String, Object>)
            ((Map<String, Object>) created.getAdditionalProperties().get("spec")).get("pod");
    assertThat(pod).containsOnlyKeys("securityContext");
    assertThat((Map<String, Object>) pod.get("securityContext")).containsOnlyKeys("runAsUser");
  }

  /** As kubectl apply (strict field validation by default) sends it: refused, naming the field. */
  @Test
  void removedPodFieldsAreRefusedUnderStrictFieldValidation() {
    String json =
        variant(BACKUP, Map.of("spec.pod", Map.of("image", "evil.example.com/root-shell:latest")));
    assertThatThrownBy(
            () ->
                client
                    .genericKubernetesResources("stowage.dev/v1alpha1", "MysqlBackup")
                    .inNamespace(NS)
                    .resource(YAML.unmarshal(json, GenericKubernetesResource.class))
                    .dryRun()
                    .fieldValidation(FieldValidateable.Validation.STRICT)
                    .create())
        .isInstanceOf(KubernetesClientException.class)
        .hasMessageContaining("unknown field \"spec.pod.image\"");
  }

  @Test
  void anEndpointWithUserInfoIsRefusedWithoutEchoingThePassword() {
    String json =
        variant(BACKUP, Map.of("spec.storage.s3.endpoint", "https://admin:Sup3rSecret@minio:9000"));
    assertThatThrownBy(() -> client.resource(json).inNamespace(NS).dryRun().create())
        .isInstanceOf(KubernetesClientException.class)
        .hasMessageContaining("must not hold user info")
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("Sup3rSecret"));
  }

  @Test
  void defaultsReachTheJavaClasses() {
    MysqlBackup created =
        client
            .resources(MysqlBackup.class)
            .inNamespace(NS)
            .resource(
                YAML.unmarshal(
                    variant(
                        BACKUP,
                        Map.of(
                            "metadata.name",
                            "defaults",
                            "spec.chunking",
                            Map.of("size", "16Mi"),
                            "spec.compression",
                            Map.of())),
                    MysqlBackup.class))
            .create();
    try {
      // Unset means Retain for a MysqlBackup (issue 9: no schema default, see MysqlBackupSpec).
      assertThat(created.getSpec().getDeletionPolicy()).isNull();
      assertThat(created.getSpec().getChunking().getThreshold().toString()).isEqualTo("64Mi");
      assertThat(created.getSpec().getCompression().getEngine()).isEqualTo(CompressionEngine.ZSTD);
      assertThat(
              created
                  .getSpec()
                  .getStorage()
                  .getS3()
                  .getCredentialsSecretRef()
                  .getSecretAccessKeyKey())
          .isEqualTo("AWS_SECRET_ACCESS_KEY");
    } finally {
      client.resource(created).delete();
    }
    MysqlRestore restore =
        client
            .resources(MysqlRestore.class)
            .inNamespace(NS)
            .resource(YAML.unmarshal(RESTORE, MysqlRestore.class))
            .dryRun()
            .create();
    assertThat(restore.getSpec().getOverwrite()).isFalse();
  }

  @Test
  void specCannotChangeButMetadataAndStatusCan() {
    var backups = client.resources(MysqlBackup.class).inNamespace(NS);
    MysqlBackup backup =
        backups
            .resource(
                YAML.unmarshal(
                    variant(BACKUP, Map.of("metadata.name", "immutable")), MysqlBackup.class))
            .create();
    try {
      assertThatThrownBy(
              () ->
                  backups
                      .withName("immutable")
                      .edit(
                          b -> {
                            b.getSpec().setConcurrency(4);
                            return b;
                          }))
          .isInstanceOf(KubernetesClientException.class)
          .hasMessageContaining(
              "spec: Forbidden: spec is immutable: a MysqlBackup records one backup;"
                  + " create a new MysqlBackup instead");

      MysqlBackup labelled =
          backups
              .withName("immutable")
              .edit(
                  b -> {
                    b.getMetadata().setLabels(Map.of("team", "db"));
                    b.getMetadata().setFinalizers(List.of("stowage.dev/delete-backup"));
                    return b;
                  });
      assertThat(labelled.getMetadata().getFinalizers())
          .containsExactly("stowage.dev/delete-backup");

      MysqlBackupStatus status = new MysqlBackupStatus();
      status.setPhase(Phase.Running);
      status.setObservedGeneration(labelled.getMetadata().getGeneration());
      QuiesceStatus quiesce = new QuiesceStatus();
      quiesce.setStatefulSet("mysql");
      quiesce.setOriginalReplicas(3);
      status.setQuiesce(quiesce);
      labelled.setStatus(status);
      backups.resource(labelled).updateStatus();
      assertThat(backups.withName("immutable").get().getStatus().getQuiesce().getOriginalReplicas())
          .isEqualTo(3);

      assertThatThrownBy(
              () ->
                  backups
                      .withName("immutable")
                      .editStatus(
                          b -> {
                            b.getStatus().setDurationSeconds(-1.0);
                            return b;
                          }))
          .hasMessageContaining(
              "status.durationSeconds: Invalid value: -1: durationSeconds in body"
                  + " should be greater than or equal to 0");
    } finally {
      backups
          .withName("immutable")
          .edit(
              b -> {
                b.getMetadata().setFinalizers(List.of());
                return b;
              });
      backups.withName("immutable").delete();
    }
  }

  /** Issue 9: unlike a MysqlBackup's spec, a schedule's template can be edited. */
  @Test
  void scheduleTemplateCanChange() {
    var schedules = client.resources(MysqlBackupSchedule.class).inNamespace(NS);
    MysqlBackupSchedule created =
        schedules
            .resource(
                YAML.unmarshal(
                    variant(SCHEDULE, Map.of("metadata.name", "editable")),
                    MysqlBackupSchedule.class))
            .create();
    try {
      assertThat(created.getSpec().getStartingDeadlineSeconds()).isEqualTo(3600L);
      assertThat(created.getSpec().getConcurrencyPolicy()).isEqualTo(ConcurrencyPolicy.Forbid);
      assertThat(created.getSpec().getRetention().getMinSucceeded()).isEqualTo(1);
      MysqlBackupSchedule edited =
          schedules
              .withName("editable")
              .edit(
                  s -> {
                    s.getSpec().getBackupTemplate().getSpec().setConcurrency(4);
                    s.getSpec().setSchedule("0 3 * * *");
                    return s;
                  });
      assertThat(edited.getSpec().getBackupTemplate().getSpec().getConcurrency()).isEqualTo(4);
    } finally {
      schedules.withName("editable").delete();
    }
  }

  static Map<String, String> manyLabels(int n) {
    Map<String, String> m = new LinkedHashMap<>();
    for (int i = 0; i < n; i++) {
      m.put("k" + i, "v");
    }
    return m;
  }

  /** The base document with dotted paths set (or removed, for the value "DELETE"), as JSON. */
  @SuppressWarnings("unchecked")
  private static String variant(String base, Map<String, Object> changes) {
    Map<String, Object> doc = YAML.unmarshal(base, LinkedHashMap.class);
    changes.forEach(
        (path, value) -> {
          String[] parts = path.split("\\.");
          Map<String, Object> cur = doc;
          for (int i = 0; i < parts.length - 1; i++) {
            cur = (Map<String, Object>) cur.computeIfAbsent(parts[i], k -> new LinkedHashMap<>());
          }
          if ("DELETE".equals(value)) {
            cur.remove(parts[parts.length - 1]);
          } else {
            cur.put(parts[parts.length - 1], value);
          }
        });
    return YAML.asJson(doc);
  }
}
