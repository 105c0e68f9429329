package dev.stowage.operator.job;

import static dev.stowage.operator.job.SpecChecks.notEmpty;
import static dev.stowage.operator.job.SpecChecks.source;
import static dev.stowage.operator.job.SpecChecks.spec;

import dev.stowage.api.v1alpha1.BackupSource;
import dev.stowage.api.v1alpha1.BackupStorage;
import dev.stowage.api.v1alpha1.Chunking;
import dev.stowage.api.v1alpha1.Compression;
import dev.stowage.api.v1alpha1.MysqlBackup;
import dev.stowage.api.v1alpha1.MysqlBackupSpec;
import dev.stowage.api.v1alpha1.MysqlRestore;
import dev.stowage.api.v1alpha1.MysqlRestoreSpec;
import dev.stowage.api.v1alpha1.PodSecurity;
import dev.stowage.api.v1alpha1.PodSettings;
import dev.stowage.api.v1alpha1.RestoreTarget;
import dev.stowage.operator.validation.InvalidSpecException;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.PodSecurityContextBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.SecurityContextBuilder;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.PodFailurePolicy;
import io.fabric8.kubernetes.api.model.batch.v1.PodFailurePolicyBuilder;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Builds the engine Job of a MysqlBackup (backup, and rm for deletionPolicy Delete) and of a
 * MysqlRestore. Pure: the same resource gives the same Job, so a Job is created once and never
 * needs updating.
 */
public final class EngineJobFactory {
  /** The engine container's name, which the Job's pod failure policy refers to. */
  public static final String CONTAINER = "engine";

  /** Where the container's termination message is read from; the engine writes its result there. */
  public static final String RESULT_PATH = "/dev/termination-log";

  /** Where the source or target claim's root is mounted. */
  public static final String DATA_MOUNT = "/stowage/data";

  static final String DATA_VOLUME = "data";
  static final String TMP_VOLUME = "tmp";

  /** Job purposes, which are also the Job name suffixes and the component label. */
  static final String BACKUP = "backup";

  static final String RESTORE = "restore";
  static final String DELETE = "rm";
  static final String CHECK = "check";

  /**
   * Seconds a finished check Job stays: its outcome is in the MysqlBackup's status as soon as the
   * operator has seen it, and a check that vanished before that is simply run again.
   */
  static final int CHECK_TTL_SECONDS = 600;

  /** A check only writes and deletes one small object: it either answers quickly or not at all. */
  static final long CHECK_DEADLINE_SECONDS = 300;

  /**
   * How long a backup or rm pod waits for another run's lock on the backup name: the engine's stale
   * time (2m) and a margin, so a Job's retried pod takes over from a pod that was killed.
   */
  static final String LOCK_WAIT = "3m";

  /** Label keys of every engine Job and its pod. */
  public static final String LABEL_NAME = "app.kubernetes.io/name";

  /**
   * The resource the Job works for. Not app.kubernetes.io/instance: Argo CD's label tracking uses
   * that key, and would prune a Job whose resource shares an application's name.
   */
  public static final String LABEL_INSTANCE = "stowage.dev/instance";

  public static final String LABEL_COMPONENT = "app.kubernetes.io/component";
  public static final String LABEL_PART_OF = "app.kubernetes.io/part-of";
  public static final String LABEL_MANAGED_BY = "app.kubernetes.io/managed-by";

  /** Exit codes after which another pod cannot succeed: bad arguments, integrity, unsafe source. */
  static final List<Integer> PERMANENT_EXIT_CODES = List.of(2, 4, 5);

  /** What the engine parses as a size; anything else is passed on in bytes. */
  private static final Pattern ENGINE_SIZE = Pattern.compile("[0-9]+(Ki|Mi|Gi|Ti)?");

  private final EngineJobConfig config;
  private final BackupLocations locations;
  private final Stores stores;

  /** A factory whose resources cannot name stores (storeRef is refused). */
  public EngineJobFactory(EngineJobConfig config, Clock clock) {
    this(config, clock, Stores.NONE);
  }

