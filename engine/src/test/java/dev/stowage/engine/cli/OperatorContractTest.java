package dev.stowage.engine.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.stowage.engine.EngineFixture;
import dev.stowage.engine.core.Sizes;
import dev.stowage.engine.error.EngineException;
import dev.stowage.engine.error.ExitCode;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The engine's side of the operator–engine contract (contract/README.md): the result files the
 * operator parses, the exit codes it does not retry, the size syntax of the CRDs, and the argument
 * lists of the operator's golden Jobs. The operator's side is its EngineContractTest.
 */
class OperatorContractTest {
  static final Path CONTRACT = Path.of("..", "contract");
  static final Path GOLDEN = Path.of("..", "operator", "src", "test", "resources", "golden");
  static final boolean UPDATE = Boolean.getBoolean("contract.update");
  static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  /** Options whose values are sizes (parsed by Sizes.parse when the command runs). */
  static final Set<String> SIZE_OPTIONS = Set.of("--chunk-size", "--chunk-threshold");

  @TempDir Path tmp;
  Path backups;

  @BeforeEach
  void aDataDirectoryAndAStore() throws Exception {
    EngineFixture.writeDatadir(tmp.resolve("data"));
    backups = Files.createDirectories(tmp.resolve("backups"));
  }

  // ------------------------------------------------------------- result files

  @Test
  void theResultFilesOfEveryOutcomeAreTheContractsFixtures() throws Exception {
    Map<String, JsonNode> written = new LinkedHashMap<>();
    written.put(
        "backup-succeeded",
        result(0, backupOfTheFixture("--chunk-threshold", "4Mi", "--chunk-size", "4Mi")));
    written.put("backup-failed-unsafe", result(5, backupOfTheFixture()));
    written.put(
        "restore-succeeded",
        result(
            0,
            "restore",
            "--storage",
            "file://" + backups,
            "--directory",
            "shop/data-db-0",
            "--name",
            "latest",
            "--datadir",
            tmp.resolve("restored").toString(),
            "--quiet"));
    corruptTheLargestObject(backups.resolve("shop/data-db-0/2030-01-02.030000.nightly"));
    written.put(
        "verify-failed-integrity",
        result(
            4,
            "verify",
            "--storage",
            "file://" + backups,
            "--directory",
            "shop/data-db-0",
            "--name",
            "2030-01-02.030000.nightly",
            "--concurrency",
            "1",
            "--quiet"));
    // Issue 16: an encrypted backup reports its key id; a restore with another key is refused
    // (exit 4) before anything is written.
    Path key = Files.write(tmp.resolve("key"), fixedKey((byte) 1));
    Path otherKey = Files.write(tmp.resolve("other-key"), fixedKey((byte) 2));
    written.put(
        "backup-encrypted-succeeded",
        result(
            0,
            "backup",
            "--datadir",
            tmp.resolve("data").toString(),
            "--storage",
            "file://" + backups,
            "--directory",
            "shop/sealed",
            "--name",
            "2030-01-02.030000.sealed",
            "--encryption-key-file",
            key.toString(),
            "--quiet"));
    written.put(
        "restore-encrypted-failed-wrong-key",
        result(
            4,
            "restore",
            "--storage",
            "file://" + backups,
            "--directory",
            "shop/sealed",
            "--name",
            "2030-01-02.030000.sealed",
            "--datadir",
            tmp.resolve("unsealed").toString(),
            "--encryption-key-file",
            otherKey.toString(),
            "--quiet"));
    // A passphrase instead of a key: the result says so (encryptionKeyForm), never the secret;
    // a wrong passphrase is refused like a wrong key (exit 4, on the MANIFEST, before any write).
    Path passphrase = Files.writeString(tmp.resolve("passphrase"), "contract passphrase 1\n");
    Path otherPassphrase = Files.writeString(tmp.resolve("other"), "contract passphrase 2\n");
    JsonNode passphraseBackup =
        result(
            0,
            "backup",
            "--datadir",
            tmp.resolve("data").toString(),
            "--storage",
            "file://" + backups,
            "--directory",
            "shop/pass",
            "--name",
            "2030-01-02.030000.pass",
            "--encryption-passphrase-file",
            passphrase.toString(),
            "--quiet");
    // The key id of a passphrase backup changes with its random salt: fixed in the fixtures.
    String passphraseKeyId = passphraseBackup.path("encryptionKeyId").asText();
    assertThat(passphraseKeyId).matches("[0-9a-f]{16}");
    written.put("backup-passphrase-succeeded", withFixedKeyId(passphraseBackup, passphraseKeyId));
    JsonNode wrongPassphrase =
        result(
            4,
            "restore",
            "--storage",
            "file://" + backups,
            "--directory",
            "shop/pass",
            "--name",
            "2030-01-02.030000.pass",
            "--datadir",
            tmp.resolve("unpassed").toString(),
            "--encryption-passphrase-file",
            otherPassphrase.toString(),
            "--quiet");
    written.put(
        "restore-passphrase-failed-wrong-passphrase",
        withFixedKeyId(wrongPassphrase, passphraseKeyId));
    written.put(
        "backup-failed-arguments",
        result(2, "backup", "--datadir", tmp.resolve("data").toString(), "--no-such-option"));

    List<String> differences = new ArrayList<>();
    for (var e : written.entrySet()) {
      Path fixture = CONTRACT.resolve("engine-results").resolve(e.getKey() + ".json");
      String now = JSON.writeValueAsString(e.getValue()) + "\n";
      if (UPDATE) {
        Files.writeString(fixture, now);
      } else if (!Files.exists(fixture) || !JSON.readTree(fixture.toFile()).equals(e.getValue())) {
        differences.add(
            fixture
                + (Files.exists(fixture) ? " differs from what the engine writes now:\n" : ":\n")
                + now);
      }
    }
    assertThat(differences)
        .as(
            "the operator's EngineContractTest reads these fixtures: if the change is meant, run"
                + " this test with -Dcontract.update=true, then the operator's tests")
        .isEmpty();
  }

