package dev.stowage.operator.status;

import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Deep copies and comparisons of status objects through their JSON form, as the API stores them.
 */
public final class StatusCopies {

  private static final ObjectMapper JSON = new ObjectMapper();

  private StatusCopies() {}

  public static <S> S copy(S status, Class<S> type) {
    return status == null ? null : JSON.convertValue(JSON.valueToTree(status), type);
  }

  /** Whether two statuses would be stored the same. */
  public static boolean same(Object a, Object b) {
    return JSON.valueToTree(a).equals(JSON.valueToTree(b));
  }
}
