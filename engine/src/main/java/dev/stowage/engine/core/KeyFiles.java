package dev.stowage.engine.core;

import dev.stowage.engine.error.EngineException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Base64;

/** 256-bit keys read from files (SSE-C keys, backup encryption keys); never quoted in an error. */
public final class KeyFiles {
  public static final int KEY_BYTES = 32;
  private static final int MAX_KEY_FILE_BYTES = 4096;

  private KeyFiles() {}

  /**
   * Reads a key file holding exactly 32 raw bytes, or the base64 of 32 bytes (surrounding
   * whitespace and a trailing newline are ignored). Errors exit 2 and name the option, the path and
   * {@code what} the key is ("backup encryption key", "SSE-C key"), never the content.
   */
  public static byte[] read256(String option, Path file, String what) {
    byte[] content;
    try (InputStream in = Files.newInputStream(file)) {
      content = in.readNBytes(MAX_KEY_FILE_BYTES + 1);
    } catch (NoSuchFileException e) {
      throw EngineException.invalid(
          option
              + " "
              + file
              + " does not exist; mount the Secret that holds the "
              + what
              + " there");
    } catch (IOException e) {
      throw EngineException.invalid(
          option + " " + file + " cannot be read: " + e.getClass().getSimpleName());
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
          option
              + " "
              + file
              + " holds "
              + (content.length > MAX_KEY_FILE_BYTES
                  ? "more than " + MAX_KEY_FILE_BYTES
                  : String.valueOf(content.length))
              + " bytes that are not "
              + (what.startsWith("S") ? "an " : "a ")
              + what
              + ": give exactly 32 raw bytes (e.g. `openssl rand 32`) or the base64 of 32 bytes (44"
              + " characters, e.g. `openssl rand -base64 32`)");
    } finally {
      Arrays.fill(content, (byte) 0);
    }
  }
}
