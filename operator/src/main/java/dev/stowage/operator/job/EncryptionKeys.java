package dev.stowage.operator.job;

import dev.stowage.api.v1alpha1.BackupEncryption;
import dev.stowage.api.v1alpha1.EncryptionStatus;
import dev.stowage.api.v1alpha1.RestoreEncryption;
import dev.stowage.api.v1alpha1.SecretKeyRef;
import dev.stowage.operator.validation.InvalidSpecException;
import io.fabric8.kubernetes.api.model.KeyToPath;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import java.util.ArrayList;
import java.util.List;

/**
 * The client-side encryption keys of a backup or restore: the keys of one Secret, mounted as files
 * {@code key-0}, {@code key-1}... (fixed names, so the engine's arguments never depend on the
 * Secret's key names) and passed as {@code --encryption-key-file}. Never an argument value or an
 * environment variable.
 *
 * @param secretName the Secret, in the resource's namespace
 * @param keys the Secret's keys, in the order given to the engine (a backup uses the first)
 */
public record EncryptionKeys(String secretName, List<String> keys) {
  /** The engine's option (dev.stowage.engine.crypto.KeyRing.OPTION). */
  public static final String OPTION = "--encryption-key-file";

  /** Where the key files are mounted. */
  public static final String MOUNT = "/stowage/encryption";

  /** The volume's name, which the kubelet's FailedMount events quote. */
  static final String VOLUME = "encryption-key";

  /** Owner read-only: the kubelet adds group read for the pod's fsGroup, which the engine is. */
  static final int MODE = 0400;

  /** The cipher the engine uses, for status. */
  public static final String CIPHER = "AES-256-GCM";

  public EncryptionKeys {
    keys = List.copyOf(keys);
  }

  /** A backup's key, or null when it is not encrypted. */
  public static EncryptionKeys of(BackupEncryption e) {
    if (e == null) {
      return null;
    }
    SecretKeyRef ref = required(e.getKeySecretRef());
    return new EncryptionKeys(ref.getName(), List.of(ref.getKey()));
  }

  /** A restore's keys (keySecretRef.key, then additionalKeys), or null without spec.encryption. */
  public static EncryptionKeys of(RestoreEncryption e) {
    if (e == null) {
      return null;
    }
    SecretKeyRef ref = required(e.getKeySecretRef());
    List<String> keys = new ArrayList<>();
    keys.add(ref.getKey());
    if (e.getAdditionalKeys() != null) {
      for (String k : e.getAdditionalKeys()) {
        // Refused at apply by a CEL rule; a duplicate would be one volume item twice.
        if (keys.contains(k)) {
          throw new InvalidSpecException(
              "spec.encryption.additionalKeys names key "
                  + k
                  + " of Secret "
                  + ref.getName()
                  + " twice (or repeats keySecretRef.key): list each key once, in a new"
                  + " MysqlRestore");
        }
        keys.add(k);
      }
    }
    return new EncryptionKeys(ref.getName(), keys);
  }

  private static SecretKeyRef required(SecretKeyRef ref) {
    // The CRD requires these; checked again for a resource stored without the schema.
    if (ref == null
        || ref.getName() == null
        || ref.getName().isEmpty()
        || ref.getKey() == null
        || ref.getKey().isEmpty()) {
      throw new InvalidSpecException(
          "spec.encryption.keySecretRef needs name (a Secret in this namespace) and key (the key"
              + " of that Secret holding the 256-bit key): set both in a new resource");
    }
    return ref;
  }

  /** The file of the i-th key inside the container. */
  static String file(int i) {
    return MOUNT + "/key-" + i;
  }

  /**
   * The Secret volume with exactly the named keys: the kubelet does not start a pod whose Secret or
   * key is missing (FailedMount), so nothing runs without its keys.
   */
  Volume volume() {
    List<KeyToPath> items = new ArrayList<>();
    for (int i = 0; i < keys.size(); i++) {
      items.add(new KeyToPath(keys.get(i), null, "key-" + i));
    }
    return new VolumeBuilder()
        .withName(VOLUME)
        .withNewSecret()
        .withSecretName(secretName)
        .withItems(items)
        .withDefaultMode(MODE)
        .withOptional(false)
        .endSecret()
        .build();
  }

  VolumeMount mount() {
    return new VolumeMountBuilder()
        .withName(VOLUME)
        .withMountPath(MOUNT)
        .withReadOnly(true)
        .build();
  }

  /** The engine's options: one {@code --encryption-key-file} per key, in order. */
  List<String> args() {
    List<String> args = new ArrayList<>();
    for (int i = 0; i < keys.size(); i++) {
      args.add(OPTION);
      args.add(file(i));
    }
    return args;
  }

  /** Status before the engine ran: which Secret and keys; the key id comes with the result. */
  public EncryptionStatus status(String keyId) {
    EncryptionStatus s = new EncryptionStatus();
    s.setCipher(CIPHER);
    s.setKeySecretName(secretName);
    s.setKeys(new ArrayList<>(keys));
    s.setKeyId(keyId);
    return s;
  }
}
