package dev.stowage.operator.schedule;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The labels and annotations a child gets from {@code spec.backupTemplate.metadata}, without the
 * keys GitOps tools use to track what they applied: a child carrying them would be adopted, diffed
 * or pruned by Argo CD, Flux or Helm as if it were in Git.
 */
public final class TemplateMetadata {
  private static final List<String> EXACT =
      List.of("app.kubernetes.io/instance", "kubectl.kubernetes.io/last-applied-configuration");
  private static final List<String> PREFIXES =
      List.of("argocd.argoproj.io/", "kustomize.toolkit.fluxcd.io/", "helm.sh/", "meta.helm.sh/");

  /**
   * The metadata to copy and what was removed.
   *
   * @param strippedLabels removed label keys, sorted (for the Warning event)
   * @param strippedAnnotations removed annotation keys, sorted
   */
  public record Stripped(
      Map<String, String> labels,
      Map<String, String> annotations,
      List<String> strippedLabels,
      List<String> strippedAnnotations) {
    /** True when anything was removed (then the reconciler emits a Warning event). */
    public boolean anythingStripped() {
      return !strippedLabels.isEmpty() || !strippedAnnotations.isEmpty();
    }
  }

  private TemplateMetadata() {}

  /** Removes the GitOps tracking keys; null maps are empty. */
  public static Stripped strip(Map<String, String> labels, Map<String, String> annotations) {
    List<String> droppedLabels = new ArrayList<>();
    List<String> droppedAnnotations = new ArrayList<>();
    Map<String, String> l = keep(labels, droppedLabels);
    Map<String, String> a = keep(annotations, droppedAnnotations);
    return new Stripped(l, a, List.copyOf(droppedLabels), List.copyOf(droppedAnnotations));
  }

  /** True for a key that GitOps tools use to track what they applied. */
  public static boolean isTrackingKey(String key) {
    return EXACT.contains(key) || PREFIXES.stream().anyMatch(key::startsWith);
  }

  private static Map<String, String> keep(Map<String, String> in, List<String> dropped) {
    Map<String, String> out = new TreeMap<>();
    if (in == null) {
      return out;
    }
    for (Map.Entry<String, String> e : new TreeMap<>(in).entrySet()) {
      if (isTrackingKey(e.getKey())) {
        dropped.add(e.getKey());
      } else {
        out.put(e.getKey(), e.getValue());
      }
    }
    return out;
  }
}
