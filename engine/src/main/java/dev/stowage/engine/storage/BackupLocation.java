package dev.stowage.engine.storage;

import dev.stowage.engine.error.EngineException;
import java.util.regex.Pattern;

/** Where one backup lives inside a storage: {@code <directory>/<name>}. */
public record BackupLocation(String directory, String name) {
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9._:+@=-]*");
  // Directory elements may start with '-' for Vitess shard names such as "-80".
  private static final Pattern ELEMENT = Pattern.compile("[A-Za-z0-9._:+@=-]+");

  public BackupLocation {
    checkDirectory(directory);
    checkName(name);
  }

  /** A relative path of safe segments, e.g. {@code shop/orders} or Vitess's {@code ks/-80}. */
  public static void checkDirectory(String directory) {
    if (directory == null || directory.isEmpty()) {
      throw EngineException.invalid("--directory is empty; give a relative path such as ns/mysql");
    }
    for (String part : directory.split("/", -1)) {
      if (!ELEMENT.matcher(part).matches() || part.equals(".") || part.equals("..")) {
        throw EngineException.invalid(
            "--directory \""
                + directory
                + "\" has the element \""
                + part
                + "\"; use a relative path of letters, digits, '.', '_', '-' (no '..', no leading '/')");
      }
    }
  }

  public static void checkName(String name) {
    if (name == null || !NAME.matcher(name).matches() || name.contains("..")) {
      throw EngineException.invalid(
          "backup name \""
              + name
              + "\" is not allowed; use letters, digits, '.', '_', '-' (e.g. 2026-01-31.120000.db-0)");
    }
  }

  @Override
  public String toString() {
    return directory + "/" + name;
  }
}
