package dev.stowage.engine.manifest;

import java.util.Locale;

/** The roots a FileEntry Name is relative to, spelled as Vitess spells them. */
public enum Base {
  DATA("Data"),
  INNODB_DATA("InnoDBData"),
  INNODB_LOG("InnoDBLog"),
  BIN_LOG("BinLog");

  private final String vitessName;

  Base(String vitessName) {
    this.vitessName = vitessName;
  }

  public String vitessName() {
    return vitessName;
  }

  /** The Base named so in a MANIFEST, or null when the name is unknown. */
  public static Base fromVitessName(String name) {
    for (Base b : values()) {
      if (b.vitessName.equals(name)) {
        return b;
      }
    }
    return null;
  }

  /**
   * Classifies a top-level file name as Vitess does: system and undo tablespaces are InnoDBData,
   * redo logs InnoDBLog, anything else Data.
   */
  public static Base classifyTopLevel(String fileName) {
    String lower = fileName.toLowerCase(Locale.ROOT);
    if (lower.startsWith("ibdata")
        || lower.startsWith("undo_")
        || lower.startsWith("undo0")
        || lower.endsWith(".ibu")) {
      return INNODB_DATA;
    }
    if (lower.startsWith("ib_logfile")) {
      return INNODB_LOG;
    }
    return DATA;
  }
}
