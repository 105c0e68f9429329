package dev.stowage.engine.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stowage.engine.error.EngineException;
import dev.stowage.engine.redact.Redactor;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code --encryption-passphrase-file}: what a passphrase file may hold, and what is refused. */
class PassphraseFileTest {
  @TempDir Path tmp;

  private static int exit(Throwable e) {
    return ((EngineException) e).exitCode().code();
  }

  private Path write(String name, byte[] content) throws Exception {
    Path f = tmp.resolve(name);
    Files.write(f, content);
    return f;
  }

  /** The key a passphrase yields for a fixed salt, to compare two ways of writing it. */
  private static String idOf(Passphrase p) {
    return p.derive(new byte[16], 100_000).id();
  }

  @Test
  void trailingNewlinesAreStrippedAndNothingElse() throws Exception {
    Path lf = write("lf", "  twelve chars ok \n\n".getBytes(StandardCharsets.UTF_8));
    Path crlf = write("crlf", "  twelve chars ok \r\n".getBytes(StandardCharsets.UTF_8));
    String expected = idOf(Passphrase.of("  twelve chars ok "));
    assertThat(idOf(Passphrase.read(lf))).isEqualTo(expected);
    assertThat(idOf(Passphrase.read(crlf))).isEqualTo(expected);
    // Leading and inner spaces are part of the passphrase.
    assertThat(idOf(Passphrase.of("twelve chars ok"))).isNotEqualTo(expected);
  }

  @Test
  void aTooShortPassphraseExitsTwoNamingTheFileAndWhatToDo() throws Exception {
    Path f = write("short.txt", "elevenchars\n".getBytes(StandardCharsets.UTF_8));
    assertThatThrownBy(() -> Passphrase.read(f))
        .satisfies(e -> assertThat(exit(e)).isEqualTo(2))
        .hasMessageContaining("--encryption-passphrase-file " + f)
        .hasMessageContaining("11 characters")
        .hasMessageContaining("at least 12")
        .hasMessageNotContaining("elevenchars");
  }

  @Test
  void twelveCharactersCountCodePointsNotBytes() throws Exception {
    // 12 characters, 24 bytes of UTF-8: accepted; 11 of them: refused.
    String twelve = "ééééééééééé".repeat(1) + "é";
    assertThat(twelve.codePointCount(0, twelve.length())).isEqualTo(12);
    Passphrase.read(write("ok", twelve.getBytes(StandardCharsets.UTF_8)));
    Path f = write("eleven", twelve.substring(1).getBytes(StandardCharsets.UTF_8));
    assertThatThrownBy(() -> Passphrase.read(f)).satisfies(e -> assertThat(exit(e)).isEqualTo(2));
  }

  @Test
  void aFileThatIsNotUtf8ExitsTwo() throws Exception {
    Path f = write("latin1", "passphrase mit Umlaut ä".getBytes(StandardCharsets.ISO_8859_1));
    assertThatThrownBy(() -> Passphrase.read(f))
        .satisfies(e -> assertThat(exit(e)).isEqualTo(2))
        .hasMessageContaining(f.toString())
        .hasMessageContaining("not UTF-8");
  }

  @Test
  void aMissingFileExitsTwoNamingIt() {
    Path f = tmp.resolve("nope");
    assertThatThrownBy(() -> Passphrase.read(f))
        .satisfies(e -> assertThat(exit(e)).isEqualTo(2))
        .hasMessageContaining("--encryption-passphrase-file " + f)
        .hasMessageContaining("does not exist");
  }

  @Test
  void thePassphraseAndItsStretchedKeyAreSecretsOfTheRedactor() throws Exception {
    String secret = "redact me please, a passphrase";
    Passphrase p = Passphrase.read(write("p", (secret + "\n").getBytes(StandardCharsets.UTF_8)));
    byte[] stretched =
        javax.crypto.SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256")
            .generateSecret(
                new javax.crypto.spec.PBEKeySpec(secret.toCharArray(), new byte[16], 100_000, 256))
            .getEncoded();
    p.derive(new byte[16], 100_000);
    for (String s :
        List.of(
            secret,
            Base64.getEncoder().encodeToString(stretched),
            java.util.HexFormat.of().formatHex(stretched))) {
      assertThat(Redactor.standard().redact("x " + s + " y")).isEqualTo("x *** y");
    }
  }
}
