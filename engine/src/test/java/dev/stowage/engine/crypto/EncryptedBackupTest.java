package dev.stowage.engine.crypto;

import static dev.stowage.engine.EngineFixture.DIR;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.stowage.engine.EngineFixture;
import dev.stowage.engine.backup.BackupRunner;
import dev.stowage.engine.backup.BackupSettings;
import dev.stowage.engine.core.RestoreMarker;
import dev.stowage.engine.core.Roots;
import dev.stowage.engine.error.EngineException;
import dev.stowage.engine.manifest.Encryption;
import dev.stowage.engine.restore.RestoreRunner;
import dev.stowage.engine.restore.RestoreSettings;
import dev.stowage.engine.storage.BackupLocation;
import dev.stowage.engine.storage.file.FileStorage;
import dev.stowage.engine.testing.StoredBackup;
import dev.stowage.engine.testing.TreeSnapshot;
import dev.stowage.engine.verify.VerifyRunner;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.Predicate;
import java.util.zip.CRC32;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Encrypted backups on file storage, in process: the round trip (chunked and whole files), and
 * every refusal of issue 16 (wrong or missing key, a flipped byte, swapped objects, a truncated
 * object, a replaced or edited MANIFEST) with exit 4 and the target untouched where the MANIFEST is
 * at fault.
 */
class EncryptedBackupTest {
  static final byte[] KEY = key(1);
  static final byte[] OTHER_KEY = key(2);

  @TempDir Path tmp;
  Path data;
  Path root;
  FileStorage files;
  StoredBackup b1;

  private static final Predicate<String> BACKED_UP =
      p -> !p.equals("mysqld.pid") && !p.equals("shop/pipe");

  static byte[] key(long seed) {
    byte[] k = new byte[32];
    new Random(seed).nextBytes(k);
    return k;
  }

  @BeforeEach
  void backUp() throws Exception {
    data = tmp.resolve("data");
    EngineFixture.writeDatadir(data);
    root = tmp.resolve("backups");
    Files.createDirectories(root);
    files = new FileStorage(root);
    backup("b1", KeyRing.of(KEY));
    b1 = StoredBackup.at(root, DIR, "b1");
  }

  private void backup(String name, KeyRing keys) {
    BackupSettings s = EngineFixture.backupSettings(data, name);
    new BackupRunner(s, files, EngineFixture.fastRetrier(), keys).run();
  }

  private RestoreRunner restorer(Path target, String name, KeyRing keys, boolean overwrite) {
    RestoreSettings s =
        new RestoreSettings(new Roots(target, null, null), DIR, name, 3, overwrite, true);
    return new RestoreRunner(s, files, EngineFixture.fastRetrier(), RestoreRunner.FSYNC, keys);
  }

  /** A target holding one file, restored into with --overwrite: a refusal must leave it. */
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

  /** Objects of the chunked ibdata1 (9 MiB + 4321 in 4 MiB chunks: two equal-sized chunks). */
  private List<StoredBackup.Chunk> ibdataChunks() {
    return b1.files().stream().filter(f -> f.name().equals("ibdata1")).findFirst().get().chunks();
  }

  private String wholeFileObject(String name) {
    return Integer.toString(
        b1.files().stream().filter(f -> f.name().equals(name)).findFirst().get().index());
  }

  @Test
  void roundTripOfChunkedAndWholeFilesOnFileStorage() throws Exception {
    ObjectNode m = b1.manifest();
    ObjectNode enc = (ObjectNode) m.path("StowageEncryption");
    assertThat(enc.path("Cipher").asText()).isEqualTo("AES-256-GCM");
    assertThat(enc.path("KeyId").asText()).isEqualTo(KeyRing.of(KEY).primary().id());
    assertThat(enc.path("ManifestMac").asText()).isEqualTo("MANIFEST.hmac");
    assertThat(b1.dir().resolve("MANIFEST.hmac")).exists();
    assertThat(ibdataChunks()).hasSize(3);
    // every object is sealed: STWE header, never a zstd frame
    for (String o : List.of(ibdataChunks().get(0).storageName(), wholeFileObject("shop/db.opt"))) {
      byte[] head = Arrays.copyOf(Files.readAllBytes(b1.dir().resolve(o)), 4);
      assertThat(new String(head, StandardCharsets.US_ASCII)).isEqualTo("STWE");
    }
    Path target = tmp.resolve("r");
    restorer(target, "b1", KeyRing.of(KEY), false).run();
    assertThat(TreeSnapshot.of(target).filter(BACKED_UP).withoutTimes())
        .isEqualTo(TreeSnapshot.of(data).filter(BACKED_UP).withoutTimes());
    assertThat(target.resolve(RestoreMarker.NAME)).doesNotExist();
    new VerifyRunner(files, EngineFixture.fastRetrier(), KeyRing.of(KEY)).run(DIR, "b1", 2, true);
  }

