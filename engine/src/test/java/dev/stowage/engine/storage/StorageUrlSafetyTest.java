package dev.stowage.engine.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stowage.engine.cli.StowageCli;
import dev.stowage.engine.error.EngineException;
import dev.stowage.engine.error.ExitCode;
import dev.stowage.engine.storage.s3.S3Options;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 15, finding 13: a storage URL or endpoint with user info ({@code user:pass@host}) is
 * refused (the SDK would ignore it, or worse, a proxy would log it), a prefix with {@code ..}
 * segments is refused (it would climb out of a tenant's prefix), and no message echoes the
 * password.
 */
class StorageUrlSafetyTest {
  static final String PASSWORD = "Sup3rSecretPassw0rd";

  @TempDir Path tmp;

  private static void assertInvalidWithoutPassword(String url, String... parts) {
    assertThatThrownBy(() -> StorageFactory.open(url))
        .isInstanceOf(EngineException.class)
        .satisfies(
            e -> assertThat(((EngineException) e).exitCode()).isEqualTo(ExitCode.INVALID_ARGUMENTS))
        .satisfies(
            e -> {
              assertThat(e.getMessage()).doesNotContain(PASSWORD);
              for (String p : parts) {
                assertThat(e.getMessage()).contains(p);
              }
            });
  }

  @Test
  void endpointWithUserInfoIsRefused() {
    assertInvalidWithoutPassword(
        "s3://bucket/p?endpoint=https%3A%2F%2Fadmin%3A" + PASSWORD + "%40minio.local%3A9000",
        "endpoint",
        "user info");
    assertInvalidWithoutPassword(
        "s3://bucket/p?endpoint=https://admin:" + PASSWORD + "@minio.local:9000", "user info");
  }

  @Test
  void storageUrlWithUserInfoIsRefused() {
    assertInvalidWithoutPassword("s3://admin:" + PASSWORD + "@bucket/p", "user info");
    assertInvalidWithoutPassword("file://admin:" + PASSWORD + "@/backups");
  }

  @Test
  void invalidUrlWithUserInfoDoesNotEchoThePassword() {
    assertInvalidWithoutPassword("s3://admin:" + PASSWORD + "@bucket/a b");
    assertInvalidWithoutPassword("s3://b?endpoint=https://admin:" + PASSWORD + "@h/a b");
  }

  @Test
  void prefixWithDotDotSegmentsIsRefused() {
    assertInvalidWithoutPassword("s3://bucket/tenant-a/../tenant-b", "..", "prefix");
    assertInvalidWithoutPassword("s3://bucket/..", "..");
    assertInvalidWithoutPassword("s3://bucket/tenant-a/%2E%2E/tenant-b", "..");
    assertInvalidWithoutPassword("s3://bucket/./tenant-b", "prefix");
    assertThat(S3Options.parse("s3://bucket/tenant..a/b..c").prefix()).isEqualTo("tenant..a/b..c");
  }

  @Test
  void cliExitsTwoAndNeitherOutputNorResultNamesThePassword() throws Exception {
    Path result = tmp.resolve("result.json");
    PrintStream oldOut = System.out;
    PrintStream oldErr = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    int rc;
    try (PrintStream p = new PrintStream(captured, true, StandardCharsets.UTF_8)) {
      System.setOut(p);
      System.setErr(p);
      rc =
          StowageCli.execute(
              "ls",
              "--storage",
              "s3://bucket/p?endpoint=https://admin:" + PASSWORD + "@127.0.0.1:1",
              "--directory",
              "ns/db");
      int rc2 =
          StowageCli.execute(
              "check",
              "--storage",
              "s3://admin:" + PASSWORD + "@bucket/p",
              "--directory",
              "ns/db",
              "--name",
              "b1",
              "--result-file",
              result.toString());
      assertThat(rc2).isEqualTo(2);
    } finally {
      System.setOut(oldOut);
      System.setErr(oldErr);
    }
    assertThat(rc).isEqualTo(2);
    String out = captured.toString(StandardCharsets.UTF_8);
    assertThat(out).contains("user info").doesNotContain(PASSWORD);
    assertThat(Files.readString(result)).contains("user info").doesNotContain(PASSWORD);
  }
}
