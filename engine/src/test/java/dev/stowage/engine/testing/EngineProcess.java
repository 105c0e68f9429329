package dev.stowage.engine.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Runs the engine the way the operator and users do: {@code java -jar engine/target/stowage.jar
 * <command> ...} in its own process, so exit codes, stdout and stderr are the real ones.
 */
public final class EngineProcess {

  private static final Duration TIMEOUT = Duration.ofMinutes(10);

  private EngineProcess() {}

  /**
   * The shaded jar built by {@code mvn package}. Failsafe runs after package, with {@code basedir}
   * set to the engine module; {@code -Dstowage.jar=...} points the tests at another build.
   */
  public static Path jar() {
    String override = System.getProperty("stowage.jar");
    Path jar;
    if (override != null && !override.isBlank()) {
      jar = Path.of(override);
    } else {
      Path basedir = Path.of(System.getProperty("basedir", System.getProperty("user.dir")));
      jar = basedir.resolve("target/stowage.jar");
      if (!Files.exists(jar) && Files.exists(basedir.resolve("engine/target/stowage.jar"))) {
        jar = basedir.resolve("engine/target/stowage.jar");
      }
    }
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException(
          "engine jar not found at "
              + jar.toAbsolutePath()
              + ": build it first (`mvn -pl engine package` or `make build`); integration tests"
              + " run the real CLI");
    }
    return jar.toAbsolutePath();
  }

  /** Runs one engine command and waits for it. */
  public static ProcessRunner.Result run(String... args) {
    return run(List.of(args));
  }

  public static ProcessRunner.Result run(List<String> args) {
    return runInJvm(List.of(), args);
  }

  /** Runs one engine command in a JVM started with {@code jvmOptions} (a memory cap, say). */
  public static ProcessRunner.Result runInJvm(List<String> jvmOptions, List<String> args) {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(jvmOptions);
    cmd.add("-jar");
    cmd.add(jar().toString());
    cmd.addAll(args);
    return ProcessRunner.run(TIMEOUT, null, Map.of(), cmd);
  }

  /**
   * Starts one engine command without waiting, output discarded: for tests that interrupt it. The
   * caller must destroy or wait for the process.
   */
  public static Process start(List<String> args) {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-jar");
    cmd.add(jar().toString());
    cmd.addAll(args);
    try {
      return new ProcessBuilder(cmd)
          .redirectOutput(ProcessBuilder.Redirect.DISCARD)
          .redirectError(ProcessBuilder.Redirect.DISCARD)
          .start();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException("cannot start " + cmd, e);
    }
  }

  /** {@code file://} URL for a storage root directory. */
  public static String fileUrl(Path root) {
    return "file://" + root.toAbsolutePath().normalize();
  }
}
