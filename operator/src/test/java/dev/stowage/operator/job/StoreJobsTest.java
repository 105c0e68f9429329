package dev.stowage.operator.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stowage.api.v1alpha1.BackupStore;
import dev.stowage.api.v1alpha1.BackupStoreSpec;
import dev.stowage.api.v1alpha1.ClusterBackupStore;
import dev.stowage.api.v1alpha1.ClusterBackupStoreSpec;
import dev.stowage.api.v1alpha1.MysqlBackup;
import dev.stowage.api.v1alpha1.MysqlRestore;
import dev.stowage.api.v1alpha1.S3CredentialsSecretRef;
import dev.stowage.api.v1alpha1.S3Storage;
import dev.stowage.api.v1alpha1.StoreKind;
import dev.stowage.api.v1alpha1.StoreRef;
import dev.stowage.operator.store.ClusterStores;
import dev.stowage.operator.testing.InMemoryCluster;
import dev.stowage.operator.validation.InvalidSpecException;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Issue 15, finding 2: administrators' stores. A tenant names a store; its bucket, base prefix,
 * endpoint, credentials and identity are the administrator's, and a namespace only ever reaches its
 * own directory, {@code <prefix>/<namespace>/}.
 */
class StoreJobsTest {
  private final InMemoryCluster cluster = new InMemoryCluster(new ArrayList<>());
  private final EngineJobFactory factory =
      new EngineJobFactory(
          EngineJobConfig.withImage("stowage/engine:dev"),
          EngineJobGoldenTest.CLOCK,
          new ClusterStores(cluster));

  private static S3Storage bucket(String name, String prefix) {
    S3Storage s3 = new S3Storage();
    s3.setBucket(name);
    s3.setPrefix(prefix);
    s3.setEndpoint("https://s3.storage.svc:7070");
    S3CredentialsSecretRef credentials = new S3CredentialsSecretRef();
    credentials.setName("store-credentials");
    s3.setCredentialsSecretRef(credentials);
    return s3;
  }

  private void clusterStore(String name, String... namespaces) {
    ClusterBackupStore store = new ClusterBackupStore();
    store.setMetadata(new ObjectMetaBuilder().withName(name).build());
    ClusterBackupStoreSpec spec = new ClusterBackupStoreSpec();
    spec.setS3(bucket("tenants", "base"));
    spec.setAllowedNamespaces(List.of(namespaces));
    spec.setServiceAccountName("backup-writer");
    store.setSpec(spec);
    cluster.clusterStores.put(name, store);
  }

