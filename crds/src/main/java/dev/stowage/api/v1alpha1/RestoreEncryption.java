package dev.stowage.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.List;

/**
 * The keys a restore may decrypt an encrypted backup with; the engine picks the one whose key id
 * the backup's MANIFEST names.
 */
@ValidationRule(
    value = "has(self.keySecretRef) != has(self.passphraseSecretRef)",
    message =
        "spec.encryption needs exactly one of keySecretRef (a 256-bit key) and passphraseSecretRef"
            + " (a passphrase)",
    reason = "FieldValueInvalid")
@ValidationRule(
    value =
        "!has(self.additionalKeys) || !has(self.keySecretRef)"
            + " || !(self.keySecretRef.key in self.additionalKeys)",
    message =
        "spec.encryption.additionalKeys repeats spec.encryption.keySecretRef.key: list each key of"
            + " the Secret once",
    reason = "FieldValueInvalid")
@ValidationRule(
    value =
        "!has(self.additionalKeys) || !has(self.passphraseSecretRef)"
            + " || !(self.passphraseSecretRef.key in self.additionalKeys)",
    message =
        "spec.encryption.additionalKeys repeats spec.encryption.passphraseSecretRef.key: list each"
            + " key of the Secret once",
    reason = "FieldValueInvalid")
@ValidationRule(
    value =
        "!has(self.additionalKeys) || self.additionalKeys.all(k,"
            + " self.additionalKeys.exists_one(j, j == k))",
    message = "spec.encryption.additionalKeys names a key twice: list each key of the Secret once",
    reason = "FieldValueInvalid")
@JsonInclude(JsonInclude.Include.NON_NULL)
public class RestoreEncryption {
  @JsonPropertyDescription(
      "The Secret key (in this namespace) holding the 256-bit key of the backup: 32 raw bytes,"
          + " or their base64. Set for an encrypted backup; an encrypted backup restored without"
          + " it, or with another key, fails before anything is written (engine exit 4), and an"
          + " unencrypted backup restored with it fails too (so nobody who can write the bucket"
          + " can swap an encrypted backup for a plain one). Only the restore Job's engine"
          + " container gets the keys, as read-only files (mode 0400). Exactly one of"
          + " keySecretRef and passphraseSecretRef.")
  private SecretKeyRef keySecretRef;

  @JsonPropertyDescription(
      "Instead of keySecretRef: the Secret key (in this namespace) holding the passphrase of a"
          + " backup encrypted with spec.encryption.passphraseSecretRef (UTF-8 text, at least 12"
          + " characters). The engine stretches it with the salt and iteration count the backup's"
          + " MANIFEST records (PBKDF2-HMAC-SHA256) and refuses a wrong passphrase before anything"
          + " is written (exit 4). Exactly one of keySecretRef and passphraseSecretRef.")
  private SecretKeyRef passphraseSecretRef;

  @Size(max = 15)
  @JsonPropertyDescription(
      "Other keys of the same Secret to offer as well, for key rotation: the engine uses"
          + " whichever of keySecretRef.key and these has the key id the backup's MANIFEST names"
          + " (so one MysqlRestore can name the current and the previous keys). Always raw"
          + " 256-bit keys (32 bytes or their base64), never passphrases, also next to"
          + " passphraseSecretRef (then they are keys of the passphrase's Secret, for backups"
          + " written with a key before the passphrase was adopted). At most 15.")
  private List<@Size(max = 253) @Pattern(ApiPatterns.CONFIG_KEY) String> additionalKeys;

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

  public List<String> getAdditionalKeys() {
    return additionalKeys;
  }

  public void setAdditionalKeys(List<String> additionalKeys) {
    this.additionalKeys = additionalKeys;
  }
}
