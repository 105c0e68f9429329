package dev.stowage.operator.testing;

import dev.stowage.api.v1alpha1.BackupStore;
import dev.stowage.api.v1alpha1.ClusterBackupStore;
import dev.stowage.api.v1alpha1.MysqlBackup;
import dev.stowage.api.v1alpha1.MysqlRestore;
import dev.stowage.operator.cluster.ClaimLocks;
import dev.stowage.operator.cluster.Cluster;
import dev.stowage.operator.cluster.ForeignLeaseException;
import dev.stowage.operator.cluster.KubernetesCluster;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.PersistentVolumeBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimStatusBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSetBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobConditionBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobStatusBuilder;
import io.fabric8.kubernetes.api.model.storage.StorageClass;
import io.fabric8.kubernetes.api.model.storage.StorageClassBuilder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A cluster in memory for reconciler tests: claims, pods, StatefulSets, Jobs and claim locks, with
 * a log of every change in order (so a test can check that status was written before a scale).
 */
public final class InMemoryCluster implements Cluster {

  public static final String NS = "prod";

  /** When the API server "created" a Job: the tests' fixed clock. */
  public static final String CREATED = "2030-01-02T03:04:05Z";

  public final Map<String, Job> jobs = new LinkedHashMap<>();
  public final Map<String, List<Pod>> jobPods = new LinkedHashMap<>();
  public final Map<String, Pod> pods = new LinkedHashMap<>();
  public final Map<String, PersistentVolumeClaim> claims = new LinkedHashMap<>();
  public final Map<String, StatefulSet> statefulSets = new LinkedHashMap<>();
  public final Map<String, MysqlBackup> backups = new LinkedHashMap<>();
  public final Map<String, MysqlRestore> restores = new LinkedHashMap<>();
  public final Map<String, ClusterBackupStore> clusterStores = new LinkedHashMap<>();

  /** The messages of FailedMount events, by pod name. */
  public final Map<String, List<String>> mountFailures = new LinkedHashMap<>();

  /** BackupStores by namespace/name. */
  public final Map<String, BackupStore> stores = new LinkedHashMap<>();

  /**
   * Whether a pre-flight check Job ({@code <name>-check}) succeeds as soon as it is created, so
   * that tests of what comes after it need not finish it by hand.
   */
  public boolean autoPassChecks = true;

  public static final String CHECK_OK =
      "{\"command\":\"check\",\"status\":\"Succeeded\",\"exitCode\":0}";

  /** Lease name -> holder identity@uid */
  public final Map<String, String> locks = new LinkedHashMap<>();

  /**
   * Leases of a lock's name that Stowage did not make (lease name -> why, as the real cluster says
   * it): never counted as a lock nor taken over.
   */
  public final Map<String, String> foreignLeases = new LinkedHashMap<>();

  /** Every change, in order; shared with the status writer of the same test. */
  public final List<String> log;

  public InMemoryCluster(List<String> log) {
    this.log = log;
  }

  public InMemoryCluster claim(String name) {
    claims.put(
        name,
        new PersistentVolumeClaimBuilder()
            .withNewMetadata()
            .withName(name)
            .withNamespace(NS)
            .endMetadata()
            .build());
    return this;
  }

  public InMemoryCluster pod(String name, String claim) {
    pods.put(
        name,
        new PodBuilder()
            .withNewMetadata()
            .withName(name)
            .withNamespace(NS)
            .endMetadata()
            .withNewSpec()
            .addNewVolume()
            .withName("data")
            .withNewPersistentVolumeClaim()
            .withClaimName(claim)
            .endPersistentVolumeClaim()
            .endVolume()
            .endSpec()
            .withNewStatus()
            .withPhase("Running")
            .endStatus()
            .build());
    return this;
  }

  /** A StatefulSet whose volumeClaimTemplate {@code data} gives claims data-NAME-ORDINAL. */
  public InMemoryCluster statefulSet(String name, int replicas) {
    return statefulSet(name, replicas, "data", null);
  }

