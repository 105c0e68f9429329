package dev.stowage.engine.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stowage.engine.EngineFixture;
import dev.stowage.engine.testing.EngineProcess;
import dev.stowage.engine.testing.ProcessRunner;
import dev.stowage.engine.testing.Trees;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 10 case 4: names that would not survive the round trip. The real CLI runs in its own
 * process with the locale under test, as the engine image runs it.
 */
class FileNamesIT {
  @TempDir Path tmp;

  private ProcessRunner.Result engine(Map<String, String> env, String... args) {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-jar");
    cmd.add(EngineProcess.jar().toString());
    cmd.addAll(List.of(args));
    return ProcessRunner.run(Duration.ofMinutes(5), null, env, cmd);
  }

  private ProcessRunner.Result backup(Map<String, String> env, Path data, String name) {
    return engine(
        env,
        "backup",
        "--datadir",
        data.toString(),
        "--storage",
        EngineProcess.fileUrl(tmp.resolve("backups")),
        "--directory",
        "ns/db",
        "--name",
        name,
        "--quiet");
  }

  private Path datadir() throws Exception {
    Path d = tmp.resolve("data");
    EngineFixture.writeDatadir(d);
    Files.createDirectories(tmp.resolve("backups"));
    return d;
  }

  private static final Map<String, String> UTF8 = Map.of("LANG", "C.UTF-8", "LC_ALL", "C.UTF-8");
  private static final Map<String, String> POSIX = Map.of("LANG", "C", "LC_ALL", "C");

  @Test
  void case4_aNonAsciiNameRoundTripsExactlyUnderUtf8() throws Exception {
    Path data = datadir();
    Trees.writePseudoData(data.resolve("shop/café.ibd"), 70_000, 5);
    ProcessRunner.Result b = backup(UTF8, data, "b1");
    assertThat(b.exitCode()).as("%s", b).isZero();
    ProcessRunner.Result r =
        engine(
            UTF8,
            "restore",
            "--storage",
            EngineProcess.fileUrl(tmp.resolve("backups")),
            "--directory",
            "ns/db",
            "--name",
            "b1",
            "--datadir",
            tmp.resolve("restored").toString(),
            "--quiet");
    assertThat(r.exitCode()).as("%s", r).isZero();
    assertThat(Files.readAllBytes(tmp.resolve("restored/shop/café.ibd")))
        .isEqualTo(Files.readAllBytes(data.resolve("shop/café.ibd")));
    try (var names = Files.list(tmp.resolve("restored/shop"))) {
      assertThat(names.map(p -> p.getFileName().toString())).contains("café.ibd");
    }
  }

  @Test
  void case4_aNameThatIsNotUtf8IsRefusedWithExitFiveAndItsBytesEscaped() throws Exception {
    Path data = datadir();
    Process p =
        new ProcessBuilder(
                "python3",
                "-c",
                "import os,sys\nos.mkdir(os.fsencode(sys.argv[1])+b'/sch\\xe9ma')\n"
                    + "open(os.fsencode(sys.argv[1])+b'/sch\\xe9ma/t.ibd','wb').write(b'x')",
                data.toString())
            .inheritIO()
            .start();
    assertThat(p.waitFor()).isZero();
    ProcessRunner.Result b = backup(UTF8, data, "b1");
    assertThat(b.exitCode()).as("%s", b).isEqualTo(5);
    assertThat(b.output()).contains("sch\\xe9ma").contains("not valid UTF-8");
    assertThat(tmp.resolve("backups/ns/db/b1")).doesNotExist();
  }

  @Test
  void case4_aJvmUnderLangCRefusesANonAsciiName() throws Exception {
    Path data = datadir();
    Trees.writePseudoData(data.resolve("shop/café.ibd"), 5000, 5);
    ProcessRunner.Result b = backup(POSIX, data, "b1");
    assertThat(b.exitCode()).as("%s", b).isEqualTo(5);
    assertThat(b.output()).contains("caf\\xc3\\xa9.ibd").contains("LANG=C.UTF-8");
    assertThat(tmp.resolve("backups/ns/db/b1")).doesNotExist();
    // The same tree with ASCII names only backs up fine under LANG=C.
    Files.delete(data.resolve("shop/café.ibd"));
    ProcessRunner.Result ascii = backup(POSIX, data, "b2");
    assertThat(ascii.exitCode()).as("%s", ascii).isZero();
  }
}
