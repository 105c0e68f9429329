package dev.stowage.engine.crypto;

import dev.stowage.engine.error.EngineException;
import dev.stowage.engine.redact.Redactor;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
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
  private static final int MAX_KEY_FILE_BYTES = 4096;

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
    byte[] content;
    try (InputStream in = Files.newInputStream(file)) {
      content = in.readNBytes(MAX_KEY_FILE_BYTES + 1);
    } catch (NoSuchFileException e) {
      throw EngineException.invalid(
          OPTION
              + " "
              + file
              + " does not exist; mount the Secret that holds the backup encryption key there");
    } catch (IOException e) {
      throw EngineException.invalid(
          OPTION + " " + file + " cannot be read: " + e.getClass().getSimpleName());
    }
    try {
      if (content.length == KEY_BYTES) {
        return content.clone();
      }
      String text =
          content.length > MAX_KEY_FILE_BYTES
              ? ""
              : new String(content, StandardCharsets.ISO_8859_1).strip();
      if (!text.isEmpty()) {
        try {
          byte[] decoded = Base64.getDecoder().decode(text);
          if (decoded.length == KEY_BYTES) {
            return decoded;
          }
          Arrays.fill(decoded, (byte) 0);
        } catch (IllegalArgumentException notBase64) {
          // Falls through to the explanation below.
        }
      }
      throw EngineException.invalid(
          OPTION
              + " "
              + file
              + " holds "
              + (content.length > MAX_KEY_FILE_BYTES
                  ? "more than " + MAX_KEY_FILE_BYTES
                  : String.valueOf(content.length))
              + " bytes that are not a backup encryption key: give exactly 32 raw bytes (e.g."
              + " `openssl rand 32`) or the base64 of 32 bytes (44 characters, e.g. `openssl rand"
              + " -base64 32`)");
    } finally {
      Arrays.fill(content, (byte) 0);
    }
  }
}
