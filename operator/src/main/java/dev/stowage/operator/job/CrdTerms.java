package dev.stowage.operator.job;

import dev.stowage.api.v1alpha1.BackupStorage;
import dev.stowage.api.v1alpha1.S3Storage;
import dev.stowage.api.v1alpha1.VolumeStorage;

/**
 * Engine messages and storage hints in the words of the resource a person wrote: {@code
 * spec.storage.s3.bucket}, {@code spec.overwrite}, the claim's name, instead of the engine's flags
 * and the paths inside its container.
 */
public final class CrdTerms {

  private CrdTerms() {}

  /**
   * An engine message with container paths and flags replaced by what the resource calls them.
   *
   * @param dataClaim the claim mounted at the data mount (the source or target), or null
   * @param storage the storage of the backup (for a backup claim's mount), or null
   */
  public static String translate(String message, String dataClaim, BackupStorage storage) {
    return translate(message, dataClaim, storage, null);
  }

  /**
   * As {@link #translate(String, String, BackupStorage)}, with the encryption key files named by
   * their Secret key and the engine's key option by spec.encryption.
   *
   * @param keys the resource's encryption keys, or null
   */
  public static String translate(
      String message, String dataClaim, BackupStorage storage, EncryptionKeys keys) {
    if (message == null) {
      return null;
    }
    String m = message;
    if (keys != null) {
      for (int i = keys.keys().size() - 1; i >= 0; i--) {
        m =
            m.replace(
                EncryptionKeys.file(i),
                "key " + keys.keys().get(i) + " of Secret " + keys.secretName());
      }
      if (keys.passphrase() != null) {
        m =
            m.replace(
                EncryptionKeys.passphraseFile(),
                "key " + keys.passphrase() + " of Secret " + keys.secretName());
      }
    }
    String passphraseOption = EncryptionKeys.PASSPHRASE_OPTION;
    m =
        m.replace(
                "with " + passphraseOption + " PATH",
                "in spec.encryption.passphraseSecretRef (a key of a Secret holding the"
                    + " passphrase)")
            .replace(", with " + passphraseOption + ".", " in spec.encryption.passphraseSecretRef.")
            .replace(passphraseOption, "spec.encryption.passphraseSecretRef");
    String option = EncryptionKeys.OPTION;
    m =
        m.replace(
                "with " + option + " PATH",
                "in spec.encryption.keySecretRef (a key of a Secret holding the 32 bytes)")
            .replace(
                "give the key file whose id is",
                "give the key (spec.encryption.keySecretRef, or a restore's"
                    + " spec.encryption.additionalKeys) whose id is")
            .replace(" with " + option + ".", ".")
            .replace(option + " was given", "spec.encryption was given")
            .replace("without " + option, "without spec.encryption")
            .replace(option, "spec.encryption.keySecretRef");
    VolumeStorage pvc = storage == null ? null : storage.getPersistentVolumeClaim();
    if (pvc != null) {
      String claim = "PersistentVolumeClaim " + pvc.getClaimName();
      m = m.replace("file://" + EngineStorage.STORAGE_MOUNT + "/", claim + ":/");
      m = m.replace("file://" + EngineStorage.STORAGE_MOUNT, claim + ":/");
      m = m.replace(EngineStorage.STORAGE_MOUNT + "/", claim + ":/");
      m = m.replace(EngineStorage.STORAGE_MOUNT, claim + ":/");
    }
    if (dataClaim != null) {
      String claim = "PersistentVolumeClaim " + dataClaim;
      m = m.replace(EngineJobFactory.DATA_MOUNT + "/", claim + ":/");
      m = m.replace(EngineJobFactory.DATA_MOUNT, claim);
    }
    return m.replace("--overwrite", "spec.overwrite: true")
        .replace("--keep-server-uuid", "spec.keepServerUuid: true")
        .replace("--allow-live", "spec.source.quiesce");
  }

  /**
   * A URL with any user info ({@code user:password@}) replaced by {@code ***}: a resource stored
   * before the CRD refused user info must not put a password into status.
   */
  static String masked(String url) {
    return url == null ? null : url.replaceAll("^([A-Za-z][A-Za-z0-9+.-]*://)[^/]*@", "$1***@");
  }

  /** What to check when a storage is unreachable or refuses access, field by field. */
  public static String storageHint(BackupStorage storage, String storageField) {
    if (storage == null) {
      return "";
    }
    S3Storage s3 = storage.getS3();
    if (s3 != null) {
      String secret =
          s3.getCredentialsSecretRef() == null ? null : s3.getCredentialsSecretRef().getName();
      return "check "
          + storageField
          + ".s3.bucket ("
          + s3.getBucket()
          + ")"
          + (s3.getEndpoint() == null
              ? ", " + storageField + ".s3.region"
              : ", " + storageField + ".s3.endpoint (" + masked(s3.getEndpoint()) + ")")
          + (secret == null
              ? ""
              : " and the keys in Secret "
                  + secret
                  + " ("
                  + storageField
                  + ".s3.credentialsSecretRef)");
    }
    VolumeStorage pvc = storage.getPersistentVolumeClaim();
    if (pvc != null && pvc.getPath() != null && !pvc.getPath().isEmpty()) {
      return storageField
          + ".persistentVolumeClaim.path ("
          + pvc.getPath()
          + ") must be a directory on PersistentVolumeClaim "
          + pvc.getClaimName()
          + ": create it (for example from a pod that mounts the claim: mkdir -p /mnt/"
          + pvc.getPath()
          + "), or leave path unset to use the claim's root";
    }
    if (pvc != null) {
      return "check PersistentVolumeClaim "
          + pvc.getClaimName()
          + " ("
          + storageField
          + ".persistentVolumeClaim.claimName): it must be bound and writable by the engine's"
          + " user";
    }
    return "";
  }
}
