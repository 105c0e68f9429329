package dev.stowage.operator.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stowage.api.v1alpha1.MysqlBackup;
import io.fabric8.kubernetes.api.model.ManagedFieldsEntryBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import org.junit.jupiter.api.Test;

class ClientSerializationTest {

  static final String BACKUP =
      """
      {"apiVersion": "stowage.dev/v1alpha1", "kind": "MysqlBackup",
       "metadata": {"name": "b", "namespace": "ns", "resourceVersion": "7",
         "labels": {"a": "b"},
         "managedFields": [{"manager": "kubectl", "operation": "Update", "apiVersion": "v1",
           "fieldsType": "FieldsV1", "fieldsV1": {"f:spec": {"f:source": {}}}}]},
       "spec": {"source": {"persistentVolumeClaim": "data"}},
       "status": {"phase": "Succeeded"}}
      """;

  final KubernetesSerialization lean = ClientSerialization.withoutManagedFields();

  @Test
  void managedFieldsAreDroppedWhenReadingAndTheRestIsKept() {
    MysqlBackup backup = lean.unmarshal(BACKUP, MysqlBackup.class);

    assertThat(backup.getMetadata().getManagedFields()).isEmpty();
    assertThat(backup.getMetadata().getAdditionalProperties()).doesNotContainKey("managedFields");
    assertThat(backup.getMetadata().getResourceVersion()).isEqualTo("7");
    assertThat(backup.getMetadata().getLabels()).containsEntry("a", "b");
    assertThat(backup.getSpec().getSource().getPersistentVolumeClaim()).isEqualTo("data");
    assertThat(backup.getStatus().getPhase()).hasToString("Succeeded");
    // The default mapping keeps them: the mixin is what drops them.
    assertThat(
            new KubernetesSerialization()
                .unmarshal(BACKUP, MysqlBackup.class)
                .getMetadata()
                .getManagedFields())
        .hasSize(1);
  }

  @Test
  void managedFieldsAreNeverWritten() {
    Job job = new Job();
    job.setMetadata(new io.fabric8.kubernetes.api.model.ObjectMeta());
    job.getMetadata().setName("j");
    job.getMetadata()
        .getManagedFields()
        .add(new ManagedFieldsEntryBuilder().withManager("someone").build());

    String json = lean.asJson(job);

    assertThat(json).doesNotContain("managedFields").contains("\"name\":\"j\"");
  }

  @Test
  void aClusterCacheNotAttachedAnswersNothingSoTheReadGoesLive() {
    ClusterCaches caches = new ClusterCaches(lean);

    assertThat(caches.job("ns", "j")).isEmpty();
    assertThat(caches.claim("ns", "c")).isEmpty();
    assertThat(caches.statefulSet("ns", "s")).isEmpty();
    assertThat(caches.jobPods("ns", "uid")).isEmpty();
  }
}
