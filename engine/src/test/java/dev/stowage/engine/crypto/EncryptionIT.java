package dev.stowage.engine.crypto;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.stowage.engine.testing.EngineProcess;
import dev.stowage.engine.testing.ProcessRunner;
import dev.stowage.engine.testing.ResultFile;
import dev.stowage.engine.testing.TreeSnapshot;
import dev.stowage.engine.testing.Trees;
import dev.stowage.engine.testing.s3.VersityGw;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Encrypted backups through the real CLI, on file storage and on a real S3 server (VersityGW on
 * loopback): round trips chunked and unchunked, refusals with exit 4, and no key material (the key,
 * in raw, base64 or hex form, nor the derived MANIFEST MAC key or object key) in any output line or
 * result file.
 */
class EncryptionIT {
  private static final String BUCKET = "stowage-encryption-it";
  private static final int MIB = 1 << 20;
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir static Path shared;
  static VersityGw s3;
  static Path source;
  static Path keyFile;
  static Path otherKeyFile;
  static byte[] key;
  static byte[] otherKey;
  static final String PASSPHRASE = "Zq7 vellum-otter 42 sprocket";
  static Path passphraseFile;
  static Path otherPassphraseFile;

  /** Every stdout, stderr and result file of the engine in this class, searched at the end. */
  static final List<String> outputs = new ArrayList<>();

  @BeforeAll
  static void start() throws Exception {
    EngineProcess.jar();
    s3 = VersityGw.start();
    s3.createBucket(BUCKET);
    source = shared.resolve("source");
    Files.createDirectories(source.resolve("db"));
    Trees.writePseudoData(source.resolve("ibdata1"), 9L * MIB + 123, 1);
    Trees.writePseudoData(source.resolve("db/t.ibd"), 5L * MIB, 2);
    Files.writeString(source.resolve("db/t.frm"), "a small file");
    Files.write(source.resolve("db/empty.MYD"), new byte[0]);
    key = new byte[32];
    new Random(11).nextBytes(key);
    otherKey = new byte[32];
    new Random(12).nextBytes(otherKey);
    keyFile = shared.resolve("key.b64");
    // base64 with a trailing newline, as `openssl rand -base64 32 > key` writes it
    Files.writeString(keyFile, Base64.getEncoder().encodeToString(key) + "\n");
    otherKeyFile = shared.resolve("other.key");
    Files.write(otherKeyFile, otherKey); // 32 raw bytes
    passphraseFile = shared.resolve("passphrase.txt");
    Files.writeString(passphraseFile, PASSPHRASE + "\n");
    otherPassphraseFile = shared.resolve("other-passphrase.txt");
    Files.writeString(otherPassphraseFile, "Wr0ng kestrel-anvil 17 quartz\n");
  }

  @AfterAll
  static void stop() {
    if (s3 != null) {
      s3.close();
    }
  }

  private static ProcessRunner.Result engine(List<String> args) {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-jar");
    cmd.add(EngineProcess.jar().toString());
    cmd.addAll(args);
    ProcessRunner.Result r =
        ProcessRunner.run(Duration.ofMinutes(10), null, s3.sdkEnvironment(), cmd);
    synchronized (outputs) {
      outputs.add(r.stdout());
      outputs.add(r.stderr());
    }
    return r;
  }

  /** Arguments as strings, or lists of them (such as {@link #at}) spliced in. */
  private static ProcessRunner.Result engine(Object... args) {
    List<String> flat = new ArrayList<>();
    for (Object a : args) {
      if (a instanceof List<?> l) {
        l.forEach(x -> flat.add((String) x));
      } else {
        flat.add((String) a);
      }
    }
    return engine(flat);
  }

  /** The backup {@code name} under it/db of {@code url}. */
  private static List<String> at(String url, String name) {
    return List.of("--storage", url, "--directory", "it/db", "--name", name);
  }

