package dev.stowage.operator.job;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.stowage.api.v1alpha1.ApiPatterns;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The operator's side of the operator–engine contract (contract/README.md): every result file the
 * engine writes (fixtures its OperatorContractTest keeps current) is read whole, the exit codes not
 * retried are the engine's permanent ones, and the CRDs' size syntax is the engine's.
 */
class EngineContractTest {
  static final Path CONTRACT = Path.of("..", "contract");
  static final ObjectMapper JSON = new ObjectMapper();

  static List<Path> resultFixtures() throws IOException {
    try (Stream<Path> s = Files.list(CONTRACT.resolve("engine-results"))) {
      return s.filter(p -> p.toString().endsWith(".json")).sorted().toList();
    }
  }

  @Test
  void everyResultTheEngineWritesIsReadWhole() throws IOException {
    List<Path> fixtures = resultFixtures();
    assertThat(fixtures)
        .extracting(p -> p.getFileName().toString())
        .contains(
            "backup-succeeded.json",
            "restore-succeeded.json",
            "verify-failed-integrity.json",
            "backup-encrypted-succeeded.json",
            "restore-encrypted-failed-wrong-key.json",
            "backup-passphrase-succeeded.json",
            "restore-passphrase-failed-wrong-passphrase.json");
    // Every restore result says whether its target held the restore marker (RestoreOutcome).
    for (Path f : fixtures) {
      if (f.getFileName().toString().startsWith("restore-")) {
        assertThat(JSON.readTree(Files.readString(f)).has("targetHeldMarker"))
            .as("%s has targetHeldMarker", f.getFileName())
            .isTrue();
      }
    }
    for (Path f : fixtures) {
      String text = Files.readString(f);
      JsonNode json = JSON.readTree(text);
      EngineResult r = EngineResult.parse(text);
      String what = f.getFileName().toString();
      assertThat(r.problem()).as("%s read whole", what).isNull();
      assertThat(r.status())
          .as("%s status", what)
          .isEqualTo(
              switch (json.get("status").asText()) {
                case "Succeeded" -> EngineResult.Status.SUCCEEDED;
                case "Failed" -> EngineResult.Status.FAILED;
                default -> throw new AssertionError(what + ": status " + json.get("status"));
              });
      assertThat(r.exitCode()).as("%s exitCode", what).isEqualTo(integer(json, "exitCode"));
      assertThat(r.error()).as("%s error", what).isEqualTo(text(json, "error"));
      assertThat(r.object()).as("%s object", what).isEqualTo(text(json, "object"));
      assertThat(r.name()).as("%s name", what).isEqualTo(text(json, "name"));
      assertThat(r.files()).as("%s files", what).isEqualTo(whole(json, "files"));
      assertThat(r.chunks()).as("%s chunks", what).isEqualTo(whole(json, "chunks"));
      assertThat(r.bytesRead()).as("%s bytesRead", what).isEqualTo(whole(json, "bytesRead"));
      assertThat(r.bytesStored()).as("%s bytesStored", what).isEqualTo(whole(json, "bytesStored"));
      assertThat(r.bytesWritten())
          .as("%s bytesWritten", what)
          .isEqualTo(whole(json, "bytesWritten"));
      assertThat(r.durationSeconds())
          .as("%s durationSeconds", what)
          .isEqualTo(json.has("durationSeconds") ? json.get("durationSeconds").asDouble() : null);
      assertThat(r.encryptionKeyId())
          .as("%s encryptionKeyId", what)
          .isEqualTo(text(json, "encryptionKeyId"));
      assertThat(r.encryptionKeyForm())
          .as("%s encryptionKeyForm", what)
          .isEqualTo(text(json, "encryptionKeyForm"));
      assertThat(r.engineVersion())
          .as("%s engineVersion", what)
          .isEqualTo(text(json, "engineVersion"));
      assertThat(r.targetHeldMarker())
          .as("%s targetHeldMarker", what)
          .isEqualTo(
              json.has("targetHeldMarker") ? json.get("targetHeldMarker").asBoolean() : null);
      if (r.status() == EngineResult.Status.FAILED) {
        assertThat(r.failureMessage())
            .as("%s failure message", what)
            .contains("[exit code " + r.exitCode() + "]");
      }
    }
  }

  @Test
  void theExitCodesNotRetriedAreTheEnginesPermanentOnes() throws IOException {
    Map<Integer, String> listed = new TreeMap<>();
    for (String line : Files.readAllLines(CONTRACT.resolve("permanent-exit-codes.txt"))) {
      if (!line.isBlank() && !line.startsWith("#")) {
        String[] f = line.trim().split("\\s+");
        listed.put(Integer.parseInt(f[0]), f[1]);
      }
    }
    assertThat(EngineJobFactory.PERMANENT_EXIT_CODES)
        .containsExactlyInAnyOrderElementsOf(listed.keySet());
  }

  @Test
  void theCrdsSizeSyntaxIsTheEngines() throws IOException {
    Pattern size = Pattern.compile(ApiPatterns.SIZE);
    List<String> rows = new ArrayList<>();
    for (String line : Files.readAllLines(CONTRACT.resolve("sizes.tsv"))) {
      if (line.startsWith("#") || line.isEmpty()) {
        continue;
      }
      String[] row = line.split("\t", -1);
      rows.add(row[0]);
      boolean valid = !row[1].equals("invalid");
      assertThat(size.matcher(row[0]).find())
          .as("the CRDs' size pattern on '%s' (%s)", row[0], row[1])
          .isEqualTo(valid);
    }
    assertThat(rows).isNotEmpty();
  }

  private static String text(JsonNode n, String field) {
    return n.has(field) ? n.get(field).asText() : null;
  }

  private static Integer integer(JsonNode n, String field) {
    return n.has(field) ? n.get(field).asInt() : null;
  }

  private static Long whole(JsonNode n, String field) {
    return n.has(field) ? n.get(field).asLong() : null;
  }
}
