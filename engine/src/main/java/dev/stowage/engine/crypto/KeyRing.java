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
 * The keys given with {@code --encryption-key-file} (repeatable): a backup is written with the
 * first; a restore or verify picks the one whose id the MANIFEST names, so old backups stay
 * readable while a new key is rolled out.
 */
public final class KeyRing {
  public static final String OPTION = "--encryption-key-file";
  static final int KEY_BYTES = 32;

  private final List<MasterKey> keys;

  private KeyRing(List<MasterKey> keys) {
    this.keys = List.copyOf(keys);
  }

  /** Reads every key file (exit 2 on a missing or malformed one); null when none is given. */
  public static KeyRing load(List<Path> files) {
    if (files == null || files.isEmpty()) {
      return null;
    }
    List<MasterKey> keys = new ArrayList<>();
    for (Path f : files) {
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
    return new KeyRing(keys);
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
    return new KeyRing(keys);
  }

  /** The key new backups are written with: the first one given. */
  public MasterKey primary() {
    return keys.get(0);
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
