package dev.stowage.engine.error;

/**
 * A failure the engine can explain: it carries the exit code, the object or file concerned and what
 * the user can do about it.
 */
public class EngineException extends RuntimeException {
  private final ExitCode exitCode;
  private final String subject;

  public EngineException(ExitCode exitCode, String subject, String message, Throwable cause) {
    super(message, cause);
    this.exitCode = exitCode;
    this.subject = subject;
  }

  public EngineException(ExitCode exitCode, String subject, String message) {
    this(exitCode, subject, message, null);
  }

  public ExitCode exitCode() {
    return exitCode;
  }

  /** The file, chunk or storage object the failure is about, or null. */
  public String subject() {
    return subject;
  }

  /** Exit 2: bad arguments or settings, detected before any work starts. */
  public static EngineException invalid(String message) {
    return new EngineException(ExitCode.INVALID_ARGUMENTS, null, message);
  }

  /** Exit 4: checksum or size mismatch, corrupt or malformed MANIFEST. */
  public static EngineException integrity(String subject, String message) {
    return new EngineException(ExitCode.INTEGRITY, subject, message);
  }

  /** Exit 5: unsafe source or target (live mysqld, non-empty target, no space, existing backup). */
  public static EngineException unsafe(String subject, String message) {
    return new EngineException(ExitCode.UNSAFE, subject, message);
  }
}