  /**
   * A StatefulSet with a volumeClaimTemplate named {@code template} (none when null) and, when
   * {@code podClaim} is set, a pod-template volume on that claim.
   */
  public InMemoryCluster statefulSet(String name, int replicas, String template, String podClaim) {
    var spec =
        new StatefulSetBuilder()
            .withNewMetadata()
            .withName(name)
            .withNamespace(NS)
            .endMetadata()
            .withNewSpec()
            .withReplicas(replicas)
            .withNewTemplate()
            .withNewSpec()
            .endSpec()
            .endTemplate()
            .endSpec()
            .build();
    if (template != null) {
      spec.getSpec()
          .setVolumeClaimTemplates(
              List.of(
                  new PersistentVolumeClaimBuilder()
                      .withNewMetadata()
                      .withName(template)
                      .endMetadata()
                      .build()));
    }
    if (podClaim != null) {
      spec.getSpec()
          .getTemplate()
          .getSpec()
          .setVolumes(
              List.of(
                  new io.fabric8.kubernetes.api.model.VolumeBuilder()
                      .withName("shared")
                      .withNewPersistentVolumeClaim()
                      .withClaimName(podClaim)
                      .endPersistentVolumeClaim()
                      .build()));
    }
    statefulSets.put(name, spec);
    return this;
  }

  /** Marks a Job finished, with its pod's engine exit code and termination message. */
  public void finishJob(String name, boolean succeeded, int exitCode, String message) {
    Job job = jobs.get(name);
    job.setStatus(
        new JobStatusBuilder()
            .withStartTime("2030-01-02T03:04:06Z")
            .withCompletionTime(succeeded ? "2030-01-02T03:05:06Z" : null)
            .addToConditions(
                new JobConditionBuilder()
                    .withType(succeeded ? "Complete" : "Failed")
                    .withStatus("True")
                    .withReason(succeeded ? null : "BackoffLimitExceeded")
                    .withMessage(succeeded ? null : "Job has reached the specified backoff limit")
                    .withLastTransitionTime("2030-01-02T03:05:06Z")
                    .build())
            .build());
    Pod pod =
        new PodBuilder()
            .withNewMetadata()
            .withName(name + "-x1")
            .withNamespace(NS)
            .addToLabels(KubernetesCluster.JOB_CONTROLLER_UID, uidOf(name))
            .withCreationTimestamp("2030-01-02T03:04:06Z")
            .endMetadata()
            .withNewStatus()
            .withPhase(succeeded ? "Succeeded" : "Failed")
            .addNewContainerStatus()
            .withName("engine")
            .withNewState()
            .withNewTerminated()
            .withExitCode(exitCode)
            .withMessage(message)
            .endTerminated()
            .endState()
            .endContainerStatus()
            .endStatus()
            .build();
    jobPods.put(name, List.of(pod));
  }

  /**
   * Gives a Job these pods, labelled as the Job controller labels its own ({@code
   * batch.kubernetes.io/controller-uid} of the Job).
   */
  public void putJobPods(String job, List<Pod> pods) {
    for (Pod p : pods) {
      Map<String, String> labels = new LinkedHashMap<>();
      if (p.getMetadata().getLabels() != null) {
        labels.putAll(p.getMetadata().getLabels());
      }
      labels.put(KubernetesCluster.JOB_CONTROLLER_UID, uidOf(job));
      p.getMetadata().setLabels(labels);
    }
    jobPods.put(job, pods);
  }

  /** The uid of a Job in this cluster. */
  public String uidOf(String job) {
    return jobs.get(job).getMetadata().getUid();
  }

  /**
   * Gives a Job a pod that waits: its engine container in {@code reason}
   * (CreateContainerConfigError, ContainerCreating...), created at {@code created}.
   */
  public Pod waitingJobPod(String job, String reason, String message, String created) {
    Pod pod =
        new PodBuilder()
            .withNewMetadata()
            .withName(job + "-w" + jobPods.getOrDefault(job, List.of()).size())
            .withNamespace(NS)
            .addToLabels(KubernetesCluster.JOB_CONTROLLER_UID, uidOf(job))
            .withCreationTimestamp(created)
            .endMetadata()
            .withNewStatus()
            .withPhase("Pending")
            .addNewContainerStatus()
            .withName("engine")
            .withNewState()
            .withNewWaiting()
            .withReason(reason)
            .withMessage(message)
            .endWaiting()
            .endState()
            .endContainerStatus()
            .endStatus()
            .build();
    List<Pod> all = new ArrayList<>(jobPods.getOrDefault(job, List.of()));
    all.add(pod);
    jobPods.put(job, all);
    return pod;
  }

