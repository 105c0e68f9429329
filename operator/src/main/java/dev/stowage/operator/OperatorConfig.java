package dev.stowage.operator;

import dev.stowage.operator.job.EngineJobConfig;
import dev.stowage.operator.job.EngineTimeouts;
import dev.stowage.operator.job.PodAllowlist;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the operator was started with, read once from its environment.
 *
 * @param engine how engine Jobs are built
 * @param namespaces the namespaces to watch; empty watches all of them
 * @param leaderElection whether to run only while holding the Lease (off for a local run)
 * @param podNamespace the namespace the operator runs in, where its Lease lives
 * @param podName this replica's identity in the Lease
 * @param httpPort the port of /healthz, /readyz and /metrics
 * @param timeouts how long engine pods may take to start, and overwrite restores to begin
 */
public record OperatorConfig(
    EngineJobConfig engine,
    List<String> namespaces,
    boolean leaderElection,
    String podNamespace,
    String podName,
    int httpPort,
    EngineTimeouts timeouts) {

  /** The Lease that elects the one replica that reconciles. */
  public static final String LEASE_NAME = "stowage-operator";

  public static final String DEFAULT_ENGINE_IMAGE = "stowage/engine:dev";

  /** With the default timeouts. */
  public OperatorConfig(
      EngineJobConfig engine,
      List<String> namespaces,
      boolean leaderElection,
      String podNamespace,
      String podName,
      int httpPort) {
    this(
        engine,
        namespaces,
        leaderElection,
        podNamespace,
        podName,
        httpPort,
        EngineTimeouts.DEFAULTS);
  }

  public OperatorConfig {
    namespaces = List.copyOf(namespaces);
    if (leaderElection && (podNamespace == null || podNamespace.isBlank())) {
      throw new IllegalArgumentException(
          "leader election needs POD_NAMESPACE (the downward API's metadata.namespace); set it,"
              + " or set STOWAGE_LEADER_ELECTION=false to run a single replica without a Lease");
    }
    if (httpPort < 0 || httpPort > 65535) {
      throw new IllegalArgumentException("STOWAGE_HTTP_PORT is " + httpPort + ", not a port");
    }
  }

  /** Reads the configuration from environment variables; see deploy/operator.yaml. */
  public static OperatorConfig fromEnv(Map<String, String> env) {
    EngineJobConfig engine =
        new EngineJobConfig(
            env.getOrDefault("STOWAGE_ENGINE_IMAGE", DEFAULT_ENGINE_IMAGE),
            blankToNull(env.get("STOWAGE_ENGINE_PULL_POLICY")),
            integer(env, "STOWAGE_ENGINE_BACKOFF_LIMIT", EngineJobConfig.DEFAULT_BACKOFF_LIMIT),
            integer(env, "STOWAGE_MYSQL_UID", (int) EngineJobConfig.DEFAULT_MYSQL_ID),
            integer(env, "STOWAGE_MYSQL_GID", (int) EngineJobConfig.DEFAULT_MYSQL_ID),
            PodAllowlist.parse(
                env.get(PodAllowlist.NODE_SELECTORS_ENV), env.get(PodAllowlist.TOLERATIONS_ENV)),
            bool(env, INLINE_S3_ENV, true));
    List<String> namespaces =
        Arrays.stream(env.getOrDefault("STOWAGE_NAMESPACES", "").split(","))
            .map(String::trim)
            .filter(s -> !s.isEmpty())
            .toList();
    String leader = env.getOrDefault("STOWAGE_LEADER_ELECTION", "true").trim();
    if (!leader.equals("true") && !leader.equals("false")) {
      throw new IllegalArgumentException(
          "STOWAGE_LEADER_ELECTION is '" + leader + "'; set it to true or false");
    }
    return new OperatorConfig(
        engine,
        namespaces,
        Boolean.parseBoolean(leader),
        blankToNull(env.get("POD_NAMESPACE")),
        env.getOrDefault("POD_NAME", env.getOrDefault("HOSTNAME", "stowage-operator")),
        integer(env, "STOWAGE_HTTP_PORT", 8080),
        new EngineTimeouts(
            duration(env, "STOWAGE_ENGINE_START_DEADLINE", EngineTimeouts.DEFAULT_POD_START),
            duration(
                env, "STOWAGE_OVERWRITE_START_DEADLINE", EngineTimeouts.DEFAULT_OVERWRITE_START)));
  }

  /** Whether resources may name a bucket in storage.s3 themselves (off on shared clusters). */
  public static final String INLINE_S3_ENV = "STOWAGE_ALLOW_INLINE_S3";

  private static boolean bool(Map<String, String> env, String key, boolean fallback) {
    String value = env.get(key);
    if (value == null || value.isBlank()) {
      return fallback;
    }
    return switch (value.trim()) {
      case "true" -> true;
      case "false" -> false;
      default ->
          throw new IllegalArgumentException(key + " is '" + value + "'; set it to true or false");
    };
  }

  /** A duration written as {@code 90s}, {@code 2m} or {@code 1h}. */
  static Duration duration(Map<String, String> env, String key, Duration fallback) {
    String value = env.get(key);
    if (value == null || value.isBlank()) {
      return fallback;
    }
    Matcher m = DURATION.matcher(value.trim());
    if (!m.matches() || Long.parseLong(m.group(1)) == 0) {
      throw new IllegalArgumentException(
          key + " is '" + value + "'; write a positive duration such as 90s, 2m or 1h");
    }
    long n = Long.parseLong(m.group(1));
    return switch (m.group(2)) {
      case "s" -> Duration.ofSeconds(n);
      case "m" -> Duration.ofMinutes(n);
      default -> Duration.ofHours(n);
    };
  }

  private static final Pattern DURATION = Pattern.compile("([0-9]{1,6})(s|m|h)");

  private static int integer(Map<String, String> env, String key, int fallback) {
    String value = env.get(key);
    if (value == null || value.isBlank()) {
      return fallback;
    }
    try {
      return Integer.parseInt(value.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(key + " is '" + value + "', not a whole number");
    }
  }

  private static String blankToNull(String s) {
    return s == null || s.isBlank() ? null : s.trim();
  }
}
