package dev.stowage.engine.cli;

import dev.stowage.engine.crypto.KeyRing;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Option;

/** Client-side encryption: the key files of {@code --encryption-key-file}. */
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

  /** The keys, read and checked (exit 2 on a bad file), or null when none is given. */
  KeyRing keys() {
    return KeyRing.load(keyFiles);
  }
}