  /** Gives a Job a pod whose engine container runs, writing {@code log}. */
  public Pod runningJobPod(String job, String log) {
    Pod pod =
        new PodBuilder()
            .withNewMetadata()
            .withName(job + "-r" + jobPods.getOrDefault(job, List.of()).size())
            .withNamespace(NS)
            .addToLabels(KubernetesCluster.JOB_CONTROLLER_UID, uidOf(job))
            .withCreationTimestamp("2030-01-02T03:04:06Z")
            .endMetadata()
            .withNewStatus()
            .withPhase("Running")
            .addNewContainerStatus()
            .withName("engine")
            .withNewState()
            .withNewRunning()
            .withStartedAt("2030-01-02T03:04:06Z")
            .endRunning()
            .endState()
            .endContainerStatus()
            .endStatus()
            .build();
    List<Pod> all = new ArrayList<>(jobPods.getOrDefault(job, List.of()));
    all.add(pod);
    jobPods.put(job, all);
    engineLogs.put(pod.getMetadata().getName(), log);
    return pod;
  }

  /** Gives a Job a pod the scheduler cannot place. */
  public Pod unschedulableJobPod(String job, String message, String created) {
    Pod pod =
        new PodBuilder()
            .withNewMetadata()
            .withName(job + "-u")
            .withNamespace(NS)
            .addToLabels(KubernetesCluster.JOB_CONTROLLER_UID, uidOf(job))
            .withCreationTimestamp(created)
            .endMetadata()
            .withNewStatus()
            .withPhase("Pending")
            .addNewCondition()
            .withType("PodScheduled")
            .withStatus("False")
            .withReason("Unschedulable")
            .withMessage(message)
            .endCondition()
            .endStatus()
            .build();
    List<Pod> all = new ArrayList<>(jobPods.getOrDefault(job, List.of()));
    all.add(pod);
    jobPods.put(job, all);
    return pod;
  }

  public void startJob(String name) {
    jobs.get(name)
        .setStatus(
            new JobStatusBuilder().withStartTime("2030-01-02T03:04:06Z").withActive(1).build());
  }

  @Override
  public Optional<Job> job(String namespace, String name) {
    return Optional.ofNullable(jobs.get(name));
  }

  /**
   * Whether {@link #knownJob} answers as the operator's Job cache does: only Jobs with the engine's
   * {@code app.kubernetes.io/managed-by} label; otherwise it answers as {@link #job}.
   */
  public boolean jobCacheHoldsOnlyEngineJobs;

  @Override
  public Optional<Job> knownJob(String namespace, String name) {
    Optional<Job> job = job(namespace, name);
    if (!jobCacheHoldsOnlyEngineJobs) {
      return job;
    }
    return job.filter(
        j ->
            j.getMetadata().getLabels() != null
                && "stowage-operator"
                    .equals(j.getMetadata().getLabels().get("app.kubernetes.io/managed-by")));
  }

  @Override
  public Job createJob(Job job) {
    String name = job.getMetadata().getName();
    if (!jobs.containsKey(name)) {
      log.add("create job " + name);
      if (job.getMetadata().getCreationTimestamp() == null) {
        job.getMetadata().setCreationTimestamp(CREATED);
      }
      if (job.getMetadata().getUid() == null) {
        job.getMetadata().setUid("uid-job-" + name);
      }
      jobs.put(name, job);
      if (autoPassChecks && name.endsWith("-check")) {
        finishJob(name, true, 0, CHECK_OK);
      }
    }
    return jobs.get(name);
  }

  @Override
  public void expireJob(String namespace, String name, int seconds) {
    Job job = jobs.get(name);
    if (job != null) {
      log.add("ttl job " + name + " " + seconds);
      job.getSpec().setTtlSecondsAfterFinished(seconds);
    }
  }

  @Override
  public void deleteJob(String namespace, String name) {
    log.add("delete job " + name);
    jobs.remove(name);
  }