  /**
   * @param clock names a backup whose resource has no creationTimestamp yet; a stored resource
   *     always has one, so the name does not depend on when the Job is built
   * @param stores resolves {@code storage.storeRef} to the administrator's store
   */
  public EngineJobFactory(EngineJobConfig config, Clock clock, Stores stores) {
    this.config = Objects.requireNonNull(config, "config");
    this.locations = new BackupLocations(clock);
    this.stores = Objects.requireNonNull(stores, "stores");
  }

  /**
   * How the engine Jobs of {@code owner} would reach {@code storage}, checked before anything is
   * taken: a storeRef to a store that is missing or does not allow the namespace, or inline s3
   * where the operator's configuration turns it off, is refused here.
   *
   * @throws InvalidSpecException naming the field and what to do
   */
  public EngineStorage storage(HasMetadata owner, BackupStorage storage, boolean readOnly) {
    return EngineStorage.of(
        storage, readOnly, owner.getMetadata().getNamespace(), stores, config.inlineS3());
  }

  /** Where the Jobs of this factory store and find backups. */
  public BackupLocations locations() {
    return locations;
  }

  /**
   * Refuses a resource's {@code spec.pod} that asks for more than the operator allows: a node
   * selector or toleration outside its allowlist, or a root id.
   *
   * @throws InvalidSpecException naming the field, the value and what the operator allows
   */
  public void checkPodSettings(HasMetadata resource, PodSettings pod) {
    if (pod == null) {
      return;
    }
    String name = resource.getKind() + " " + resource.getMetadata().getName();
    config.podAllowlist().check(name, "spec.pod", pod);
    podSecurityContext(pod);
  }

  /** The name of a MysqlBackup's backup Job. */
  public static String backupJobName(MysqlBackup backup) {
    return KubernetesNames.jobName(backup.getMetadata().getName(), BACKUP);
  }

  /** The name of a MysqlBackup's rm Job, run when it is deleted with deletionPolicy Delete. */
  public static String deleteJobName(MysqlBackup backup) {
    return KubernetesNames.jobName(backup.getMetadata().getName(), DELETE);
  }

  /** The name of a MysqlBackup's pre-flight check Job, run before anything is stopped. */
  public static String checkJobName(MysqlBackup backup) {
    return KubernetesNames.jobName(backup.getMetadata().getName(), CHECK);
  }

  /** The name of a MysqlRestore's Job. */
  public static String restoreJobName(MysqlRestore restore) {
    return KubernetesNames.jobName(restore.getMetadata().getName(), RESTORE);
  }

  /** The VolumeSnapshot of a snapshot-mode backup's source claim. */
  public static String snapshotName(MysqlBackup backup) {
    return KubernetesNames.jobName(backup.getMetadata().getName(), "snapshot");
  }

  /** The temporary claim cloned from a snapshot-mode backup's VolumeSnapshot. */
  public static String cloneClaimName(MysqlBackup backup) {
    return KubernetesNames.jobName(backup.getMetadata().getName(), "clone");
  }

  /** The Job that backs up a MysqlBackup's source claim. */
  public Job backupJob(MysqlBackup backup) {
    return backupJob(backup, storage(backup, spec(backup.getSpec(), backup).getStorage(), false));
  }

