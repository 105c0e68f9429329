package dev.stowage.operator.schedule;

import dev.stowage.api.v1alpha1.DeletionPolicy;
import dev.stowage.api.v1alpha1.MysqlBackup;
import dev.stowage.api.v1alpha1.MysqlBackupSchedule;
import dev.stowage.api.v1alpha1.MysqlBackupSpec;
import dev.stowage.api.v1alpha1.Phase;
import dev.stowage.operator.backup.MysqlBackupReconciler;
import dev.stowage.operator.status.StatusCopies;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The MysqlBackups a schedule creates: how one is built from the template, and how the schedule
 * recognises its own among the MysqlBackups of the namespace.
 */
public final class ScheduleChildren {
  /** Label: the schedule's name, for {@code kubectl get mbk -l stowage.dev/schedule=nightly}. */
  public static final String SCHEDULE_LABEL = "stowage.dev/schedule";

  /** Label: {@code scheduled}, {@code immediate} or {@code manual}. */
  public static final String TRIGGER_LABEL = "stowage.dev/trigger";

  public static final String MANAGED_BY_LABEL = "app.kubernetes.io/managed-by";

  /** Label a person sets to {@code "true"} to pin a backup: retention never deletes it. */
  public static final String KEEP_LABEL = "stowage.dev/keep";

  /** Annotation: the schedule's UID, what makes a MysqlBackup this schedule's own. */
  public static final String SCHEDULE_UID = "stowage.dev/schedule-uid";

  /** Annotation: the slot (or the moment of a manual run), RFC 3339. */
  public static final String SCHEDULED_TIME = "stowage.dev/scheduled-time";

  /** Annotation on a manual child: the {@code spec.trigger} value it answers. */
  public static final String TRIGGER_VALUE = "stowage.dev/trigger-value";

  /** Why a child is created. */
  public enum Trigger {
    scheduled,
    immediate,
    manual
  }

  private ScheduleChildren() {}

  /**
   * The child for {@code at}: the template's spec, its metadata without GitOps tracking keys, and
   * what makes it this schedule's.
   *
   * @param activeDeadline the {@code activeDeadlineSeconds} to set when the template has none
   */
  public static MysqlBackup build(
      MysqlBackupSchedule schedule,
      String name,
      Trigger trigger,
      Instant at,
      Duration startingDeadline,
      Duration activeDeadline,
      TemplateMetadata.Stripped metadata) {
    MysqlBackupSpec spec =
        StatusCopies.copy(schedule.getSpec().getBackupTemplate().getSpec(), MysqlBackupSpec.class);
    if (spec.getDeletionPolicy() == null && schedule.getSpec().getRetention() != null) {
      // Pruning a backup must free its storage, unless the template says otherwise.
      spec.setDeletionPolicy(DeletionPolicy.Delete);
    }
    if (spec.getActiveDeadlineSeconds() == null) {
      spec.setActiveDeadlineSeconds(activeDeadline.toSeconds());
    }
    Map<String, String> labels = new LinkedHashMap<>(metadata.labels());
    labels.put(SCHEDULE_LABEL, schedule.getMetadata().getName());
    labels.put(TRIGGER_LABEL, trigger.name());
    labels.put(MANAGED_BY_LABEL, "stowage");
    Map<String, String> annotations = new LinkedHashMap<>(metadata.annotations());
    annotations.put(SCHEDULE_UID, schedule.getMetadata().getUid());
    annotations.put(SCHEDULED_TIME, at.toString());
    // The MysqlBackup reconciler enforces it (NotStartedInTime).
    annotations.put(MysqlBackupReconciler.START_DEADLINE, at.plus(startingDeadline).toString());
    if (trigger == Trigger.manual) {
      annotations.put(TRIGGER_VALUE, schedule.getSpec().getTrigger());
    }
    ObjectMeta meta = new ObjectMeta();
    meta.setName(name);
    meta.setNamespace(schedule.getMetadata().getNamespace());
    meta.setLabels(labels);
    meta.setAnnotations(annotations);
    // With the finalizer already set, the MysqlBackup controller's first reconcile of the child
    // does
    // its work at once: JOSDK would otherwise spend it on adding the finalizer (a patch) and do the
    // work only on the watch event of that patch, queued behind every other resource, which with
    // hundreds of slots in one minute is most of the delay to the first Job (issue 14).
    meta.setFinalizers(List.of(MysqlBackupReconciler.FINALIZER));
    // Set in the create call: Argo CD then shows the backups under the schedule and never prunes
    // them as resources missing from Git.
    meta.setOwnerReferences(
        List.of(
            new OwnerReferenceBuilder()
                .withApiVersion(schedule.getApiVersion())
                .withKind(schedule.getKind())
                .withName(schedule.getMetadata().getName())
                .withUid(schedule.getMetadata().getUid())
                .withController(true)
                .withBlockOwnerDeletion(false)
                .build()));
    MysqlBackup child = new MysqlBackup();
    child.setMetadata(meta);
    child.setSpec(spec);
    return child;
  }

