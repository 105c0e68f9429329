package dev.stowage.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.ValidationRule;

/**
 * Client-side encryption of a backup: the key it is encrypted and authenticated with, or a
 * passphrase the key is stretched from.
 */
@ValidationRule(
    value = "has(self.keySecretRef) != has(self.passphraseSecretRef)",
    message =
        "spec.encryption needs exactly one of keySecretRef (a 256-bit key) and passphraseSecretRef"
            + " (a passphrase)",
    reason = "FieldValueInvalid")
@JsonInclude(JsonInclude.Include.NON_NULL)
public class BackupEncryption {
  @JsonPropertyDescription(
      "The Secret key (in this namespace) holding the 256-bit key the backup is encrypted with"
          + " (AES-256-GCM) and its MANIFEST authenticated with (HMAC-SHA256): 32 random bytes, or"
          + " their base64 (kubectl create secret generic backup-key"
          + " --from-file=key-2026-12=<(openssl rand 32)). The Secret may hold several keys;"
          + " this names the one new backups use. The backup Job's engine gets it as a read-only"
          + " file (mode 0400); the pre-flight check Job mounts it and checks its format, so that a"
          + " missing Secret or key, or a malformed key, fails the backup before the database is"
          + " stopped; the rm Job"
          + " never sees it. status.encryption.keyId shows the key's id, never the key. Every"
          + " restore of the backup needs the same key: keep it, and keep it elsewhere than the"
          + " backups. Exactly one of keySecretRef and passphraseSecretRef.")
  private SecretKeyRef keySecretRef;

  @JsonPropertyDescription(
      "Instead of keySecretRef: the Secret key (in this namespace) holding a passphrase (UTF-8"
          + " text, at least 12 characters; a trailing newline is ignored) that the engine"
          + " stretches into the 256-bit key with PBKDF2-HMAC-SHA256 (600,000 iterations, a random"
          + " salt per backup, both recorded in the backup's MANIFEST). For whoever would rather"
          + " keep a passphrase than 32 random bytes; a random key (keySecretRef) is stronger than"
          + " any passphrase a person remembers. Mounted like the key (read-only file, mode 0400)"
          + " into the backup Job and the pre-flight check Job, which checks its length before"
          + " the database is stopped. Every restore of the backup needs the same passphrase"
          + " (spec.encryption.passphraseSecretRef of the MysqlRestore). Exactly one of"
          + " keySecretRef and passphraseSecretRef.")
  private SecretKeyRef passphraseSecretRef;

  public SecretKeyRef getKeySecretRef() {
    return keySecretRef;
  }

  public void setKeySecretRef(SecretKeyRef keySecretRef) {
    this.keySecretRef = keySecretRef;
  }

  public SecretKeyRef getPassphraseSecretRef() {
    return passphraseSecretRef;
  }

  public void setPassphraseSecretRef(SecretKeyRef passphraseSecretRef) {
    this.passphraseSecretRef = passphraseSecretRef;
  }
}
