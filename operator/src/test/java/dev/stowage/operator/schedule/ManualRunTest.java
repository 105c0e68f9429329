package dev.stowage.operator.schedule;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stowage.operator.schedule.ManualRun.Action;
import dev.stowage.operator.schedule.ManualRun.Decision;
import dev.stowage.operator.schedule.ManualRun.Input;
import dev.stowage.operator.schedule.ManualRun.Kind;
import org.junit.jupiter.api.Test;

class ManualRunTest {
  @Test
  void changedTriggerCreatesOneManualChild() {
    assertThat(
            ManualRun.decide(
                new Input("20260601120000", "20260501080000", false, false, false, false)))
        .isEqualTo(new Decision(Action.Create, Kind.manual));
    // Once status.lastTrigger records it, the same value asks for nothing more.
    assertThat(
            ManualRun.decide(
                    new Input("20260601120000", "20260601120000", false, false, false, false))
                .action())
        .isEqualTo(Action.None);
  }

  @Test
  void firstTriggerValueCountsAsChangedButAnEmptyOneDoesNot() {
    assertThat(ManualRun.decide(new Input("now", null, false, false, false, false)).action())
        .isEqualTo(Action.Create);
    assertThat(ManualRun.decide(new Input("", null, false, false, false, false)).action())
        .isEqualTo(Action.None);
  }

  @Test
  void triggerWaitsWhileAChildIsActiveOrTheScheduleIsSuspended() {
    assertThat(ManualRun.decide(new Input("b", "a", false, false, true, false)))
        .isEqualTo(new Decision(Action.WaitForActiveChild, Kind.manual));
    assertThat(ManualRun.decide(new Input("b", "a", false, false, false, true)))
        .isEqualTo(new Decision(Action.WaitForResume, Kind.manual));
  }

  @Test
  void immediateRunsOnceWhenTheScheduleHasNeverRun() {
    assertThat(ManualRun.decide(new Input(null, null, true, true, false, false)))
        .isEqualTo(new Decision(Action.Create, Kind.immediate));
    assertThat(ManualRun.decide(new Input(null, null, true, false, false, false)).action())
        .isEqualTo(Action.None);
    assertThat(ManualRun.decide(new Input(null, null, false, true, false, false)).action())
        .isEqualTo(Action.None);
  }
}