  @Test
  void anUnencryptedBackupHasNoTraceOfEncryption() throws Exception {
    backup("plain", null);
    StoredBackup plain = StoredBackup.at(root, DIR, "plain");
    assertThat(plain.manifest().has("StowageEncryption")).isFalse();
    assertThat(plain.dir().resolve("MANIFEST.hmac")).doesNotExist();
    byte[] head = Arrays.copyOf(Files.readAllBytes(plain.dir().resolve("0")), 4);
    assertThat(head).isEqualTo(new byte[] {0x28, (byte) 0xb5, 0x2f, (byte) 0xfd}); // zstd frame
    // the same key set as before encryption existed
    ObjectNode enc = b1.manifest();
    enc.remove("StowageEncryption");
    assertThat(plain.manifest().fieldNames())
        .toIterable()
        .containsExactlyElementsOf(() -> enc.fieldNames());
  }

  @Test
  void aWrongKeyIsRefusedNamingTheExpectedKeyIdBeforeAnyWrite() throws Exception {
    Path t = occupiedTarget();
    String expected = KeyRing.of(KEY).primary().id();
    assertThatThrownBy(() -> restorer(t, "b1", KeyRing.of(OTHER_KEY), true).run())
        .satisfies(e -> assertThat(exit(e)).isEqualTo(4))
        .hasMessageContaining("key id " + expected)
        .hasMessageContaining(KeyRing.of(OTHER_KEY).primary().id())
        .hasMessageContaining("wrong key");
    assertUntouched(t);
  }

  @Test
  void noKeyIsRefusedBeforeAnyWrite() throws Exception {
    Path t = occupiedTarget();
    assertThatThrownBy(() -> restorer(t, "b1", null, true).run())
        .satisfies(e -> assertThat(exit(e)).isEqualTo(4))
        .hasMessageContaining("is encrypted")
        .hasMessageContaining("--encryption-key-file")
        .hasMessageContaining(KeyRing.of(KEY).primary().id());
    assertUntouched(t);
    assertThatThrownBy(
            () -> new VerifyRunner(files, EngineFixture.fastRetrier()).run(DIR, "b1", 2, true))
        .satisfies(e -> assertThat(exit(e)).isEqualTo(4));
  }

  @Test
  void duringARotationTheKeyNamedByTheManifestIsPicked() throws Exception {
    backup("b2", KeyRing.of(OTHER_KEY, KEY)); // the new key first: b2 is written with it
    assertThat(
            StoredBackup.at(root, DIR, "b2")
                .manifest()
                .path("StowageEncryption")
                .path("KeyId")
                .asText())
        .isEqualTo(KeyRing.of(OTHER_KEY).primary().id());
    KeyRing both = KeyRing.of(OTHER_KEY, KEY);
    restorer(tmp.resolve("r1"), "b1", both, false).run();
    restorer(tmp.resolve("r2"), "b2", both, false).run();
    assertThat(TreeSnapshot.of(tmp.resolve("r1")).contentOnly())
        .isEqualTo(TreeSnapshot.of(tmp.resolve("r2")).contentOnly());
  }

  @Test
  void anUnencryptedBackupIsRefusedWhenAKeyIsGiven() throws Exception {
    // Whoever can write the bucket could otherwise swap an encrypted backup for a plain one.
    backup("plain", null);
    Path t = occupiedTarget();
    assertThatThrownBy(() -> restorer(t, "plain", KeyRing.of(KEY), true).run())
        .satisfies(e -> assertThat(exit(e)).isEqualTo(4))
        .hasMessageContaining("is not encrypted");
    assertUntouched(t);
  }

