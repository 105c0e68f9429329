package dev.stowage.engine.manifest;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;

/**
 * How the key of a backup encrypted with a passphrase was stretched from it ({@code
 * StowageEncryption.Passphrase}): PBKDF2-HMAC-SHA256 with this backup's random salt. Not secret; it
 * is part of the MANIFEST's authenticated bytes.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonPropertyOrder({"Kdf", "Salt", "Iterations"})
public class PassphraseKdf {
  /** "PBKDF2-HMAC-SHA256". */
  @JsonProperty("Kdf")
  public String kdf;

  /** This backup's random 16-byte PBKDF2 salt, base64. */
  @JsonProperty("Salt")
  public String salt;

  @JsonProperty("Iterations")
  public long iterations;
}
