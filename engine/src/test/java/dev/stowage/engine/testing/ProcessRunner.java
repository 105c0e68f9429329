package dev.stowage.engine.testing;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs an external command to completion, capturing exit code, stdout and stderr. */
public final class ProcessRunner {

  private ProcessRunner() {}

  /** What a finished command left behind. */
  public record Result(List<String> command, int exitCode, String stdout, String stderr) {

    /** stdout and stderr together, for assertions on a message wherever it was printed. */
    public String output() {
      return stdout + "\n" + stderr;
    }

    @Override
    public String toString() {
      return "$ "
          + String.join(" ", command)
          + "\nexit "
          + exitCode
          + "\n--- stdout ---\n"
          + tail(stdout)
          + "\n--- stderr ---\n"
          + tail(stderr);
    }

    private static String tail(String s) {
      return s.length() <= 8000 ? s : "...\n" + s.substring(s.length() - 8000);
    }
  }

  public static Result run(Duration timeout, String... command) {
    return runWithInput(timeout, null, command);
  }

  public static Result runWithInput(Duration timeout, String stdin, String... command) {
    return run(timeout, stdin, Map.of(), List.of(command));
  }

  /**
   * Runs {@code command}; output goes through temporary files so a chatty process can never block
   * on a full pipe. A process still running at the timeout is killed and reported as exit -1.
   */
  public static Result run(
      Duration timeout, String stdin, Map<String, String> env, List<String> command) {
    Path out = null;
    Path err = null;
    try {
      out = Files.createTempFile("stowage-it-out", ".log");
      err = Files.createTempFile("stowage-it-err", ".log");
      ProcessBuilder pb =
          new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile());
      pb.environment().putAll(env);
      if (stdin == null) {
        pb.redirectInput(new File("/dev/null"));
      }
      Process p = pb.start();
      if (stdin != null) {
        try (OutputStream in = p.getOutputStream()) {
          in.write(stdin.getBytes(StandardCharsets.UTF_8));
        }
      }
      int exit;
      if (p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        exit = p.exitValue();
      } else {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
        p.waitFor(30, TimeUnit.SECONDS);
        exit = -1;
      }
      String stdout = new String(Files.readAllBytes(out), StandardCharsets.UTF_8);
      String stderr = new String(Files.readAllBytes(err), StandardCharsets.UTF_8);
      if (exit == -1) {
        stderr += "\n[killed by the test after " + timeout + "]";
      }
      return new Result(command, exit, stdout, stderr);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot run " + command, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while running " + command, e);
    } finally {
      deleteQuietly(out);
      deleteQuietly(err);
    }
  }

  private static void deleteQuietly(Path p) {
    if (p != null) {
      try {
        Files.deleteIfExists(p);
      } catch (IOException ignored) {
        // A leftover temp file is harmless.
      }
    }
  }
}
