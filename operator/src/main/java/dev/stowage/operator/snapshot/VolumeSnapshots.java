package dev.stowage.operator.snapshot;

import dev.stowage.api.v1alpha1.MysqlBackup;
import dev.stowage.api.v1alpha1.SnapshotSource;
import dev.stowage.operator.job.EngineJobFactory;
import dev.stowage.operator.job.JobOwnership;
import dev.stowage.operator.job.KubernetesNames;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The VolumeSnapshot and clone claim of a snapshot-mode MysqlBackup: built from the backup alone
 * (the same backup always gives the same objects), and read back (ready, its time, its error,
 * whose).
 */
public final class VolumeSnapshots {
  public static final String API_VERSION = "snapshot.storage.k8s.io/v1";
  public static final String API_GROUP = "snapshot.storage.k8s.io";
  public static final String KIND = "VolumeSnapshot";

  /** The annotation that makes a VolumeSnapshotClass its driver's default. */
  public static final String DEFAULT_CLASS = "snapshot.storage.kubernetes.io/is-default-class";

  /** The label naming the MysqlBackup a snapshot or clone belongs to. */
  public static final String BACKUP_LABEL = "stowage.dev/backup";

  private VolumeSnapshots() {}

  /** The VolumeSnapshot of the backup's source claim, owned by the backup. */
  public static GenericKubernetesResource snapshot(
      MysqlBackup backup, String name, String className) {
    GenericKubernetesResource s = new GenericKubernetesResource();
    s.setApiVersion(API_VERSION);
    s.setKind(KIND);
    s.setMetadata(metadata(backup, name, "snapshot"));
    Map<String, Object> spec = new LinkedHashMap<>();
    spec.put("volumeSnapshotClassName", className);
    spec.put(
        "source",
        Map.of(
            "persistentVolumeClaimName", backup.getSpec().getSource().getPersistentVolumeClaim()));
    s.setAdditionalProperty("spec", spec);
    return s;
  }

  /**
   * The temporary claim cloned from the snapshot: the source claim's access modes and volume mode,
   * the spec's storage class or the source's, the source's size (its capacity, else its request).
   */
  public static PersistentVolumeClaim clone(
      MysqlBackup backup, String name, String snapshotName, PersistentVolumeClaim source) {
    return clone(backup, name, snapshotName, source, Optional.empty());
  }

  /**
   * The clone, at least as large as the snapshot's status.restoreSize when it has one: a CSI
   * provisioner refuses a clone smaller than the snapshot.
   */
  public static PersistentVolumeClaim clone(
      MysqlBackup backup,
      String name,
      String snapshotName,
      PersistentVolumeClaim source,
      Optional<Quantity> restoreSize) {
    Quantity size = size(source);
    if (restoreSize.isPresent()
        && restoreSize.get().getNumericalAmount().compareTo(size.getNumericalAmount()) > 0) {
      size = restoreSize.get();
    }
    SnapshotSource spec = backup.getSpec().getSource().getSnapshot();
    var sourceSpec = source.getSpec();
    String storageClass =
        spec.getStorageClassName() != null
            ? spec.getStorageClassName()
            : sourceSpec == null ? null : sourceSpec.getStorageClassName();
    return new PersistentVolumeClaimBuilder()
        .withMetadata(metadata(backup, name, "clone"))
        .withNewSpec()
        .withAccessModes(
            sourceSpec == null || sourceSpec.getAccessModes() == null
                ? java.util.List.of("ReadWriteOnce")
                : sourceSpec.getAccessModes())
        .withVolumeMode(sourceSpec == null ? null : sourceSpec.getVolumeMode())
        .withStorageClassName(storageClass)
        .withNewResources()
        .addToRequests("storage", size)
        .endResources()
        .withNewDataSource()
        .withApiGroup(API_GROUP)
        .withKind(KIND)
        .withName(snapshotName)
        .endDataSource()
        .endSpec()
        .build();
  }

