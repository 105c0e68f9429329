package dev.stowage.engine.crypto;

import dev.stowage.engine.error.EngineException;
import dev.stowage.engine.manifest.PassphraseKdf;
import dev.stowage.engine.redact.Redactor;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;

/**
 * A passphrase from {@code --encryption-passphrase-file}, stretched into a 256-bit key with
 * PBKDF2-HMAC-SHA256 and a random salt per backup. The stretched key is a {@link MasterKey} like a
 * key file's, so its key id, MANIFEST MAC key and object keys come from the stretched key, never
 * from the passphrase: guessing a passphrase against a key id costs a full PBKDF2 per guess.
 */
public final class Passphrase {
  public static final String OPTION = "--encryption-passphrase-file";
  public static final String KDF = "PBKDF2-HMAC-SHA256";
  private static final String JDK_KDF = "PBKDF2WithHmacSHA256";

  /** OWASP's figure for PBKDF2-HMAC-SHA256 (Password Storage Cheat Sheet, 2023). */
  public static final int ITERATIONS = 600_000;

  /** What a MANIFEST may ask for; outside, it is refused before deriving (no spinning restore). */
  static final long MIN_ITERATIONS = 100_000;

  static final long MAX_ITERATIONS = 10_000_000;
  static final int SALT_BYTES = 16;
  public static final int MIN_LENGTH = 12;
  private static final int MAX_FILE_BYTES = 4096;

  private final char[] chars;
  private final String source;

  /** Keys already stretched, by salt and iterations: a MANIFEST read twice is stretched once. */
  private final Map<String, MasterKey> derived = new ConcurrentHashMap<>();

  private Passphrase(char[] chars, String source) {
    this.chars = chars;
    this.source = source;
    // Masked wherever it could be printed (defence in depth: the engine never prints it).
    Redactor.standard().addSecret(new String(chars));
  }

  /** For tests and callers that hold the passphrase themselves. */
  public static Passphrase of(String text) {
    if (text.codePointCount(0, text.length()) < MIN_LENGTH) {
      throw new IllegalArgumentException("a passphrase has at least 12 characters");
    }
    return new Passphrase(text.toCharArray(), "memory");
  }

