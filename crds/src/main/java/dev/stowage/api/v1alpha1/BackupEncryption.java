package dev.stowage.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;

/** Client-side encryption of a backup: the key it is encrypted and authenticated with. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class BackupEncryption {
  @Required
  @JsonPropertyDescription(
      "The Secret key (in this namespace) holding the 256-bit key the backup is encrypted with"
          + " (AES-256-GCM) and its MANIFEST authenticated with (HMAC-SHA256): 32 random bytes, or"
          + " their base64 (kubectl create secret generic backup-key"
          + " --from-file=key-2026-12=<(openssl rand 32)). The Secret may hold several keys;"
          + " this names the one new backups use. The backup Job's engine gets it as a read-only"
          + " file (mode 0400); the pre-flight check Job mounts it without using it, so that a"
          + " missing Secret or key fails the backup before the database is stopped; the rm Job"
          + " never sees it. status.encryption.keyId shows the key's id, never the key. Every"
          + " restore of the backup needs the same key: keep it, and keep it elsewhere than the"
          + " backups.")
  private SecretKeyRef keySecretRef;

  public SecretKeyRef getKeySecretRef() {
    return keySecretRef;
  }

  public void setKeySecretRef(SecretKeyRef keySecretRef) {
    this.keySecretRef = keySecretRef;
  }
}