  private static JsonNode result(Path f) throws Exception {
    String text = Files.readString(f);
    synchronized (outputs) {
      outputs.add(text);
    }
    return ResultFile.read(f);
  }

  private static String fileUrl() throws Exception {
    Path root = shared.resolve("files");
    Files.createDirectories(root);
    return root.toUri().toString();
  }

  private void roundTrip(String url, String name, String threshold) throws Exception {
    Path rf = shared.resolve(name + ".backup.json");
    ProcessRunner.Result b =
        engine(
            "backup",
            "--datadir",
            source.toString(),
            at(url, name),
            "--chunk-threshold",
            threshold,
            "--chunk-size",
            "4Mi",
            "--encryption-key-file",
            keyFile.toString(),
            "--result-file",
            rf.toString(),
            "--quiet");
    assertThat(b.exitCode()).as("%s", b).isZero();
    JsonNode backupResult = result(rf);
    assertThat(backupResult.path("status").asText()).isEqualTo("Succeeded");
    // The operator shows it in status.encryption.keyId.
    assertThat(backupResult.path("encryptionKeyId").asText())
        .isEqualTo(KeyRing.of(key).primary().id());
    assertThat(b.output()).contains("AES-256-GCM").contains(KeyRing.of(key).primary().id());

    ProcessRunner.Result i = engine("inspect", at(url, name));
    assertThat(i.exitCode()).as("%s", i).isZero();
    assertThat(i.stdout())
        .contains("Encryption:   AES-256-GCM, key id " + KeyRing.of(key).primary().id())
        .contains("Stowage only");

    ProcessRunner.Result v =
        engine("verify", at(url, name), "--encryption-key-file", keyFile.toString());
    assertThat(v.exitCode()).as("%s", v).isZero();

    Path target = shared.resolve("restored-" + name);
    Path rr = shared.resolve(name + ".restore.json");
    ProcessRunner.Result r =
        engine(
            "restore",
            at(url, name),
            "--datadir",
            target.toString(),
            "--encryption-key-file",
            otherKeyFile.toString(),
            "--encryption-key-file",
            keyFile.toString(),
            "--result-file",
            rr.toString(),
            "--quiet");
    assertThat(r.exitCode()).as("%s", r).isZero();
    JsonNode restoreResult = result(rr);
    assertThat(restoreResult.path("status").asText()).isEqualTo("Succeeded");
    // Of the two keys given, the one the MANIFEST names.
    assertThat(restoreResult.path("encryptionKeyId").asText())
        .isEqualTo(KeyRing.of(key).primary().id());
    assertThat(TreeSnapshot.of(target).contentOnly())
        .isEqualTo(TreeSnapshot.of(source).contentOnly());
  }

  @Test
  void roundTripChunkedOnS3() throws Exception {
    roundTrip(s3.storageUrl(BUCKET, "rt"), "s3-chunked", "4Mi");
  }

  @Test
  void roundTripUnchunkedOnS3() throws Exception {
    roundTrip(s3.storageUrl(BUCKET, "rt"), "s3-whole", "0");
  }

  @Test
  void roundTripChunkedAndUnchunkedOnFileStorage() throws Exception {
    roundTrip(fileUrl(), "file-chunked", "4Mi");
    roundTrip(fileUrl(), "file-whole", "0");
  }

