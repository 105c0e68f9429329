package dev.stowage.engine.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stowage.engine.core.MemoryBudget.Limits;
import dev.stowage.engine.core.MemoryBudget.Need;
import dev.stowage.engine.error.EngineException;
import dev.stowage.engine.error.ExitCode;
import org.junit.jupiter.api.Test;

class MemoryBudgetTest {
  private static final long MIB = 1 << 20;

  @Test
  void theRequestedWorkersRunWhenTheirBuffersFit() {
    Need need = Need.perWorker(8 * MIB, 2 * MIB);

    assertThat(MemoryBudget.workers("restore", 16, need, new Limits(256 * MIB, 64 * MIB)))
        .isEqualTo(16);
  }

  @Test
  void directMemoryBindsTheWorkersAfterItsReserve() {
    Need need = Need.perWorker(8 * MIB, MIB);

    // 97 MiB less the 2 MiB reserve: 10 workers of 8 MiB and the JDK's temporary buffer (11 of
    // 8 MiB alone, 12 without the reserve).
    assertThat(MemoryBudget.workers("restore", 64, need, new Limits(97 * MIB, 1024 * MIB)))
        .isEqualTo(10);
  }

  @Test
  void theHeapBindsTheWorkers() {
    Need need = Need.perWorker(MIB, 8 * MIB);

    assertThat(MemoryBudget.workers("backup", 64, need, new Limits(1024 * MIB, 24 * MIB)))
        .isEqualTo(3);
  }

  @Test
  void sharedBytesAndTheReserveAreSetAsideBeforeTheWorkers() {
    Need need = new Need(4 * MIB, 0, 20 * MIB, 0);

    // 44 MiB less 20 shared and the 2 MiB reserve: 4 workers of 4 MiB and the JDK's temporary
    // buffer (8 if the 20 MiB shared were not set aside).
    assertThat(MemoryBudget.workers("restore", 64, need, new Limits(44 * MIB, 1024 * MIB)))
        .isEqualTo(4);
  }

  @Test
  void noWorkerAskedForIsStillRefusedWhenNoneFits() {
    Need need = Need.perWorker(8 * MIB, 0);

    assertThatThrownBy(() -> MemoryBudget.workers("verify", 0, need, new Limits(MIB, MIB)))
        .isInstanceOf(EngineException.class);
  }

  @Test
  void notOneWorkerFittingIsExitTwoSayingWhatToRaise() {
    Need need = Need.perWorker(8 * MIB, 0);

    assertThatThrownBy(
            () -> MemoryBudget.workers("restore", 8, need, new Limits(7 * MIB, 1024 * MIB)))
        .isInstanceOf(EngineException.class)
        .satisfies(
            e -> assertThat(((EngineException) e).exitCode()).isEqualTo(ExitCode.INVALID_ARGUMENTS))
        .hasMessageContaining(
            "not enough memory for one restore worker in this JVM's direct memory")
        .hasMessageContaining("9.06 MiB a worker")
        .hasMessageContaining("7.00 MiB allowed by -XX:MaxDirectMemorySize")
        .hasMessageContaining("Raise the memory limit");
  }

  @Test
  void everyWorkerIsCountedWithTheJdksTemporaryBuffer() {
    Need need = Need.perWorker(8 * MIB, 0);

    // 26 MiB less the 2 MiB reserve would hold 3 workers of 8 MiB, but each also takes the JDK's
    // temporary buffer for heap-array I/O (1 MiB + 64 KiB): 2.
    assertThat(MemoryBudget.workers("restore", 64, need, new Limits(26 * MIB, 1024 * MIB)))
        .isEqualTo(2);
  }

  @Test
  void theHeapLeftIsTheShareLessWhatIsSharedAndEveryWorkersPart() {
    Need need = new Need(MIB, 2 * MIB, 0, 3 * MIB);

    assertThat(MemoryBudget.heapLeft(4, need, new Limits(1024 * MIB, 64 * MIB)))
        .isEqualTo(64 * MIB - 3 * MIB - 4 * 2 * MIB);
  }

  @Test
  void needsAddUp() {
    Need sum = new Need(1, 2, 3, 4).plus(Need.perWorker(10, 20));

    assertThat(sum).isEqualTo(new Need(11, 22, 3, 4));
  }

  @Test
  void thisJvmsDirectCapIsItsMaximumHeapUnlessSet() {
    // The test JVM runs without -XX:MaxDirectMemorySize: java.nio.Bits then caps at maxMemory().
    assertThat(MemoryBudget.directCap()).isEqualTo(Runtime.getRuntime().maxMemory());
    Limits limits = Limits.ofThisJvm();
    assertThat(limits.direct()).isEqualTo(MemoryBudget.directCap());
    assertThat(limits.heap())
        .isBetween(Runtime.getRuntime().maxMemory() / 2 - 1, Runtime.getRuntime().maxMemory() / 2);
  }
}