  /** A fixed 32-byte key, so that its key id in the fixtures never changes. */
  static byte[] fixedKey(byte fill) {
    byte[] k = new byte[32];
    Arrays.fill(k, fill);
    return k;
  }

  /** The backup both backup fixtures run (the second finds the first's MANIFEST: exit 5). */
  String[] backupOfTheFixture(String... extra) {
    String[] base = {
      "backup",
      "--datadir",
      tmp.resolve("data").toString(),
      "--storage",
      "file://" + backups,
      "--directory",
      "shop/data-db-0",
      "--name",
      "2030-01-02.030000.nightly",
      "--quiet"
    };
    String[] all = Arrays.copyOf(base, base.length + extra.length);
    System.arraycopy(extra, 0, all, base.length, extra.length);
    return all;
  }

  static final String FIXED_KEY_ID = "7a7a7a7a7a7a7a7a";

  static JsonNode withFixedKeyId(JsonNode n, String keyId) throws IOException {
    return JSON.readTree(JSON.writeValueAsString(n).replace(keyId, FIXED_KEY_ID));
  }

  /** Runs the engine with a result file; returns that file with volatile values normalised. */
  JsonNode result(int expectedExit, String... args) throws IOException {
    Path file = tmp.resolve("result-" + System.nanoTime() + ".json");
    String[] all = Arrays.copyOf(args, args.length + 2);
    all[args.length] = "--result-file";
    all[args.length + 1] = file.toString();
    assertThat(StowageCli.execute(all))
        .as("exit code of %s", Arrays.toString(args))
        .isEqualTo(expectedExit);
    String text = Files.readString(file, StandardCharsets.UTF_8).replace(tmp.toString(), "/tmp/t");
    ObjectNode n = (ObjectNode) JSON.readTree(text);
    n.put("engineVersion", "VERSION");
    if (n.has("durationSeconds")) {
      n.put("durationSeconds", 1.5);
    }
    if (n.has("throughputMBps")) {
      n.put("throughputMBps", 100.0);
    }
    return n;
  }

  static void corruptTheLargestObject(Path backup) throws IOException {
    Path largest;
    try (Stream<Path> s = Files.walk(backup)) {
      largest =
          s.filter(Files::isRegularFile)
              .filter(p -> !p.getFileName().toString().equals("MANIFEST"))
              .max((a, b) -> Long.compare(a.toFile().length(), b.toFile().length()))
              .orElseThrow();
    }
    try (RandomAccessFile f = new RandomAccessFile(largest.toFile(), "rw")) {
      long at = f.length() / 2;
      f.seek(at);
      int b = f.read();
      f.seek(at);
      f.write(b ^ 0xFF);
    }
  }

