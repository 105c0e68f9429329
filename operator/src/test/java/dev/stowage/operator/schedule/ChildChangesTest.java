package dev.stowage.operator.schedule;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stowage.api.v1alpha1.Condition;
import dev.stowage.api.v1alpha1.MysqlBackup;
import dev.stowage.api.v1alpha1.MysqlBackupStatus;
import dev.stowage.api.v1alpha1.Phase;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Which changes of a child reconcile its schedule (issue 14): those the schedule reads, not every
 * status write of a pending or running backup.
 */
class ChildChangesTest {
  static final KubernetesSerialization JSON = new KubernetesSerialization();

  static MysqlBackup child(Phase phase) {
    MysqlBackup b = new MysqlBackup();
    ObjectMeta m = new ObjectMeta();
    m.setName("nightly-203001010100");
    m.setNamespace("prod");
    m.setLabels(new LinkedHashMap<>(Map.of(ScheduleChildren.SCHEDULE_LABEL, "nightly")));
    m.setAnnotations(new LinkedHashMap<>(Map.of(ScheduleChildren.SCHEDULE_UID, "sched-uid")));
    b.setMetadata(m);
    if (phase != null) {
      MysqlBackupStatus s = new MysqlBackupStatus();
      s.setPhase(phase);
      b.setStatus(s);
    }
    return b;
  }

  static MysqlBackup copy(MysqlBackup b) {
    return JSON.clone(b);
  }

  @Test
  void theFirstStatusOfANewChildDoesNotReconcileItsSchedule() {
    MysqlBackup created = child(null);
    MysqlBackup pending = child(Phase.Pending);
    pending.getStatus().setBackupName("2030-01-01.010000.nightly");
    assertThat(ScheduleChildren.changeSeenBySchedule(pending, created)).isFalse();
  }

  @Test
  void conditionsMessagesAndPhasesOfAnActiveChildDoNotReconcileItsSchedule() {
    MysqlBackup before = child(Phase.Pending);
    MysqlBackup after = copy(before);
    Condition blocked = new Condition();
    blocked.setType("Blocked");
    blocked.setStatus(dev.stowage.api.v1alpha1.ConditionStatus.True);
    blocked.setReason("CheckingStorage");
    after.getStatus().setConditions(List.of(blocked));
    after.getStatus().setMessage("checking that s3://backups is reachable");
    assertThat(ScheduleChildren.changeSeenBySchedule(after, before)).isFalse();
    MysqlBackup running = copy(after);
    running.getStatus().setPhase(Phase.Running);
    assertThat(ScheduleChildren.changeSeenBySchedule(running, after)).isFalse();
  }

  @Test
  void aChildThatFinishesReconcilesItsSchedule() {
    MysqlBackup running = child(Phase.Running);
    MysqlBackup done = copy(running);
    done.getStatus().setPhase(Phase.Succeeded);
    done.getStatus().setCompletionTime("2030-01-01T01:05:00Z");
    assertThat(ScheduleChildren.changeSeenBySchedule(done, running)).isTrue();
    MysqlBackup failed = copy(running);
    failed.getStatus().setPhase(Phase.Failed);
    assertThat(ScheduleChildren.changeSeenBySchedule(failed, running)).isTrue();
  }

  @Test
  void anyStatusChangeOfAFinishedChildReconcilesItsSchedule() {
    MysqlBackup failed = child(Phase.Failed);
    MysqlBackup later = copy(failed);
    later.getStatus().setCompletionTime("2030-01-01T01:05:00Z");
    assertThat(ScheduleChildren.changeSeenBySchedule(later, failed)).isTrue();
    assertThat(ScheduleChildren.changeSeenBySchedule(copy(failed), failed)).isFalse();
  }

  @Test
  void deletionLabelsAnnotationsAndOwnersOfAnActiveChildReconcileItsSchedule() {
    MysqlBackup before = child(Phase.Pending);
    MysqlBackup deleting = copy(before);
    deleting.getMetadata().setDeletionTimestamp("2030-01-01T01:01:00Z");
    assertThat(ScheduleChildren.changeSeenBySchedule(deleting, before)).isTrue();
    MysqlBackup kept = copy(before);
    kept.getMetadata().getLabels().put(ScheduleChildren.KEEP_LABEL, "true");
    assertThat(ScheduleChildren.changeSeenBySchedule(kept, before)).isTrue();
    MysqlBackup annotated = copy(before);
    annotated.getMetadata().getAnnotations().put(ScheduleChildren.SCHEDULE_UID, "other-uid");
    assertThat(ScheduleChildren.changeSeenBySchedule(annotated, before)).isTrue();
    MysqlBackup disowned = copy(before);
    disowned
        .getMetadata()
        .setOwnerReferences(
            List.of(
                new io.fabric8.kubernetes.api.model.OwnerReferenceBuilder()
                    .withUid("sched-uid")
                    .withName("nightly")
                    .withKind("MysqlBackupSchedule")
                    .build()));
    assertThat(ScheduleChildren.changeSeenBySchedule(disowned, before)).isTrue();
  }
}
