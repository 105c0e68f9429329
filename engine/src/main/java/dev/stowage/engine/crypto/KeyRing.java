package dev.stowage.engine.crypto;

import dev.stowage.engine.core.KeyFiles;
import dev.stowage.engine.redact.Redactor;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;

/**
 * The keys given with {@code --encryption-key-file} and the passphrases given with {@code
 * --encryption-passphrase-file} (both repeatable): a backup is written with the first key, or else
 * the first passphrase; a restore or verify picks the one whose id the MANIFEST names (for a
 * passphrase, once stretched with the backup's salt), so old backups stay readable while a new key
 * is rolled out.
 */
public final class KeyRing {
  public static final String OPTION = "--encryption-key-file";
  static final int KEY_BYTES = 32;

  private final List<MasterKey> keys;
  private final List<Passphrase> passphrases;

  private KeyRing(List<MasterKey> keys, List<Passphrase> passphrases) {
    if (!passphrases.isEmpty()) {
      // AWS-LC's PBKDF2 stretches a passphrase faster than the JDK's under C1. A key file needs
      // nothing before the first object's cipher (BackupEncryption.newCipher), so the MANIFEST's
      // HMAC does not wait for the provider's load running beside it.
      CryptoProviders.preferNative();
    } else {
      CryptoProviders.checkSetting(); // a bad STOWAGE_CRYPTO is exit 2 before any work
    }
    this.keys = List.copyOf(keys);
    this.passphrases = List.copyOf(passphrases);
  }

  /** Reads every key file (exit 2 on a missing or malformed one); null when none is given. */
  public static KeyRing load(List<Path> files) {
    return load(files, List.of());
  }

  /**
   * Reads every key file and passphrase file (exit 2 on a missing or malformed one, naming it);
   * null when none is given. Passphrases are only read here: they are stretched when a backup's
   * salt is known.
   */
  public static KeyRing load(List<Path> files, List<Path> passphraseFiles) {
    boolean noKeys = files == null || files.isEmpty();
    boolean noPassphrases = passphraseFiles == null || passphraseFiles.isEmpty();
    if (noKeys && noPassphrases) {
      return null;
    }
    List<MasterKey> keys = new ArrayList<>();
    for (Path f : noKeys ? List.<Path>of() : files) {
      byte[] secret = readKeyFile(f);
      try {
        // Masked wherever it could be printed (defence in depth: the engine never prints it).
        Redactor.standard().addSecret(Base64.getEncoder().encodeToString(secret));
        Redactor.standard().addSecret(HexFormat.of().formatHex(secret));
        MasterKey k = new MasterKey(secret, f.toString());
        if (keys.stream().noneMatch(o -> o.id().equals(k.id()))) {
          keys.add(k);
        }
      } finally {
        Arrays.fill(secret, (byte) 0);
      }
    }
    List<Passphrase> passphrases = new ArrayList<>();
    for (Path f : noPassphrases ? List.<Path>of() : passphraseFiles) {
      passphrases.add(Passphrase.read(f));
    }
    return new KeyRing(keys, passphrases);
  }

  /** For tests and callers that hold the key bytes themselves. */
  public static KeyRing of(byte[]... secrets) {
    List<MasterKey> keys = new ArrayList<>();
    for (byte[] s : secrets) {
      if (s.length != KEY_BYTES) {
        throw new IllegalArgumentException("a key is 32 bytes");
      }
      keys.add(new MasterKey(s, "memory"));
    }
    return new KeyRing(keys, List.of());
  }

  /** This ring and these passphrases (tests; a backup uses a key before a passphrase). */
  public KeyRing withPassphrases(Passphrase... more) {
    List<Passphrase> all = new ArrayList<>(passphrases);
    all.addAll(List.of(more));
    return new KeyRing(keys, all);
  }

  /** Only these passphrases (tests). */
  public static KeyRing ofPassphrases(Passphrase... ps) {
    return new KeyRing(List.of(), List.of(ps));
  }

  /** The first key file's key (a key-file ring); see {@link #forNewBackup} for a new backup. */
  public MasterKey primary() {
    return keys.get(0);
  }

  /**
   * The encryption of a new backup: the first key file's key, or else the first passphrase
   * stretched with a fresh random salt (PBKDF2-HMAC-SHA256, {@value Passphrase#ITERATIONS}
   * iterations), recorded in the MANIFEST.
   */
  public BackupEncryption forNewBackup() {
    if (!keys.isEmpty()) {
      return BackupEncryption.forNewBackup(keys.get(0), null);
    }
    var params = Passphrase.newParameters();
    MasterKey key =
        passphrases.get(0).derive(Base64.getDecoder().decode(params.salt), (int) params.iterations);
    return BackupEncryption.forNewBackup(key, params);
  }

  public List<Passphrase> passphrases() {
    return passphrases;
  }

  /** The passphrase files given, for messages. */
  String passphraseSources() {
    return String.join(", ", passphrases.stream().map(Passphrase::source).toList());
  }

  /** The key with this id, or null. */
  public MasterKey byId(String id) {
    return keys.stream().filter(k -> k.id().equals(id)).findFirst().orElse(null);
  }

  public List<MasterKey> keys() {
    return keys;
  }

  /** The ids given, for messages ("k1, k2"). */
  public String ids() {
    return String.join(", ", keys.stream().map(MasterKey::id).toList());
  }

  /**
   * A key file holds exactly 32 raw bytes, or the base64 of 32 bytes (surrounding whitespace and a
   * trailing newline are ignored). The content is never quoted in an error.
   */
  static byte[] readKeyFile(Path file) {
    return KeyFiles.read256(OPTION, file, "backup encryption key");
  }
}
