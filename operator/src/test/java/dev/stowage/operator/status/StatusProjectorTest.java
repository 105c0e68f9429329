package dev.stowage.operator.status;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stowage.api.v1alpha1.MysqlBackupStatus;
import dev.stowage.api.v1alpha1.Phase;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

/** Issue 15, finding 13: status.message never carries more than a bounded amount of text. */
class StatusProjectorTest {
  private final StatusProjector projector =
      new StatusProjector(
          new Conditions(Clock.fixed(Instant.parse("2026-12-05T12:00:00Z"), ZoneOffset.UTC)));

  @Test
  void aFailureMessageIsCappedInStatusAndConditions() {
    MysqlBackupStatus s = new MysqlBackupStatus();
    String huge = "cannot verify: " + "q".repeat(10_000);

    projector.fail(s, Reason.Failed, huge, 1L);

    assertThat(s.getPhase()).isEqualTo(Phase.Failed);
    assertThat(s.getMessage()).hasSizeLessThanOrEqualTo(StatusProjector.MAX_MESSAGE_CHARS + 40);
    assertThat(s.getMessage()).startsWith("cannot verify: qqq").endsWith("[truncated]");
    assertThat(s.getConditions().get(0).getMessage()).isEqualTo(s.getMessage());
  }

  @Test
  void aShortFailureMessageIsKeptAsItIs() {
    MysqlBackupStatus s = new MysqlBackupStatus();
    projector.fail(s, Reason.Failed, "bucket backups does not exist [exit code 3]", 1L);
    assertThat(s.getMessage()).isEqualTo("bucket backups does not exist [exit code 3]");
  }

  /**
   * Issue 13: kstatus conditions, so that kubectl wait, Flux and Argo CD need no custom check:
   * Reconciling True while Pending or Running, Stalled True once Failed, neither once Succeeded.
   */
  @Test
  void reconcilingWhileWaitingOrRunningStalledOnceFailedNeitherOnceSucceeded() {
    MysqlBackupStatus s = new MysqlBackupStatus();

    projector.block(s, Reason.ClaimInUse, "waiting for pod db-0 to stop", 2L);
    assertThat(types(s)).contains("Reconciling").doesNotContain("Stalled");
    assertThat(condition(s, "Reconciling").getReason()).isEqualTo("ClaimInUse");
    assertThat(condition(s, "Reconciling").getObservedGeneration()).isEqualTo(2L);

    projector.running(s, "nightly-backup", "backing up", 2L);
    assertThat(condition(s, "Reconciling").getReason()).isEqualTo("Running");

    projector.fail(s, Reason.Failed, "bucket backups does not exist", 2L);
    assertThat(types(s)).contains("Stalled").doesNotContain("Reconciling");
    assertThat(condition(s, "Stalled").getStatus().name()).isEqualTo("True");
    assertThat(condition(s, "Stalled").getMessage()).isEqualTo("bucket backups does not exist");

    MysqlBackupStatus ok = new MysqlBackupStatus();
    projector.running(ok, "nightly-backup", "backing up", 1L);
    projector.finished(
        ok,
        new dev.stowage.operator.job.EngineRun(
            dev.stowage.operator.job.EngineRun.State.SUCCEEDED,
            dev.stowage.operator.job.EngineResult.parse(
                "{\"status\":\"Succeeded\",\"exitCode\":0,\"files\":3}"),
            "2026-12-05T11:59:00Z",
            "2026-12-05T12:00:00Z",
            null),
        "stored",
        1L);
    assertThat(types(ok)).doesNotContain("Reconciling", "Stalled").contains("Ready");
  }

  private static java.util.List<String> types(MysqlBackupStatus s) {
    return s.getConditions().stream().map(c -> c.getType()).toList();
  }

  private static dev.stowage.api.v1alpha1.Condition condition(MysqlBackupStatus s, String type) {
    return s.getConditions().stream()
        .filter(c -> c.getType().equals(type))
        .findFirst()
        .orElseThrow();
  }
}
