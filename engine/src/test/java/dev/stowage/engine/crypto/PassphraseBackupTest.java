package dev.stowage.engine.crypto;

import static dev.stowage.engine.EngineFixture.DIR;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.stowage.engine.EngineFixture;
import dev.stowage.engine.backup.BackupRunner;
import dev.stowage.engine.backup.BackupSettings;
import dev.stowage.engine.core.RestoreMarker;
import dev.stowage.engine.core.Roots;
import dev.stowage.engine.error.EngineException;
import dev.stowage.engine.restore.RestoreRunner;
import dev.stowage.engine.restore.RestoreSettings;
import dev.stowage.engine.storage.file.FileStorage;
import dev.stowage.engine.testing.StoredBackup;
import dev.stowage.engine.testing.TreeSnapshot;
import dev.stowage.engine.verify.VerifyRunner;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.HexFormat;
import java.util.function.Predicate;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Backups encrypted with a passphrase (PBKDF2-HMAC-SHA256, a random salt per backup) on file
 * storage, in process: the round trip, the key id derived from the stretched key, a wrong
 * passphrase, a MANIFEST whose salt or iterations were altered, and a rotation from a key file.
 */
class PassphraseBackupTest {
  static final String PASSPHRASE = "correct horse battery staple";
  static final String OTHER_PASSPHRASE = "incorrect horse battery staple";
  static final byte[] KEY = EncryptedBackupTest.key(1);

  @TempDir Path tmp;
  Path data;
  Path root;
  FileStorage files;
  StoredBackup p1;

  private static final Predicate<String> BACKED_UP =
      p -> !p.equals("mysqld.pid") && !p.equals("shop/pipe");

  @BeforeEach
  void backUp() throws Exception {
    data = tmp.resolve("data");
    EngineFixture.writeDatadir(data);
    root = tmp.resolve("backups");
    Files.createDirectories(root);
    files = new FileStorage(root);
    backup("p1", KeyRing.ofPassphrases(Passphrase.of(PASSPHRASE)));
    p1 = StoredBackup.at(root, DIR, "p1");
  }

  private BackupRunner backup(String name, KeyRing keys) {
    BackupSettings s = EngineFixture.backupSettings(data, name);
    BackupRunner r = new BackupRunner(s, files, EngineFixture.fastRetrier(), keys);
    r.run();
    return r;
  }

  private RestoreRunner restorer(Path target, String name, KeyRing keys, boolean overwrite) {
    RestoreSettings s =
        new RestoreSettings(new Roots(target, null, null), DIR, name, 3, overwrite, true);
    return new RestoreRunner(s, files, EngineFixture.fastRetrier(), RestoreRunner.FSYNC, keys);
  }

  private static KeyRing passphrase(String p) {
    return KeyRing.ofPassphrases(Passphrase.of(p));
  }

  private Path occupiedTarget() throws Exception {
    Path t = tmp.resolve("target");
    Files.createDirectories(t);
    Files.writeString(t.resolve("precious.txt"), "old data");
    return t;
  }

  private static void assertUntouched(Path t) throws Exception {
    assertThat(Files.readString(t.resolve("precious.txt"))).isEqualTo("old data");
    assertThat(t.resolve(RestoreMarker.NAME)).doesNotExist();
    try (var s = Files.list(t)) {
      assertThat(s.count()).isEqualTo(1);
    }
  }

  private static int exit(Throwable e) {
    return ((EngineException) e).exitCode().code();
  }

  private ObjectNode passphraseEntry() {
    return (ObjectNode) p1.manifest().path("StowageEncryption").path("Passphrase");
  }

  private void editPassphraseEntry(String field, Object value) {
    ObjectNode m = p1.manifest();
    ObjectNode p = (ObjectNode) m.path("StowageEncryption").path("Passphrase");
    if (value instanceof Long l) {
      p.put(field, l);
    } else {
      p.put(field, (String) value);
    }
    p1.writeManifest(m);
  }

  /** PBKDF2-HMAC-SHA256 computed here, independently of the engine. */
  private static byte[] pbkdf2(String passphrase, byte[] salt, int iterations) throws Exception {
    return SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256")
        .generateSecret(new PBEKeySpec(passphrase.toCharArray(), salt, iterations, 256))
        .getEncoded();
  }

