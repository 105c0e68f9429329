package dev.stowage.engine.crypto;

import dev.stowage.engine.core.MemoryBudget;
import dev.stowage.engine.error.EngineException;
import dev.stowage.engine.manifest.Encryption;
import dev.stowage.engine.manifest.PassphraseKdf;
import java.security.SecureRandom;
import java.util.Base64;
import javax.crypto.SecretKey;

/** The encryption of one backup: its key, salt and segment size; makes per-worker ciphers. */
public final class BackupEncryption {
  public static final String CIPHER = "AES-256-GCM";
  public static final String KDF = "HKDF-SHA256";
  public static final int VERSION = 1;
  public static final String FORM_KEY = "Key";
  public static final String FORM_PASSPHRASE = "Passphrase";

  /**
   * Segments of new backups: large enough that the per-segment work of a GCM call (its set-up, the
   * JCA's and AWS-LC's call overhead, a tag) is small beside the bytes, small enough that a worker
   * holds one segment of plaintext. engine/README, "What is stored", has the measurements.
   */
  public static final int DEFAULT_SEGMENT_SIZE = 64 << 10;

  static final int MIN_SEGMENT_SIZE = 4 << 10;
  static final int MAX_SEGMENT_SIZE = 16 << 20;
  static final int SALT_BYTES = 32;

  private final MasterKey key;
  private final Encryption info;
  private final SecretKey objectKey;

  private BackupEncryption(MasterKey key, Encryption info, byte[] salt) {
    this.key = key;
    this.info = info;
    this.objectKey = key.objectKey(salt);
  }

  /**
   * A new backup: a fresh random salt, so every backup has its own object key; {@code passphrase}
   * says how {@code key} was stretched from a passphrase (null for a key file).
   */
  static BackupEncryption forNewBackup(MasterKey key, PassphraseKdf passphrase) {
    byte[] salt = new byte[SALT_BYTES];
    new SecureRandom().nextBytes(salt);
    Encryption e = new Encryption();
    e.version = VERSION;
    e.cipher = CIPHER;
    e.keyId = key.id();
    e.kdf = KDF;
    e.salt = Base64.getEncoder().encodeToString(salt);
    e.segmentSize = DEFAULT_SEGMENT_SIZE;
    e.manifestMac = ManifestAuth.MAC_OBJECT;
    e.passphrase = passphrase;
    return new BackupEncryption(key, e, salt);
  }

  /** An existing backup, from its (authenticated) MANIFEST entry; exit 4 if malformed. */
  static BackupEncryption forExisting(MasterKey key, Encryption e, String where) {
    byte[] salt;
    try {
      salt = Base64.getDecoder().decode(e.salt == null ? "" : e.salt);
    } catch (IllegalArgumentException x) {
      salt = new byte[0];
    }
    if (e.version != VERSION
        || !CIPHER.equals(e.cipher)
        || !KDF.equals(e.kdf)
        || salt.length != SALT_BYTES
        || e.segmentSize < MIN_SEGMENT_SIZE
        || e.segmentSize > MAX_SEGMENT_SIZE) {
      throw EngineException.integrity(
          where,
          "MANIFEST "
              + where
              + " has a StowageEncryption entry this engine cannot use (Version "
              + e.version
              + ", Cipher "
              + e.cipher
              + ", Kdf "
              + e.kdf
              + ", a "
              + salt.length
              + "-byte Salt, SegmentSize "
              + e.segmentSize
              + "; this engine reads Version 1, AES-256-GCM, HKDF-SHA256, a 32-byte Salt and"
              + " segments of 4 KiB to 16 MiB): restore it with the Stowage version that wrote it");
    }
    return new BackupEncryption(key, e, salt);
  }

  /** What the MANIFEST records. */
  public Encryption info() {
    return info;
  }

  public String keyId() {
    return key.id();
  }

  /** Where the key came from (a key file, or a passphrase file), for messages. */
  public String keySource() {
    return key.source();
  }

  /** The form of the secret, as results report it: "Key" (a key file) or "Passphrase". */
  public String form() {
    return info.passphrase != null ? FORM_PASSPHRASE : FORM_KEY;
  }

  MasterKey key() {
    return key;
  }

  /** What one worker's cipher holds (MemoryBudget). */
  public MemoryBudget.Need cipherMemory() {
    return ObjectCipher.memory(info.segmentSize);
  }

  /** What one worker's cipher holds for a new backup, before its key is derived. */
  public static MemoryBudget.Need newBackupCipherMemory() {
    return ObjectCipher.memory(DEFAULT_SEGMENT_SIZE);
  }

  /** One worker's cipher and buffers (about 2 MiB and twice the segment size). */
  public ObjectCipher newCipher() {
    CryptoProviders.preferNative(); // AWS-LC's AES-GCM for every object, once it is loaded
    return newCipher(null);
  }

  /** As {@link #newCipher()}, with one {@code provider}'s AES-GCM (tests compare providers). */
  ObjectCipher newCipher(java.security.Provider provider) {
    return new ObjectCipher(objectKey, info.segmentSize, provider);
  }
}
