package dev.stowage.api.v1alpha1;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The Java classes read and write the field names and values the CRD schema declares. */
class ModelSerializationTest {
  private final KubernetesSerialization serialization = new KubernetesSerialization();

  @Test
  void readsAMysqlBackupAsAUserWritesIt() {
    MysqlBackup backup =
        serialization.unmarshal(
            """
            apiVersion: stowage.dev/v1alpha1
            kind: MysqlBackup
            metadata: {name: nightly, namespace: prod}
            spec:
              source:
                persistentVolumeClaim: data-mysql-0
                quiesce: {statefulSet: mysql}
              storage:
                s3: {bucket: backups, endpoint: "http://s3:7070", credentialsSecretRef: {name: s3}}
              chunking: {threshold: 0, size: 16Mi}
              compression: {engine: gzip, level: 6}
              deletionPolicy: Delete
            status:
              phase: Running
              quiesce: {statefulSet: mysql, originalReplicas: 3}
              conditions:
              - {type: Quiesced, status: "True", reason: ScaledDown, lastTransitionTime: "2026-11-25T14:00:00Z"}
            """,
            MysqlBackup.class);

    MysqlBackupSpec spec = backup.getSpec();
    assertThat(spec.getSource().getQuiesce().getStatefulSet()).isEqualTo("mysql");
    assertThat(spec.getStorage().getS3().getCredentialsSecretRef().getName()).isEqualTo("s3");
    assertThat(spec.getStorage().getPersistentVolumeClaim()).isNull();
    assertThat(spec.getChunking().getThreshold().getNumericalAmount()).isZero();
    assertThat(spec.getChunking().getSize().getNumericalAmount().longValueExact())
        .isEqualTo(16L << 20);
    assertThat(spec.getCompression().getEngine()).isEqualTo(CompressionEngine.GZIP);
    assertThat(spec.getDeletionPolicy()).isEqualTo(DeletionPolicy.Delete);
    assertThat(backup.getStatus().getPhase()).isEqualTo(Phase.Running);
    assertThat(backup.getStatus().getQuiesce().getOriginalReplicas()).isEqualTo(3);
    assertThat(backup.getStatus().getConditions())
        .singleElement()
        .satisfies(c -> assertThat(c.getStatus()).isEqualTo(ConditionStatus.True));
  }

  @Test
  void writesEnumsAndQuantitiesAsTheSchemaSpellsThem() {
    MysqlBackup backup = new MysqlBackup();
    backup.setMetadata(new ObjectMetaBuilder().withName("b").build());
    MysqlBackupSpec spec = new MysqlBackupSpec();
    BackupSource source = new BackupSource();
    source.setPersistentVolumeClaim("data-mysql-0");
    spec.setSource(source);
    Chunking chunking = new Chunking();
    chunking.setSize(new Quantity("64Mi"));
    spec.setChunking(chunking);
    Compression compression = new Compression();
    compression.setEngine(CompressionEngine.ZSTD);
    spec.setCompression(compression);
    backup.setSpec(spec);
    MysqlBackupStatus status = new MysqlBackupStatus();
    status.setPhase(Phase.Succeeded);
    backup.setStatus(status);

    String yaml = serialization.asYaml(backup);

    assertThat(yaml)
        .contains("apiVersion: \"stowage.dev/v1alpha1\"", "kind: \"MysqlBackup\"")
        .contains("size: \"64Mi\"", "engine: \"zstd\"", "phase: \"Succeeded\"")
        .doesNotContain("threshold", "storage", "null");
  }

  @Test
  void readsAMysqlRestoreFromAnExplicitSource() {
    MysqlRestore restore =
        serialization.unmarshal(
            """
            apiVersion: stowage.dev/v1alpha1
            kind: MysqlRestore
            metadata: {name: r}
            spec:
              source:
                storage: {persistentVolumeClaim: {claimName: backups, path: mysql}}
                directory: prod/data-mysql-0
                backupName: latest
              target:
                volumeClaimTemplate:
                  metadata: {name: restored}
                  spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 10Gi}}}
              overwrite: true
              pod:
                securityContext: {runAsUser: 999, fsGroup: 999}
                tolerations: [{key: dedicated, operator: Exists}]
            """,
            MysqlRestore.class);

    MysqlRestoreSpec spec = restore.getSpec();
    assertThat(spec.getBackup()).isNull();
    assertThat(spec.getSource().getStorage().getPersistentVolumeClaim().getPath())
        .isEqualTo("mysql");
    assertThat(spec.getTarget().getVolumeClaimTemplate().getSpec().getAccessModes())
        .isEqualTo(List.of("ReadWriteOnce"));
    assertThat(spec.getOverwrite()).isTrue();
    assertThat(spec.getPod().getSecurityContext().getRunAsUser()).isEqualTo(999L);
    assertThat(spec.getPod().getTolerations())
        .singleElement()
        .satisfies(t -> assertThat(t.getOperator()).isEqualTo("Exists"));
  }
}