  /**
   * The backup Job with its storage already resolved by {@link #storage} (a reconcile that
   * validated it reads a store once, not once per use).
   */
  public Job backupJob(MysqlBackup backup, EngineStorage storage) {
    MysqlBackupSpec spec = spec(backup.getSpec(), backup);
    BackupSource source = source(backup);

    List<String> args = new ArrayList<>();
    args.add("backup");
    args.add("--datadir");
    args.add(dataDir(source.getSubPath()));
    args.addAll(
        location(storage, BackupLocations.backupDirectory(backup), locations.backupName(backup)));
    Chunking chunking = spec.getChunking();
    if (chunking != null) {
      addSize(args, "--chunk-threshold", chunking.getThreshold());
      addSize(args, "--chunk-size", chunking.getSize());
    }
    Compression compression = spec.getCompression();
    if (compression != null) {
      if (compression.getEngine() != null) {
        args.add("--compression");
        args.add(compression.getEngine().name().toLowerCase(Locale.ROOT));
      }
      if (compression.getLevel() != null) {
        args.add("--level");
        args.add(compression.getLevel().toString());
      }
    }
    addConcurrency(args, spec.getConcurrency());
    // Recorded in the MANIFEST (StowageConsistency): a snapshot of the live volume is only
    // crash-consistent; otherwise no server runs on the claim (quiesced or waited for).
    args.add("--consistency");
    args.add(
        source.getSnapshot() == null
            ? "Stopped"
            : source.getSnapshot().getConsistency() == null
                ? "CrashConsistent"
                : source.getSnapshot().getConsistency().name());
    args.add("--lock-wait");
    args.add(LOCK_WAIT);
    EncryptionKeys keys = EncryptionKeys.of(spec.getEncryption());
    if (keys != null) {
      args.addAll(keys.args());
    }
    args.add("--result-file");
    args.add(RESULT_PATH);

    // A backup only reads the data it copies, so the source is mounted read-only. In snapshot mode
    // the source is the clone of the live claim's VolumeSnapshot.
    Volume data =
        claimVolume(
            source.getSnapshot() != null
                ? cloneClaimName(backup)
                : source.getPersistentVolumeClaim(),
            true);
    return job(
        backup,
        BACKUP,
        backupJobName(backup),
        spec.getPod(),
        spec.getBackoffLimit(),
        spec.getActiveDeadlineSeconds(),
        args,
        data,
        storage,
        keys);
  }

  /**
   * The pre-flight Job of a MysqlBackup: {@code stowage check} proves the storage reachable,
   * writable and free under the backup's name, with the backup's storage, credentials and pod
   * settings, but without the data volume. A missing Secret or key, an unschedulable pod, a wrong
   * bucket or path all show here, before the database is stopped.
   */
  public Job checkJob(MysqlBackup backup) {
    MysqlBackupSpec spec = spec(backup.getSpec(), backup);
    EngineStorage storage = storage(backup, spec.getStorage(), false);
    List<String> args = new ArrayList<>();
    args.add(CHECK);
    args.addAll(
        location(storage, BackupLocations.backupDirectory(backup), locations.backupName(backup)));
    // The backup's key or passphrase file, mounted and passed as to the backup: the kubelet starts
    // no pod whose Secret or key is missing, and check refuses a malformed key or a too-short
    // passphrase with the backup's exit 2 and message, all before anything is stopped.
    EncryptionKeys keys = EncryptionKeys.of(spec.getEncryption());
    if (keys != null) {
      args.addAll(keys.args());
    }
    args.add("--result-file");
    args.add(RESULT_PATH);
    Job job =
        job(
            backup,
            CHECK,
            checkJobName(backup),
            spec.getPod(),
            0,
            CHECK_DEADLINE_SECONDS,
            args,
            null,
            storage,
            keys);
    job.getSpec().setTtlSecondsAfterFinished(CHECK_TTL_SECONDS);
    return job;
  }

  /** The Job that deletes a MysqlBackup's stored backup (deletionPolicy Delete). */
  public Job deleteJob(MysqlBackup backup) {
    MysqlBackupSpec spec = spec(backup.getSpec(), backup);
    EngineStorage storage = storage(backup, spec.getStorage(), false);
    List<String> args = new ArrayList<>();
    args.add("rm");
    // What rm deletes comes from the spec and metadata; a status that disagrees is refused.
    args.addAll(
        location(
            storage,
            BackupLocations.backupDirectory(backup),
            locations.recordedOrDerivedName(backup)));
    args.add("--lock-wait");
    args.add(LOCK_WAIT);
    args.add("--result-file");
    args.add(RESULT_PATH);
    Job job =
        job(
            backup,
            DELETE,
            deleteJobName(backup),
            spec.getPod(),
            spec.getBackoffLimit(),
            spec.getActiveDeadlineSeconds(),
            args,
            null,
            storage,
            null); // rm deletes objects by name: no key
    // Not owned by the MysqlBackup: it runs while that is being deleted, and a foreground
    // deletion would have the garbage collector delete it under the rm. The reconciler deletes
    // it once it succeeded.
    job.getMetadata().setOwnerReferences(null);
    // So that it is known as this backup's rm Job (see JobOwnership.rmFor), not by name alone.
    job.getMetadata().getLabels().put(JobOwnership.OWNER_UID_LABEL, backup.getMetadata().getUid());
    return job;
  }

