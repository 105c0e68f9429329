package dev.stowage.operator.schedule;

/** A schedule field that cannot be used; the message names the field and says what to write. */
public final class InvalidScheduleException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  /** The field path, for example {@code spec.schedule}. */
  private final String field;

  public InvalidScheduleException(String field, String message) {
    super(field + ": " + message);
    this.field = field;
  }

  /** The field the message is about, for example {@code spec.timeZone}. */
  public String field() {
    return field;
  }
}
