package dev.stowage.engine.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Reads the engine's {@code --result-file} JSON summary. */
public final class ResultFile {

  /** The operator reads the result as a container termination message, which Kubernetes caps. */
  public static final int MAX_BYTES = 4096;

  private ResultFile() {}

  public static JsonNode read(Path file) {
    try {
      if (!Files.exists(file)) {
        throw new AssertionError("the engine wrote no result file at " + file);
      }
      return new ObjectMapper().readTree(file.toFile());
    } catch (IOException e) {
      throw new UncheckedIOException("result file " + file + " is not JSON", e);
    }
  }

  public static long size(Path file) {
    try {
      return Files.size(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
