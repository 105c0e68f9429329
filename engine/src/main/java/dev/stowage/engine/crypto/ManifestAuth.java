package dev.stowage.engine.crypto;

import dev.stowage.engine.error.EngineException;
import dev.stowage.engine.error.StorageException;
import dev.stowage.engine.manifest.FileEntry;
import dev.stowage.engine.manifest.Manifest;
import dev.stowage.engine.manifest.PassphraseKdf;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.crypto.Mac;

/**
 * The MANIFEST of an encrypted backup is authenticated by HMAC-SHA256, with a key derived from the
 * secret, over {@code "stowage-manifest-v1" 0x00 <backup name> 0x00 <the MANIFEST's exact bytes>},
 * kept as lowercase hex in the object {@code MANIFEST.hmac} next to it (written just before the
 * MANIFEST). The backup name is bound in, so the MANIFEST (and MAC) of another backup of the same
 * key does not authenticate under this name.
 */
public final class ManifestAuth {
  public static final String MAC_OBJECT = "MANIFEST.hmac";
  private static final String HMAC = "HmacSHA256";

  private ManifestAuth() {}

  /** The content of {@code MANIFEST.hmac} for a MANIFEST about to be written. */
  public static byte[] sign(BackupEncryption enc, String backupName, byte[] manifest) {
    Mac mac = newMac(enc.key(), backupName);
    mac.update(manifest);
    return (HexFormat.of().formatHex(mac.doFinal()) + "\n").getBytes(StandardCharsets.US_ASCII);
  }

  private static Mac newMac(MasterKey key, String backupName) {
    try {
      Mac mac = Mac.getInstance(HMAC);
      mac.init(key.manifestMacKey());
      mac.update("stowage-manifest-v1".getBytes(StandardCharsets.US_ASCII));
      mac.update((byte) 0);
      mac.update(backupName.getBytes(StandardCharsets.UTF_8));
      mac.update((byte) 0);
      return mac;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("the JDK lacks HmacSHA256", e);
    }
  }

  /** Opens the stored MANIFEST again (to authenticate it under a key known only after parsing). */
  @FunctionalInterface
  public interface Reopen {
    InputStream open() throws IOException;
  }

  /**
   * Computes, as the MANIFEST streams by, its MAC under every key file's key, and its SHA-256. A
   * passphrase's key depends on the salt inside the MANIFEST, so its MAC is computed by reading the
   * MANIFEST a second time; that read must yield the same SHA-256, so the bytes authenticated are
   * the bytes parsed.
   */
  public static final class MacInput extends FilterInputStream {
    private final Map<String, Mac> macs = new LinkedHashMap<>();
    private final MessageDigest digest;
    private final String backupName;
    private final Reopen reopen;
    private final String where;

    public MacInput(InputStream in, KeyRing keys, String backupName) {
      this(in, keys, backupName, null, null);
    }

    public MacInput(InputStream in, KeyRing keys, String backupName, Reopen reopen, String where) {
      super(in);
      this.backupName = backupName;
      this.reopen = reopen;
      this.where = where;
      // AWS-LC's SHA-256 when it is loaded by now: the same bytes, native speed, no wait.
      CryptoProviders.preferNativeIfLoaded();
      this.digest = sha256();
      for (MasterKey k : keys.keys()) {
        macs.put(k.id(), newMac(k, backupName));
      }
    }

    @Override
    public int read() throws IOException {
      int b = super.read();
      if (b >= 0) {
        digest.update((byte) b);
        for (Mac m : macs.values()) {
          m.update((byte) b);
        }
      }
      return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      int n = super.read(b, off, len);
      if (n > 0) {
        digest.update(b, off, n);
        for (Mac m : macs.values()) {
          m.update(b, off, n);
        }
      }
      return n;
    }

    /** The parser closes its source when done; the caller closes the channel after drain. */
    @Override
    public void close() {}

    /** Reads what the parser left (whitespace), so the MAC covers every byte. */
    public void drain() throws IOException {
      byte[] buf = new byte[8192];
      while (read(buf, 0, buf.length) >= 0) {
        // counted by read
      }
    }

