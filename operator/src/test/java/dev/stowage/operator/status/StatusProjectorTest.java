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
}
