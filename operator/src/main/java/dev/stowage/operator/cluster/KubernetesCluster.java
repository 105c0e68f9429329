package dev.stowage.operator.cluster;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.stowage.api.v1alpha1.BackupStore;
import dev.stowage.api.v1alpha1.ClusterBackupStore;
import dev.stowage.api.v1alpha1.MysqlBackup;
import dev.stowage.api.v1alpha1.MysqlRestore;
import io.fabric8.kubernetes.api.model.DeletionPropagation;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.api.model.storage.StorageClass;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import java.net.HttpURLConnection;
import java.time.Clock;
import java.time.ZonedDateTime;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** {@link Cluster} on a real API server through the fabric8 client. */
public final class KubernetesCluster implements Cluster {
  private static final Logger log = LoggerFactory.getLogger(KubernetesCluster.class);

  /** The label the Job controller gives a Job's pods (and selects them by): the Job's uid. */
  public static final String JOB_CONTROLLER_UID = "batch.kubernetes.io/controller-uid";

  /** The label every Stowage Lease carries (with an owning MysqlBackup or MysqlRestore). */
  static final String MANAGED_BY = "app.kubernetes.io/managed-by";

  static final String OPERATOR = "stowage-operator";

  private final KubernetesClient client;
  private final Clock clock;
  private final ClusterCaches caches;

  /**
   * Which holder (uid) took which lock (namespace/lease) through this process and has not given it
   * back: only which request to make first, never whether the lock is held (that is always read).
   */
  private final Map<String, String> taken = new ConcurrentHashMap<>();

  /** At most this many entries in {@link #taken}: a holder deleted without unlocking leaves one. */
  static final int MAX_TAKEN = 10_000;

  public KubernetesCluster(KubernetesClient client, Clock clock) {
    this.client = client;
    this.clock = clock;
    this.caches = new ClusterCaches(client.getKubernetesSerialization());
  }

  /** The informer caches its Job, pod, claim and StatefulSet reads come from once attached. */
  @Override
  public <P extends HasMetadata> List<EventSource<?, P>> readCaches(
      EventSourceContext<P> context, InformerEventSource<Job, P> engineJobs) {
    return caches.attach(context, engineJobs);
  }

  @Override
  public Optional<Job> job(String namespace, String name) {
    return caches.job(namespace, name).or(() -> liveJob(namespace, name));
  }

  /** Only a cache hit: a miss is answered by the caller's create (a conflict reads it live). */
  @Override
  public Optional<Job> knownJob(String namespace, String name) {
    return caches.job(namespace, name);
  }

  private Optional<Job> liveJob(String namespace, String name) {
    return Optional.ofNullable(
        client.batch().v1().jobs().inNamespace(namespace).withName(name).get());
  }

  @Override
  public Job createJob(Job job) {
    try {
      Job created = client.batch().v1().jobs().resource(job).create();
      caches.created(created);
      return created;
    } catch (KubernetesClientException e) {
      if (e.getCode() == HttpURLConnection.HTTP_CONFLICT) {
        // Created by an earlier reconcile whose result had not reached us yet: never update it.
        return liveJob(job.getMetadata().getNamespace(), job.getMetadata().getName())
            .orElseThrow(() -> e);
      }
      if (e.getCode() == 400 || e.getCode() == 422) {
        // Refused as invalid: the same Job would be refused on every retry.
        throw new IllegalArgumentException(
            "the API server refused engine Job "
                + job.getMetadata().getName()
                + ": "
                + (e.getStatus() == null ? e.getMessage() : e.getStatus().getMessage())
                + "; fix the resource's spec (for example spec.pod)"
                + " and create it again",
            e);
      }
      throw e;
    }
  }

  @Override
  public void expireJob(String namespace, String name, int seconds) {
    try {
      client
          .batch()
          .v1()
          .jobs()
          .inNamespace(namespace)
          .withName(name)
          .patch(
              PatchContext.of(PatchType.JSON_MERGE),
              "{\"spec\":{\"ttlSecondsAfterFinished\":" + seconds + "}}");
    } catch (KubernetesClientException e) {
      if (e.getCode() != HttpURLConnection.HTTP_NOT_FOUND) {
        throw e;
      }
    }
  }