  @Test
  void aFlippedByteInAnObjectFailsTheRestoreAndLeavesTheMarker() throws Exception {
    Path obj = b1.dir().resolve(ibdataChunks().get(1).storageName());
    byte[] b = Files.readAllBytes(obj);
    b[b.length / 2] ^= 0x01;
    Files.write(obj, b);
    Path t = tmp.resolve("r");
    assertThatThrownBy(() -> restorer(t, "b1", KeyRing.of(KEY), false).run())
        .satisfies(e -> assertThat(exit(e)).isEqualTo(4))
        .hasMessageContaining("does not authenticate")
        .hasMessageContaining(ibdataChunks().get(1).storageName());
    assertThat(t.resolve(RestoreMarker.NAME)).exists();
    assertThatThrownBy(
            () ->
                new VerifyRunner(files, EngineFixture.fastRetrier(), KeyRing.of(KEY))
                    .run(DIR, "b1", 2, true))
        .satisfies(e -> assertThat(exit(e)).isEqualTo(4))
        .hasMessageContaining("does not authenticate");
  }

  @Test
  void twoObjectsSwappedFail() throws Exception {
    Path a = b1.dir().resolve(ibdataChunks().get(0).storageName());
    Path c = b1.dir().resolve(ibdataChunks().get(1).storageName());
    Path swap = tmp.resolve("swap");
    Files.move(a, swap);
    Files.move(c, a);
    Files.move(swap, c);
    assertThatThrownBy(() -> restorer(tmp.resolve("r"), "b1", KeyRing.of(KEY), false).run())
        .satisfies(e -> assertThat(exit(e)).isEqualTo(4))
        .hasMessageContaining("does not authenticate");
  }

  /**
   * Even with a MANIFEST whose hashes follow the swap (re-signed here with the key, which a bucket
   * writer does not have), the associated data refuses an object in another object's place.
   */
  @Test
  void twoObjectsSwappedWithAgreeingHashesFailOnTheirPlace() throws Exception {
    String o0 = ibdataChunks().get(0).storageName();
    String o1 = ibdataChunks().get(1).storageName();
    Path a = b1.dir().resolve(o0);
    Path c = b1.dir().resolve(o1);
    Path swap = tmp.resolve("swap");
    Files.move(a, swap);
    Files.move(c, a);
    Files.move(swap, c);
    ObjectNode m = b1.manifest();
    for (var fe : m.path("FileEntries")) {
      if (fe.path("Name").asText().equals("ibdata1")) {
        ArrayNode chunks = (ArrayNode) fe.path("Chunks");
        ObjectNode c0 = (ObjectNode) chunks.get(0);
        ObjectNode c1 = (ObjectNode) chunks.get(1);
        String h = c0.path("Hash").asText();
        c0.put("Hash", c1.path("Hash").asText());
        c1.put("Hash", h);
        long s = c0.path("StowageStoredSize").asLong();
        c0.put("StowageStoredSize", c1.path("StowageStoredSize").asLong());
        c1.put("StowageStoredSize", s);
      }
    }
    b1.writeManifest(m);
    resign("b1");
    assertThatThrownBy(() -> restorer(tmp.resolve("r"), "b1", KeyRing.of(KEY), false).run())
        .satisfies(e -> assertThat(exit(e)).isEqualTo(4))
        .hasMessageContaining("does not authenticate")
        .hasMessageContaining("CRC-32 matches");
  }

  private void resign(String name) throws Exception {
    StoredBackup b = StoredBackup.at(root, DIR, name);
    BackupEncryption enc = BackupEncryption.forNewBackup(KeyRing.of(KEY).primary(), null);
    Files.write(
        b.dir().resolve("MANIFEST.hmac"),
        ManifestAuth.sign(enc, name, Files.readAllBytes(b.manifestPath())));
  }