    /** The MAC under {@code key}: computed on the way, or by a second read checked by SHA-256. */
    byte[] macOf(MasterKey key) {
      Mac computed = macs.get(key.id());
      if (computed != null) {
        return computed.doFinal();
      }
      if (reopen == null) {
        throw new IllegalStateException("no way to read the MANIFEST again");
      }
      byte[] first = digest.digest();
      Mac mac = newMac(key, backupName);
      MessageDigest again = sha256();
      try (InputStream in = reopen.open()) {
        byte[] buf = new byte[8192];
        for (int n; (n = in.read(buf)) >= 0; ) {
          mac.update(buf, 0, n);
          again.update(buf, 0, n);
        }
      } catch (IOException e) {
        throw new StorageException(
            StorageException.Kind.TRANSIENT, where, "cannot read " + where + " again: " + e, e);
      }
      if (!MessageDigest.isEqual(first, again.digest())) {
        // Retried by the caller's retrier: parse and authenticate one version of the MANIFEST.
        throw new StorageException(
            StorageException.Kind.TRANSIENT,
            where,
            "MANIFEST " + where + " changed between two reads; reading it again");
      }
      return mac.doFinal();
    }
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("the JDK lacks SHA-256", e);
    }
  }

  /**
   * Decides, before anything else uses the MANIFEST, whether it may be used: returns the backup's
   * encryption (null for a plain backup restored without a key), or refuses with exit 4.
   *
   * @param keys the keys given, or null
   * @param computed the MACs computed while the MANIFEST was read (null without keys)
   * @param stored the content of MANIFEST.hmac, or null when there is none
   */
  public static BackupEncryption check(
      Manifest m, String backupName, KeyRing keys, MacInput computed, byte[] stored, String where) {
    if (m.stowageEncryption == null) {
      if (keys == null) {
        return null; // a plain backup, read as always
      }
      throw EngineException.integrity(
          where,
          "backup "
              + backupName
              + " is not encrypted (its MANIFEST has no StowageEncryption), but "
              + KeyRing.OPTION
              + " was given: refused, since whoever can write the bucket could have put an"
              + " unencrypted backup in place of an encrypted one. If you trust this backup and"
              + " it was written without encryption, restore it without "
              + KeyRing.OPTION);
    }
    String keyId = String.valueOf(m.stowageEncryption.keyId);
    PassphraseKdf passphrase = m.stowageEncryption.passphrase;
    if (keys == null) {
      throw EngineException.integrity(
          where,
          "backup "
              + backupName
              + " is encrypted (AES-256-GCM) with key id "
              + keyId
              + (passphrase == null
                  ? ": give that key with " + KeyRing.OPTION + " PATH"
                  : ", a key stretched from a passphrase: give the passphrase with "
                      + Passphrase.OPTION
                      + " PATH")
              + ". Nothing was written");
    }
    MasterKey key;
    if (passphrase != null) {
      key = passphraseKey(backupName, keys, keyId, passphrase, where);
    } else {
      key = keys.byId(keyId);
    }
    if (key == null) {
      throw EngineException.integrity(
          where,
          "backup "
              + backupName
              + " is encrypted with key id "
              + keyId
              + (keys.keys().isEmpty()
                  ? ", a key from a key file, but only a passphrase was given ("
                      + keys.passphraseSources()
                      + ", wrong key)"
                  : ", but the key given (" + keys.ids() + ") is not that key (wrong key)")
              + ": give the key file whose id is "
              + keyId
              + " with "
              + KeyRing.OPTION
              + ". Nothing was written");
    }
    if (stored == null) {
      throw EngineException.integrity(
          where,
          "backup "
              + backupName
              + " says it is encrypted but has no "
              + MAC_OBJECT
              + ", so its MANIFEST cannot be authenticated: refused. The backup was tampered"
              + " with or damaged; restore another backup");
    }
    byte[] expected = computed.macOf(key);
    byte[] got;
    try {
      got = HexFormat.of().parseHex(new String(stored, StandardCharsets.US_ASCII).strip());
    } catch (IllegalArgumentException e) {
      got = new byte[0];
    }
    if (!MessageDigest.isEqual(expected, got)) {
      throw EngineException.integrity(
          where,
          "MANIFEST "
              + where
              + " does not authenticate (HMAC-SHA256 with key id "
              + keyId
              + " against "
              + MAC_OBJECT
              + "): it was edited, or replaced (e.g. by the MANIFEST of another backup), or "
              + MAC_OBJECT
              + " was. Refused before anything was written; restore another backup");
    }
    for (FileEntry fe : m.fileEntries) {
      if (fe.size == null) {
        throw EngineException.integrity(
            where,
            "MANIFEST " + where + " of an encrypted backup gives no StowageSize for " + fe.name);
      }
    }
    return BackupEncryption.forExisting(key, m.stowageEncryption, where);
  }

  /**
   * The key of a backup encrypted with a passphrase: its parameters are checked first (exit 4
   * naming the field), then each passphrase given is stretched with them until one yields the key
   * id the MANIFEST names. Salt and Iterations are inside the MANIFEST's authenticated bytes:
   * altered, they yield another key, which is refused here or by the MANIFEST's HMAC.
   */
  private static MasterKey passphraseKey(
      String backupName, KeyRing keys, String keyId, PassphraseKdf p, String where) {
    if (keys.passphrases().isEmpty()) {
      throw EngineException.integrity(
          where,
          "backup "
              + backupName
              + " is encrypted with key id "
              + keyId
              + ", a key stretched from a passphrase, but no "
              + Passphrase.OPTION
              + " was given (only "
              + KeyRing.OPTION
              + ", keys "
              + keys.ids()
              + "): give the passphrase file with "
              + Passphrase.OPTION
              + ". Nothing was written");
    }
    byte[] salt = Passphrase.checkedSalt(p, where);
    for (Passphrase given : keys.passphrases()) {
      MasterKey k = given.derive(salt, (int) p.iterations);
      if (k.id().equals(keyId)) {
        return k;
      }
    }
    throw EngineException.integrity(
        where,
        "backup "
            + backupName
            + " is encrypted with key id "
            + keyId
            + ", a key stretched from a passphrase, but the passphrase given ("
            + keys.passphraseSources()
            + ") does not yield that key (wrong passphrase, or the MANIFEST's Salt or"
            + " Iterations were altered): give the passphrase the backup was written with, with "
            + Passphrase.OPTION
            + ". Nothing was written");
  }
}
