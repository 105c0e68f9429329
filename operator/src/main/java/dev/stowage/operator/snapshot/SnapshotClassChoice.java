package dev.stowage.operator.snapshot;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import java.util.List;
import java.util.Optional;

/**
 * Which VolumeSnapshotClass a snapshot of a claim uses, or what is missing for one: a pure function
 * of the classes, the claim and its volume.
 */
public record SnapshotClassChoice(String className, Missing missing, String message) {

  /** What keeps a snapshot from being taken. */
  public enum Missing {
    /** The API server does not serve snapshot.storage.k8s.io/v1. */
    API,
    /** No class (the named one, or one for the claim's CSI driver). */
    CLASS
  }

  public boolean found() {
    return className != null;
  }

  static SnapshotClassChoice of(String name) {
    return new SnapshotClassChoice(name, null, null);
  }

  static SnapshotClassChoice missing(Missing what, String message) {
    return new SnapshotClassChoice(null, what, message);
  }

  /**
   * The class for a snapshot of {@code claim}: {@code wanted} when set and it exists; otherwise the
   * one class of the volume's CSI driver, or its default class among several.
   *
   * @param classes the VolumeSnapshotClasses, empty when the API is not served
   * @param volume the claim's PersistentVolume, empty when unbound or unreadable
   */
  public static SnapshotClassChoice choose(
      Optional<List<GenericKubernetesResource>> classes,
      String wanted,
      PersistentVolumeClaim claim,
      Optional<PersistentVolume> volume) {
    String claimName = claim.getMetadata().getName();
    if (classes.isEmpty()) {
      return missing(
          Missing.API,
          "the API server does not serve VolumeSnapshots (snapshot.storage.k8s.io/v1): install"
              + " the CRDs and snapshot-controller of github.com/kubernetes-csi/external-snapshotter"
              + " and a CSI driver that takes snapshots, or back up with spec.source.quiesce;"
              + " nothing was created");
    }
    List<GenericKubernetesResource> all = classes.get();
    if (wanted != null) {
      if (all.stream().anyMatch(c -> wanted.equals(c.getMetadata().getName()))) {
        return of(wanted);
      }
      return missing(
          Missing.CLASS,
          "VolumeSnapshotClass "
              + wanted
              + " (spec.source.snapshot.volumeSnapshotClassName) does not exist: create it, or"
              + " leave the field unset to use the class of the claim's CSI driver; nothing was"
              + " created");
    }
    String volumeName = claim.getSpec() == null ? null : claim.getSpec().getVolumeName();
    if (volumeName == null || volumeName.isEmpty() || volume.isEmpty()) {
      return missing(
          Missing.CLASS,
          "PersistentVolumeClaim "
              + claimName
              + " is not bound to a volume, so its CSI driver (and VolumeSnapshotClass) is"
              + " unknown; waiting, nothing was created");
    }
    var csi = volume.get().getSpec() == null ? null : volume.get().getSpec().getCsi();
    if (csi == null || csi.getDriver() == null) {
      return missing(
          Missing.CLASS,
          "the volume of PersistentVolumeClaim "
              + claimName
              + " (PersistentVolume "
              + volumeName
              + ") is not a CSI volume, and only CSI drivers take VolumeSnapshots: back up with"
              + " spec.source.quiesce instead; nothing was created");
    }
    String driver = csi.getDriver();
    List<GenericKubernetesResource> forDriver =
        all.stream().filter(c -> driver.equals(c.getAdditionalProperties().get("driver"))).toList();
    if (forDriver.isEmpty()) {
      return missing(
          Missing.CLASS,
          "no VolumeSnapshotClass has driver "
              + driver
              + " (the CSI driver of PersistentVolumeClaim "
              + claimName
              + "): create one, or name one in spec.source.snapshot.volumeSnapshotClassName;"
              + " nothing was created");
    }
    if (forDriver.size() == 1) {
      return of(forDriver.get(0).getMetadata().getName());
    }
    List<GenericKubernetesResource> defaults =
        forDriver.stream()
            .filter(
                c ->
                    c.getMetadata().getAnnotations() != null
                        && "true".equals(c.getMetadata().getAnnotations().get(DEFAULT_CLASS_KEY)))
            .toList();
    if (defaults.size() == 1) {
      return of(defaults.get(0).getMetadata().getName());
    }
    return missing(
        Missing.CLASS,
        "VolumeSnapshotClasses "
            + String.join(", ", forDriver.stream().map(c -> c.getMetadata().getName()).toList())
            + " all have driver "
            + driver
            + " and "
            + (defaults.isEmpty() ? "none is" : defaults.size() + " are")
            + " annotated "
            + DEFAULT_CLASS_KEY
            + ": \"true\": name one in spec.source.snapshot.volumeSnapshotClassName; nothing was"
            + " created");
  }

  private static final String DEFAULT_CLASS_KEY = VolumeSnapshots.DEFAULT_CLASS;
}