  @Test
  void aTruncatedObjectFails() throws Exception {
    Path obj = b1.dir().resolve(wholeFileObject("ib_logfile0"));
    byte[] b = Files.readAllBytes(obj);
    Files.write(obj, Arrays.copyOf(b, b.length - 100));
    Path t = tmp.resolve("r");
    assertThatThrownBy(() -> restorer(t, "b1", KeyRing.of(KEY), false).run())
        .satisfies(e -> assertThat(exit(e)).isEqualTo(4))
        .hasMessageContaining("does not authenticate");
    assertThat(t.resolve(RestoreMarker.NAME)).exists();
  }

  /**
   * Backups sealed before 2026-12-07 have 8 KiB segments (64 KiB since): every object of b1 opened
   * and sealed again in 8 KiB segments, the MANIFEST saying so (with the objects' new hashes and
   * stored sizes, signed again), restores and verifies.
   */
  @Test
  void aBackupSealedIn8KiBSegmentsAsBeforeRestores() throws Exception {
    ObjectNode m = b1.manifest();
    ObjectNode info = (ObjectNode) m.path("StowageEncryption");
    assertThat(info.path("SegmentSize").asInt()).isEqualTo(64 << 10);
    MasterKey key = KeyRing.of(KEY).primary();
    ObjectCipher opener = cipherFor(key, info);
    info.put("SegmentSize", 8 << 10);
    ObjectCipher sealer = cipherFor(key, info);
    int manySegments = 0;
    for (var fe : m.path("FileEntries")) {
      String index = wholeFileObject(fe.path("Name").asText());
      List<ObjectNode> objects = new ArrayList<>();
      fe.path("Chunks").forEach(c -> objects.add((ObjectNode) c));
      if (objects.isEmpty()) {
        objects.add((ObjectNode) fe);
      }
      for (ObjectNode o : objects) {
        boolean chunk = o.has("StorageName");
        String name = chunk ? o.path("StorageName").asText() : index;
        ObjectPlace place =
            new ObjectPlace(
                "b1",
                fe.path("Base").asText(),
                fe.path("Name").asText(),
                name,
                chunk ? o.path("Offset").asLong() : 0,
                chunk ? o.path("Size").asLong() : fe.path("StowageSize").asLong());
        Path path = b1.dir().resolve(name);
        ByteArrayOutputStream compressed = new ByteArrayOutputStream();
        try (var in = FileChannel.open(path)) {
          ObjectCipher.Opening open = opener.opening(in, place, false);
          ByteBuffer buf = ByteBuffer.allocate(10_000);
          while (open.read(buf.clear()) >= 0) {
            compressed.write(buf.array(), 0, buf.position());
          }
        }
        ByteArrayOutputStream sealed = new ByteArrayOutputStream();
        ObjectCipher.Sealing seal = sealer.sealing(Channels.newChannel(sealed), place);
        seal.write(ByteBuffer.wrap(compressed.toByteArray()));
        seal.finish();
        byte[] bytes = sealed.toByteArray();
        assertThat(bytes.length).isEqualTo(ObjectCipher.sealedSize(compressed.size(), 8 << 10));
        Files.write(path, bytes);
        CRC32 crc = new CRC32();
        crc.update(bytes);
        o.put("Hash", String.format("%08x", crc.getValue()));
        o.put("StowageStoredSize", bytes.length);
        if (compressed.size() > 8 << 10) {
          manySegments++;
        }
      }
    }
    assertThat(manySegments).as("objects of more than one 8 KiB segment").isPositive();
    // The MANIFEST decides: while it still says 64 KiB, the same objects do not authenticate.
    info.put("SegmentSize", 64 << 10);
    b1.writeManifest(m);
    resign("b1");
    Path wrong = tmp.resolve("wrong");
    assertThatThrownBy(() -> restorer(wrong, "b1", KeyRing.of(KEY), false).run())
        .satisfies(e -> assertThat(exit(e)).isEqualTo(4))
        .hasMessageContaining("does not authenticate");
    info.put("SegmentSize", 8 << 10);
    b1.writeManifest(m);
    resign("b1");
    Path target = tmp.resolve("r");
    restorer(target, "b1", KeyRing.of(KEY), false).run();
    assertThat(TreeSnapshot.of(target).filter(BACKED_UP).withoutTimes())
        .isEqualTo(TreeSnapshot.of(data).filter(BACKED_UP).withoutTimes());
    new VerifyRunner(files, EngineFixture.fastRetrier(), KeyRing.of(KEY)).run(DIR, "b1", 2, true);
  }