  /** The source claim's size: its capacity once bound, else its request. */
  static Quantity size(PersistentVolumeClaim source) {
    if (source.getStatus() != null
        && source.getStatus().getCapacity() != null
        && source.getStatus().getCapacity().get("storage") != null) {
      return source.getStatus().getCapacity().get("storage");
    }
    if (source.getSpec() != null
        && source.getSpec().getResources() != null
        && source.getSpec().getResources().getRequests() != null
        && source.getSpec().getResources().getRequests().get("storage") != null) {
      return source.getSpec().getResources().getRequests().get("storage");
    }
    throw new IllegalStateException(
        "PersistentVolumeClaim "
            + source.getMetadata().getName()
            + " has neither a capacity nor a storage request: the clone's size is unknown");
  }

  private static ObjectMeta metadata(MysqlBackup backup, String name, String component) {
    Map<String, String> labels = new LinkedHashMap<>();
    labels.put(EngineJobFactory.LABEL_NAME, "stowage-" + component);
    labels.put(
        EngineJobFactory.LABEL_INSTANCE,
        KubernetesNames.labelValue(backup.getMetadata().getName()));
    labels.put(EngineJobFactory.LABEL_COMPONENT, component);
    labels.put(EngineJobFactory.LABEL_PART_OF, "stowage");
    labels.put(EngineJobFactory.LABEL_MANAGED_BY, MANAGED_BY);
    labels.put(BACKUP_LABEL, KubernetesNames.labelValue(backup.getMetadata().getName()));
    labels.put(JobOwnership.OWNER_UID_LABEL, backup.getMetadata().getUid());
    return new ObjectMetaBuilder()
        .withName(name)
        .withNamespace(backup.getMetadata().getNamespace())
        .withLabels(labels)
        .withOwnerReferences(EngineJobFactory.ownerReference(backup))
        .build();
  }

  /** The managed-by label value of everything the operator creates. */
  public static final String MANAGED_BY = "stowage-operator";

  /**
   * Whether this backup made the object: the Stowage label and its uid label, and its controller
   * ownerReference. Nothing else is ever deleted.
   */
  public static boolean madeFor(HasMetadata o, MysqlBackup backup) {
    Map<String, String> labels = o.getMetadata().getLabels();
    String uid = backup.getMetadata().getUid();
    return labels != null
        && MANAGED_BY.equals(labels.get(EngineJobFactory.LABEL_MANAGED_BY))
        && uid != null
        && uid.equals(labels.get(JobOwnership.OWNER_UID_LABEL))
        && o.getMetadata().getOwnerReferences() != null
        && o.getMetadata().getOwnerReferences().stream()
            .anyMatch(r -> uid.equals(r.getUid()) && Boolean.TRUE.equals(r.getController()));
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> status(GenericKubernetesResource s) {
    Object st = s.getAdditionalProperties().get("status");
    return st instanceof Map ? (Map<String, Object>) st : Map.of();
  }

  /** status.readyToUse. */
  public static boolean readyToUse(GenericKubernetesResource s) {
    return Boolean.TRUE.equals(status(s).get("readyToUse"));
  }

  /** status.creationTime: when the storage system cut the snapshot. */
  public static Optional<String> creationTime(GenericKubernetesResource s) {
    Object t = status(s).get("creationTime");
    return t == null ? Optional.empty() : Optional.of(t.toString());
  }

  /** status.restoreSize: the smallest volume the snapshot can be restored into. */
  public static Optional<Quantity> restoreSize(GenericKubernetesResource s) {
    Object q = status(s).get("restoreSize");
    return q == null ? Optional.empty() : Optional.of(new Quantity(q.toString()));
  }

  /** status.error.message: the snapshotter's or the driver's words. */
  public static Optional<String> error(GenericKubernetesResource s) {
    Object e = status(s).get("error");
    if (e instanceof Map<?, ?> m && m.get("message") != null) {
      return Optional.of(m.get("message").toString());
    }
    return Optional.empty();
  }
}
