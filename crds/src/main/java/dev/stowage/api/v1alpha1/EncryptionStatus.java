package dev.stowage.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.List;

/** That a backup or restore is encrypted, and with which key: names and ids, never key material. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class EncryptionStatus {
  @JsonPropertyDescription("The cipher of the backup's objects: AES-256-GCM.")
  private String cipher;

  @JsonPropertyDescription(
      "Which form of secret the key came from: Key (a 256-bit key) or Passphrase (a passphrase"
          + " stretched with PBKDF2-HMAC-SHA256). Before the engine reported, what spec.encryption"
          + " names (keySecretRef or passphraseSecretRef); after, what the engine used (a restore"
          + " offered a passphrase and additionalKeys may have used a raw key). Never the secret"
          + " itself.")
  private String form;

  @JsonPropertyDescription(
      "The Secret the key files came from (spec.encryption.keySecretRef.name, or"
          + " passphraseSecretRef.name).")
  private String keySecretName;

  @JsonPropertyDescription(
      "The keys of that Secret given to the engine: for a backup the one it encrypted with, for"
          + " a restore keySecretRef.key (or passphraseSecretRef.key) and then additionalKeys.")
  private List<String> keys;

  @JsonPropertyDescription(
      "The key id the engine reported (16 hex digits, a one-way fingerprint of the key, also in"
          + " the backup's MANIFEST as StowageEncryption.KeyId); unset until the engine"
          + " succeeded. For a passphrase it is the fingerprint of the key stretched with that"
          + " backup's random salt, so it differs from backup to backup.")
  private String keyId;

  public String getCipher() {
    return cipher;
  }

  public void setCipher(String cipher) {
    this.cipher = cipher;
  }

  public String getForm() {
    return form;
  }

  public void setForm(String form) {
    this.form = form;
  }

  public String getKeySecretName() {
    return keySecretName;
  }

  public void setKeySecretName(String keySecretName) {
    this.keySecretName = keySecretName;
  }

  public List<String> getKeys() {
    return keys;
  }

  public void setKeys(List<String> keys) {
    this.keys = keys;
  }

  public String getKeyId() {
    return keyId;
  }

  public void setKeyId(String keyId) {
    this.keyId = keyId;
  }
}