  private void namespaceStore(String namespace, String name) {
    BackupStore store = new BackupStore();
    store.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(namespace).build());
    BackupStoreSpec spec = new BackupStoreSpec();
    spec.setS3(bucket("own-" + namespace, null));
    store.setSpec(spec);
    cluster.stores.put(namespace + "/" + name, store);
  }

  /** The golden backup input, in {@code namespace}, naming the store. */
  private static MysqlBackup backupTo(String namespace, StoreKind kind, String store) {
    MysqlBackup b = EngineJobGoldenTest.backup("store-backup", 0);
    b.getMetadata().setNamespace(namespace);
    b.getSpec().getStorage().setStoreRef(new StoreRef(kind, store));
    return b;
  }

  private static List<String> args(Job job) {
    return job.getSpec().getTemplate().getSpec().getContainers().get(0).getArgs();
  }

  @Test
  void aClusterBackupStoreGivesItsBucketUnderTheNamespacesOwnDirectory() {
    clusterStore("shared", "shop", "billing");

    Job job = factory.backupJob(backupTo("shop", null, "shared"));

    assertThat(args(job))
        .containsSubsequence(
            "--storage",
            "s3://tenants/base?endpoint=https%3A%2F%2Fs3.storage.svc%3A7070",
            "--directory",
            "shop/data-orders-db-0");
    var pod = job.getSpec().getTemplate().getSpec();
    assertThat(pod.getServiceAccountName()).isEqualTo("backup-writer");
    assertThat(pod.getAutomountServiceAccountToken()).isFalse();
    assertThat(pod.getVolumes())
        .filteredOn(v -> v.getSecret() != null)
        .extracting(v -> v.getSecret().getSecretName())
        .containsExactly("store-credentials");
  }

  @Test
  void aClusterBackupStoreForEveryNamespaceServesAny() {
    clusterStore("everyone", "*");

    assertThat(args(factory.backupJob(backupTo("anything", null, "everyone"))))
        .contains("anything/data-orders-db-0");
  }

  @Test
  void aNamespaceTheClusterBackupStoreDoesNotAllowIsRefused() {
    clusterStore("shared", "shop");

    assertThatThrownBy(() -> factory.backupJob(backupTo("intruder", null, "shared")))
        .isInstanceOf(InvalidSpecException.class)
        .hasMessageContaining("ClusterBackupStore shared does not allow namespace intruder")
        .hasMessageContaining("spec.allowedNamespaces");
  }

  @Test
  void aMissingClusterBackupStoreIsRefusedNamingIt() {
    assertThatThrownBy(() -> factory.backupJob(backupTo("shop", null, "nowhere")))
        .isInstanceOf(InvalidSpecException.class)
        .hasMessageContaining("spec.storage.storeRef: ClusterBackupStore nowhere does not exist");
  }

  @Test
  void aBackupStoreIsOnlyFoundInTheResourcesOwnNamespace() {
    namespaceStore("billing", "own");

    assertThat(args(factory.backupJob(backupTo("billing", StoreKind.BackupStore, "own"))))
        .contains("s3://own-billing?endpoint=https%3A%2F%2Fs3.storage.svc%3A7070");
    assertThatThrownBy(() -> factory.backupJob(backupTo("shop", StoreKind.BackupStore, "own")))
        .isInstanceOf(InvalidSpecException.class)
        .hasMessageContaining("BackupStore own does not exist in namespace shop");
  }

  @Test
  void inlineS3IsRefusedWhereTheOperatorTurnsItOff() {
    EngineJobFactory strict =
        new EngineJobFactory(
            EngineJobConfig.withImage("stowage/engine:dev").withInlineS3(false),
            EngineJobGoldenTest.CLOCK,
            new ClusterStores(cluster));
    MysqlBackup inline = EngineJobGoldenTest.backup("s3-backup-all-options", 0);

    assertThatThrownBy(() -> strict.backupJob(inline))
        .isInstanceOf(InvalidSpecException.class)
        .hasMessageContaining("spec.storage.s3 is turned off on this cluster")
        .hasMessageContaining("STOWAGE_ALLOW_INLINE_S3=false")
        .hasMessageContaining("spec.storage.storeRef");
    clusterStore("shared", "shop");
    assertThat(strict.backupJob(backupTo("shop", null, "shared"))).isNotNull();
  }

  @Test
  void aRestoreFromAStoreReadsOnlyInsideItsNamespacesDirectory() {
    clusterStore("shared", "shop", "billing");
    MysqlRestore restore = EngineJobGoldenTest.restore("restore-from-source-template", 0);
    restore.getMetadata().setNamespace("shop");
    var storage = new dev.stowage.api.v1alpha1.BackupStorage();
    storage.setStoreRef(new StoreRef(null, "shared"));
    restore.getSpec().getSource().setStorage(storage);

    restore.getSpec().getSource().setDirectory("shop/data-orders-db-0");
    assertThat(args(factory.restoreJob(restore, null))).contains("shop/data-orders-db-0");

    restore.getSpec().getSource().setDirectory("billing/data-invoices-db-0");
    assertThatThrownBy(() -> factory.restoreJob(restore, null))
        .isInstanceOf(InvalidSpecException.class)
        .hasMessageContaining("spec.source.directory is billing/data-invoices-db-0")
        .hasMessageContaining("with a storeRef it must start with shop/");
  }

  @Test
  void theLocationOfAStoreBackupNamesTheStoreNotItsBucket() {
    MysqlBackup b = backupTo("shop", null, "shared");
    assertThat(new StoredBackup(b.getSpec().getStorage(), "shop/data-orders-db-0", "n").location())
        .isEqualTo("clusterbackupstore://shared");
    b.getSpec().getStorage().setStoreRef(new StoreRef(StoreKind.BackupStore, "own"));
    assertThat(EngineStorage.url(b.getSpec().getStorage())).isEqualTo("backupstore://own");
  }

  @Test
  void aPlainHttpStoreIsReportedAsInsecure() {
    clusterStore("shared", "shop");
    cluster.clusterStores.get("shared").getSpec().getS3().setEndpoint("http://s3:7070");
    cluster.clusterStores.get("shared").getSpec().getS3().setInsecure(true);

    EngineStorage storage =
        factory.storage(
            backupTo("shop", null, "shared"),
            backupTo("shop", null, "shared").getSpec().getStorage(),
            false);

    assertThat(storage.insecureEndpoint()).isEqualTo("http://s3:7070");
  }
}