  @Override
  public List<Pod> jobPods(String namespace, Job job) {
    // As the real cluster: by the Job controller's uid label, never by the Job's name.
    String uid = job.getMetadata().getUid();
    return jobPods.values().stream()
        .flatMap(List::stream)
        .filter(
            p ->
                uid != null
                    && p.getMetadata().getLabels() != null
                    && uid.equals(
                        p.getMetadata().getLabels().get(KubernetesCluster.JOB_CONTROLLER_UID)))
        .toList();
  }

  @Override
  public List<Pod> podsMounting(String namespace, String claim) {
    List<Pod> out = new ArrayList<>();
    for (Pod p : pods.values()) {
      if (p.getSpec().getVolumes().stream()
          .anyMatch(
              v ->
                  v.getPersistentVolumeClaim() != null
                      && claim.equals(v.getPersistentVolumeClaim().getClaimName()))) {
        out.add(p);
      }
    }
    return out;
  }

  @Override
  public Optional<PersistentVolumeClaim> claim(String namespace, String name) {
    return Optional.ofNullable(claims.get(name));
  }

  @Override
  public PersistentVolumeClaim createClaim(PersistentVolumeClaim claim) {
    log.add("create claim " + claim.getMetadata().getName());
    if (claim.getMetadata().getCreationTimestamp() == null) {
      claim.getMetadata().setCreationTimestamp(CREATED);
    }
    claims.putIfAbsent(claim.getMetadata().getName(), claim);
    return claims.get(claim.getMetadata().getName());
  }

  @Override
  public void labelClaim(
      String namespace, String name, Map<String, String> labels, Map<String, String> annotations) {
    PersistentVolumeClaim c = claims.get(name);
    if (c == null) {
      throw new IllegalStateException("no claim " + name);
    }
    if (labels != null) {
      labels.forEach(
          (k, v) -> {
            log.add("label claim " + name + " " + k + "=" + v);
            Map<String, String> now = new LinkedHashMap<>();
            if (c.getMetadata().getLabels() != null) {
              now.putAll(c.getMetadata().getLabels());
            }
            if (v == null) {
              now.remove(k);
            } else {
              now.put(k, v);
            }
            c.getMetadata().setLabels(now);
          });
    }
    if (annotations != null) {
      annotations.forEach(
          (k, v) -> {
            Map<String, String> now = new LinkedHashMap<>();
            if (c.getMetadata().getAnnotations() != null) {
              now.putAll(c.getMetadata().getAnnotations());
            }
            if (v == null) {
              now.remove(k);
            } else {
              now.put(k, v);
            }
            c.getMetadata().setAnnotations(now);
          });
    }
  }

  @Override
  public Optional<StatefulSet> statefulSet(String namespace, String name) {
    return Optional.ofNullable(statefulSets.get(name));
  }

  @Override
  public void annotateStatefulSet(String namespace, String name, Map<String, String> annotations) {
    StatefulSet sts = statefulSets.get(name);
    Map<String, String> now = new LinkedHashMap<>();
    if (sts.getMetadata().getAnnotations() != null) {
      now.putAll(sts.getMetadata().getAnnotations());
    }
    annotations.forEach(
        (k, v) -> {
          log.add("annotate " + name + " " + k + "=" + v);
          if (v == null) {
            now.remove(k);
          } else {
            now.put(k, v);
          }
        });
    sts.getMetadata().setAnnotations(now);
  }

  @Override
  public void scaleStatefulSet(String namespace, String name, int replicas) {
    log.add("scale " + name + " to " + replicas);
    statefulSets.get(name).getSpec().setReplicas(replicas);
  }

  @Override
  public Optional<MysqlBackup> backup(String namespace, String name) {
    return Optional.ofNullable(backups.get(name));
  }

  /** A ClusterBackupStore {@code name} of {@code bucket} for {@code namespaces} ("*": all). */
  public InMemoryCluster clusterStore(String name, String bucket, String... namespaces) {
    var spec = new dev.stowage.api.v1alpha1.ClusterBackupStoreSpec();
    var s3 = new dev.stowage.api.v1alpha1.S3Storage();
    s3.setBucket(bucket);
    spec.setS3(s3);
    spec.setAllowedNamespaces(List.of(namespaces));
    ClusterBackupStore store = new ClusterBackupStore();
    store.setMetadata(new ObjectMetaBuilder().withName(name).build());
    store.setSpec(spec);
    clusterStores.put(name, store);
    return this;
  }

