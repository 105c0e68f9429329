package dev.stowage.engine.manifest;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;

/**
 * How an encrypted backup's objects are sealed (Stowage extension {@code StowageEncryption}; Vitess
 * ignores it and cannot read such a backup). Nothing here is secret.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonPropertyOrder({
  "Version",
  "Cipher",
  "KeyId",
  "Kdf",
  "Salt",
  "SegmentSize",
  "ManifestMac",
  "Passphrase"
})
public class Encryption {
  @JsonProperty("Version")
  public int version;

  /** "AES-256-GCM". */
  @JsonProperty("Cipher")
  public String cipher;

  /** The id of the key the backup was written with (a fingerprint, not the key). */
  @JsonProperty("KeyId")
  public String keyId;

  /** "HKDF-SHA256": how the object key is derived from the key and {@link #salt}. */
  @JsonProperty("Kdf")
  public String kdf;

  /** This backup's random 32-byte HKDF salt, base64. */
  @JsonProperty("Salt")
  public String salt;

  /** Plaintext bytes per sealed segment of an object. */
  @JsonProperty("SegmentSize")
  public int segmentSize;

  /** Where the MANIFEST's HMAC-SHA256 is kept: "MANIFEST.hmac". */
  @JsonProperty("ManifestMac")
  public String manifestMac;

  /** Set when the key was stretched from a passphrase (engine/README.md, "Passphrases"). */
  @JsonProperty("Passphrase")
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public PassphraseKdf passphrase;
}
