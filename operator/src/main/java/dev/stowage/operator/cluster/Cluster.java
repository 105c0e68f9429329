package dev.stowage.operator.cluster;

import dev.stowage.api.v1alpha1.BackupStore;
import dev.stowage.api.v1alpha1.ClusterBackupStore;
import dev.stowage.api.v1alpha1.MysqlBackup;
import dev.stowage.api.v1alpha1.MysqlRestore;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.storage.StorageClass;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What the reconcilers read and change besides their own resource. Jobs, engine pods, claims and
 * StatefulSets are read from informer caches once {@link #readCaches} is registered (see {@link
 * ClusterCaches}), the rest live from the API server; writes always go to the API server. One
 * narrow interface so that reconciler tests can run against a hand-written cluster in memory.
 */
public interface Cluster {

  /**
   * Event sources that this cluster reads from, to register on the controller of {@code context}
   * next to its engine Job informer {@code engineJobs} (which it may read Jobs from). None by
   * default: every read is then answered without a cache.
   */
  default <P extends HasMetadata> List<EventSource<?, P>> readCaches(
      EventSourceContext<P> context, InformerEventSource<Job, P> engineJobs) {
    return List.of();
  }

  Optional<Job> job(String namespace, String name);

  /**
   * A Job that is known without asking the API server (the cache holds it); empty when it is not,
   * which does not say that no Job of that name exists: for a caller about to create the Job
   * anyway, whose create then finds any Job of that name ({@link #createJob} returns it) and checks
   * whose it is. By default a read as {@link #job}.
   */
  default Optional<Job> knownJob(String namespace, String name) {
    return job(namespace, name);
  }

  /** Creates the Job; when one of that name already exists, returns it unchanged. */
  Job createJob(Job job);

  /**
   * Lets the TTL controller collect a finished Job after {@code seconds}: set only once the Job's
   * outcome is in the resource's status, so the operator never needs the Job again.
   */
  void expireJob(String namespace, String name, int seconds);

  /** Deletes a Job and, in the foreground, its pods. */
  void deleteJob(String namespace, String name);

  /**
   * The pods of a Job, oldest first: those with the Job controller's {@code
   * batch.kubernetes.io/controller-uid} label of this very Job (by uid), never by its name, which
   * any pod may carry.
   */
  List<Pod> jobPods(String namespace, Job job);

  /**
   * The messages of the kubelet's FailedMount events of a pod, newest last: a Secret or ConfigMap
   * volume whose object or key is missing shows only there (the pod just stays ContainerCreating).
   */
  List<String> mountFailures(String namespace, String pod);

  /**
   * The last {@code lines} lines of the engine container's log in a pod, or empty when there is
   * none yet (or it cannot be read: the caller only shows progress from it).
   */
  Optional<String> engineLogTail(String namespace, String pod, int lines);

  /** Pods that mount the claim and have not finished (pending, running or terminating). */
  List<Pod> podsMounting(String namespace, String claim);

  Optional<PersistentVolumeClaim> claim(String namespace, String name);

  PersistentVolumeClaim createClaim(PersistentVolumeClaim claim);

  /**
   * Sets labels and annotations on a claim (a JSON merge patch: a null value removes the key), for
   * example {@code stowage.dev/restore-state} while a restore writes into it.
   */
  void labelClaim(
      String namespace, String name, Map<String, String> labels, Map<String, String> annotations);

  Optional<StatefulSet> statefulSet(String namespace, String name);

  /**
   * A StatefulSet as the API server has it now, never from a cache: for the reads whose replica
   * count is written down or acted on (the quiesce's scale-down and scale-back), where a cache a
   * watch event behind could leave replicas down or undo someone's scaling.
   */
  default Optional<StatefulSet> currentStatefulSet(String namespace, String name) {
    return statefulSet(namespace, name);
  }

  /**
   * Sets annotations on a StatefulSet (a JSON merge patch of metadata.annotations only: a null
   * value removes the key), for {@code stowage.dev/quiesced-from} before a scale-down.
   */
  void annotateStatefulSet(String namespace, String name, Map<String, String> annotations);

  /** Sets a StatefulSet's replicas through its scale subresource. */
  void scaleStatefulSet(String namespace, String name, int replicas);