  @Test
  void roundTripWithAPassphraseOnFileStorage() throws Exception {
    ObjectNode enc = (ObjectNode) p1.manifest().path("StowageEncryption");
    assertThat(enc.path("Cipher").asText()).isEqualTo("AES-256-GCM");
    ObjectNode p = passphraseEntry();
    assertThat(p.path("Kdf").asText()).isEqualTo("PBKDF2-HMAC-SHA256");
    assertThat(p.path("Iterations").asLong()).isEqualTo(600_000);
    assertThat(Base64.getDecoder().decode(p.path("Salt").asText())).hasSize(16);
    Path target = tmp.resolve("r");
    RestoreRunner r = restorer(target, "p1", passphrase(PASSPHRASE), false);
    r.run();
    assertThat(TreeSnapshot.of(target).filter(BACKED_UP).withoutTimes())
        .isEqualTo(TreeSnapshot.of(data).filter(BACKED_UP).withoutTimes());
    assertThat(target.resolve(RestoreMarker.NAME)).doesNotExist();
    assertThat(r.encryptionUsed().keyId()).isEqualTo(enc.path("KeyId").asText());
    new VerifyRunner(files, EngineFixture.fastRetrier(), passphrase(PASSPHRASE))
        .run(DIR, "p1", 2, true);
  }

  @Test
  void theKeyIdIsAFingerprintOfTheStretchedKeyNotOfThePassphrase() throws Exception {
    String keyId = p1.manifest().path("StowageEncryption").path("KeyId").asText();
    byte[] salt = Base64.getDecoder().decode(passphraseEntry().path("Salt").asText());
    byte[] stretched = pbkdf2(PASSPHRASE, salt, 600_000);
    assertThat(keyId).isEqualTo(new MasterKey(stretched, "test").id());
    // Not a cheap function of the passphrase: neither its bytes' id nor a single-round PBKDF2's.
    assertThat(keyId)
        .isNotEqualTo(new MasterKey(PASSPHRASE.getBytes(StandardCharsets.UTF_8), "test").id())
        .isNotEqualTo(new MasterKey(pbkdf2(PASSPHRASE, salt, 1), "test").id());
    // A random salt per backup: the same passphrase gives another salt and key id next time.
    StoredBackup p2 = StoredBackup.at(root, DIR, "p2");
    backup("p2", passphrase(PASSPHRASE));
    ObjectNode enc2 = (ObjectNode) p2.manifest().path("StowageEncryption");
    assertThat(enc2.path("Passphrase").path("Salt").asText())
        .isNotEqualTo(passphraseEntry().path("Salt").asText());
    assertThat(enc2.path("KeyId").asText()).isNotEqualTo(keyId);
  }

  @Test
  void aWrongPassphraseIsRefusedWithExitFourBeforeAnyWrite() throws Exception {
    Path t = occupiedTarget();
    String keyId = p1.manifest().path("StowageEncryption").path("KeyId").asText();
    assertThatThrownBy(() -> restorer(t, "p1", passphrase(OTHER_PASSPHRASE), true).run())
        .satisfies(e -> assertThat(exit(e)).isEqualTo(4))
        .hasMessageContaining("key id " + keyId)
        .hasMessageContaining("wrong passphrase")
        .hasMessageContaining("--encryption-passphrase-file");
    assertUntouched(t);
    assertThatThrownBy(
            () ->
                new VerifyRunner(files, EngineFixture.fastRetrier(), passphrase(OTHER_PASSPHRASE))
                    .run(DIR, "p1", 2, true))
        .satisfies(e -> assertThat(exit(e)).isEqualTo(4));
  }

  @Test
  void noPassphraseIsRefusedNamingTheOption() throws Exception {
    Path t = occupiedTarget();
    assertThatThrownBy(() -> restorer(t, "p1", null, true).run())
        .satisfies(e -> assertThat(exit(e)).isEqualTo(4))
        .hasMessageContaining("--encryption-passphrase-file");
    assertThatThrownBy(() -> restorer(t, "p1", KeyRing.of(KEY), true).run())
        .satisfies(e -> assertThat(exit(e)).isEqualTo(4))
        .hasMessageContaining("no --encryption-passphrase-file was given");
    assertUntouched(t);
  }

  @Test
  void aTamperedSaltIsRefusedBeforeAnyWrite() throws Exception {
    byte[] salt = Base64.getDecoder().decode(passphraseEntry().path("Salt").asText());
    salt[0] ^= 1;
    editPassphraseEntry("Salt", Base64.getEncoder().encodeToString(salt));
    Path t = occupiedTarget();
    assertThatThrownBy(() -> restorer(t, "p1", passphrase(PASSPHRASE), true).run())
        .satisfies(e -> assertThat(exit(e)).isEqualTo(4))
        .hasMessageContaining("Salt or Iterations were altered");
    assertUntouched(t);
  }