  @Override
  public void deleteJob(String namespace, String name) {
    client
        .batch()
        .v1()
        .jobs()
        .inNamespace(namespace)
        .withName(name)
        .withPropagationPolicy(DeletionPropagation.FOREGROUND)
        .delete();
  }

  @Override
  public List<Pod> jobPods(String namespace, Job job) {
    String uid = job.getMetadata().getUid();
    if (uid == null) {
      return List.of();
    }
    // The pod informer is a watch of its own: when the Job's Complete or Failed event arrives, the
    // cached pod may still be Running, without the termination message that says how the engine
    // ended (a backup would then be taken for one that may have stored objects, and removed). The
    // pods of a finished Job are listed live, once per outcome.
    List<Pod> cached = finished(job) ? List.of() : caches.jobPods(namespace, uid);
    if (!cached.isEmpty()) {
      return cached;
    }
    return client
        .pods()
        .inNamespace(namespace)
        .withLabel(JOB_CONTROLLER_UID, uid)
        .list()
        .getItems()
        .stream()
        .sorted(Comparator.comparing(p -> p.getMetadata().getCreationTimestamp()))
        .toList();
  }

  @Override
  public List<Pod> podsMounting(String namespace, String claim) {
    return client.pods().inNamespace(namespace).list().getItems().stream()
        .filter(p -> !finished(p))
        .filter(p -> mounts(p, claim))
        .toList();
  }

  /** Whether a Job has ended or is ending (its terminal condition, or its target, is True). */
  static boolean finished(Job job) {
    return job.getStatus() != null
        && job.getStatus().getConditions() != null
        && job.getStatus().getConditions().stream()
            .anyMatch(
                c ->
                    "True".equals(c.getStatus())
                        && Set.of("Complete", "Failed", "SuccessCriteriaMet", "FailureTarget")
                            .contains(c.getType()));
  }

  static boolean finished(Pod pod) {
    String phase = pod.getStatus() == null ? null : pod.getStatus().getPhase();
    return "Succeeded".equals(phase) || "Failed".equals(phase);
  }

  static boolean mounts(Pod pod, String claim) {
    List<Volume> volumes = pod.getSpec() == null ? null : pod.getSpec().getVolumes();
    return volumes != null
        && volumes.stream()
            .anyMatch(
                v ->
                    v.getPersistentVolumeClaim() != null
                        && claim.equals(v.getPersistentVolumeClaim().getClaimName()));
  }

  @Override
  public Optional<PersistentVolumeClaim> claim(String namespace, String name) {
    return caches.claim(namespace, name).or(() -> liveClaim(namespace, name));
  }

  private Optional<PersistentVolumeClaim> liveClaim(String namespace, String name) {
    return Optional.ofNullable(
        client.persistentVolumeClaims().inNamespace(namespace).withName(name).get());
  }

  @Override
  public PersistentVolumeClaim createClaim(PersistentVolumeClaim claim) {
    try {
      PersistentVolumeClaim created = client.persistentVolumeClaims().resource(claim).create();
      caches.created(created);
      return created;
    } catch (KubernetesClientException e) {
      if (e.getCode() == HttpURLConnection.HTTP_CONFLICT) {
        return liveClaim(claim.getMetadata().getNamespace(), claim.getMetadata().getName())
            .orElseThrow(() -> e);
      }
      throw e;
    }
  }

  @Override
  public void labelClaim(
      String namespace, String name, Map<String, String> labels, Map<String, String> annotations) {
    Map<String, Object> metadata = new LinkedHashMap<>();
    if (labels != null && !labels.isEmpty()) {
      metadata.put("labels", labels);
    }
    if (annotations != null && !annotations.isEmpty()) {
      metadata.put("annotations", annotations);
    }
    String patch;
    try {
      // A plain mapper: a null value must reach the API server, where it removes the key.
      patch = new ObjectMapper().writeValueAsString(Map.of("metadata", metadata));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write a claim patch", e);
    }
    caches.updated(
        client
            .persistentVolumeClaims()
            .inNamespace(namespace)
            .withName(name)
            .patch(PatchContext.of(PatchType.JSON_MERGE), patch));
  }