  Optional<MysqlBackup> backup(String namespace, String name);

  /** A ClusterBackupStore, read live (cluster-scoped). */
  Optional<ClusterBackupStore> clusterBackupStore(String name);

  /** A BackupStore, read live. */
  Optional<BackupStore> backupStore(String namespace, String name);

  /** A MysqlRestore, read live. */
  Optional<MysqlRestore> restore(String namespace, String name);

  /** The MysqlRestores in the namespace whose spec.backup names {@code backupName}. */
  List<MysqlRestore> restoresOf(String namespace, String backupName);

  /**
   * Takes the lock {@code lease} (see {@link ClaimLocks}) for {@code holder}: a Lease in the
   * namespace, owned by the holder so that it goes when the holder does. One backup or restore runs
   * on a claim, and one backup quiesces a StatefulSet, at a time.
   *
   * @return the holder of the lock after the call: {@code holder} itself when it has it, otherwise
   *     who holds it (kind/name)
   * @throws ForeignLeaseException when a Lease of that name exists that Stowage did not make (no
   *     MysqlBackup or MysqlRestore owner, or no Stowage label): it is never counted or taken over
   */
  String lock(String namespace, String lease, HasMetadata holder);

  /** Gives the lock back when {@code holder} holds it; a no-op otherwise. */
  void unlock(String namespace, String lease, HasMetadata holder);

  /**
   * Who holds the lock {@code lease} (kind/name), read without taking it; empty when free. A Lease
   * Stowage did not make is described as such (it keeps the lock from being taken).
   */
  Optional<String> lockHolder(String namespace, String lease);

  /** The MysqlBackups in the namespace with the label {@code key=value}. */
  List<MysqlBackup> backupsLabelled(String namespace, String key, String value);

  /**
   * Creates a MysqlBackup; empty when one of that name already exists (the caller reads it and
   * decides whether it is its own).
   */
  Optional<MysqlBackup> createBackup(MysqlBackup backup);

  /** Deletes a MysqlBackup (its own finalizer then deletes its data, by its deletionPolicy). */
  void deleteBackup(String namespace, String name);

  /**
   * Removes the ownerReference to {@code ownerUid} from a MysqlBackup, so it outlives its owner.
   */
  void disownBackup(String namespace, String name, String ownerUid);

  /**
   * The VolumeSnapshotClasses (snapshot.storage.k8s.io/v1); empty when the API server does not
   * serve the VolumeSnapshot API at all (the external-snapshotter CRDs are not installed).
   */
  Optional<List<GenericKubernetesResource>> volumeSnapshotClasses();

  /** A VolumeSnapshot (snapshot.storage.k8s.io/v1), read live. */
  Optional<GenericKubernetesResource> volumeSnapshot(String namespace, String name);

  /** Creates a VolumeSnapshot; when one of that name already exists, returns it unchanged. */
  GenericKubernetesResource createVolumeSnapshot(GenericKubernetesResource snapshot);

  /** Deletes a VolumeSnapshot; a no-op when it is gone. */
  void deleteVolumeSnapshot(String namespace, String name);

  /** A PersistentVolume (cluster-scoped), for the CSI driver of a claim's volume. */
  Optional<PersistentVolume> persistentVolume(String name);

  /** A StorageClass (cluster-scoped), for its volumeBindingMode. */
  Optional<StorageClass> storageClass(String name);

  /**
   * A Secret, read live: only the connection Secret that a FlushTablesWithReadLock snapshot backup
   * names, in the backup's own namespace.
   */
  Optional<io.fabric8.kubernetes.api.model.Secret> secret(String namespace, String name);

  /** Deletes a claim; a no-op when it is gone. The caller checks first that it made it. */
  void deleteClaim(String namespace, String name);

  /**
   * The messages of the ProvisioningFailed events of a claim, newest last: the CSI driver's words
   * when it cannot provision a volume.
   */
  List<String> provisioningFailures(String namespace, String claim);

  /** Pod names for a message: {@code db-0, db-1}. */
  static String podNames(List<Pod> pods) {
    return pods.stream()
        .map(p -> p.getMetadata().getName())
        .collect(java.util.stream.Collectors.joining(", "));
  }
}
