package dev.stowage.engine.error;

/** The engine's process exit codes; scripts and the operator rely on these numbers. */
public enum ExitCode {
  OK(0),
  OTHER(1),
  INVALID_ARGUMENTS(2),
  STORAGE(3),
  INTEGRITY(4),
  UNSAFE(5);

  private final int code;

  ExitCode(int code) {
    this.code = code;
  }

  public int code() {
    return code;
  }
}
