package dev.stowage.operator.job;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stowage.api.v1alpha1.EngineProgress;
import dev.stowage.api.v1alpha1.MysqlBackupStatus;
import dev.stowage.operator.testing.InMemoryCluster;
import io.fabric8.kubernetes.api.model.Pod;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

public class EngineProgressLogTest {
  /** A line exactly as the engine prints it (engine/README, "Progress"). */
  public static final String LINE =
      "{\"stowageProgress\":{\"operation\":\"backup\",\"bytesDone\":1073741824,"
          + "\"bytesTotal\":2899102924,\"objectsDone\":12,\"objectsTotal\":48,\"percent\":37,"
          + "\"bytesPerSecond\":85300000,\"etaSeconds\":72}}";

  final InMemoryCluster cluster = new InMemoryCluster(new ArrayList<>());
  final AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2030-01-02T03:05:00Z"));
  final EngineProgressLog progress = new EngineProgressLog(cluster, now::get);

  List<Pod> runningPod(String log) {
    cluster.jobs.put(
        "nightly-backup",
        new io.fabric8.kubernetes.api.model.batch.v1.JobBuilder()
            .withNewMetadata()
            .withName("nightly-backup")
            .withUid("uid-job")
            .endMetadata()
            .build());
    cluster.runningJobPod("nightly-backup", log);
    return cluster.jobPods.get("nightly-backup");
  }

  @Test
  void theNewestProgressLineOfTheLogBecomesTheStatus() {
    String older = LINE.replace("\"percent\":37", "\"percent\":12");
    List<Pod> pods =
        runningPod(
            "2030-01-02T03:04:06Z [INFO] backing up 40 files\n" + older + "\n" + LINE + "\n");
    MysqlBackupStatus status = new MysqlBackupStatus();

    Duration again = progress.update(status, "prod", pods);

    EngineProgress p = status.getProgress();
    assertThat(p.getPercent()).isEqualTo(37);
    assertThat(p.getBytesDone()).isEqualTo(1073741824L);
    assertThat(p.getBytesTotal()).isEqualTo(2899102924L);
    assertThat(p.getObjectsDone()).isEqualTo(12L);
    assertThat(p.getObjectsTotal()).isEqualTo(48L);
    assertThat(p.getBytesPerSecond()).isEqualTo(85300000L);
    assertThat(p.getEtaSeconds()).isEqualTo(72L);
    assertThat(p.getDisplay()).isEqualTo("37% of 2.7 GiB, 1m12s left");
    assertThat(p.getObservedTime()).isEqualTo("2030-01-02T03:05:00Z");
    assertThat(again).isEqualTo(EngineProgressLog.INTERVAL);
  }

  @Test
  void theLogIsReadAtMostEveryTenSeconds() {
    List<Pod> pods = runningPod(LINE);
    MysqlBackupStatus status = new MysqlBackupStatus();
    progress.update(status, "prod", pods);
    now.set(now.get().plusSeconds(4));

    Duration again = progress.update(status, "prod", pods);

    assertThat(cluster.engineLogReads).isEqualTo(1);
    assertThat(again).isEqualTo(Duration.ofSeconds(6));
    now.set(now.get().plusSeconds(6));
    progress.update(status, "prod", pods);
    assertThat(cluster.engineLogReads).isEqualTo(2);
  }

  @Test
  void aLogWithoutAProgressLineKeepsWhatWasThere() {
    List<Pod> pods = runningPod("2030-01-02T03:04:06Z [INFO] backing up 40 files\n");
    MysqlBackupStatus status = new MysqlBackupStatus();

    progress.update(status, "prod", pods);

    assertThat(status.getProgress()).isNull();
  }

  @Test
  void aLineCutShortOrMalformedIsSkippedForTheOneBefore() {
    assertThat(EngineProgressLog.newest(LINE + "\n" + LINE.substring(0, 40)))
        .isPresent()
        .get()
        .extracting(EngineProgress::getPercent)
        .isEqualTo(37);
    assertThat(EngineProgressLog.parse("{\"stowageProgress\":{\"bytesDone\":\"x\"}}")).isEmpty();
    assertThat(EngineProgressLog.parse("{\"stowageProgress\":[1,2]}")).isEmpty();
    assertThat(EngineProgressLog.parse("{\"other\":1}")).isEmpty();
    assertThat(
            EngineProgressLog.parse(LINE.replace("\"percent\":37", "\"percent\":250"))
                .get()
                .getPercent())
        .isEqualTo(100);
    assertThat(
            EngineProgressLog.parse(LINE.replace("\"bytesDone\":1073741824", "\"bytesDone\":-5"))
                .get()
                .getBytesDone())
        .isZero();
  }

  @Test
  void noRateYetShowsNoTimeLeft() {
    EngineProgress p =
        EngineProgressLog.parse(LINE.replace(",\"etaSeconds\":72", "")).orElseThrow();
    assertThat(p.getEtaSeconds()).isNull();
    assertThat(p.getDisplay()).isEqualTo("37% of 2.7 GiB");
  }

  @Test
  void aSucceededRunSaysAllOfItIsDone() {
    MysqlBackupStatus status = new MysqlBackupStatus();
    status.setProgress(EngineProgressLog.parse(LINE).orElseThrow());

    EngineProgressLog.complete(status);

    assertThat(status.getProgress().getPercent()).isEqualTo(100);
    assertThat(status.getProgress().getBytesDone()).isEqualTo(2899102924L);
    assertThat(status.getProgress().getObjectsDone()).isEqualTo(48L);
    assertThat(status.getProgress().getDisplay()).isEqualTo("100% of 2.7 GiB");
  }
}