  /**
   * The Job that restores a MysqlRestore's backup into its target claim.
   *
   * @param referenced the MysqlBackup named by spec.backup; null when spec.source names the backup
   */
  public Job restoreJob(MysqlRestore restore, MysqlBackup referenced) {
    // A restore only reads backups; a backup claim is mounted read-only.
    return restoreJob(
        restore,
        referenced,
        storage(restore, locations.restoreSource(restore, referenced).storage(), true));
  }

  /** The restore Job with its storage already resolved by {@link #storage} (read-only). */
  public Job restoreJob(MysqlRestore restore, MysqlBackup referenced, EngineStorage storage) {
    MysqlRestoreSpec spec = spec(restore.getSpec(), restore);
    StoredBackup from = locations.restoreSource(restore, referenced);
    RestoreTarget target = spec.getTarget();

    List<String> args = new ArrayList<>();
    args.add("restore");
    args.addAll(location(storage, from.directory(), from.name()));
    args.add("--datadir");
    args.add(dataDir(target.getSubPath()));
    addConcurrency(args, spec.getConcurrency());
    if (Boolean.TRUE.equals(spec.getOverwrite())) {
      args.add("--overwrite");
    }
    if (Boolean.TRUE.equals(spec.getKeepServerUuid())) {
      args.add("--keep-server-uuid");
    }
    EncryptionKeys keys = EncryptionKeys.of(spec.getEncryption());
    if (keys != null) {
      args.addAll(keys.args());
    }
    args.add("--result-file");
    args.add(RESULT_PATH);

    return job(
        restore,
        RESTORE,
        restoreJobName(restore),
        spec.getPod(),
        // Never a second pod by itself: a retry could write (with --overwrite) under a database
        // started on the claim after the first pod failed. A new MysqlRestore tries again.
        0,
        spec.getActiveDeadlineSeconds(),
        args,
        claimVolume(BackupLocations.targetClaim(restore), false),
        storage,
        keys);
  }

  private Job job(
      HasMetadata owner,
      String purpose,
      String name,
      PodSettings pod,
      Integer backoffLimit,
      Long activeDeadlineSeconds,
      List<String> args,
      Volume data,
      EngineStorage storage,
      EncryptionKeys keys) {
    PodSettings settings = pod != null ? pod : new PodSettings();
    // Again here, not only in the reconcilers' validate steps: no Job is ever built outside it.
    checkPodSettings(owner, settings);
    Map<String, String> labels = labels(owner, purpose);

    List<Volume> volumes = new ArrayList<>();
    List<VolumeMount> mounts = new ArrayList<>();
    if (data != null) {
      volumes.add(data);
      mounts.add(
          new VolumeMountBuilder()
              .withName(DATA_VOLUME)
              .withMountPath(DATA_MOUNT)
              .withReadOnly(data.getPersistentVolumeClaim().getReadOnly())
              .build());
    }
    volumes.addAll(storage.volumes());
    mounts.addAll(storage.mounts());
    if (keys != null) {
      volumes.add(keys.volume());
      mounts.add(keys.mount());
    }
    // The root file system is read-only; the JVM and the native libraries the engine unpacks
    // (zstd-jni, ACCP, JNA) need a /tmp.
    volumes.add(
        new VolumeBuilder()
            .withName(TMP_VOLUME)
            .withNewEmptyDir()
            .withSizeLimit(new Quantity("256Mi"))
            .endEmptyDir()
            .build());
    mounts.add(new VolumeMountBuilder().withName(TMP_VOLUME).withMountPath("/tmp").build());

    Container container = container(settings, args, mounts, storage.env());

    return new JobBuilder()
        .withNewMetadata()
        .withName(name)
        .withNamespace(owner.getMetadata().getNamespace())
        .withLabels(labels)
        .withOwnerReferences(ownerReference(owner))
        .endMetadata()
        .withNewSpec()
        .withBackoffLimit(backoffLimit != null ? backoffLimit : config.backoffLimit())
        .withActiveDeadlineSeconds(activeDeadlineSeconds)
        .withPodFailurePolicy(podFailurePolicy())
        // Never two engine pods on one volume: a replacement starts only once the failed pod is
        // gone.
        .withPodReplacementPolicy("Failed")
        .withNewTemplate()
        .withNewMetadata()
        .withLabels(labels)
        .endMetadata()
        .withNewSpec()
        .withRestartPolicy("Never")
        // A store's workload identity (IRSA, Pod Identity...): its webhook mounts its own token.
        .withServiceAccountName(storage.serviceAccountName())
        // The engine talks to storage, never to the API server.
        .withAutomountServiceAccountToken(false)
        .withEnableServiceLinks(false)
        .withSecurityContext(podSecurityContext(settings))
        .withNodeSelector(
            settings.getNodeSelector() == null
                ? null
                : new LinkedHashMap<>(settings.getNodeSelector()))
        .withTolerations(settings.getTolerations())
        .withContainers(container)
        .withVolumes(volumes)
        .endSpec()
        .endTemplate()
        .endSpec()
        .build();
  }