  /** Engine container logs, by pod name. */
  public final Map<String, String> engineLogs = new LinkedHashMap<>();

  /** How many times an engine log was read. */
  public int engineLogReads;

  @Override
  public Optional<String> engineLogTail(String namespace, String pod, int lines) {
    engineLogReads++;
    String log = engineLogs.get(pod);
    if (log == null) {
      return Optional.empty();
    }
    List<String> all = List.of(log.split("\n"));
    return Optional.of(String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size())));
  }

  @Override
  public List<String> mountFailures(String namespace, String pod) {
    return mountFailures.getOrDefault(pod, List.of());
  }

  /** How many times a ClusterBackupStore was read. */
  public int clusterStoreReads;

  @Override
  public Optional<ClusterBackupStore> clusterBackupStore(String name) {
    clusterStoreReads++;
    return Optional.ofNullable(clusterStores.get(name));
  }

  @Override
  public Optional<BackupStore> backupStore(String namespace, String name) {
    return Optional.ofNullable(stores.get(namespace + "/" + name));
  }

  @Override
  public Optional<MysqlRestore> restore(String namespace, String name) {
    return Optional.ofNullable(restores.get(name));
  }

  @Override
  public List<MysqlRestore> restoresOf(String namespace, String backupName) {
    return restores.values().stream()
        .filter(
            r ->
                r.getSpec().getBackup() != null
                    && backupName.equals(r.getSpec().getBackup().getName()))
        .toList();
  }

  @Override
  public String lock(String namespace, String lease, HasMetadata holder) {
    String me = ClaimLocks.holderIdentity(holder);
    if (foreignLeases.containsKey(lease)) {
      throw new ForeignLeaseException(namespace, lease, foreignLeases.get(lease));
    }
    String held = locks.putIfAbsent(lease, me + "@" + holder.getMetadata().getUid());
    if (held == null) {
      log.add("lock " + lease + " for " + me);
      return me;
    }
    return held.substring(0, held.indexOf('@'));
  }

  @Override
  public void unlock(String namespace, String lease, HasMetadata holder) {
    String me = ClaimLocks.holderIdentity(holder) + "@" + holder.getMetadata().getUid();
    if (me.equals(locks.get(lease))) {
      locks.remove(lease);
      log.add("unlock " + lease);
    }
  }

  @Override
  public Optional<String> lockHolder(String namespace, String lease) {
    if (foreignLeases.containsKey(lease)) {
      return Optional.of(
          "Lease " + lease + ", which Stowage did not make (" + foreignLeases.get(lease) + ")");
    }
    String held = locks.get(lease);
    return held == null ? Optional.empty() : Optional.of(held.substring(0, held.indexOf('@')));
  }

  @Override
  public List<MysqlBackup> backupsLabelled(String namespace, String key, String value) {
    return backups.values().stream()
        .filter(
            b ->
                b.getMetadata().getLabels() != null
                    && value.equals(b.getMetadata().getLabels().get(key)))
        .toList();
  }

  /** Fails the next createBackup once with this error (a lost connection, say). */
  public RuntimeException failNextCreate;

  @Override
  public Optional<MysqlBackup> createBackup(MysqlBackup backup) {
    if (failNextCreate != null) {
      RuntimeException e = failNextCreate;
      failNextCreate = null;
      throw e;
    }
    String name = backup.getMetadata().getName();
    if (backups.containsKey(name)) {
      log.add("create backup " + name + ": already exists");
      return Optional.empty();
    }
    backup.getMetadata().setNamespace(namespaceOf(backup));
    backup.getMetadata().setUid("uid-" + name);
    backup.getMetadata().setGeneration(1L);
    backup.getMetadata().setCreationTimestamp(CREATED);
    backups.put(name, backup);
    log.add("create backup " + name);
    return Optional.of(backup);
  }

  private static String namespaceOf(HasMetadata m) {
    return m.getMetadata().getNamespace() == null ? NS : m.getMetadata().getNamespace();
  }

  @Override
  public void deleteBackup(String namespace, String name) {
    log.add("delete backup " + name);
    backups.remove(name);
  }

  @Override
  public void disownBackup(String namespace, String name, String ownerUid) {
    MysqlBackup b = backups.get(name);
    if (b != null && b.getMetadata().getOwnerReferences() != null) {
      b.getMetadata()
          .setOwnerReferences(
              b.getMetadata().getOwnerReferences().stream()
                  .filter(o -> !ownerUid.equals(o.getUid()))
                  .toList());
      log.add("disown backup " + name);
    }
  }

  // Snapshot mode (issue 11): the VolumeSnapshot API, classes, volumes, storage classes.

  /** Whether the API server serves snapshot.storage.k8s.io/v1. */
  public boolean snapshotApi = true;

  public final List<GenericKubernetesResource> snapshotClasses = new ArrayList<>();
  public final Map<String, GenericKubernetesResource> volumeSnapshots = new LinkedHashMap<>();
  public final Map<String, PersistentVolume> volumes = new LinkedHashMap<>();
  public final Map<String, StorageClass> storageClasses = new LinkedHashMap<>();

  /** The messages of ProvisioningFailed events, by claim name. */
  public final Map<String, List<String>> provisioningFailures = new LinkedHashMap<>();

  /** A VolumeSnapshotClass of a CSI driver, the driver's default when {@code isDefault}. */
  public InMemoryCluster snapshotClass(String name, String driver, boolean isDefault) {
    GenericKubernetesResource c = new GenericKubernetesResource();
    c.setApiVersion("snapshot.storage.k8s.io/v1");
    c.setKind("VolumeSnapshotClass");
    c.setMetadata(new ObjectMetaBuilder().withName(name).build());
    if (isDefault) {
      c.getMetadata()
          .setAnnotations(Map.of("snapshot.storage.kubernetes.io/is-default-class", "true"));
    }
    c.setAdditionalProperty("driver", driver);
    c.setAdditionalProperty("deletionPolicy", "Delete");
    snapshotClasses.add(c);
    return this;
  }

  /**
   * A claim bound to a PersistentVolume of a CSI driver ({@code driver} null: a hostPath volume),
   * of StorageClass {@code storageClass} and capacity {@code size}.
   */
  public InMemoryCluster csiClaim(String name, String driver, String storageClass, String size) {
    String pv = "pv-" + name;
    claims.put(
        name,
        new PersistentVolumeClaimBuilder()
            .withNewMetadata()
            .withName(name)
            .withNamespace(NS)
            .endMetadata()
            .withNewSpec()
            .withAccessModes("ReadWriteOnce")
            .withStorageClassName(storageClass)
            .withVolumeName(pv)
            .withNewResources()
            .addToRequests("storage", new Quantity("1Gi"))
            .endResources()
            .endSpec()
            .withNewStatus()
            .withPhase("Bound")
            .addToCapacity("storage", new Quantity(size))
            .endStatus()
            .build());
    var volume =
        new PersistentVolumeBuilder().withNewMetadata().withName(pv).endMetadata().withNewSpec();
    if (driver != null) {
      volume.withNewCsi().withDriver(driver).withVolumeHandle("h-" + name).endCsi();
    } else {
      volume.withNewHostPath().withPath("/srv/" + name).endHostPath();
    }
    volumes.put(pv, volume.endSpec().build());
    return this;
  }

  /** A StorageClass with the volumeBindingMode. */
  public InMemoryCluster storageClass(String name, String bindingMode) {
    storageClasses.put(
        name,
        new StorageClassBuilder()
            .withNewMetadata()
            .withName(name)
            .endMetadata()
            .withProvisioner("stowage.dev.btrfs")
            .withVolumeBindingMode(bindingMode)
            .build());
    return this;
  }

  /** The snapshot controller made the snapshot ready, cut at {@code creationTime}. */
  public void readySnapshot(String name, String creationTime) {
    readySnapshot(name, creationTime, "10Gi");
  }

  /** Ready, with the restoreSize the driver reports. */
  public void readySnapshot(String name, String creationTime, String restoreSize) {
    volumeSnapshots
        .get(name)
        .setAdditionalProperty(
            "status",
            new LinkedHashMap<>(
                Map.of(
                    "readyToUse", true, "creationTime", creationTime, "restoreSize", restoreSize)));
  }

  /** The snapshot controller reports the driver's error on the snapshot. */
  public void failSnapshot(String name, String message) {
    volumeSnapshots
        .get(name)
        .setAdditionalProperty(
            "status",
            new LinkedHashMap<>(
                Map.of(
                    "readyToUse",
                    false,
                    "error",
                    Map.of("message", message, "time", "2030-01-02T03:04:06Z"))));
  }

  /** The provisioner bound the claim. */
  public void bindClaim(String name) {
    PersistentVolumeClaim c = claims.get(name);
    c.setStatus(new PersistentVolumeClaimStatusBuilder().withPhase("Bound").build());
  }

  /** Thrown by the class list, as the API server's 403 of a namespaced install. */
  public RuntimeException snapshotClassesError;

  @Override
  public Optional<List<GenericKubernetesResource>> volumeSnapshotClasses() {
    if (snapshotClassesError != null) {
      throw snapshotClassesError;
    }
    return snapshotApi ? Optional.of(List.copyOf(snapshotClasses)) : Optional.empty();
  }

  @Override
  public Optional<GenericKubernetesResource> volumeSnapshot(String namespace, String name) {
    return Optional.ofNullable(volumeSnapshots.get(name));
  }

  @Override
  public GenericKubernetesResource createVolumeSnapshot(GenericKubernetesResource snapshot) {
    String name = snapshot.getMetadata().getName();
    if (!volumeSnapshots.containsKey(name)) {
      log.add("create volumesnapshot " + name);
      snapshot.getMetadata().setCreationTimestamp(CREATED);
      snapshot.getMetadata().setUid("uid-snapshot-" + name);
      volumeSnapshots.put(name, snapshot);
    }
    return volumeSnapshots.get(name);
  }

  @Override
  public void deleteVolumeSnapshot(String namespace, String name) {
    log.add("delete volumesnapshot " + name);
    volumeSnapshots.remove(name);
  }

  @Override
  public Optional<PersistentVolume> persistentVolume(String name) {
    return Optional.ofNullable(volumes.get(name));
  }

  @Override
  public Optional<StorageClass> storageClass(String name) {
    return Optional.ofNullable(storageClasses.get(name));
  }

  public final Map<String, io.fabric8.kubernetes.api.model.Secret> secrets = new LinkedHashMap<>();

  /** Thrown by every Secret read, as the API server's 403 without the opt-in permission. */
  public RuntimeException secretsError;

  /** A Secret with these string keys (stored base64, as the API server returns them). */
  public InMemoryCluster secret(String name, Map<String, String> data) {
    Map<String, String> encoded = new LinkedHashMap<>();
    data.forEach(
        (k, v) ->
            encoded.put(
                k,
                java.util.Base64.getEncoder()
                    .encodeToString(v.getBytes(java.nio.charset.StandardCharsets.UTF_8))));
    secrets.put(
        name,
        new io.fabric8.kubernetes.api.model.SecretBuilder()
            .withNewMetadata()
            .withName(name)
            .endMetadata()
            .withData(encoded)
            .build());
    return this;
  }

  @Override
  public Optional<io.fabric8.kubernetes.api.model.Secret> secret(String namespace, String name) {
    if (secretsError != null) {
      throw secretsError;
    }
    log.add("get secret " + name);
    return Optional.ofNullable(secrets.get(name));
  }

  /** Whether a deleted claim with finalizers stays, Terminating, as on a real cluster. */
  public boolean keepDeletedClaimsWithFinalizers;

  /** Thrown by the next claim delete (then cleared), as a refused request. */
  public RuntimeException failNextClaimDelete;

  @Override
  public void deleteClaim(String namespace, String name) {
    if (failNextClaimDelete != null) {
      RuntimeException e = failNextClaimDelete;
      failNextClaimDelete = null;
      throw e;
    }
    log.add("delete claim " + name);
    PersistentVolumeClaim c = claims.get(name);
    if (keepDeletedClaimsWithFinalizers
        && c != null
        && c.getMetadata().getFinalizers() != null
        && !c.getMetadata().getFinalizers().isEmpty()) {
      c.getMetadata().setDeletionTimestamp(CREATED); // Terminating, as behind pvc-protection
      return;
    }
    claims.remove(name);
  }

  @Override
  public List<String> provisioningFailures(String namespace, String claim) {
    return provisioningFailures.getOrDefault(claim, List.of());
  }
}
