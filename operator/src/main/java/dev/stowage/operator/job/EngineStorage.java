package dev.stowage.operator.job;

import dev.stowage.api.v1alpha1.BackupStorage;
import dev.stowage.api.v1alpha1.CaBundleKind;
import dev.stowage.api.v1alpha1.CaBundleRef;
import dev.stowage.api.v1alpha1.S3CredentialsSecretRef;
import dev.stowage.api.v1alpha1.S3Storage;
import dev.stowage.api.v1alpha1.SecretKeyRef;
import dev.stowage.api.v1alpha1.ServerSideEncryption;
import dev.stowage.api.v1alpha1.StoreRef;
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
import java.util.Locale;

/**
 * How the engine container reaches a backup storage: the storage URL it is given, and the volumes,
 * mounts and environment variables that URL relies on. Credentials only ever appear here as
 * references to a Secret, mounted as files.
 *
 * @param url the engine's {@code --storage} URL; holds no secret
 * @param volumes volumes of the pod (the backup claim, the CA bundle, the credentials)
 * @param mounts their mounts in the engine container
 * @param env environment variables of the engine container (where the credential files are)
 * @param args the engine's storage options besides the URL (server-side encryption); no secret
 * @param serviceAccountName the pod's ServiceAccount (a store's workload identity), or null
 * @param insecureEndpoint the plain http:// endpoint the resource accepted with {@code insecure:
 *     true}, or null
 */