  @Override
  public Optional<StatefulSet> statefulSet(String namespace, String name) {
    return caches.statefulSet(namespace, name).or(() -> currentStatefulSet(namespace, name));
  }

  @Override
  public Optional<StatefulSet> currentStatefulSet(String namespace, String name) {
    return Optional.ofNullable(
        client.apps().statefulSets().inNamespace(namespace).withName(name).get());
  }

  @Override
  public void annotateStatefulSet(String namespace, String name, Map<String, String> annotations) {
    String patch;
    try {
      // A plain mapper: a null value must reach the API server, where it removes the key.
      patch =
          new ObjectMapper()
              .writeValueAsString(Map.of("metadata", Map.of("annotations", annotations)));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write a StatefulSet patch", e);
    }
    caches.updated(
        client
            .apps()
            .statefulSets()
            .inNamespace(namespace)
            .withName(name)
            .patch(PatchContext.of(PatchType.JSON_MERGE), patch));
  }

  @Override
  public void scaleStatefulSet(String namespace, String name, int replicas) {
    caches.updated(
        client.apps().statefulSets().inNamespace(namespace).withName(name).scale(replicas));
  }

  @Override
  public Optional<MysqlBackup> backup(String namespace, String name) {
    return Optional.ofNullable(
        client.resources(MysqlBackup.class).inNamespace(namespace).withName(name).get());
  }

  @Override
  public Optional<String> engineLogTail(String namespace, String pod, int lines) {
    try {
      return Optional.ofNullable(
          client
              .pods()
              .inNamespace(namespace)
              .withName(pod)
              .inContainer(dev.stowage.operator.job.EngineJobFactory.CONTAINER)
              .tailingLines(lines)
              .getLog());
    } catch (KubernetesClientException e) {
      // Not started yet, gone, or no permission: progress waits for the next look.
      log.debug("cannot read the log of pod {}/{}: {}", namespace, pod, e.getMessage());
      return Optional.empty();
    }
  }

  @Override
  public List<String> mountFailures(String namespace, String pod) {
    return client
        .v1()
        .events()
        .inNamespace(namespace)
        .withField("involvedObject.kind", "Pod")
        .withField("involvedObject.name", pod)
        .withField("reason", "FailedMount")
        .list()
        .getItems()
        .stream()
        .sorted(
            java.util.Comparator.comparing(
                e -> e.getLastTimestamp() == null ? "" : e.getLastTimestamp()))
        .map(io.fabric8.kubernetes.api.model.Event::getMessage)
        .filter(java.util.Objects::nonNull)
        .toList();
  }

  /** The VolumeSnapshot API of the external-snapshotter CRDs. */
  static final ResourceDefinitionContext VOLUME_SNAPSHOT =
      new ResourceDefinitionContext.Builder()
          .withGroup("snapshot.storage.k8s.io")
          .withVersion("v1")
          .withKind("VolumeSnapshot")
          .withPlural("volumesnapshots")
          .withNamespaced(true)
          .build();

  static final ResourceDefinitionContext VOLUME_SNAPSHOT_CLASS =
      new ResourceDefinitionContext.Builder()
          .withGroup("snapshot.storage.k8s.io")
          .withVersion("v1")
          .withKind("VolumeSnapshotClass")
          .withPlural("volumesnapshotclasses")
          .withNamespaced(false)
          .build();

  @Override
  public Optional<List<GenericKubernetesResource>> volumeSnapshotClasses() {
    try {
      return Optional.of(
          client.genericKubernetesResources(VOLUME_SNAPSHOT_CLASS).list().getItems());
    } catch (KubernetesClientException e) {
      if (e.getCode() == HttpURLConnection.HTTP_NOT_FOUND) {
        // The resource type itself is unknown: the API is not served.
        return Optional.empty();
      }
      throw e;
    }
  }