  /**
   * A passphrase instead of a key: backup, inspect, verify and a restore given a key file and two
   * passphrase files (rotation: the one that yields the MANIFEST's key id is used).
   */
  private void roundTripWithAPassphrase(String url, String name) throws Exception {
    Path rf = shared.resolve(name + ".backup.json");
    ProcessRunner.Result b =
        engine(
            "backup",
            "--datadir",
            source.toString(),
            at(url, name),
            "--chunk-threshold",
            "4Mi",
            "--chunk-size",
            "4Mi",
            "--encryption-passphrase-file",
            passphraseFile.toString(),
            "--result-file",
            rf.toString(),
            "--quiet");
    assertThat(b.exitCode()).as("%s", b).isZero();
    JsonNode backupResult = result(rf);
    String keyId = backupResult.path("encryptionKeyId").asText();
    assertThat(backupResult.path("encryptionKeyForm").asText()).isEqualTo("Passphrase");
    assertThat(keyId).matches("[0-9a-f]{16}");
    assertThat(b.output()).contains("AES-256-GCM").contains(keyId).contains("passphrase file");

    ProcessRunner.Result i = engine("inspect", at(url, name));
    assertThat(i.exitCode()).as("%s", i).isZero();
    assertThat(i.stdout())
        .contains("Encryption:   AES-256-GCM, key id " + keyId)
        .contains("PBKDF2-HMAC-SHA256");

    ProcessRunner.Result v =
        engine("verify", at(url, name), "--encryption-passphrase-file", passphraseFile.toString());
    assertThat(v.exitCode()).as("%s", v).isZero();

    Path target = shared.resolve("restored-" + name);
    Path rr = shared.resolve(name + ".restore.json");
    ProcessRunner.Result r =
        engine(
            "restore",
            at(url, name),
            "--datadir",
            target.toString(),
            "--encryption-key-file",
            keyFile.toString(),
            "--encryption-passphrase-file",
            otherPassphraseFile.toString(),
            "--encryption-passphrase-file",
            passphraseFile.toString(),
            "--result-file",
            rr.toString(),
            "--quiet");
    assertThat(r.exitCode()).as("%s", r).isZero();
    assertThat(result(rr).path("encryptionKeyId").asText()).isEqualTo(keyId);
    assertThat(TreeSnapshot.of(target).contentOnly())
        .isEqualTo(TreeSnapshot.of(source).contentOnly());

    Path wrongTarget = shared.resolve("wrong-" + name);
    Path wr = shared.resolve(name + ".wrong.json");
    ProcessRunner.Result wrong =
        engine(
            "restore",
            at(url, name),
            "--datadir",
            wrongTarget.toString(),
            "--encryption-passphrase-file",
            otherPassphraseFile.toString(),
            "--result-file",
            wr.toString(),
            "--quiet");
    assertThat(wrong.exitCode()).as("%s", wrong).isEqualTo(4);
    assertThat(wrong.stderr()).contains("key id " + keyId).contains("wrong passphrase");
    assertThat(result(wr).path("exitCode").asInt()).isEqualTo(4);
    assertThat(wrongTarget).doesNotExist();
  }

  @Test
  void roundTripWithAPassphraseOnS3() throws Exception {
    roundTripWithAPassphrase(s3.storageUrl(BUCKET, "pp"), "s3-passphrase");
  }

  @Test
  void roundTripWithAPassphraseOnFileStorage() throws Exception {
    roundTripWithAPassphrase(fileUrl(), "file-passphrase");
  }

  @Test
  void aTooShortPassphraseFileExitsTwoBeforeTheStorageIsTouched() throws Exception {
    Path shortFile = shared.resolve("short-passphrase.txt");
    Files.writeString(shortFile, "too short\n");
    Path rf = shared.resolve("short.json");
    ProcessRunner.Result b =
        engine(
            "backup",
            "--datadir",
            source.toString(),
            at(s3.storageUrl(BUCKET, "short"), "never"),
            "--encryption-passphrase-file",
            shortFile.toString(),
            "--result-file",
            rf.toString());
    assertThat(b.exitCode()).as("%s", b).isEqualTo(2);
    assertThat(b.stderr())
        .contains("--encryption-passphrase-file " + shortFile)
        .contains("at least 12")
        .doesNotContain("too short");
    assertThat(result(rf).path("exitCode").asInt()).isEqualTo(2);
    try (S3Client c = s3.clientBuilder().build()) {
      assertThat(c.listObjectsV2(r -> r.bucket(BUCKET).prefix("short/")).contents()).isEmpty();
    }
  }

