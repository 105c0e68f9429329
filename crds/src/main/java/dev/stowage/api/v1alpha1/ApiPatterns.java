package dev.stowage.api.v1alpha1;

/**
 * Regular expressions shared by the OpenAPI schema of both kinds (RE2 syntax, as the API server
 * uses).
 */
public final class ApiPatterns {
  /**
   * A DNS-1123 subdomain: the names of PVCs, StatefulSets, Secrets, ConfigMaps and Stowage
   * resources.
   */
  public static final String DNS_SUBDOMAIN =
      "^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$";

  /** A key in a Secret or ConfigMap. */
  public static final String CONFIG_KEY = "^[-._a-zA-Z0-9]+$";

  /**
   * A relative path whose segments do not start with a dot, so it can neither be absolute nor climb
   * out of its volume with {@code ..}.
   */
  public static final String RELATIVE_PATH =
      "^[A-Za-z0-9_-][A-Za-z0-9._-]*(/[A-Za-z0-9_-][A-Za-z0-9._-]*)*$";

  /**
   * A backup name as the engine writes it (yyyy-MM-dd.HHmmss.host), or any name of safe characters.
   */
  public static final String BACKUP_NAME = "^[A-Za-z0-9_-][A-Za-z0-9._-]*$";

  /** A size the engine accepts: bytes, or a whole number with a binary suffix. */
  public static final String SIZE = "^[0-9]+(Ki|Mi|Gi|Ti)?$";

  /** A duration as a whole number and one unit: 90s, 30m, 72h, 14d, 2w. */
  public static final String DURATION = "^[1-9][0-9]{0,8}(s|m|h|d|w)$";

  /** CEL rule for a field that must be a {@link #RELATIVE_PATH}. */
  public static final String RELATIVE_PATH_RULE = "self.matches('" + RELATIVE_PATH + "')";

  /** What a person reads when a path is refused. */
  public static final String RELATIVE_PATH_MESSAGE =
      "must be a relative path inside the volume, such as"
          + " mysql/data: no leading /, and no segment that starts with a dot (so no . or ..)";

  /** CEL rule: a URL without user info ({@code user:password@}) before its path. */
  public static final String NO_USER_INFO_RULE =
      "!self.matches('^[A-Za-z][A-Za-z0-9+.-]*://[^/]*@')";

  /** What a person reads when an endpoint carries credentials (the value is never echoed). */
  public static final String NO_USER_INFO_MESSAGE =
      "must not hold user info (user:password@host): credentials never go in a URL; put the"
          + " access key in the Secret named by credentialsSecretRef";

  /** CEL rule: a key prefix with no {@code .} or {@code ..} segment. */
  public static final String NO_DOT_SEGMENTS_RULE = "!self.matches('(^|/)[.][.]?(/|$)')";

  /** What a person reads when a prefix could climb out of its place in the bucket. */
  public static final String NO_DOT_SEGMENTS_MESSAGE =
      "must not have a . or .. segment: a prefix is a plain path inside the bucket, such as"
          + " mysql/prod";

  private ApiPatterns() {}
}