  @Override
  public Optional<GenericKubernetesResource> volumeSnapshot(String namespace, String name) {
    return Optional.ofNullable(
        client
            .genericKubernetesResources(VOLUME_SNAPSHOT)
            .inNamespace(namespace)
            .withName(name)
            .get());
  }

  @Override
  public GenericKubernetesResource createVolumeSnapshot(GenericKubernetesResource snapshot) {
    String ns = snapshot.getMetadata().getNamespace();
    try {
      return client
          .genericKubernetesResources(VOLUME_SNAPSHOT)
          .inNamespace(ns)
          .resource(snapshot)
          .create();
    } catch (KubernetesClientException e) {
      if (e.getCode() == HttpURLConnection.HTTP_CONFLICT) {
        return volumeSnapshot(ns, snapshot.getMetadata().getName()).orElseThrow(() -> e);
      }
      throw e;
    }
  }

  @Override
  public void deleteVolumeSnapshot(String namespace, String name) {
    client
        .genericKubernetesResources(VOLUME_SNAPSHOT)
        .inNamespace(namespace)
        .withName(name)
        .delete();
  }

  @Override
  public Optional<PersistentVolume> persistentVolume(String name) {
    return Optional.ofNullable(client.persistentVolumes().withName(name).get());
  }

  @Override
  public Optional<StorageClass> storageClass(String name) {
    return Optional.ofNullable(client.storage().v1().storageClasses().withName(name).get());
  }

  @Override
  public Optional<io.fabric8.kubernetes.api.model.Secret> secret(String namespace, String name) {
    return Optional.ofNullable(client.secrets().inNamespace(namespace).withName(name).get());
  }

  @Override
  public void deleteClaim(String namespace, String name) {
    client.persistentVolumeClaims().inNamespace(namespace).withName(name).delete();
  }

  @Override
  public List<String> provisioningFailures(String namespace, String claim) {
    return client
        .v1()
        .events()
        .inNamespace(namespace)
        .withField("involvedObject.kind", "PersistentVolumeClaim")
        .withField("involvedObject.name", claim)
        .withField("reason", "ProvisioningFailed")
        .list()
        .getItems()
        .stream()
        .sorted(Comparator.comparing(e -> e.getLastTimestamp() == null ? "" : e.getLastTimestamp()))
        .map(io.fabric8.kubernetes.api.model.Event::getMessage)
        .filter(java.util.Objects::nonNull)
        .toList();
  }

  @Override
  public Optional<ClusterBackupStore> clusterBackupStore(String name) {
    return Optional.ofNullable(client.resources(ClusterBackupStore.class).withName(name).get());
  }

  @Override
  public Optional<BackupStore> backupStore(String namespace, String name) {
    return Optional.ofNullable(
        client.resources(BackupStore.class).inNamespace(namespace).withName(name).get());
  }

  @Override
  public Optional<MysqlRestore> restore(String namespace, String name) {
    return Optional.ofNullable(
        client.resources(MysqlRestore.class).inNamespace(namespace).withName(name).get());
  }

  @Override
  public List<MysqlRestore> restoresOf(String namespace, String backupName) {
    return client.resources(MysqlRestore.class).inNamespace(namespace).list().getItems().stream()
        .filter(
            r ->
                r.getSpec() != null
                    && r.getSpec().getBackup() != null
                    && backupName.equals(r.getSpec().getBackup().getName()))
        .toList();
  }

