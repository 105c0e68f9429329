package dev.stowage.engine.error;

/** Exit 3: the backup storage is missing something, unreachable or refuses access. */
public class StorageException extends EngineException {
  /** What went wrong, so callers can decide whether to retry. */
  public enum Kind {
    NOT_FOUND,
    DENIED,
    UNREACHABLE,
    /** Worth retrying: throttling, a cut connection, a timeout. */
    TRANSIENT,
    OTHER
  }

  private final Kind kind;

  public StorageException(Kind kind, String object, String message, Throwable cause) {
    super(ExitCode.STORAGE, object, message, cause);
    this.kind = kind;
  }

  public StorageException(Kind kind, String object, String message) {
    this(kind, object, message, null);
  }

  public Kind kind() {
    return kind;
  }

  public boolean isRetryable() {
    return kind == Kind.TRANSIENT || kind == Kind.UNREACHABLE || kind == Kind.OTHER;
  }
}