  @Test
  void wrongKeyOrNoKeyOrAFlippedByteOnS3ExitFour() throws Exception {
    String url = s3.storageUrl(BUCKET, "bad");
    ProcessRunner.Result b =
        engine(
            "backup",
            "--datadir",
            source.toString(),
            at(url, "b1"),
            "--chunk-size",
            "4Mi",
            "--chunk-threshold",
            "4Mi",
            "--encryption-key-file",
            keyFile.toString(),
            "--quiet");
    assertThat(b.exitCode()).as("%s", b).isZero();
    Path target = shared.resolve("bad-target");
    Path rf = shared.resolve("bad.json");

    ProcessRunner.Result wrong =
        engine(
            "restore",
            at(url, "b1"),
            "--datadir",
            target.toString(),
            "--encryption-key-file",
            otherKeyFile.toString(),
            "--result-file",
            rf.toString(),
            "--quiet");
    assertThat(wrong.exitCode()).as("%s", wrong).isEqualTo(4);
    assertThat(wrong.stderr())
        .contains("key id " + KeyRing.of(key).primary().id())
        .contains("wrong key");
    assertThat(result(rf).path("exitCode").asInt()).isEqualTo(4);
    assertThat(target).doesNotExist();

    ProcessRunner.Result none =
        engine(
            "restore",
            at(url, "b1"),
            "--datadir",
            target.toString(),
            "--result-file",
            rf.toString(),
            "--quiet");
    assertThat(none.exitCode()).as("%s", none).isEqualTo(4);
    assertThat(none.stderr()).contains("is encrypted").contains("--encryption-key-file");
    assertThat(result(rf).path("exitCode").asInt()).isEqualTo(4);
    assertThat(target).doesNotExist();

    // a flipped byte in chunk 0 of ibdata1 (file 0 or 1; flip both chunk objects named x-0)
    try (S3Client c = s3.clientBuilder().build()) {
      for (var o : c.listObjectsV2(r -> r.bucket(BUCKET).prefix("bad/it/db/b1/")).contents()) {
        if (o.key().endsWith("-1")) {
          byte[] bytes = c.getObjectAsBytes(r -> r.bucket(BUCKET).key(o.key())).asByteArray();
          bytes[bytes.length / 3] ^= 0x10;
          c.putObject(r -> r.bucket(BUCKET).key(o.key()), RequestBody.fromBytes(bytes));
        }
      }
    }
    ProcessRunner.Result flipped =
        engine(
            "restore",
            at(url, "b1"),
            "--datadir",
            target.toString(),
            "--encryption-key-file",
            keyFile.toString(),
            "--result-file",
            rf.toString(),
            "--quiet");
    assertThat(flipped.exitCode()).as("%s", flipped).isEqualTo(4);
    assertThat(flipped.stderr()).contains("does not authenticate");
    assertThat(target.resolve(".stowage-restore-in-progress")).exists();
    assertThat(result(rf).path("error").asText()).contains("does not authenticate");

    ProcessRunner.Result badKeyFile =
        engine(
            "restore",
            at(url, "b1"),
            "--datadir",
            shared.resolve("x").toString(),
            "--encryption-key-file",
            shared.resolve("missing.key").toString(),
            "--quiet");
    assertThat(badKeyFile.exitCode()).as("%s", badKeyFile).isEqualTo(2);
    assertThat(badKeyFile.stderr()).contains("--encryption-key-file").contains("missing.key");
  }

