package dev.stowage.engine.core;

import dev.stowage.engine.manifest.Base;
import java.nio.file.Path;

/**
 * The directories the MANIFEST's Bases map to; for an ordinary volume all are the data directory.
 */
public record Roots(Path data, Path innodbData, Path innodbLog) {
  public Roots {
    data = data.toAbsolutePath().normalize();
    innodbData = innodbData == null ? data : innodbData.toAbsolutePath().normalize();
    innodbLog = innodbLog == null ? data : innodbLog.toAbsolutePath().normalize();
  }

  public Path root(Base base) {
    return switch (base) {
      case DATA, BIN_LOG -> data;
      case INNODB_DATA -> innodbData;
      case INNODB_LOG -> innodbLog;
    };
  }

  /** The path of {@code name} under its root; the name was validated not to escape it. */
  public Path resolve(Base base, String name) {
    Path root = root(base);
    Path p = root.resolve(name).normalize();
    if (!p.startsWith(root) || p.equals(root)) {
      throw new IllegalArgumentException(name + " escapes " + root);
    }
    return p;
  }

  /** Distinct roots, data first. */
  public java.util.List<Path> distinct() {
    java.util.LinkedHashSet<Path> s = new java.util.LinkedHashSet<>();
    s.add(data);
    s.add(innodbData);
    s.add(innodbLog);
    return java.util.List.copyOf(s);
  }
}