  @Override
  public String lock(String namespace, String leaseName, HasMetadata holder) {
    String me = ClaimLocks.holderIdentity(holder);
    String key = namespace + "/" + leaseName;
    String uid = holder.getMetadata().getUid();
    if (uid.equals(taken.get(key))) {
      // Taken by this holder before (a waiting backup takes its lock on every look): one read
      // confirms it, instead of a create the API server refuses and then the same read. Anything
      // else than our Lease (gone, someone else's) is decided below as for a first take.
      Lease lease = leases(namespace).withName(leaseName).get();
      if (lease != null && foreignWhy(lease).isEmpty() && heldBy(lease, holder)) {
        return me;
      }
      taken.remove(key, uid);
    }
    for (int attempt = 0; attempt < 3; attempt++) {
      try {
        client.resource(lease(namespace, leaseName, holder)).create();
        remember(key, uid);
        return me;
      } catch (KubernetesClientException e) {
        if (e.getCode() != HttpURLConnection.HTTP_CONFLICT) {
          throw e;
        }
      }
      Lease lease = leases(namespace).withName(leaseName).get();
      if (lease == null) {
        continue; // released in between: try again
      }
      Optional<String> foreign = foreignWhy(lease);
      if (foreign.isPresent()) {
        throw new ForeignLeaseException(namespace, leaseName, foreign.get());
      }
      if (heldBy(lease, holder)) {
        remember(key, uid);
        return me;
      }
      if (ownerExists(lease)) {
        return lease.getSpec().getHolderIdentity();
      }
      // Its holder is gone and the garbage collector has not caught up: take the lock over, but
      // only this very Lease (a newer one is someone else's).
      leases(namespace)
          .withName(lease.getMetadata().getName())
          .lockResourceVersion(lease.getMetadata().getResourceVersion())
          .delete();
    }
    throw new IllegalStateException(
        "could not take the lock "
            + namespace
            + "/"
            + leaseName
            + " for "
            + me
            + " after 3 attempts; will retry");
  }

  private void remember(String key, String uid) {
    if (taken.size() >= MAX_TAKEN) {
      taken.clear();
    }
    taken.put(key, uid);
  }

  @Override
  public void unlock(String namespace, String leaseName, HasMetadata holder) {
    taken.remove(namespace + "/" + leaseName, holder.getMetadata().getUid());
    Lease lease = leases(namespace).withName(leaseName).get();
    if (lease != null && heldBy(lease, holder)) {
      leases(namespace)
          .withName(lease.getMetadata().getName())
          .lockResourceVersion(lease.getMetadata().getResourceVersion())
          .delete();
    }
  }

  @Override
  public Optional<String> lockHolder(String namespace, String leaseName) {
    Lease lease = leases(namespace).withName(leaseName).get();
    if (lease == null) {
      return Optional.empty();
    }
    Optional<String> foreign = foreignWhy(lease);
    if (foreign.isPresent()) {
      return Optional.of(
          "Lease " + leaseName + ", which Stowage did not make (" + foreign.get() + ")");
    }
    if (!ownerExists(lease)) {
      return Optional.empty();
    }
    return Optional.ofNullable(lease.getSpec().getHolderIdentity());
  }

  @Override
  public List<MysqlBackup> backupsLabelled(String namespace, String key, String value) {
    return client
        .resources(MysqlBackup.class)
        .inNamespace(namespace)
        .withLabel(key, value)
        .list()
        .getItems();
  }

  @Override
  public Optional<MysqlBackup> createBackup(MysqlBackup backup) {
    try {
      return Optional.of(client.resource(backup).create());
    } catch (KubernetesClientException e) {
      if (e.getCode() == HttpURLConnection.HTTP_CONFLICT) {
        return Optional.empty();
      }
      throw e;
    }
  }

  @Override
  public void deleteBackup(String namespace, String name) {
    client.resources(MysqlBackup.class).inNamespace(namespace).withName(name).delete();
  }

  @Override
  public void disownBackup(String namespace, String name, String ownerUid) {
    MysqlBackup backup =
        client.resources(MysqlBackup.class).inNamespace(namespace).withName(name).get();
    if (backup == null || backup.getMetadata().getOwnerReferences() == null) {
      return;
    }
    List<OwnerReference> kept =
        backup.getMetadata().getOwnerReferences().stream()
            .filter(o -> !ownerUid.equals(o.getUid()))
            .toList();
    if (kept.size() == backup.getMetadata().getOwnerReferences().size()) {
      return;
    }
    // A JSON merge patch replaces the list; the resourceVersion makes it fail rather than drop an
    // owner added in between.
    Map<String, Object> metadata = new LinkedHashMap<>();
    metadata.put("ownerReferences", kept);
    metadata.put("resourceVersion", backup.getMetadata().getResourceVersion());
    client
        .resources(MysqlBackup.class)
        .inNamespace(namespace)
        .withName(name)
        .patch(
            PatchContext.of(PatchType.JSON_MERGE),
            client.getKubernetesSerialization().asJson(Map.of("metadata", metadata)));
  }