  /** Whether {@code backup} was created by {@code schedule} (its UID annotation). */
  public static boolean ownedBy(MysqlBackup backup, MysqlBackupSchedule schedule) {
    Map<String, String> a = backup.getMetadata().getAnnotations();
    return a != null && schedule.getMetadata().getUid().equals(a.get(SCHEDULE_UID));
  }

  /** Not finished: Pending, Blocked or Running (and not being deleted). */
  public static boolean active(MysqlBackup b) {
    Phase p = b.getStatus() == null ? null : b.getStatus().getPhase();
    return p != Phase.Succeeded
        && p != Phase.Failed
        && b.getMetadata().getDeletionTimestamp() == null;
  }

  /**
   * Whether a change of a child is one its schedule reads (issue 14): whether it is active, or,
   * once it finished, anything in its status (outcome, completion time, message, sizes); its
   * deletion, labels, annotations and owners. Every other status write of a pending or running
   * backup (conditions, messages, progress) changes nothing the schedule decides or shows, and
   * reconciling the schedule on it cost a live LIST of its children each time: with 500 slots in
   * one minute, most of the API requests. A schedule still looks at least hourly and at every slot,
   * and reads its children live whenever it looks.
   */
  public static boolean changeSeenBySchedule(MysqlBackup now, MysqlBackup before) {
    if (before == null || now == null) {
      return true;
    }
    if (active(now) != active(before)
        || !java.util.Objects.equals(
            now.getMetadata().getDeletionTimestamp(), before.getMetadata().getDeletionTimestamp())
        || !java.util.Objects.equals(
            now.getMetadata().getLabels(), before.getMetadata().getLabels())
        || !java.util.Objects.equals(
            now.getMetadata().getAnnotations(), before.getMetadata().getAnnotations())
        || !java.util.Objects.equals(
            now.getMetadata().getOwnerReferences(), before.getMetadata().getOwnerReferences())) {
      return true;
    }
    return !active(now) && !StatusCopies.same(now.getStatus(), before.getStatus());
  }

  /** The annotation {@link #SCHEDULED_TIME}, else the creation time. */
  public static Instant scheduledTime(MysqlBackup b) {
    Map<String, String> a = b.getMetadata().getAnnotations();
    String t = a == null ? null : a.get(SCHEDULED_TIME);
    if (t == null) {
      t = b.getMetadata().getCreationTimestamp();
    }
    return t == null ? Instant.EPOCH : Instant.parse(t);
  }

  /** When the backup finished, else its scheduled time. */
  public static Instant finishedOrScheduled(MysqlBackup b) {
    String done = b.getStatus() == null ? null : b.getStatus().getCompletionTime();
    return done == null ? scheduledTime(b) : Instant.parse(done);
  }

  public static String label(MysqlBackup b, String key) {
    Map<String, String> l = b.getMetadata().getLabels();
    return l == null ? null : l.get(key);
  }

  public static String annotation(MysqlBackup b, String key) {
    Map<String, String> a = b.getMetadata().getAnnotations();
    return a == null ? null : a.get(key);
  }
}