  /**
   * Reads a passphrase file: UTF-8 text, trailing newlines stripped, at least {@value #MIN_LENGTH}
   * characters. Exit 2 naming the option and the file otherwise; the content is never quoted.
   */
  public static Passphrase read(Path file) {
    byte[] content;
    try (InputStream in = Files.newInputStream(file)) {
      content = in.readNBytes(MAX_FILE_BYTES + 1);
    } catch (NoSuchFileException e) {
      throw EngineException.invalid(
          OPTION
              + " "
              + file
              + " does not exist; mount the Secret that holds the passphrase there");
    } catch (IOException e) {
      throw EngineException.invalid(
          OPTION + " " + file + " cannot be read: " + e.getClass().getSimpleName());
    }
    try {
      if (content.length > MAX_FILE_BYTES) {
        throw EngineException.invalid(
            OPTION
                + " "
                + file
                + " holds more than "
                + MAX_FILE_BYTES
                + " bytes: a passphrase file holds one line of UTF-8 text");
      }
      char[] text;
      try {
        var decoded =
            StandardCharsets.UTF_8
                .newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT)
                .decode(ByteBuffer.wrap(content));
        text = new char[decoded.remaining()];
        decoded.get(text);
        Arrays.fill(decoded.array(), '\0');
      } catch (CharacterCodingException e) {
        throw EngineException.invalid(
            OPTION
                + " "
                + file
                + " is not UTF-8 text: write the passphrase as UTF-8 (one line; a trailing newline"
                + " is ignored)");
      }
      int end = text.length;
      while (end > 0 && (text[end - 1] == '\n' || text[end - 1] == '\r')) {
        end--;
      }
      char[] stripped = Arrays.copyOf(text, end);
      Arrays.fill(text, '\0');
      int length = Character.codePointCount(stripped, 0, stripped.length);
      if (length < MIN_LENGTH) {
        Arrays.fill(stripped, '\0');
        throw EngineException.invalid(
            OPTION
                + " "
                + file
                + " holds a passphrase of "
                + length
                + " characters (after trailing newlines): give at least "
                + MIN_LENGTH
                + " (e.g. several random words, or `openssl rand -base64 24`), or a 256-bit key"
                + " with "
                + KeyRing.OPTION);
      }
      return new Passphrase(stripped, file.toString());
    } finally {
      Arrays.fill(content, (byte) 0);
    }
  }

  /** Where the passphrase came from (a file path), for messages. */
  public String source() {
    return source;
  }

  /** The parameters of a new backup: a fresh random salt and {@link #ITERATIONS}. */
  static PassphraseKdf newParameters() {
    byte[] salt = new byte[SALT_BYTES];
    new SecureRandom().nextBytes(salt);
    PassphraseKdf p = new PassphraseKdf();
    p.kdf = KDF;
    p.salt = Base64.getEncoder().encodeToString(salt);
    p.iterations = ITERATIONS;
    return p;
  }

  /**
   * Checks a MANIFEST's parameters before anything is derived from them, so that whoever can write
   * the bucket cannot make a restore spin or fail obscurely: exit 4 naming the field.
   */
  static byte[] checkedSalt(PassphraseKdf p, String where) {
    String field = "StowageEncryption.Passphrase.";
    if (!KDF.equals(p.kdf)) {
      throw refused(where, field + "Kdf is " + p.kdf + ", this engine derives only with " + KDF);
    }
    if (p.iterations < MIN_ITERATIONS || p.iterations > MAX_ITERATIONS) {
      throw refused(
          where,
          field
              + "Iterations is "
              + p.iterations
              + ", outside "
              + MIN_ITERATIONS
              + ".."
              + MAX_ITERATIONS
              + " (Stowage writes "
              + ITERATIONS
              + ")");
    }
    byte[] salt;
    try {
      salt = Base64.getDecoder().decode(p.salt == null ? "" : p.salt);
    } catch (IllegalArgumentException e) {
      throw refused(where, field + "Salt is not base64");
    }
    if (salt.length != SALT_BYTES) {
      throw refused(
          where, field + "Salt is " + salt.length + " bytes, not " + SALT_BYTES + " (base64)");
    }
    return salt;
  }

  private static EngineException refused(String where, String what) {
    return EngineException.integrity(
        where,
        "MANIFEST "
            + where
            + " is refused before any key is derived from it: "
            + what
            + ". It was altered or written by another tool; restore another backup");
  }

  /** The key stretched from this passphrase with a backup's (checked) salt and iterations. */
  MasterKey derive(byte[] salt, int iterations) {
    return derived.computeIfAbsent(
        Base64.getEncoder().encodeToString(salt) + "/" + iterations,
        k -> {
          byte[] secret = pbkdf2(salt, iterations);
          try {
            Redactor.standard().addSecret(Base64.getEncoder().encodeToString(secret));
            Redactor.standard().addSecret(HexFormat.of().formatHex(secret));
            return new MasterKey(secret, "passphrase file " + source);
          } finally {
            Arrays.fill(secret, (byte) 0);
          }
        });
  }

  private byte[] pbkdf2(byte[] salt, int iterations) {
    PBEKeySpec spec = new PBEKeySpec(chars, salt, iterations, KeyRing.KEY_BYTES * 8);
    try {
      return SecretKeyFactory.getInstance(JDK_KDF).generateSecret(spec).getEncoded();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("the JDK lacks " + JDK_KDF, e);
    } finally {
      spec.clearPassword();
    }
  }

  @Override
  public String toString() {
    return "passphrase (" + source + ")";
  }
}
