package dev.stowage.e2e;

import dev.stowage.api.v1alpha1.BackupReference;
import dev.stowage.api.v1alpha1.BackupSource;
import dev.stowage.api.v1alpha1.BackupStorage;
import dev.stowage.api.v1alpha1.ClaimMetadata;
import dev.stowage.api.v1alpha1.ClusterBackupStore;
import dev.stowage.api.v1alpha1.ClusterBackupStoreSpec;
import dev.stowage.api.v1alpha1.MysqlBackupSpec;
import dev.stowage.api.v1alpha1.MysqlRestore;
import dev.stowage.api.v1alpha1.MysqlRestoreSpec;
import dev.stowage.api.v1alpha1.Quiesce;
import dev.stowage.api.v1alpha1.RestoreTarget;
import dev.stowage.api.v1alpha1.S3CredentialsSecretRef;
import dev.stowage.api.v1alpha1.S3Storage;
import dev.stowage.api.v1alpha1.VolumeClaimTemplate;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimSpecBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import java.util.List;

/** The MysqlBackup specs and MysqlRestores the operator E2E classes create. */
final class StowageObjects {

  private StowageObjects() {}

  /**
   * A backup of the first claim of a StatefulSet, quiesced by scaling it down, to the test's S3
   * server under the prefix {@code e2e/<namespace>}.
   */
  static MysqlBackupSpec s3BackupOf(
      String statefulSet, String namespace, S3Server s3, String credentialsSecret) {
    Quiesce quiesce = new Quiesce();
    quiesce.setStatefulSet(statefulSet);
    BackupSource source = new BackupSource();
    source.setPersistentVolumeClaim(MariaDb.claimOf(statefulSet));
    source.setQuiesce(quiesce);
    S3CredentialsSecretRef credentials = new S3CredentialsSecretRef();
    credentials.setName(credentialsSecret);
    S3Storage s3Storage = new S3Storage();
    s3Storage.setBucket(s3.bucket());
    s3Storage.setPrefix("e2e/" + namespace);
    s3Storage.setEndpoint(s3.endpoint());
    if (s3.tls()) {
      // https with the server's private CA, from the ConfigMap S3Server.caBundle makes.
      s3Storage.setCaBundleRef(S3Server.caBundleRef());
    } else {
      // Plain HTTP inside the cluster: the explicit opt-in (issue 15).
      s3Storage.setInsecure(true);
    }
    s3Storage.setRegion("us-east-1");
    s3Storage.setPathStyle(true);
    s3Storage.setCredentialsSecretRef(credentials);
    BackupStorage storage = new BackupStorage();
    storage.setS3(s3Storage);
    MysqlBackupSpec spec = new MysqlBackupSpec();
    spec.setSource(source);
    spec.setStorage(storage);
    return spec;
  }

  /**
   * A ClusterBackupStore {@code name} for the namespace {@code namespace} only: the S3 storage of
   * {@link #s3BackupOf} (bucket, prefix {@code e2e/<namespace>}, the credentials Secret of that
   * name in the using namespace), owned by the administrators.
   */
  static ClusterBackupStore clusterStore(
      String name, String namespace, S3Server s3, String credentialsSecret) {
    ClusterBackupStoreSpec spec = new ClusterBackupStoreSpec();
    spec.setS3(s3BackupOf("unused", namespace, s3, credentialsSecret).getStorage().getS3());
    spec.setAllowedNamespaces(List.of(namespace));
    ClusterBackupStore store = new ClusterBackupStore();
    store.setMetadata(new ObjectMetaBuilder().withName(name).build());
    store.setSpec(spec);
    return store;
  }

  /** A restore of a MysqlBackup into a new 1Gi claim, created from a volumeClaimTemplate. */
  static MysqlRestore restoreIntoNewClaim(
      String namespace, String name, String backup, String claim) {
    BackupReference ref = new BackupReference();
    ref.setName(backup);
    ClaimMetadata metadata = new ClaimMetadata();
    metadata.setName(claim);
    VolumeClaimTemplate template = new VolumeClaimTemplate();
    template.setMetadata(metadata);
    template.setSpec(
        new PersistentVolumeClaimSpecBuilder()
            .withAccessModes("ReadWriteOnce")
            .withNewResources()
            .addToRequests("storage", new Quantity("1Gi"))
            .endResources()
            .build());
    RestoreTarget target = new RestoreTarget();
    target.setVolumeClaimTemplate(template);
    MysqlRestoreSpec spec = new MysqlRestoreSpec();
    spec.setBackup(ref);
    spec.setTarget(target);
    MysqlRestore restore = new MysqlRestore();
    restore.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(namespace).build());
    restore.setSpec(spec);
    return restore;
  }
}
