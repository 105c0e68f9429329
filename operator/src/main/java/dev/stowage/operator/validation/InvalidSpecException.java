package dev.stowage.operator.validation;

/**
 * A resource's spec that no Job can be built from: permanent until a new resource is applied, so a
 * reconciler fails it with reason InvalidSpec instead of retrying.
 */
public final class InvalidSpecException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  public InvalidSpecException(String message) {
    super(message);
  }

  public InvalidSpecException(String message, Throwable cause) {
    super(message, cause);
  }
}
