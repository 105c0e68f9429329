package dev.stowage.engine.core;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ProgressTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final ByteArrayOutputStream buf = new ByteArrayOutputStream();
  private final PrintStream out = new PrintStream(buf, true, StandardCharsets.UTF_8);

  private String printed() {
    return buf.toString(StandardCharsets.UTF_8);
  }

  @Test
  void aJobLogGetsOneJsonLinePerReportWithBytesObjectsRateAndEta() throws Exception {
    try (Progress p = new Progress("restore", 4_000, 4, false, false, out)) {
      p.add(1_000);
      p.objectDone();
      JsonNode line = JSON.readTree(p.jsonLine()).get(Progress.KEY);
      assertThat(line.get("operation").asText()).isEqualTo("restore");
      assertThat(line.get("bytesDone").asLong()).isEqualTo(1_000);
      assertThat(line.get("bytesTotal").asLong()).isEqualTo(4_000);
      assertThat(line.get("objectsDone").asInt()).isEqualTo(1);
      assertThat(line.get("objectsTotal").asInt()).isEqualTo(4);
      assertThat(line.get("percent").asInt()).isEqualTo(25);
      assertThat(line.get("bytesPerSecond").asLong()).isPositive();
      assertThat(line.get("etaSeconds").asLong()).isGreaterThanOrEqualTo(0);
      assertThat(p.jsonLine()).doesNotContain("\n");
    }
  }

  @Test
  void theLastReportIsPrintedWhenTheWorkEnds() throws Exception {
    try (Progress p = new Progress("backup", 2_000, 2, false, false, out)) {
      p.add(2_000);
      p.objectDone();
      p.objectDone();
    }
    String[] lines = printed().strip().split("\n");
    JsonNode last = JSON.readTree(lines[lines.length - 1]).get(Progress.KEY);
    assertThat(last.get("percent").asInt()).isEqualTo(100);
    assertThat(last.get("objectsDone").asInt()).isEqualTo(2);
    assertThat(last.get("etaSeconds").asLong()).isZero();
  }

  @Test
  void noRateYetMeansNoEta() throws Exception {
    try (Progress p = new Progress("verify", 2_000, 2, true, false, out)) {
      assertThat(JSON.readTree(p.jsonLine()).get(Progress.KEY).has("etaSeconds")).isFalse();
      assertThat(p.bar()).contains("? left");
    }
  }

  @Test
  void quietPrintsNothing() {
    try (Progress p = new Progress("backup", 2_000, 2, true, false, out)) {
      p.add(2_000);
    }
    assertThat(printed()).isEmpty();
  }

  @Test
  void aTerminalGetsABarRewrittenInPlaceAndEndedWithANewline() {
    try (Progress p = new Progress("backup", 4_000, 4, false, true, out)) {
      p.add(1_000);
      assertThat(p.bar())
          .startsWith("backup [######..................]  25% ")
          .contains("0/4 objects")
          .contains("MB/s");
      p.add(3_000);
    }
    assertThat(printed()).startsWith("\r").endsWith("\n").doesNotContain("{");
    assertThat(printed()).contains("[########################] 100%");
  }

  @Test
  void anEmptyBackupIsComplete() throws Exception {
    try (Progress p = new Progress("backup", 0, 0, true, false, out)) {
      JsonNode line = JSON.readTree(p.jsonLine()).get(Progress.KEY);
      assertThat(line.get("percent").asInt()).isEqualTo(100);
      assertThat(line.get("etaSeconds").asLong()).isZero();
    }
  }
}