  @Test
  void aTamperedIterationCountIsRefusedBeforeAnyWrite() throws Exception {
    editPassphraseEntry("Iterations", 600_001L);
    Path t = occupiedTarget();
    assertThatThrownBy(() -> restorer(t, "p1", passphrase(PASSPHRASE), true).run())
        .satisfies(e -> assertThat(exit(e)).isEqualTo(4))
        .hasMessageContaining("Salt or Iterations were altered");
    assertUntouched(t);
  }

  @Test
  void anAbsurdIterationCountIsRefusedBeforeDerivingNamingTheField() throws Exception {
    editPassphraseEntry("Iterations", 2_000_000_000_000L);
    Path t = occupiedTarget();
    assertThatThrownBy(() -> restorer(t, "p1", passphrase(PASSPHRASE), true).run())
        .satisfies(e -> assertThat(exit(e)).isEqualTo(4))
        .hasMessageContaining("StowageEncryption.Passphrase.Iterations is 2000000000000")
        .hasMessageContaining("before any key is derived");
    assertUntouched(t);
  }

  @Test
  void aSaltThatIsNotSixteenBytesIsRefusedBeforeDerivingNamingTheField() throws Exception {
    editPassphraseEntry("Salt", Base64.getEncoder().encodeToString(new byte[15]));
    Path t = occupiedTarget();
    assertThatThrownBy(() -> restorer(t, "p1", passphrase(PASSPHRASE), true).run())
        .satisfies(e -> assertThat(exit(e)).isEqualTo(4))
        .hasMessageContaining("StowageEncryption.Passphrase.Salt is 15 bytes")
        .hasMessageContaining("before any key is derived");
    assertUntouched(t);
  }

  /** The MAC of a passphrase backup is computed on a second read (the key needs the salt). */
  @Test
  void anEditedManifestOfAPassphraseBackupIsRefusedBeforeAnyWrite() throws Exception {
    String text = Files.readString(p1.manifestPath());
    assertThat(text).contains("\"0640\"");
    Files.writeString(p1.manifestPath(), text.replaceFirst("\"0640\"", "\"4777\""));
    Path t = occupiedTarget();
    assertThatThrownBy(() -> restorer(t, "p1", passphrase(PASSPHRASE), true).run())
        .satisfies(e -> assertThat(exit(e)).isEqualTo(4))
        .hasMessageContaining("does not authenticate");
    assertUntouched(t);
  }

  @Test
  void aRestoreWithAKeyFileAndAPassphraseFilePicksTheRightOne() throws Exception {
    backup("k1", KeyRing.of(KEY));
    KeyRing both =
        KeyRing.of(EncryptedBackupTest.key(2), KEY)
            .withPassphrases(Passphrase.of(OTHER_PASSPHRASE), Passphrase.of(PASSPHRASE));
    RestoreRunner fromKey = restorer(tmp.resolve("rk"), "k1", both, false);
    fromKey.run();
    assertThat(fromKey.encryptionUsed().keyId()).isEqualTo(KeyRing.of(KEY).primary().id());
    assertThat(fromKey.encryptionUsed().form()).isEqualTo("Key");
    RestoreRunner fromPassphrase = restorer(tmp.resolve("rp"), "p1", both, false);
    fromPassphrase.run();
    assertThat(fromPassphrase.encryptionUsed().keyId())
        .isEqualTo(p1.manifest().path("StowageEncryption").path("KeyId").asText());
    assertThat(fromPassphrase.encryptionUsed().form()).isEqualTo("Passphrase");
    assertThat(TreeSnapshot.of(tmp.resolve("rk")).contentOnly())
        .isEqualTo(TreeSnapshot.of(tmp.resolve("rp")).contentOnly());
  }

  @Test
  void aKeyFileBackupRestoredWithOnlyAPassphraseIsRefused() throws Exception {
    backup("k1", KeyRing.of(KEY));
    Path t = occupiedTarget();
    assertThatThrownBy(() -> restorer(t, "k1", passphrase(PASSPHRASE), true).run())
        .satisfies(e -> assertThat(exit(e)).isEqualTo(4))
        .hasMessageContaining("only a passphrase was given")
        .hasMessageContaining("--encryption-key-file");
    assertUntouched(t);
  }

  @Test
  void theBackupReportsTheKeyIdOfTheStretchedKey() {
    BackupRunner r = backup("p3", passphrase(PASSPHRASE));
    String inManifest =
        StoredBackup.at(root, DIR, "p3")
            .manifest()
            .path("StowageEncryption")
            .path("KeyId")
            .asText();
    assertThat(r.encryptionUsed().keyId()).isEqualTo(inManifest).matches("[0-9a-f]{16}");
    assertThat(r.encryptionUsed().form()).isEqualTo("Passphrase");
    assertThat(HexFormat.of().parseHex(inManifest)).hasSize(8);
  }
}
