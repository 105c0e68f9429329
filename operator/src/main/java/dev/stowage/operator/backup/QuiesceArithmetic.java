package dev.stowage.operator.backup;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import java.util.List;

/** The quiesce arithmetic: which StatefulSet mounts a claim and how far to scale it down. */
final class QuiesceArithmetic {
  private QuiesceArithmetic() {}

  /**
   * The replicas that leave the pod mounting the claim stopped: its ordinal, from the pod's or the
   * claim's name ({@code <template>-<statefulset>-<ordinal>}).
   */
  static int replicasWithout(StatefulSet sts, List<Pod> mounting, String claim) {
    String stsName = sts.getMetadata().getName();
    // Pods are named from spec.ordinals.start (0 unless set): db-<start>, db-<start+1>, ...
    int start =
        sts.getSpec() == null
                || sts.getSpec().getOrdinals() == null
                || sts.getSpec().getOrdinals().getStart() == null
            ? 0
            : sts.getSpec().getOrdinals().getStart();
    for (Pod pod : mounting) {
      Integer ordinal = ordinal(pod.getMetadata().getName(), stsName);
      if (ordinal != null && pod.getMetadata().getName().equals(stsName + "-" + ordinal)) {
        return Math.max(0, ordinal - start);
      }
    }
    Integer fromClaim = ordinal(claim, stsName);
    if (fromClaim != null) {
      return Math.max(0, fromClaim - start);
    }
    // Not one of its claims: stop the whole StatefulSet rather than copy a live database.
    return 0;
  }

  /**
   * Whether a StatefulSet's pods mount the claim: one of its volumeClaimTemplates gives it ({@code
   * <template>-<statefulset>-<ordinal>}), or its pod template names it.
   */
  static boolean producesClaim(StatefulSet sts, String claim) {
    if (sts.getSpec() == null) {
      return false;
    }
    String name = sts.getMetadata().getName();
    if (sts.getSpec().getVolumeClaimTemplates() != null) {
      for (var t : sts.getSpec().getVolumeClaimTemplates()) {
        String prefix = t.getMetadata().getName() + "-" + name + "-";
        if (claim.startsWith(prefix)) {
          String digits = claim.substring(prefix.length());
          if (!digits.isEmpty()
              && digits.length() <= 9
              && digits.chars().allMatch(Character::isDigit)) {
            return true;
          }
        }
      }
    }
    var template = sts.getSpec().getTemplate();
    var volumes =
        template == null || template.getSpec() == null ? null : template.getSpec().getVolumes();
    return volumes != null
        && volumes.stream()
            .anyMatch(
                v ->
                    v.getPersistentVolumeClaim() != null
                        && claim.equals(v.getPersistentVolumeClaim().getClaimName()));
  }

  static String templatesText(StatefulSet sts) {
    var templates = sts.getSpec() == null ? null : sts.getSpec().getVolumeClaimTemplates();
    if (templates == null || templates.isEmpty()) {
      return " (it has no volumeClaimTemplates)";
    }
    return " (its volumeClaimTemplates ("
        + String.join(", ", templates.stream().map(t -> t.getMetadata().getName()).toList())
        + ") give "
        + String.join(
            ", ",
            templates.stream()
                .map(t -> t.getMetadata().getName() + "-" + sts.getMetadata().getName() + "-N")
                .toList())
        + ")";
  }

  static int replicas(StatefulSet sts) {
    Integer r = sts.getSpec() == null ? null : sts.getSpec().getReplicas();
    return r == null ? 1 : r;
  }

  /** The ordinal in {@code <sts>-<n>} or {@code <template>-<sts>-<n>}, or null. */
  static Integer ordinal(String name, String sts) {
    int dash = name.lastIndexOf('-');
    String prefix = dash <= 0 ? "" : name.substring(0, dash);
    if (!prefix.equals(sts) && !prefix.endsWith("-" + sts)) {
      return null;
    }
    String digits = name.substring(dash + 1);
    if (digits.isEmpty() || !digits.chars().allMatch(Character::isDigit) || digits.length() > 9) {
      return null;
    }
    return Integer.parseInt(digits);
  }

  static String replicasText(int n) {
    return n + (n == 1 ? " replica" : " replicas");
  }
}