  // ------------------------------------------------------------- exit codes

  @Test
  void thePermanentExitCodesAreTheContracts() throws IOException {
    Map<Integer, String> listed = new LinkedHashMap<>();
    for (String line : Files.readAllLines(CONTRACT.resolve("permanent-exit-codes.txt"))) {
      if (!line.isBlank() && !line.startsWith("#")) {
        String[] f = line.trim().split("\\s+");
        listed.put(Integer.parseInt(f[0]), f[1]);
      }
    }
    Map<Integer, String> engine =
        Arrays.stream(ExitCode.values())
            .filter(ExitCode::permanent)
            .collect(
                Collectors.toMap(ExitCode::code, ExitCode::name, (a, b) -> a, LinkedHashMap::new));
    assertThat(engine).isEqualTo(listed);
  }

  // ------------------------------------------------------------- sizes

  @Test
  void sizesParseAsTheContractSays() throws IOException {
    for (String[] row : sizeRows()) {
      String value = row[0];
      String bytes = row[1];
      if (bytes.equals("invalid") || bytes.equals("too-large")) {
        assertThatThrownBy(() -> Sizes.parse("--chunk-size", value))
            .as("size '%s'", value)
            .isInstanceOf(EngineException.class)
            .hasMessageContaining("--chunk-size");
      } else {
        assertThat(Sizes.parse("--chunk-size", value))
            .as("size '%s'", value)
            .isEqualTo(Long.parseLong(bytes));
      }
    }
  }

  static List<String[]> sizeRows() throws IOException {
    List<String[]> rows = new ArrayList<>();
    for (String line : Files.readAllLines(CONTRACT.resolve("sizes.tsv"))) {
      if (!line.startsWith("#") && !line.isEmpty()) {
        rows.add(line.split("\t", -1));
      }
    }
    assertThat(rows).isNotEmpty();
    return rows;
  }

  // ------------------------------------------------------------- the operator's Jobs

  @Test
  void everyGoldenJobsArgumentsParseInTheEngine() throws IOException {
    List<Path> goldens;
    try (Stream<Path> s = Files.list(GOLDEN)) {
      goldens = s.filter(p -> p.toString().endsWith(".job.yaml")).sorted().toList();
    }
    assertThat(goldens).as("the operator's golden Jobs in %s", GOLDEN).isNotEmpty();
    Set<String> commands = new TreeSet<>();
    for (Path golden : goldens) {
      List<List<String>> argLists = argLists(Files.readAllLines(golden));
      assertThat(argLists).as("engine argument lists in %s", golden).isNotEmpty();
      for (List<String> args : argLists) {
        String[] a = args.toArray(String[]::new);
        assertThatCode(() -> StowageCli.commandLine(a).parseArgs(a))
            .as("%s: %s", golden.getFileName(), args)
            .doesNotThrowAnyException();
        commands.add(a[0]);
        for (int i = 0; i + 1 < a.length; i++) {
          if (SIZE_OPTIONS.contains(a[i])) {
            String option = a[i];
            String value = a[i + 1];
            assertThatCode(() -> Sizes.parse(option, value))
                .as("%s: %s %s", golden.getFileName(), option, value)
                .doesNotThrowAnyException();
          }
        }
      }
    }
    // The goldens cover what the operator runs: a backup, its pre-flight, a restore, an rm.
    assertThat(commands).contains("backup", "restore", "rm", "check");
  }

  /**
   * The {@code args:} lists of a golden Job (the operator writes each argument as a JSON string on
   * its own {@code - "..."} line).
   */
  static List<List<String>> argLists(List<String> lines) throws IOException {
    List<List<String>> lists = new ArrayList<>();
    for (int i = 0; i < lines.size(); i++) {
      String l = lines.get(i).trim();
      if (l.equals("- args:") || l.equals("args:")) {
        List<String> args = new ArrayList<>();
        int j = i + 1;
        while (j < lines.size() && lines.get(j).trim().startsWith("- \"")) {
          args.add(JSON.readValue(lines.get(j).trim().substring(2), String.class));
          j++;
        }
        lists.add(args);
      }
    }
    return lists;
  }
}
