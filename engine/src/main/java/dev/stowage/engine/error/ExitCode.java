package dev.stowage.engine.error;

/**
 * The engine's process exit codes; scripts and the operator rely on these numbers (and on which are
 * permanent: contract/permanent-exit-codes.txt).
 */
public enum ExitCode {
  OK(0, false),
  OTHER(1, false),
  INVALID_ARGUMENTS(2, true),
  STORAGE(3, false),
  INTEGRITY(4, true),
  UNSAFE(5, true);

  private final int code;
  private final boolean permanent;

  ExitCode(int code, boolean permanent) {
    this.code = code;
    this.permanent = permanent;
  }

  public int code() {
    return code;
  }

  /**
   * Whether a rerun with the same input fails the same way (bad arguments, a damaged backup, an
   * unsafe target), so a caller should not retry; the others may pass on a rerun (storage errors,
   * anything unexpected).
   */
  public boolean permanent() {
    return permanent;
  }
}