  private Container container(
      PodSettings settings, List<String> args, List<VolumeMount> mounts, List<EnvVar> env) {
    return new ContainerBuilder()
        .withName(CONTAINER)
        // Only ever the operator's image: a resource that chose it could run anything.
        .withImage(config.image())
        .withImagePullPolicy(config.imagePullPolicy())
        .withArgs(args)
        .withEnv(env.isEmpty() ? null : env)
        .withResources(settings.getResources())
        .withVolumeMounts(mounts)
        .withSecurityContext(containerSecurityContext())
        .withTerminationMessagePath(RESULT_PATH)
        .withTerminationMessagePolicy("File")
        .build();
  }

  /**
   * The hardened pod security context, with only the resource's ids merged in: whatever the spec
   * says, the pod meets the restricted Pod Security Standard.
   */
  private PodSecurityContext podSecurityContext(PodSettings settings) {
    PodSecurity ids =
        settings.getSecurityContext() != null ? settings.getSecurityContext() : NO_IDS;
    long uid = nonRoot("runAsUser", ids.getRunAsUser(), config.mysqlUid());
    long gid = nonRoot("runAsGroup", ids.getRunAsGroup(), config.mysqlGid());
    long fsGroup = nonRoot("fsGroup", ids.getFsGroup(), config.mysqlGid());
    return new PodSecurityContextBuilder()
        .withRunAsUser(uid)
        .withRunAsGroup(gid)
        .withFsGroup(fsGroup)
        // A data volume already owned by the MySQL group is not walked file by file on every mount.
        .withFsGroupChangePolicy("OnRootMismatch")
        .withRunAsNonRoot(true)
        .withNewSeccompProfile()
        .withType("RuntimeDefault")
        .endSeccompProfile()
        .build();
  }

  private static final PodSecurity NO_IDS = new PodSecurity();

  /** The largest uid or gid Kubernetes accepts. */
  private static final long MAX_ID = Integer.MAX_VALUE;

  /** The resource's id, or the operator's; 0 or less is refused (the CRD's CEL rule, again). */
  private static long nonRoot(String field, Long asked, long fallback) {
    if (asked == null) {
      return fallback;
    }
    if (asked < 1 || asked > MAX_ID) {
      throw new InvalidSpecException(
          "spec.pod.securityContext."
              + field
              + " is "
              + asked
              + ": the engine never runs as root; set an id from 1 to "
              + MAX_ID
              + ", or leave it unset for the operator's");
    }
    return asked;
  }

  private static SecurityContext containerSecurityContext() {
    return new SecurityContextBuilder()
        .withAllowPrivilegeEscalation(false)
        .withReadOnlyRootFilesystem(true)
        .withRunAsNonRoot(true)
        .withNewCapabilities()
        .withDrop("ALL")
        .endCapabilities()
        .build();
  }

