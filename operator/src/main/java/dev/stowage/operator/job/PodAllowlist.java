package dev.stowage.operator.job;

import dev.stowage.api.v1alpha1.PodSettings;
import dev.stowage.operator.validation.InvalidSpecException;
import io.fabric8.kubernetes.api.model.Toleration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The node selectors and tolerations a resource's {@code spec.pod} may ask for: the operator's
 * configuration, empty by default. Whoever may create a MysqlBackup must not get to place a pod on
 * any node (a control-plane node, a node pool of another tenant) by tolerating its taints.
 *
 * @param nodeSelectors the allowed {@code key=value} pairs; a null value allows any value
 * @param tolerations the allowed tolerations
 */
public record PodAllowlist(List<NodeSelectorRule> nodeSelectors, List<TolerationRule> tolerations) {
  /** The environment variable of the allowed node selectors, {@code key=value,...}. */
  public static final String NODE_SELECTORS_ENV = "STOWAGE_ALLOWED_NODE_SELECTORS";

  /** The environment variable of the allowed tolerations, {@code key[=value][:effect],...}. */
  public static final String TOLERATIONS_ENV = "STOWAGE_ALLOWED_TOLERATIONS";

  /** Nothing allowed: the default. */
  public static final PodAllowlist NONE = new PodAllowlist(List.of(), List.of());

  private static final Set<String> EFFECTS = Set.of("NoSchedule", "PreferNoSchedule", "NoExecute");

  /** One allowed node label: {@code key=value}, or {@code key=*} for any value (null). */
  public record NodeSelectorRule(String key, String value) {
    public NodeSelectorRule {
      Objects.requireNonNull(key, "key");
    }

    boolean allows(String k, String v) {
      return key.equals(k) && (value == null || value.equals(v));
    }

    @Override
    public String toString() {
      return key + "=" + (value == null ? "*" : value);
    }
  }

  /**
   * One allowed toleration: of the taint {@code key}; with a value, only {@code operator: Equal} to
   * it (without, any value and {@code Exists}); with an effect, only that effect (without, any).
   */
  public record TolerationRule(String key, String value, String effect) {
    public TolerationRule {
      Objects.requireNonNull(key, "key");
    }

    boolean allows(Toleration t) {
      String op = t.getOperator() == null || t.getOperator().isEmpty() ? "Equal" : t.getOperator();
      if (t.getKey() == null || !key.equals(t.getKey())) {
        return false; // an empty key with Exists tolerates every taint: never allowed
      }
      if (value != null
          && !(op.equals("Equal") && value.equals(t.getValue() == null ? "" : t.getValue()))) {
        return false;
      }
      if (!op.equals("Equal") && !op.equals("Exists")) {
        return false;
      }
      // An empty effect tolerates every effect of the key.
      return effect == null || effect.equals(t.getEffect());
    }

    @Override
    public String toString() {
      return key + (value == null ? "" : "=" + value) + (effect == null ? "" : ":" + effect);
    }
  }

  public PodAllowlist {
    nodeSelectors = List.copyOf(nodeSelectors);
    tolerations = List.copyOf(tolerations);
  }

  /**
   * Parses the two environment variables; blank or unset allows nothing.
   *
   * @throws IllegalArgumentException naming the variable and the entry that is not understood
   */
  public static PodAllowlist parse(String nodeSelectors, String tolerations) {
    List<NodeSelectorRule> selectors = new ArrayList<>();
    for (String entry : entries(nodeSelectors)) {
      int eq = entry.indexOf('=');
      if (eq <= 0 || eq == entry.length() - 1) {
        throw new IllegalArgumentException(
            NODE_SELECTORS_ENV
                + " has '"
                + entry
                + "'; write key=value (or key=* for any value), separated by commas");
      }
      String value = entry.substring(eq + 1).trim();
      selectors.add(
          new NodeSelectorRule(entry.substring(0, eq).trim(), value.equals("*") ? null : value));
    }
    List<TolerationRule> rules = new ArrayList<>();
    for (String entry : entries(tolerations)) {
      String rest = entry;
      String effect = null;
      int colon = rest.lastIndexOf(':');
      if (colon >= 0) {
        effect = rest.substring(colon + 1).trim();
        rest = rest.substring(0, colon).trim();
        if (!EFFECTS.contains(effect)) {
          throw new IllegalArgumentException(
              TOLERATIONS_ENV
                  + " has '"
                  + entry
                  + "': the effect must be NoSchedule, PreferNoSchedule or NoExecute");
        }
      }
      String value = null;
      int eq = rest.indexOf('=');
      if (eq >= 0) {
        value = rest.substring(eq + 1).trim();
        rest = rest.substring(0, eq).trim();
      }
      if (rest.isEmpty()) {
        throw new IllegalArgumentException(
            TOLERATIONS_ENV
                + " has '"
                + entry
                + "'; write key[=value][:effect] with a taint key, separated by commas");
      }
      rules.add(new TolerationRule(rest, value, effect));
    }
    return new PodAllowlist(selectors, rules);
  }

