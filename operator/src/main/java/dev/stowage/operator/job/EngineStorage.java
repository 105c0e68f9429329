package dev.stowage.operator.job;

import dev.stowage.api.v1alpha1.BackupStorage;
import dev.stowage.api.v1alpha1.CaBundleKind;
import dev.stowage.api.v1alpha1.CaBundleRef;
import dev.stowage.api.v1alpha1.S3CredentialsSecretRef;
import dev.stowage.api.v1alpha1.S3Storage;
import dev.stowage.api.v1alpha1.VolumeStorage;
import dev.stowage.operator.validation.InvalidSpecException;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.KeyToPath;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * How the engine container reaches a backup storage: the storage URL it is given, and the volumes,
 * mounts and environment variables that URL relies on. Credentials only ever appear here as
 * references to a Secret.
 *
 * @param url the engine's {@code --storage} URL; holds no secret
 * @param volumes volumes of the pod (the backup claim, the CA bundle)
 * @param mounts their mounts in the engine container
 * @param env environment variables of the engine container (credentials from the Secret)
 */
public record EngineStorage(
    String url, List<Volume> volumes, List<VolumeMount> mounts, List<EnvVar> env) {
  /** Where a backup claim is mounted; backups live under it (or under its {@code path}). */
  public static final String STORAGE_MOUNT = "/stowage/storage";

  /** Where the CA bundle is mounted. */
  public static final String CA_MOUNT = "/stowage/ca";

  /** The bundle's file name inside {@link #CA_MOUNT}, whatever its key. */
  public static final String CA_FILE = "ca.crt";

  static final String STORAGE_VOLUME = "storage";
  static final String CA_VOLUME = "ca-bundle";

  static final String ACCESS_KEY_ID = "AWS_ACCESS_KEY_ID";
  static final String SECRET_ACCESS_KEY = "AWS_SECRET_ACCESS_KEY";
  static final String SESSION_TOKEN = "AWS_SESSION_TOKEN";

  public EngineStorage {
    volumes = List.copyOf(volumes);
    mounts = List.copyOf(mounts);
    env = List.copyOf(env);
  }

  /**
   * The storage as the engine Job sees it.
   *
   * @param readOnly mount a backup claim read-only (a restore only reads backups)
   */
  public static EngineStorage of(BackupStorage storage, boolean readOnly) {
    if (storage == null) {
      throw new InvalidSpecException("no storage: set s3 or persistentVolumeClaim");
    }
    if ((storage.getS3() == null) == (storage.getPersistentVolumeClaim() == null)) {
      throw new InvalidSpecException("set exactly one storage kind: s3 or persistentVolumeClaim");
    }
    return storage.getS3() != null
        ? s3(storage.getS3())
        : claim(storage.getPersistentVolumeClaim(), readOnly);
  }

  /** The storage URL alone, for status.location: no volumes or credentials involved. */
  public static String url(BackupStorage storage) {
    return of(storage, true).url();
  }

  private static EngineStorage claim(VolumeStorage claim, boolean readOnly) {
    // The claim's root is mounted and the path appended to the URL rather than mounted as a
    // subPath: the kubelet creates a missing subPath, and the engine refuses a storage root that
    // does not exist precisely so that a typo never becomes a directory that nobody backs up to.
    String root = STORAGE_MOUNT;
    if (claim.getPath() != null && !claim.getPath().isEmpty()) {
      root = root + "/" + claim.getPath();
    }
    Volume volume =
        new VolumeBuilder()
            .withName(STORAGE_VOLUME)
            .withNewPersistentVolumeClaim(claim.getClaimName(), EngineJobFactory.onlyTrue(readOnly))
            .build();
    VolumeMount mount =
        new VolumeMountBuilder()
            .withName(STORAGE_VOLUME)
            .withMountPath(STORAGE_MOUNT)
            .withReadOnly(EngineJobFactory.onlyTrue(readOnly))
            .build();
    return new EngineStorage("file://" + root, List.of(volume), List.of(mount), List.of());
  }

  private static EngineStorage s3(S3Storage s3) {
    StringBuilder url = new StringBuilder("s3://").append(s3.getBucket());
    if (s3.getPrefix() != null && !s3.getPrefix().isEmpty()) {
      // The API admits only URI path characters in a prefix; slashes at either end mean nothing.
      String prefix = s3.getPrefix().replaceAll("^/+", "").replaceAll("/+$", "");
      if (!prefix.isEmpty()) {
        url.append('/').append(prefix);
      }
    }
    List<String> query = new ArrayList<>();
    addOption(query, "endpoint", s3.getEndpoint());
    addOption(query, "region", s3.getRegion());
    addOption(query, "pathStyle", s3.getPathStyle() == null ? null : s3.getPathStyle().toString());

    List<Volume> volumes = new ArrayList<>();
    List<VolumeMount> mounts = new ArrayList<>();
    CaBundleRef ca = s3.getCaBundleRef();
    if (ca != null) {
      addOption(query, "caBundle", CA_MOUNT + "/" + CA_FILE);
      volumes.add(caVolume(ca));
      mounts.add(
          new VolumeMountBuilder()
              .withName(CA_VOLUME)
              .withMountPath(CA_MOUNT)
              .withReadOnly(true)
              .build());
    }
    if (!query.isEmpty()) {
      url.append('?').append(String.join("&", query));
    }
    return new EngineStorage(
        url.toString(), volumes, mounts, credentials(s3.getCredentialsSecretRef()));
  }

  private static void addOption(List<String> query, String key, String value) {
    if (value != null && !value.isEmpty()) {
      query.add(key + "=" + URLEncoder.encode(value, StandardCharsets.UTF_8));
    }
  }

  private static Volume caVolume(CaBundleRef ca) {
    String key = ca.getKey() != null ? ca.getKey() : "ca.crt";
    // Mapping the key to a fixed file name keeps the URL independent of the key.
    List<KeyToPath> items = List.of(new KeyToPath(key, null, CA_FILE));
    VolumeBuilder v = new VolumeBuilder().withName(CA_VOLUME);
    if (ca.getKind() == CaBundleKind.Secret) {
      return v.withNewSecret()
          .withSecretName(ca.getName())
          .withItems(items)
          .withOptional(false)
          .endSecret()
          .build();
    }
    return v.withNewConfigMap()
        .withName(ca.getName())
        .withItems(items)
        .withOptional(false)
        .endConfigMap()
        .build();
  }

  private static List<EnvVar> credentials(S3CredentialsSecretRef ref) {
    if (ref == null) {
      // The SDK's default chain: a web identity of the Job's service account, for example.
      return List.of();
    }
    List<EnvVar> env = new ArrayList<>();
    env.add(
        fromSecret(
            ACCESS_KEY_ID, ref.getName(), orDefault(ref.getAccessKeyIdKey(), ACCESS_KEY_ID)));
    env.add(
        fromSecret(
            SECRET_ACCESS_KEY,
            ref.getName(),
            orDefault(ref.getSecretAccessKeyKey(), SECRET_ACCESS_KEY)));
    if (ref.getSessionTokenKey() != null && !ref.getSessionTokenKey().isEmpty()) {
      env.add(fromSecret(SESSION_TOKEN, ref.getName(), ref.getSessionTokenKey()));
    }
    return env;
  }

  private static String orDefault(String value, String dflt) {
    return value == null || value.isEmpty() ? dflt : value;
  }

  private static EnvVar fromSecret(String variable, String secret, String key) {
    return new EnvVarBuilder()
        .withName(variable)
        .withNewValueFrom()
        .withNewSecretKeyRef(key, secret, false)
        .endValueFrom()
        .build();
  }
}
