package dev.stowage.engine.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The ranged-GET flags of restore and verify are checked before any work (exit 2). */
class RangedGetOptionsTest {
  @TempDir Path tmp;

  private int restore(String... extra) throws Exception {
    Files.createDirectories(tmp.resolve("backups"));
    List<String> args =
        new ArrayList<>(
            List.of(
                "restore",
                "--storage",
                "file://" + tmp.resolve("backups"),
                "--directory",
                "ns/db",
                "--name",
                "b",
                "--datadir",
                tmp.resolve("target").toString(),
                "--quiet",
                "--result-file",
                tmp.resolve("result.json").toString()));
    args.addAll(List.of(extra));
    return StowageCli.execute(args.toArray(String[]::new));
  }

  private String error() throws Exception {
    return Files.readString(tmp.resolve("result.json"));
  }

  @Test
  void badRangedGetFlagsExitTwoNamingTheFlag() throws Exception {
    assertThat(restore("--s3-ranged-get=maybe")).isEqualTo(2);
    assertThat(error()).contains("--s3-ranged-get");
    assertThat(restore("--s3-range-size", "512Ki")).isEqualTo(2);
    assertThat(error()).contains("--s3-range-size");
    assertThat(restore("--s3-range-size", "1Gi")).isEqualTo(2);
    assertThat(error()).contains("--s3-range-size");
    assertThat(restore("--s3-ranges-in-flight", "0")).isEqualTo(2);
    assertThat(error()).contains("--s3-ranges-in-flight");
    assertThat(restore("--s3-ranges-in-flight", "65")).isEqualTo(2);
    assertThat(restore("--s3-ranged-get-threshold", "1Mi", "--s3-range-size", "8Mi")).isEqualTo(2);
    assertThat(error()).contains("--s3-ranged-get-threshold");
    assertThat(tmp.resolve("target")).doesNotExist();
  }

  @Test
  void goodRangedGetFlagsAreAcceptedAndTheRestoreGoesOn() throws Exception {
    // No backup named b: exit 3 from the storage, so the flags themselves passed.
    assertThat(
            restore(
                "--s3-ranged-get=false",
                "--s3-ranged-get-threshold",
                "64Mi",
                "--s3-range-size",
                "16Mi",
                "--s3-ranges-in-flight",
                "4"))
        .isEqualTo(3);
    assertThat(restore("--s3-ranged-get=TRUE")).isEqualTo(3);
  }
}
