package dev.stowage.engine.cli;

import dev.stowage.engine.crypto.KeyRing;
import dev.stowage.engine.crypto.Passphrase;
import dev.stowage.engine.error.EngineException;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Option;

/**
 * Client-side encryption: the key files of {@code --encryption-key-file} and the passphrase files
 * of {@code --encryption-passphrase-file}.
 */
final class EncryptionOptions {
  @Option(
      names = KeyRing.OPTION,
      paramLabel = "PATH",
      description =
          "Client-side encryption (AES-256-GCM): a file holding a 256-bit key (32 raw bytes, or"
              + " their base64). backup encrypts with the first one given; restore and verify"
              + " pick the one whose key id the MANIFEST names (repeat the option during a key"
              + " rotation) and refuse an unencrypted backup. Never logged.")
  List<Path> keyFiles;

  @Option(
      names = Passphrase.OPTION,
      paramLabel = "PATH",
      description =
          "Client-side encryption with a passphrase instead of a key: a UTF-8 text file (trailing"
              + " newlines ignored, at least 12 characters), stretched with PBKDF2-HMAC-SHA256"
              + " (600,000 iterations, a random salt per backup, both recorded in the MANIFEST)."
              + " backup encrypts with the first one (not together with "
              + KeyRing.OPTION
              + "); restore and verify take it repeatedly and together with "
              + KeyRing.OPTION
              + " (rotation). Never logged.")
  List<Path> passphraseFiles;

  /** The keys and passphrases, read and checked (exit 2 on a bad file), or null when none. */
  KeyRing keys() {
    return KeyRing.load(keyFiles, passphraseFiles);
  }

  /**
   * What a backup is encrypted with (exit 2 on a bad file, or a key file and a passphrase file
   * together: a backup has one key), or null when none is given. {@code check} runs the same.
   */
  KeyRing forBackup() {
    if (keyFiles != null
        && !keyFiles.isEmpty()
        && passphraseFiles != null
        && !passphraseFiles.isEmpty()) {
      throw EngineException.invalid(
          KeyRing.OPTION
              + " and "
              + Passphrase.OPTION
              + " were both given: a backup is encrypted with one key; give either a key file"
              + " or a passphrase file");
    }
    return keys();
  }
}
