package dev.stowage.operator.job;

import java.util.Objects;

/**
 * What the operator was installed with for engine Jobs, read once at start-up.
 *
 * @param image the engine image of every Job: a resource cannot choose another
 * @param imagePullPolicy the pull policy of every Job; null leaves the Kubernetes default for the
 *     image's tag
 * @param backoffLimit the Job's backoffLimit when a resource sets none
 * @param mysqlUid the uid the engine runs as unless a resource sets its own {@code
 *     spec.pod.securityContext.runAsUser}: the MySQL user's, so that restored files keep their
 *     owner
 * @param mysqlGid the gid (and fsGroup) that goes with {@code mysqlUid}
 * @param podAllowlist the node selectors and tolerations a resource may ask for
 * @param inlineS3 whether resources may name a bucket in {@code storage.s3} themselves; off on a
 *     shared cluster, where only administrators' stores ({@code storage.storeRef}) are used
 */
public record EngineJobConfig(
    String image,
    String imagePullPolicy,
    int backoffLimit,
    long mysqlUid,
    long mysqlGid,
    PodAllowlist podAllowlist,
    boolean inlineS3) {
  /** The uid and gid of mysql in the Debian and official MySQL/MariaDB images. */
  public static final long DEFAULT_MYSQL_ID = 999;

  /**
   * One retry: the engine already retries each object against storage, so a second pod only helps
   * with a lost node or a storage outage longer than those retries.
   */
  public static final int DEFAULT_BACKOFF_LIMIT = 1;

  /** Allows no node selector and no toleration. */
  public EngineJobConfig(
      String image, String imagePullPolicy, int backoffLimit, long mysqlUid, long mysqlGid) {
    this(image, imagePullPolicy, backoffLimit, mysqlUid, mysqlGid, PodAllowlist.NONE, true);
  }

  /** Allows inline {@code storage.s3}. */
  public EngineJobConfig(
      String image,
      String imagePullPolicy,
      int backoffLimit,
      long mysqlUid,
      long mysqlGid,
      PodAllowlist podAllowlist) {
    this(image, imagePullPolicy, backoffLimit, mysqlUid, mysqlGid, podAllowlist, true);
  }

  public EngineJobConfig {
    Objects.requireNonNull(image, "image");
    Objects.requireNonNull(podAllowlist, "podAllowlist");
    if (image.isBlank()) {
      throw new IllegalArgumentException("the engine image is empty");
    }
    if (backoffLimit < 0) {
      throw new IllegalArgumentException("backoffLimit is " + backoffLimit + ", must be >= 0");
    }
    if (mysqlUid <= 0 || mysqlGid <= 0) {
      throw new IllegalArgumentException(
          "the engine runs as a non-root MySQL user, not " + mysqlUid + ":" + mysqlGid);
    }
  }

  /** The same configuration with inline {@code storage.s3} allowed or not. */
  public EngineJobConfig withInlineS3(boolean allowed) {
    return new EngineJobConfig(
        image, imagePullPolicy, backoffLimit, mysqlUid, mysqlGid, podAllowlist, allowed);
  }

  /** The defaults with the given engine image. */
  public static EngineJobConfig withImage(String image) {
    return new EngineJobConfig(
        image, null, DEFAULT_BACKOFF_LIMIT, DEFAULT_MYSQL_ID, DEFAULT_MYSQL_ID);
  }
}
