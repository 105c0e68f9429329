package dev.stowage.engine.crypto;

import java.util.HexFormat;
import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;

/**
 * One 256-bit secret from a key file, and what is derived from it: its key id (public), the
 * MANIFEST MAC key and, per backup, the object key. The secret never leaves this class.
 */
public final class MasterKey {
  static final String INFO_KEY_ID = "stowage/v1/key-id";
  static final String INFO_MANIFEST_MAC = "stowage/v1/manifest-hmac-sha256";
  static final String INFO_OBJECT_KEY = "stowage/v1/object-aes-256-gcm";

  private final byte[] secret;
  private final String id;
  private final String source;

  MasterKey(byte[] secret, String source) {
    this.secret = secret.clone();
    this.id = HexFormat.of().formatHex(Hkdf.derive(this.secret, null, INFO_KEY_ID, 8));
    this.source = source;
  }

  /**
   * The key id recorded in the MANIFEST: 16 hex digits of HKDF(secret, "stowage/v1/key-id"), a
   * one-way fingerprint that names the key without revealing it.
   */
  public String id() {
    return id;
  }

  /** Where the key came from (a file path), for messages. */
  public String source() {
    return source;
  }

  /** The HMAC-SHA256 key of MANIFESTs. */
  SecretKey manifestMacKey() {
    return new SecretKeySpec(Hkdf.derive(secret, null, INFO_MANIFEST_MAC, 32), "HmacSHA256");
  }

  /** The AES-256 key of one backup's objects, from the backup's random salt. */
  SecretKey objectKey(byte[] backupSalt) {
    return new SecretKeySpec(Hkdf.derive(secret, backupSalt, INFO_OBJECT_KEY, 32), "AES");
  }

  @Override
  public String toString() {
    return "key " + id + " (" + source + ")";
  }
}