  private io.fabric8.kubernetes.client.dsl.NonNamespaceOperation<
          Lease,
          io.fabric8.kubernetes.api.model.coordination.v1.LeaseList,
          io.fabric8.kubernetes.client.dsl.Resource<Lease>>
      leases(String namespace) {
    return client.leases().inNamespace(namespace);
  }

  private Lease lease(String namespace, String leaseName, HasMetadata holder) {
    OwnerReference owner =
        new OwnerReferenceBuilder()
            .withApiVersion(holder.getApiVersion())
            .withKind(holder.getKind())
            .withName(holder.getMetadata().getName())
            .withUid(holder.getMetadata().getUid())
            .build();
    return new LeaseBuilder()
        .withNewMetadata()
        .withName(leaseName)
        .withNamespace(namespace)
        .addToLabels(MANAGED_BY, OPERATOR)
        .addToLabels("app.kubernetes.io/part-of", "stowage")
        .withOwnerReferences(owner)
        .endMetadata()
        .withNewSpec()
        .withHolderIdentity(ClaimLocks.holderIdentity(holder))
        .withAcquireTime(ZonedDateTime.now(clock).withNano(0))
        .endSpec()
        .build();
  }

  private static boolean heldBy(Lease lease, HasMetadata holder) {
    List<OwnerReference> owners = lease.getMetadata().getOwnerReferences();
    return owners != null
        && owners.stream().anyMatch(o -> holder.getMetadata().getUid().equals(o.getUid()));
  }

  /**
   * Why a Lease is not a Stowage lock, or empty when it is one: a Stowage Lease has the Stowage
   * label and a MysqlBackup or MysqlRestore (stowage.dev) owner. Anything else was made by someone
   * else; it is never counted as a lock nor deleted.
   */
  static Optional<String> foreignWhy(Lease lease) {
    var labels = lease.getMetadata().getLabels();
    List<OwnerReference> owners = lease.getMetadata().getOwnerReferences();
    boolean labelled = labels != null && OPERATOR.equals(labels.get(MANAGED_BY));
    if (owners == null || owners.isEmpty()) {
      return Optional.of(
          "it has no owner"
              + (labelled ? "" : " and no " + MANAGED_BY + "=" + OPERATOR + " label"));
    }
    OwnerReference owner = owners.get(0);
    boolean stowageOwner =
        owners.size() == 1
            && owner.getApiVersion() != null
            && owner.getApiVersion().startsWith("stowage.dev/")
            && ("MysqlBackup".equals(owner.getKind()) || "MysqlRestore".equals(owner.getKind()));
    if (!stowageOwner) {
      return Optional.of(
          "its owner is "
              + owner.getKind()
              + "/"
              + owner.getName()
              + " ("
              + owner.getApiVersion()
              + ")"
              + (owners.size() > 1 ? " and others" : "")
              + ", not a stowage.dev MysqlBackup or MysqlRestore");
    }
    if (!labelled) {
      return Optional.of("it has no " + MANAGED_BY + "=" + OPERATOR + " label");
    }
    return Optional.empty();
  }

  private boolean ownerExists(Lease lease) {
    List<OwnerReference> owners = lease.getMetadata().getOwnerReferences();
    OwnerReference owner = owners.get(0);
    String ns = lease.getMetadata().getNamespace();
    HasMetadata current =
        switch (owner.getKind()) {
          case "MysqlBackup" ->
              client.resources(MysqlBackup.class).inNamespace(ns).withName(owner.getName()).get();
          case "MysqlRestore" ->
              client.resources(MysqlRestore.class).inNamespace(ns).withName(owner.getName()).get();
          default -> null;
        };
    return current != null && owner.getUid().equals(current.getMetadata().getUid());
  }
}
