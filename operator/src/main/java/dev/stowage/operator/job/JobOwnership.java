package dev.stowage.operator.job;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import java.util.List;
import java.util.Map;

/**
 * Whether a Job found by name is the one a resource created: a Job is never adopted by its name
 * alone, since anyone who may create Jobs in the namespace could make one that "succeeded".
 */
public final class JobOwnership {

  /**
   * The label that names the MysqlBackup (by uid) an rm Job deletes for: an rm Job has no owner (it
   * runs while its MysqlBackup is being deleted), so this label is how it is recognised.
   */
  public static final String OWNER_UID_LABEL = "stowage.dev/owner-uid";

  private JobOwnership() {}

  /** Whether the Job's controller owner reference is {@code owner} (by uid). */
  public static boolean ownedBy(Job job, HasMetadata owner) {
    String uid = owner.getMetadata().getUid();
    List<OwnerReference> refs = job.getMetadata().getOwnerReferences();
    return uid != null
        && refs != null
        && refs.stream()
            .anyMatch(r -> Boolean.TRUE.equals(r.getController()) && uid.equals(r.getUid()));
  }

  /**
   * Whether an rm Job is the one made for {@code owner}: no owner reference at all (ours has none)
   * and the owner's uid in {@link #OWNER_UID_LABEL}.
   */
  public static boolean rmFor(Job job, HasMetadata owner) {
    String uid = owner.getMetadata().getUid();
    List<OwnerReference> refs = job.getMetadata().getOwnerReferences();
    Map<String, String> labels = job.getMetadata().getLabels();
    return uid != null
        && (refs == null || refs.isEmpty())
        && labels != null
        && uid.equals(labels.get(OWNER_UID_LABEL));
  }

  /**
   * Why a Job of the name a resource's Job gets is not its own, and what to do, for status and
   * events: the Job is named, its result is never read.
   */
  public static String foreign(Job job, HasMetadata owner) {
    String ns = job.getMetadata().getNamespace();
    String name = job.getMetadata().getName();
    String controller =
        job.getMetadata().getOwnerReferences() == null
            ? null
            : job.getMetadata().getOwnerReferences().stream()
                .filter(r -> Boolean.TRUE.equals(r.getController()))
                .map(r -> r.getKind() + "/" + r.getName() + " (uid " + r.getUid() + ")")
                .findFirst()
                .orElse(null);
    return "Job "
        + name
        + " in "
        + ns
        + " has the name of this "
        + owner.getKind()
        + "'s engine Job but was not created for it ("
        + (controller == null ? "it has no controller owner" : "its controller is " + controller)
        + "); the operator never adopts a Job by its name nor reads its result. If nothing of"
        + " yours needs it, delete it (kubectl delete job -n "
        + ns
        + " "
        + name
        + ") and this "
        + owner.getKind()
        + " goes on";
  }
}
