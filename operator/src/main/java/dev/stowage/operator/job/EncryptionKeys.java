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
 * {@code key-0}, {@code key-1}... and, for a passphrase, {@code passphrase-0} (fixed names, so the
 * engine's arguments never depend on the Secret's key names) and passed as {@code
 * --encryption-key-file} / {@code --encryption-passphrase-file}. Never an argument value or an
 * environment variable.
 *
 * @param secretName the Secret, in the resource's namespace
 * @param keys the Secret's keys holding raw 256-bit keys, in the order given to the engine (a
 *     backup uses the first)
 * @param passphrase the Secret's key holding a passphrase (passphraseSecretRef), or null
 */
public record EncryptionKeys(String secretName, List<String> keys, String passphrase) {
  /** The engine's option (dev.stowage.engine.crypto.KeyRing.OPTION). */
  public static final String OPTION = "--encryption-key-file";

  /** The engine's option (dev.stowage.engine.crypto.Passphrase.OPTION). */
  public static final String PASSPHRASE_OPTION = "--encryption-passphrase-file";

  /** Where the key files are mounted. */
  public static final String MOUNT = "/stowage/encryption";

  /** The volume's name, which the kubelet's FailedMount events quote. */
  static final String VOLUME = "encryption-key";

  /** Owner read-only: the kubelet adds group read for the pod's fsGroup, which the engine is. */
  static final int MODE = 0400;

  /** The cipher the engine uses, for status. */
  public static final String CIPHER = "AES-256-GCM";

  /** status.encryption.form of a key (keySecretRef) and of a passphrase (passphraseSecretRef). */
  public static final String FORM_KEY = "Key";

  public static final String FORM_PASSPHRASE = "Passphrase";

  public EncryptionKeys {
    keys = List.copyOf(keys);
  }

  /** Raw keys only (keySecretRef). */
  public EncryptionKeys(String secretName, List<String> keys) {
    this(secretName, keys, null);
  }

  /** A backup's key, or null when it is not encrypted. */
  public static EncryptionKeys of(BackupEncryption e) {
    if (e == null) {
      return null;
    }
    if (e.getPassphraseSecretRef() != null) {
      SecretKeyRef ref = required(e.getKeySecretRef(), e.getPassphraseSecretRef());
      return new EncryptionKeys(ref.getName(), List.of(), ref.getKey());
    }
    SecretKeyRef ref = required(e.getKeySecretRef(), null);
    return new EncryptionKeys(ref.getName(), List.of(ref.getKey()));
  }

  /** A restore's keys (keySecretRef.key, then additionalKeys), or null without spec.encryption. */
  public static EncryptionKeys of(RestoreEncryption e) {
    if (e == null) {
      return null;
    }
    SecretKeyRef passphraseRef = e.getPassphraseSecretRef();
    SecretKeyRef ref = required(e.getKeySecretRef(), passphraseRef);
    List<String> keys = new ArrayList<>();
    if (passphraseRef == null) {
      keys.add(ref.getKey());
    }
    if (e.getAdditionalKeys() != null) {
      for (String k : e.getAdditionalKeys()) {
        // Refused at apply by a CEL rule; a duplicate would be one volume item twice.
        if (keys.contains(k) || k.equals(passphraseRef == null ? null : ref.getKey())) {
          throw new InvalidSpecException(
              "spec.encryption.additionalKeys names key "
                  + k
                  + " of Secret "
                  + ref.getName()
                  + " twice (or repeats keySecretRef.key or passphraseSecretRef.key): list each"
                  + " key once, in a new MysqlRestore");
        }
        keys.add(k);
      }
    }
    return new EncryptionKeys(
        ref.getName(), keys, passphraseRef == null ? null : passphraseRef.getKey());
  }

  /** The one of keySecretRef and passphraseSecretRef that is set (the CRD requires exactly one). */
  private static SecretKeyRef required(SecretKeyRef keyRef, SecretKeyRef passphraseRef) {
    if ((keyRef == null) == (passphraseRef == null)) {
      throw new InvalidSpecException(
          "spec.encryption needs exactly one of keySecretRef (a 256-bit key) and"
              + " passphraseSecretRef (a passphrase): set one in a new resource");
    }
    SecretKeyRef ref = keyRef != null ? keyRef : passphraseRef;
    String field = keyRef != null ? "keySecretRef" : "passphraseSecretRef";
    // The CRD requires these; checked again for a resource stored without the schema.
    if (ref == null
        || ref.getName() == null
        || ref.getName().isEmpty()
        || ref.getKey() == null
        || ref.getKey().isEmpty()) {
      throw new InvalidSpecException(
          "spec.encryption."
              + field
              + " needs name (a Secret in this namespace) and key (the key of that Secret holding"
              + " the "
              + (keyRef != null ? "256-bit key" : "passphrase")
              + "): set both in a new resource");
    }
    return ref;
  }

  /** The file of the i-th key inside the container. */
  static String file(int i) {
    return MOUNT + "/key-" + i;
  }

  /** The file of the passphrase inside the container. */
  static String passphraseFile() {
    return MOUNT + "/" + PASSPHRASE_ITEM;
  }

  private static final String PASSPHRASE_ITEM = "passphrase-0";

  /**
   * The Secret volume with exactly the named keys: the kubelet does not start a pod whose Secret or
   * key is missing (FailedMount), so nothing runs without its keys.
   */
  Volume volume() {
    List<KeyToPath> items = new ArrayList<>();
    for (int i = 0; i < keys.size(); i++) {
      items.add(new KeyToPath(keys.get(i), null, "key-" + i));
    }
    if (passphrase != null) {
      items.add(new KeyToPath(passphrase, null, PASSPHRASE_ITEM));
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

  /**
   * The engine's options: {@code --encryption-passphrase-file} for a passphrase, then one {@code
   * --encryption-key-file} per key, in order.
   */
  List<String> args() {
    List<String> args = new ArrayList<>();
    if (passphrase != null) {
      args.add(PASSPHRASE_OPTION);
      args.add(passphraseFile());
    }
    for (int i = 0; i < keys.size(); i++) {
      args.add(OPTION);
      args.add(file(i));
    }
    return args;
  }

  /** Status before the engine ran: which Secret and keys; the key id comes with the result. */
  public EncryptionStatus status(String keyId) {
    return status(keyId, null);
  }

  /**
   * Status with the engine's result: the key id and the form of the secret it came from (a restore
   * offered a passphrase and raw keys may have used either); without a form, the spec's.
   */
  public EncryptionStatus status(String keyId, String form) {
    EncryptionStatus s = new EncryptionStatus();
    s.setCipher(CIPHER);
    s.setForm(form != null ? form : passphrase != null ? FORM_PASSPHRASE : FORM_KEY);
    s.setKeySecretName(secretName);
    List<String> given = new ArrayList<>();
    if (passphrase != null) {
      given.add(passphrase);
    }
    given.addAll(keys);
    s.setKeys(given);
    s.setKeyId(keyId);
    return s;
  }
}