  private static ObjectCipher cipherFor(MasterKey key, ObjectNode info) throws Exception {
    Encryption e = new ObjectMapper().treeToValue(info, Encryption.class);
    return BackupEncryption.forExisting(key, e, "b1").newCipher();
  }

  @Test
  void theManifestOfAnotherEncryptedBackupIsRefusedBeforeAnyWrite() throws Exception {
    backup("b2", KeyRing.of(KEY));
    StoredBackup b2 = StoredBackup.at(root, DIR, "b2");
    Files.copy(b2.manifestPath(), b1.manifestPath(), StandardCopyOption.REPLACE_EXISTING);
    Files.copy(
        b2.dir().resolve("MANIFEST.hmac"),
        b1.dir().resolve("MANIFEST.hmac"),
        StandardCopyOption.REPLACE_EXISTING);
    Path t = occupiedTarget();
    assertThatThrownBy(() -> restorer(t, "b1", KeyRing.of(KEY), true).run())
        .satisfies(e -> assertThat(exit(e)).isEqualTo(4))
        .hasMessageContaining("does not authenticate");
    assertUntouched(t);
  }

  @Test
  void anEditedManifestIsRefusedBeforeAnyWrite() throws Exception {
    String text = Files.readString(b1.manifestPath());
    assertThat(text).contains("\"0640\"");
    // one permission widened: a bucket writer making a table world-writable and setuid
    Files.writeString(b1.manifestPath(), text.replaceFirst("\"0640\"", "\"4777\""));
    Path t = occupiedTarget();
    assertThatThrownBy(() -> restorer(t, "b1", KeyRing.of(KEY), true).run())
        .satisfies(e -> assertThat(exit(e)).isEqualTo(4))
        .hasMessageContaining("MANIFEST")
        .hasMessageContaining("does not authenticate");
    assertUntouched(t);
    assertThatThrownBy(
            () ->
                new VerifyRunner(files, EngineFixture.fastRetrier(), KeyRing.of(KEY))
                    .run(DIR, "b1", 2, true))
        .satisfies(e -> assertThat(exit(e)).isEqualTo(4))
        .hasMessageContaining("does not authenticate");
  }

  @Test
  void aMissingManifestMacIsRefusedBeforeAnyWrite() throws Exception {
    Files.delete(b1.dir().resolve("MANIFEST.hmac"));
    Path t = occupiedTarget();
    assertThatThrownBy(() -> restorer(t, "b1", KeyRing.of(KEY), true).run())
        .satisfies(e -> assertThat(exit(e)).isEqualTo(4))
        .hasMessageContaining("MANIFEST.hmac");
    assertUntouched(t);
  }

  @Test
  void theEncryptionMarkRemovedFromTheManifestIsRefusedWithTheKey() throws Exception {
    ObjectNode m = b1.manifest();
    m.remove("StowageEncryption");
    b1.writeManifest(m);
    Path t = occupiedTarget();
    assertThatThrownBy(() -> restorer(t, "b1", KeyRing.of(KEY), true).run())
        .satisfies(e -> assertThat(exit(e)).isEqualTo(4))
        .hasMessageContaining("is not encrypted");
    assertUntouched(t);
  }

  @Test
  void aBackupMovedToAnotherNameIsRefused() throws Exception {
    Path moved = root.resolve(DIR).resolve("b9");
    Files.move(b1.dir(), moved);
    assertThat(new BackupLocation(DIR, "b9").name()).isEqualTo("b9");
    Path t = occupiedTarget();
    assertThatThrownBy(() -> restorer(t, "b9", KeyRing.of(KEY), true).run())
        .satisfies(e -> assertThat(exit(e)).isEqualTo(4))
        .hasMessageContaining("does not authenticate");
    assertUntouched(t);
  }
}
