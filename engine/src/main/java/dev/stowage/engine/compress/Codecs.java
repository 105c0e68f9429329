package dev.stowage.engine.compress;

import dev.stowage.engine.error.EngineException;
import dev.stowage.engine.manifest.Manifest;
import dev.stowage.engine.manifest.Settings;
import java.util.Locale;

/** Chooses codecs by CLI name (writing) and by MANIFEST fields (reading). */
public final class Codecs {
  private Codecs() {}

  /** For {@code --compression zstd|gzip|none}. */
  public static Codec forWriting(String name) {
    return switch (name.toLowerCase(Locale.ROOT)) {
      case "zstd" -> new ZstdCodec();
      case "gzip", "pgzip" -> new GzipCodec("pgzip");
      case "none" -> new NoCompression();
      default ->
          throw EngineException.invalid(
              "--compression \"" + name + "\" is not supported; use zstd, gzip or none");
    };
  }

  /** Valid level range for a codec, checked before any work starts. */
  public static void checkLevel(String name, int level) {
    String n = name.toLowerCase(Locale.ROOT);
    boolean ok =
        switch (n) {
          case "zstd" -> level >= 1 && level <= 22;
          case "gzip", "pgzip" -> level >= 1 && level <= 9;
          default -> true;
        };
    if (!ok) {
      throw EngineException.invalid(
          "--level " + level + " is out of range for " + name + " (zstd: 1..22, gzip: 1..9)");
    }
  }

  /**
   * The codec a MANIFEST's objects were written with, with the zstd window its writer needs: the
   * default cap, or zstd's own limit for a backup whose MANIFEST says Stowage wrote it at level 21
   * or 22 (before its writer capped the window).
   */
  public static Codec forReading(Manifest m, String where) {
    Settings s = m.stowageSettings;
    int windowLog =
        s != null && "zstd".equalsIgnoreCase(s.compression) && s.level > 20
            ? ZstdCodec.LEGACY_HIGH_LEVEL_WINDOW_LOG
            : ZstdCodec.DEFAULT_MAX_WINDOW_LOG;
    return forReading(
        m.skipCompress, m.compressionEngine, m.externalDecompressor, where, windowLog);
  }

  /** As below, with the default zstd window cap. */
  public static Codec forReading(
      boolean skipCompress, String engine, String externalDecompressor, String where) {
    return forReading(
        skipCompress, engine, externalDecompressor, where, ZstdCodec.DEFAULT_MAX_WINDOW_LOG);
  }

  /**
   * The codec a MANIFEST's objects were written with. Never runs ExternalDecompressor: a backup
   * that needs it is refused with an explanation.
   */
  public static Codec forReading(
      boolean skipCompress,
      String engine,
      String externalDecompressor,
      String where,
      int zstdMaxWindowLog) {
    if (skipCompress) {
      return new NoCompression();
    }
    String e = engine == null ? "" : engine;
    if (externalDecompressor != null && !externalDecompressor.isEmpty()) {
      throw EngineException.integrity(
          where,
          "backup "
              + where
              + " was written with an external"
              + " compressor and names ExternalDecompressor \""
              + externalDecompressor
              + "\"; Stowage never"
              + " runs commands from a MANIFEST: restore it with Vitess");
    }
    return switch (e) {
      case "zstd" -> new ZstdCodec(zstdMaxWindowLog);
      case "", "pgzip" -> new GzipCodec("pgzip");
      case "pargzip" -> new GzipCodec("pargzip");
      case "lz4" -> new Lz4Codec();
      default ->
          throw EngineException.integrity(
              where,
              "backup "
                  + where
                  + " uses CompressionEngine \""
                  + e
                  + "\", which Stowage cannot read (it reads zstd, pgzip,"
                  + " pargzip, lz4 and uncompressed backups)");
    };
  }
}