  private static List<String> entries(String list) {
    if (list == null) {
      return List.of();
    }
    return Arrays.stream(list.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
  }

  /** What in a {@code spec.pod} is outside the allowlist: the field and why. */
  public record Problem(String field, String message) {}

  /**
   * Refuses node selectors and tolerations outside the allowlist, naming the field, the value and
   * what the operator allows.
   *
   * @param resource how the resource is named in the message, such as {@code MysqlBackup nightly}
   * @param field the path of {@code pod} in the resource, such as {@code spec.pod}
   * @throws InvalidSpecException with the first problem
   */
  public void check(String resource, String field, PodSettings pod) {
    Optional<Problem> problem = problem(field, pod);
    if (problem.isPresent()) {
      throw new InvalidSpecException(
          resource + ": " + problem.get().field() + " " + problem.get().message());
    }
  }

  /** The first node selector or toleration outside the allowlist, if any. */
  public Optional<Problem> problem(String field, PodSettings pod) {
    if (pod == null) {
      return Optional.empty();
    }
    Map<String, String> selector = pod.getNodeSelector();
    if (selector != null) {
      for (Map.Entry<String, String> e : selector.entrySet()) {
        if (nodeSelectors.stream().noneMatch(r -> r.allows(e.getKey(), e.getValue()))) {
          return Optional.of(
              new Problem(
                  field + ".nodeSelector",
                  e.getKey()
                      + "="
                      + e.getValue()
                      + " is not allowed: "
                      + allowed(nodeSelectors, "node selector", NODE_SELECTORS_ENV)));
        }
      }
    }
    List<Toleration> asked = pod.getTolerations();
    if (asked != null) {
      for (int i = 0; i < asked.size(); i++) {
        Toleration t = asked.get(i);
        if (t == null || tolerations.stream().noneMatch(r -> r.allows(t))) {
          return Optional.of(
              new Problem(
                  field + ".tolerations[" + i + "]",
                  describe(t)
                      + " is not allowed: "
                      + allowed(tolerations, "toleration", TOLERATIONS_ENV)));
        }
      }
    }
    return Optional.empty();
  }

  private static String allowed(List<?> rules, String what, String env) {
    String ask = "; remove it, or ask the cluster administrator to allow it";
    if (rules.isEmpty()) {
      return "the operator allows no " + what + " (" + env + " is empty)" + ask;
    }
    return "the operator allows only "
        + rules.stream().map(Object::toString).collect(Collectors.joining(", "))
        + " ("
        + env
        + ")"
        + ask;
  }

  /** A toleration in the allowlist's syntax, so the two can be compared by eye. */
  static String describe(Toleration t) {
    if (t == null) {
      return "null";
    }
    String op = t.getOperator() == null || t.getOperator().isEmpty() ? "Equal" : t.getOperator();
    String key = t.getKey() == null || t.getKey().isEmpty() ? "(every taint)" : t.getKey();
    String value =
        op.equals("Exists")
            ? " (Exists)"
            : op.equals("Equal") ? "=" + (t.getValue() == null ? "" : t.getValue()) : " " + op;
    String effect =
        t.getEffect() == null || t.getEffect().isEmpty() ? " (every effect)" : ":" + t.getEffect();
    return key + value + effect;
  }
}
