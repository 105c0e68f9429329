package dev.stowage.engine.cli;

import dev.stowage.engine.core.Sizes;
import dev.stowage.engine.error.EngineException;
import dev.stowage.engine.storage.s3.RangedGets;
import picocli.CommandLine.Option;

/** How restore and verify read large objects from S3 (parallel ranged GETs, or one GET). */
final class RangedGetOptions {
  @Option(
      names = "--s3-ranged-get",
      paramLabel = "true|false",
      arity = "1",
      defaultValue = "true",
      description =
          "S3 only: read an object larger than --s3-ranged-get-threshold (a whole file of an"
              + " unchunked backup) as parallel ranged GETs handed in order to the decompressor"
              + " (default: ${DEFAULT-VALUE}). false reads every object in one GET, for stores that"
              + " do not support ranges or If-Match.")
  String enabled;

  @Option(
      names = "--s3-ranged-get-threshold",
      paramLabel = "Q",
      defaultValue = "128Mi",
      description =
          "S3 only: objects larger than this use ranged GETs (default: ${DEFAULT-VALUE}).")
  String threshold;

  @Option(
      names = "--s3-range-size",
      paramLabel = "Q",
      defaultValue = "8Mi",
      description = "S3 only: bytes per ranged GET, 1Mi to 256Mi (default: ${DEFAULT-VALUE}).")
  String rangeSize;

  @Option(
      names = "--s3-ranges-in-flight",
      paramLabel = "N",
      defaultValue = "8",
      description =
          "S3 only: ranges fetched or buffered at once for the whole run, 1 to 64; memory is at"
              + " most this times --s3-range-size (default: ${DEFAULT-VALUE}).")
  int inFlight;

  RangedGets settings() {
    boolean on =
        switch (enabled.toLowerCase(java.util.Locale.ROOT)) {
          case "true" -> true;
          case "false" -> false;
          default ->
              throw EngineException.invalid(
                  "--s3-ranged-get=\"" + enabled + "\"; use true or false");
        };
    long size = Sizes.parse("--s3-range-size", rangeSize);
    if (size > RangedGets.MAX_RANGE_SIZE || size < RangedGets.MIN_RANGE_SIZE) {
      throw EngineException.invalid("--s3-range-size must be between 1Mi and 256Mi");
    }
    return new RangedGets(
        on, Sizes.parse("--s3-ranged-get-threshold", threshold), (int) size, inFlight);
  }
}
