package dev.stowage.operator.mysql;

/** The global read lock could not be taken, or was lost before it was released on purpose. */
public final class ReadLockException extends Exception {
  public ReadLockException(String message, Throwable cause) {
    super(message, cause);
  }

  public ReadLockException(String message) {
    super(message);
  }
}
