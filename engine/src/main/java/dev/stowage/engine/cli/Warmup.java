package dev.stowage.engine.cli;

import dev.stowage.engine.core.MemoryBudget;
import dev.stowage.engine.manifest.ManifestCodec;
import java.nio.charset.StandardCharsets;
import java.util.Set;

/**
 * Start-up work moved off the command's own thread: while picocli reads the command line, a second
 * thread builds the MANIFEST parser (Jackson's deserializers, by reflection) and loads zstd's
 * native library and the JVM's direct-memory cap (for the commands that compress or decompress:
 * core/MemoryBudget), which the command would otherwise do one after the other before its first
 * object. Nothing here has effects beyond the JVM: a failure is left for the command to meet and
 * report.
 */
final class Warmup {
  /** The commands that compress or decompress objects: the others never load zstd. */
  static final Set<String> COMPRESSING = Set.of("backup", "restore", "verify");

  private Warmup() {}

  /**
   * Starts the warm-up for {@code command}. A backup needs zstd and the memory cap before it reads
   * any MANIFEST (it writes one last), so it warms those first; restore and verify the other way.
   */
  static void start(String command) {
    boolean codecs = COMPRESSING.contains(command);
    boolean manifestLast = command.equals("backup");
    Thread t =
        new Thread(
            () -> {
              if (!manifestLast) {
                manifestParser();
              }
              if (codecs) {
                try {
                  com.github.luben.zstd.util.Native.load();
                } catch (RuntimeException | LinkageError e) {
                  // the command's codec reports a zstd that cannot load
                }
                try {
                  MemoryBudget.directCap(); // read once, for the workers' count
                } catch (RuntimeException | LinkageError e) {
                  // the command reads it again and meets the failure itself
                }
              }
              if (manifestLast) {
                manifestParser();
              }
            },
            "stowage-warm-up");
    t.setDaemon(true);
    t.start();
  }

  private static void manifestParser() {
    try {
      ManifestCodec.read("{}".getBytes(StandardCharsets.US_ASCII), "(warm-up)");
    } catch (RuntimeException | LinkageError e) {
      // the command parses the real MANIFEST and reports what fails there
    }
  }
}