  private static PodFailurePolicy podFailurePolicy() {
    return new PodFailurePolicyBuilder()
        .addNewRule()
        .withAction("FailJob")
        .withNewOnExitCodes()
        .withContainerName(CONTAINER)
        .withOperator("In")
        .withValues(PERMANENT_EXIT_CODES)
        .endOnExitCodes()
        .endRule()
        // A pod evicted by a drain or preempted did not fail; it does not count against
        // backoffLimit.
        .addNewRule()
        .withAction("Ignore")
        .addNewOnPodCondition()
        .withType("DisruptionTarget")
        .withStatus("True")
        .endOnPodCondition()
        .endRule()
        .build();
  }

  private static Map<String, String> labels(HasMetadata owner, String purpose) {
    Map<String, String> labels = new LinkedHashMap<>();
    labels.put(LABEL_NAME, "stowage-engine");
    labels.put(LABEL_INSTANCE, KubernetesNames.labelValue(owner.getMetadata().getName()));
    labels.put(LABEL_COMPONENT, purpose);
    labels.put(LABEL_PART_OF, "stowage");
    labels.put(LABEL_MANAGED_BY, "stowage-operator");
    return labels;
  }

  /**
   * The controller ownerReference to a stored resource: what the operator creates for it (Jobs,
   * VolumeSnapshots, clone claims) goes with it.
   */
  public static OwnerReference ownerReference(HasMetadata owner) {
    if (owner.getMetadata().getUid() == null) {
      throw new IllegalArgumentException(
          owner.getKind()
              + " "
              + owner.getMetadata().getName()
              + " has no uid: a Job can only be owned by a stored resource");
    }
    return new OwnerReferenceBuilder()
        .withApiVersion(owner.getApiVersion())
        .withKind(owner.getKind())
        .withName(owner.getMetadata().getName())
        .withUid(owner.getMetadata().getUid())
        .withController(true)
        .withBlockOwnerDeletion(true)
        .build();
  }

  private static Volume claimVolume(String claim, boolean readOnly) {
    return new VolumeBuilder()
        .withName(DATA_VOLUME)
        .withNewPersistentVolumeClaim(claim, onlyTrue(readOnly))
        .build();
  }

  /**
   * The data directory inside the mounted claim. The claim's root is mounted and the sub-path
   * appended, rather than mounted as a volume subPath: the kubelet would create a missing subPath,
   * and a backup of that empty directory would look like a success.
   */
  private static String dataDir(String subPath) {
    return notEmpty(subPath) ? DATA_MOUNT + "/" + subPath : DATA_MOUNT;
  }

  /**
   * True, or null for false: the API server stores a false readOnly as unset, and a Job that reads
   * back as built is easier to compare.
   */
  static Boolean onlyTrue(boolean b) {
    return b ? Boolean.TRUE : null;
  }

  private static List<String> location(EngineStorage storage, String directory, String name) {
    List<String> args =
        new ArrayList<>(
            List.of("--storage", storage.url(), "--directory", directory, "--name", name));
    args.addAll(storage.args());
    return args;
  }

  private static void addConcurrency(List<String> args, Integer concurrency) {
    if (concurrency != null) {
      args.add("--concurrency");
      args.add(concurrency.toString());
    }
  }

  private static void addSize(List<String> args, String flag, Quantity q) {
    if (q != null) {
      args.add(flag);
      args.add(engineSize(flag, q));
    }
  }

  /** A quantity in the engine's syntax: as written when the engine reads it, else in bytes. */
  static String engineSize(String flag, Quantity q) {
    String written =
        (q.getAmount() == null ? "" : q.getAmount()) + (q.getFormat() == null ? "" : q.getFormat());
    if (ENGINE_SIZE.matcher(written).matches()) {
      return written;
    }
    try {
      return q.getNumericalAmount().toBigIntegerExact().toString();
    } catch (ArithmeticException | IllegalArgumentException e) {
      throw new InvalidSpecException(flag + " " + written + " is not a whole number of bytes", e);
    }
  }
}