public record EngineStorage(
    String url,
    List<Volume> volumes,
    List<VolumeMount> mounts,
    List<EnvVar> env,
    List<String> args,
    String serviceAccountName,
    String insecureEndpoint) {
  /** Where a backup claim is mounted; backups live under it (or under its {@code path}). */
  public static final String STORAGE_MOUNT = "/stowage/storage";

  /** Where the CA bundle is mounted. */
  public static final String CA_MOUNT = "/stowage/ca";

  /** The bundle's file name inside {@link #CA_MOUNT}, whatever its key. */
  public static final String CA_FILE = "ca.crt";

  /**
   * Where the credential files are mounted: the engine reads {@code aws_access_key_id}, {@code
   * aws_secret_access_key} and {@code aws_session_token} there, afresh for each request, so a
   * rotated Secret reaches a long backup without a restart.
   */
  public static final String CREDENTIALS_MOUNT = "/stowage/credentials";

  /** The variable that tells the engine where the credential files are (a path, not a secret). */
  public static final String CREDENTIALS_DIR_ENV = "STOWAGE_S3_CREDENTIALS_DIR";

  static final String STORAGE_VOLUME = "storage";
  static final String CA_VOLUME = "ca-bundle";
  static final String CREDENTIALS_VOLUME = "s3-credentials";
  static final String SSE_C_VOLUME = "sse-c-key";

  /** Where the SSE-C key file is mounted, as the file {@code key}. */
  public static final String SSE_C_MOUNT = "/stowage/sse-c";

  static final String ACCESS_KEY_ID = "AWS_ACCESS_KEY_ID";
  static final String SECRET_ACCESS_KEY = "AWS_SECRET_ACCESS_KEY";

  public EngineStorage {
    volumes = List.copyOf(volumes);
    mounts = List.copyOf(mounts);
    env = List.copyOf(env);
    args = List.copyOf(args);
  }

  /**
   * The storage as the engine Job of a resource in {@code namespace} sees it.
   *
   * @param readOnly mount a backup claim read-only (a restore only reads backups)
   * @param stores resolves a storeRef
   * @param inlineS3 whether the operator's configuration allows {@code storage.s3} in resources
   */
  public static EngineStorage of(
      BackupStorage storage, boolean readOnly, String namespace, Stores stores, boolean inlineS3) {
    int kinds = kinds(storage);
    if (kinds != 1) {
      throw new InvalidSpecException(
          (kinds == 0 ? "no storage" : "more than one storage")
              + ": set exactly one storage kind: storeRef, s3 or persistentVolumeClaim");
    }
    if (storage.getStoreRef() != null) {
      ResolvedStore store = stores.resolve(namespace, storage.getStoreRef());
      return s3(store.s3(), store.serviceAccountName());
    }
    if (storage.getS3() != null) {
      if (!inlineS3) {
        throw new InvalidSpecException(
            "spec.storage.s3 is turned off on this cluster (the operator's"
                + " STOWAGE_ALLOW_INLINE_S3=false): name a store your administrator provides in"
                + " spec.storage.storeRef (kubectl get clusterbackupstores, kubectl get"
                + " backupstores), in a new resource");
      }
      return s3(storage.getS3(), null);
    }
    return claim(storage.getPersistentVolumeClaim(), readOnly);
  }

  private static int kinds(BackupStorage storage) {
    if (storage == null) {
      return 0;
    }
    return (storage.getStoreRef() != null ? 1 : 0)
        + (storage.getS3() != null ? 1 : 0)
        + (storage.getPersistentVolumeClaim() != null ? 1 : 0);
  }

  /**
   * The storage URL alone, for status.location: no volumes or credentials involved, and for a store
   * its name ({@code clusterbackupstore://shared}), not its bucket, which its administrator may
   * move.
   */
  public static String url(BackupStorage storage) {
    if (kinds(storage) == 1 && storage.getStoreRef() != null) {
      StoreRef ref = storage.getStoreRef();
      return ref.kindOrDefault().name().toLowerCase(Locale.ROOT) + "://" + ref.getName();
    }
    return of(storage, true, "", Stores.NONE, true).url();
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
    return new EngineStorage(
        "file://" + root, List.of(volume), List.of(mount), List.of(), List.of(), null, null);
  }

  private static EngineStorage s3(S3Storage s3, String serviceAccountName) {
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
    List<EnvVar> env = new ArrayList<>();
    S3CredentialsSecretRef credentials = s3.getCredentialsSecretRef();
    if (credentials != null) {
      volumes.add(credentialsVolume(credentials));
      mounts.add(
          new VolumeMountBuilder()
              .withName(CREDENTIALS_VOLUME)
              .withMountPath(CREDENTIALS_MOUNT)
              .withReadOnly(true)
              .build());
      env.add(
          new EnvVarBuilder().withName(CREDENTIALS_DIR_ENV).withValue(CREDENTIALS_MOUNT).build());
    }
    String endpoint = s3.getEndpoint();
    boolean plainHttp = endpoint != null && endpoint.toLowerCase(Locale.ROOT).startsWith("http://");
    // The API refuses http:// without insecure: true; a resource stored before that rule is still
    // served (its spec cannot change, and its backups must stay restorable), with the same
    // Warning event as an explicit opt-in.
    List<String> args = new ArrayList<>();
    ServerSideEncryption sse = s3.getServerSideEncryption();
    if (sse != null && sse.getMode() != null) {
      switch (sse.getMode()) {
        case AES256 -> args.addAll(List.of("--s3-sse", "AES256"));
        case KMS -> {
          args.addAll(List.of("--s3-sse", "aws:kms"));
          if (sse.getKmsKeyId() != null && !sse.getKmsKeyId().isEmpty()) {
            args.addAll(List.of("--s3-sse-kms-key-id", sse.getKmsKeyId()));
          }
        }
        case CustomerKey -> {
          SecretKeyRef key = sse.getCustomerKeySecretRef();
          if (key == null) {
            throw new InvalidSpecException(
                "storage.s3.serverSideEncryption: mode CustomerKey needs customerKeySecretRef");
          }
          // The key is a file of a Secret volume: never an argument or environment variable.
          volumes.add(
              new VolumeBuilder()
                  .withName(SSE_C_VOLUME)
                  .withNewSecret()
                  .withSecretName(key.getName())
                  .withItems(new KeyToPath(key.getKey(), null, "key"))
                  .withOptional(false)
                  .endSecret()
                  .build());
          mounts.add(
              new VolumeMountBuilder()
                  .withName(SSE_C_VOLUME)
                  .withMountPath(SSE_C_MOUNT)
                  .withReadOnly(true)
                  .build());
          args.addAll(List.of("--s3-sse-c-key-file", SSE_C_MOUNT + "/key"));
        }
      }
    }
    return new EngineStorage(
        url.toString(),
        volumes,
        mounts,
        env,
        args,
        serviceAccountName,
        plainHttp ? endpoint : null);
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

  /**
   * The Secret's keys as files with the names the engine reads; a missing Secret or key keeps the
   * pod from starting, which the operator reports naming credentialsSecretRef.
   */
  private static Volume credentialsVolume(S3CredentialsSecretRef ref) {
    List<KeyToPath> items = new ArrayList<>();
    items.add(
        new KeyToPath(
            orDefault(ref.getAccessKeyIdKey(), ACCESS_KEY_ID), null, "aws_access_key_id"));
    items.add(
        new KeyToPath(
            orDefault(ref.getSecretAccessKeyKey(), SECRET_ACCESS_KEY),
            null,
            "aws_secret_access_key"));
    if (ref.getSessionTokenKey() != null && !ref.getSessionTokenKey().isEmpty()) {
      items.add(new KeyToPath(ref.getSessionTokenKey(), null, "aws_session_token"));
    }
    return new VolumeBuilder()
        .withName(CREDENTIALS_VOLUME)
        .withNewSecret()
        .withSecretName(ref.getName())
        .withItems(items)
        .withOptional(false)
        .endSecret()
        .build();
  }

  private static String orDefault(String value, String dflt) {
    return value == null || value.isEmpty() ? dflt : value;
  }
}