  /**
   * Runs its own backup, restore, wrong-key restore and bad key file, and searches them and every
   * output the class collected before it.
   */
  @Test
  void noKeyMaterialInAnyOutputOrResultFile() throws Exception {
    roundTrip(fileUrl(), "secrets", "4Mi");
    roundTripWithAPassphrase(fileUrl(), "secrets-passphrase");
    wrongKeyOrNoKeyOrAFlippedByteOnS3ExitFourForSecrets();
    List<String> forbidden = new ArrayList<>();
    for (byte[] k : List.of(key, otherKey)) {
      MasterKey m = KeyRing.of(k).primary();
      forbidden.addAll(forms(k));
      forbidden.addAll(forms(m.manifestMacKey().getEncoded()));
    }
    // the object key of every encrypted backup written here (its salt is in its MANIFEST)
    try (var walk = Files.walk(shared.resolve("files"))) {
      for (Path p : walk.filter(p -> p.getFileName().toString().equals("MANIFEST")).toList()) {
        JsonNode enc = JSON.readTree(p.toFile()).path("StowageEncryption");
        byte[] salt = Base64.getDecoder().decode(enc.path("Salt").asText());
        forbidden.addAll(forms(KeyRing.of(key).primary().objectKey(salt).getEncoded()));
        JsonNode pp = enc.path("Passphrase");
        if (!pp.isMissingNode()) {
          // the key stretched from the passphrase, and what is derived from it
          MasterKey stretched =
              Passphrase.of(PASSPHRASE)
                  .derive(
                      Base64.getDecoder().decode(pp.path("Salt").asText()),
                      pp.path("Iterations").asInt());
          forbidden.addAll(
              forms(
                  javax.crypto.SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256")
                      .generateSecret(
                          new javax.crypto.spec.PBEKeySpec(
                              PASSPHRASE.toCharArray(),
                              Base64.getDecoder().decode(pp.path("Salt").asText()),
                              pp.path("Iterations").asInt(),
                              256))
                      .getEncoded()));
          forbidden.addAll(forms(stretched.manifestMacKey().getEncoded()));
          forbidden.addAll(forms(stretched.objectKey(salt).getEncoded()));
        }
      }
    }
    forbidden.add(PASSPHRASE);
    forbidden.add(PASSPHRASE.substring(0, 12));
    forbidden.add("Wr0ng kestrel-anvil 17 quartz");
    String all;
    synchronized (outputs) {
      all = String.join("\n", outputs);
    }
    assertThat(all).contains("AES-256-GCM"); // the outputs were collected
    for (String f : forbidden) {
      assertThat(all).as("output must not contain key material").doesNotContain(f);
    }
  }

  private void wrongKeyOrNoKeyOrAFlippedByteOnS3ExitFourForSecrets() throws Exception {
    String url = fileUrl();
    Path rf = shared.resolve("secrets-wrong.json");
    ProcessRunner.Result wrong =
        engine(
            "restore",
            at(url, "secrets"),
            "--datadir",
            shared.resolve("secrets-wrong").toString(),
            "--encryption-key-file",
            otherKeyFile.toString(),
            "--result-file",
            rf.toString());
    assertThat(wrong.exitCode()).isEqualTo(4);
    result(rf);
    Path badKey = shared.resolve("bad.key");
    Files.writeString(badKey, Base64.getEncoder().encodeToString(key).substring(0, 40) + "\n");
    ProcessRunner.Result bad =
        engine(
            "backup",
            "--datadir",
            source.toString(),
            at(url, "never"),
            "--encryption-key-file",
            badKey.toString(),
            "--result-file",
            rf.toString());
    assertThat(bad.exitCode()).isEqualTo(2);
    result(rf);
  }

  private static List<String> forms(byte[] k) {
    String hex = HexFormat.of().formatHex(k);
    return List.of(
        Base64.getEncoder().encodeToString(k),
        Base64.getEncoder().encodeToString(k).substring(0, 20),
        Base64.getUrlEncoder().withoutPadding().encodeToString(k),
        hex,
        hex.substring(0, 20),
        hex.toUpperCase(),
        new String(k, StandardCharsets.ISO_8859_1).substring(4, 20));
  }
}
