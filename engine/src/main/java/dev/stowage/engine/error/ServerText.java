package dev.stowage.engine.error;

/**
 * Text a server chose (an S3 error code, message or body) as it may appear in the engine's own
 * messages: quoted, on one line, and capped, so a hostile or chatty endpoint cannot fill the result
 * file, the pod's termination message or a CR's status with its own words.
 */
public final class ServerText {
  /** Most characters of a server's message kept in an engine message. */
  public static final int MAX_MESSAGE = 512;

  /** Most characters of a server's error code kept (real codes are short words). */
  public static final int MAX_CODE = 64;

  private ServerText() {}

  /**
   * {@code "text"}, or {@code "first max chars..." [truncated, N chars]}; control chars become
   * spaces.
   */
  public static String quote(String text, int max) {
    if (text == null) {
      return "\"\"";
    }
    String oneLine = text.replaceAll("[\\p{Cntrl}\\u2028\\u2029]+", " ").strip();
    if (oneLine.length() <= max) {
      return "\"" + oneLine + "\"";
    }
    return "\"" + oneLine.substring(0, max) + "...\" [truncated, " + oneLine.length() + " chars]";
  }

  /** A short server word (an error code) kept unquoted when it is plain, else quoted and capped. */
  public static String code(String code) {
    if (code != null && code.matches("[A-Za-z0-9._-]{1," + MAX_CODE + "}")) {
      return code;
    }
    return quote(code, MAX_CODE);
  }
}
