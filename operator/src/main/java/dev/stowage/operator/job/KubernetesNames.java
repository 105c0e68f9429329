package dev.stowage.operator.job;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Deterministic names and label values that fit Kubernetes' length limits: a name that is too long
 * keeps a readable prefix and gets a hash of the whole name, so two long names that share a prefix
 * never collide.
 */
public final class KubernetesNames {
  /**
   * A Job's name also becomes the value of its pods' {@code batch.kubernetes.io/job-name} label,
   * which Kubernetes caps at 63 characters.
   */
  public static final int MAX_JOB_NAME = 63;

  /** Label values are at most 63 characters. */
  public static final int MAX_LABEL_VALUE = 63;

  /**
   * Hex characters of the hash: 64 bits, so that two names that share a prefix do not get the same
   * Job name by chance (a Job found by name is checked by owner uid as well, see JobOwnership).
   */
  public static final int HASH_CHARS = 16;

  /** The hash of names written before it was widened to 64 bits. */
  public static final int LEGACY_HASH_CHARS = 8;

  private KubernetesNames() {}

  /**
   * {@code base-suffix}, or, when that is longer than {@code max}, a prefix of {@code base}, a hash
   * of {@code base} and the suffix. An empty suffix adds nothing.
   */
  public static String fit(String base, String suffix, int max) {
    return fit(base, suffix, max, HASH_CHARS);
  }

  /** {@link #fit(String, String, int)} with a hash of {@code hashChars} hex characters. */
  public static String fit(String base, String suffix, int max, int hashChars) {
    String tail = suffix.isEmpty() ? "" : "-" + suffix;
    if (base.length() + tail.length() <= max) {
      return base + tail;
    }
    int keep = max - tail.length() - 1 - hashChars;
    if (keep < 1) {
      throw new IllegalArgumentException(
          "no room for a name in " + max + " characters with the suffix " + suffix);
    }
    String prefix = base.substring(0, keep);
    // A name or label value must end with a letter or digit before the dash that follows.
    int end = prefix.length();
    while (end > 0 && !Character.isLetterOrDigit(prefix.charAt(end - 1))) {
      end--;
    }
    prefix = prefix.substring(0, end);
    return (prefix.isEmpty() ? "" : prefix + "-") + hash(base).substring(0, hashChars) + tail;
  }

  /**
   * The name of the engine Job of a resource: {@code <resource>-<purpose>}, within 63 characters.
   */
  public static String jobName(String resourceName, String purpose) {
    return fit(resourceName, purpose, MAX_JOB_NAME);
  }

  /** A resource name as a label value (at most 63 characters). */
  public static String labelValue(String name) {
    return fit(name, "", MAX_LABEL_VALUE);
  }

  /** The first hex characters of a string's SHA-256: a short name that stays the same. */
  public static String hash(String s) {
    try {
      byte[] d = MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(d).substring(0, HASH_CHARS);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
    }
  }
}
