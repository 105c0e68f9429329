package dev.stowage.engine.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 10, case 11: the result file is written on command-line parse errors too, and a result file
 * that cannot be written is reported on stderr, never left empty or partial in silence, and never
 * changes the command's exit code.
 */
class ResultFileWriteTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  @TempDir Path tmp;
  private Path storage;

  @BeforeEach
  void storage() throws Exception {
    storage = Files.createDirectories(tmp.resolve("backups"));
  }

  /** What one in-process run printed on stderr, and its exit code. */
  private record Run(int exitCode, String stderr) {}

  private static Run run(String... args) {
    PrintStream old = System.err;
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    System.setErr(new PrintStream(buf, true, StandardCharsets.UTF_8));
    int code;
    try {
      code = StowageCli.execute(args);
    } finally {
      System.setErr(old);
    }
    return new Run(code, buf.toString(StandardCharsets.UTF_8));
  }

  private List<String> ls(String... extra) {
    List<String> a =
        new ArrayList<>(List.of("ls", "--storage", storage.toString(), "--directory", "ns/db"));
    a.addAll(List.of(extra));
    return a;
  }

  private void assertParseFailure(Path result, String command, String... errorContains)
      throws Exception {
    assertThat(result).as("result file written on a parse error").exists();
    JsonNode r = JSON.readTree(result.toFile());
    assertThat(r.get("status").asText()).isEqualTo("Failed");
    assertThat(r.get("exitCode").asInt()).isEqualTo(2);
    assertThat(r.get("command").asText()).isEqualTo(command);
    assertThat(r.get("error").asText()).contains(errorContains);
    assertThat(r.get("engineVersion").asText()).isNotEmpty();
  }

  @Test
  void parseErrorsOfEachKindWriteTheResultFile() throws Exception {
    Path unknown = tmp.resolve("unknown.json");
    Run u =
        run(
            "backup",
            "--datadir",
            tmp.toString(),
            "--storage",
            storage.toString(),
            "--directory",
            "ns/db",
            "--result-file",
            unknown.toString(),
            "--bogus");
    assertThat(u.exitCode()).isEqualTo(2);
    assertThat(u.stderr()).contains("--bogus");
    assertParseFailure(unknown, "backup", "--bogus");

    Path missing = tmp.resolve("missing.json");
    Run m =
        run(
            "restore",
            "--result-file",
            missing.toString(),
            "--storage",
            storage.toString(),
            "--directory",
            "ns/db",
            "--name",
            "latest");
    assertThat(m.exitCode()).isEqualTo(2);
    assertParseFailure(missing, "restore", "--datadir");

    Path badValue = tmp.resolve("bad-value.json");
    Run b =
        run(
            "backup",
            "--datadir",
            tmp.toString(),
            "--storage",
            storage.toString(),
            "--directory",
            "ns/db",
            "--level",
            "high",
            "--result-file=" + badValue);
    assertThat(b.exitCode()).isEqualTo(2);
    assertParseFailure(badValue, "backup", "--level", "high");

    Path badConcurrency = tmp.resolve("bad-concurrency.json");
    Run c =
        run(
            "verify",
            "--storage",
            storage.toString(),
            "--directory",
            "ns/db",
            "--name",
            "x",
            "--concurrency",
            "many",
            "--result-file",
            badConcurrency.toString());
    assertThat(c.exitCode()).isEqualTo(2);
    assertParseFailure(badConcurrency, "verify", "many");

    Path unknownCommand = tmp.resolve("unknown-command.json");
    Run x = run("bakcup", "--result-file", unknownCommand.toString());
    assertThat(x.exitCode()).isEqualTo(2);
    assertParseFailure(unknownCommand, "stowage", "bakcup");
  }

  @Test
  void aResultFileOptionWithoutValueWritesNothingAndStillExitsTwo() {
    Run r = run("ls", "--storage", storage.toString(), "--directory", "ns/db", "--result-file");
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.stderr()).contains("--result-file");
    try (Stream<Path> files = Files.list(tmp)) {
      assertThat(files).containsExactly(storage);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @Test
  void aMissingResultDirectoryIsReportedAndTheExitCodeIsKept() {
    Path result = tmp.resolve("no-such-dir/result.json");
    Run ok = run(ls("--result-file", result.toString()).toArray(String[]::new));
    assertThat(ok.exitCode()).as("ls succeeded; the result file does not change that").isZero();
    assertThat(ok.stderr()).contains("cannot write --result-file").contains(result.toString());
    assertThat(result).doesNotExist();

    Run failed =
        run(
            "verify",
            "--storage",
            storage.toString(),
            "--directory",
            "ns/db",
            "--name",
            "nope",
            "--result-file",
            result.toString());
    assertThat(failed.exitCode()).as("the command's own code wins").isEqualTo(3);
    assertThat(failed.stderr()).contains("cannot write --result-file");
  }

  @Test
  void aDirectoryAsResultFileIsReportedAndTheExitCodeIsKept() throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("a-directory"));
    Run r = run(ls("--result-file", dir.toString()).toArray(String[]::new));
    assertThat(r.exitCode()).isZero();
    assertThat(r.stderr()).contains("cannot write --result-file").contains(dir.toString());
    assertThat(dir).isDirectory();
  }

  @Test
  void aFullDiskIsReportedOnStderrAndTheDeviceIsNeverReplaced() throws Exception {
    Path full = Path.of("/dev/full");
    assertThat(Files.isRegularFile(full)).as("/dev/full is a device on this machine").isFalse();
    Run r = run(ls("--result-file", full.toString()).toArray(String[]::new));
    assertThat(r.exitCode()).isZero();
    assertThat(r.stderr())
        .contains("cannot write --result-file /dev/full")
        .contains("No space left on device");
    assertThat(Files.isRegularFile(full))
        .as("no temporary file was renamed over the device")
        .isFalse();
    try (Stream<Path> dev = Files.list(Path.of("/dev"))) {
      assertThat(dev.map(p -> p.getFileName().toString()))
          .as("no temporary file left in /dev")
          .noneMatch(n -> n.contains("full") && !n.equals("full"));
    }

    Run parse = run("ls", "--bogus", "--result-file", "/dev/full");
    assertThat(parse.exitCode()).as("a parse error keeps exit 2").isEqualTo(2);
    assertThat(parse.stderr()).contains("cannot write --result-file /dev/full");
  }

  @Test
  void theResultFileIsReplacedWholeAndNoTemporaryFileIsLeft() throws Exception {
    Path result = tmp.resolve("out/result.json");
    Files.createDirectories(result.getParent());
    Files.writeString(result, "x".repeat(10_000)); // longer than any result: must not remain
    assertThat(run(ls("--result-file", result.toString()).toArray(String[]::new)).exitCode())
        .isZero();
    JsonNode r = JSON.readTree(result.toFile());
    assertThat(r.get("status").asText()).isEqualTo("Succeeded");
    try (Stream<Path> files = Files.list(result.getParent())) {
      assertThat(files).containsExactly(result);
    }
  }

  @Test
  void aSymlinkedResultFileIsWrittenThroughAndStaysALink() throws Exception {
    Path target = tmp.resolve("real.json");
    Files.writeString(target, "");
    Path link = Files.createSymbolicLink(tmp.resolve("link.json"), target);
    assertThat(run(ls("--result-file", link.toString()).toArray(String[]::new)).exitCode())
        .isZero();
    assertThat(Files.isSymbolicLink(link)).isTrue();
    assertThat(JSON.readTree(target.toFile()).get("status").asText()).isEqualTo("Succeeded");
  }

  @Test
  void theResultFileCarriesNoCredentialsEvenFromAParseError() throws Exception {
    Path result = tmp.resolve("parse.json");
    String signed =
        "s3://b/p?X-Amz-Credential=AKID%2F20260101&X-Amz-Signature=0123456789abcdef"
            + "&X-Amz-Security-Token=Zm9vYmFyYmF6";
    Run r = run("ls", "--storage", signed, "--result-file", result.toString());
    assertThat(r.exitCode()).isEqualTo(2);
    String text = Files.readString(result);
    assertThat(text)
        .doesNotContain("0123456789abcdef")
        .doesNotContain("Zm9vYmFyYmF6")
        .doesNotContain("AKID%2F")
        .contains("--directory");
    var node =
        ResultFile.failure(
            "backup",
            "b1",
            new dev.stowage.engine.error.StorageException(
                dev.stowage.engine.error.StorageException.Kind.OTHER,
                "s3://b/k",
                "cannot store s3://b/k: InvalidArgument: Authorization: AWS4-HMAC-SHA256"
                    + " Credential=AKID/20260101/us-east-1/s3/aws4_request, SignedHeaders=host,"
                    + " Signature=feedface00"),
            1.0);
    String rendered = new String(ResultFile.render(node), StandardCharsets.UTF_8);
    assertThat(rendered)
        .doesNotContain("feedface00")
        .doesNotContain("AKID/")
        .contains("cannot store s3://b/k: InvalidArgument: Authorization: ***");
  }
}
