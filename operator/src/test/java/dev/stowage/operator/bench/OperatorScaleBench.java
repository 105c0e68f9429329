package dev.stowage.operator.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stowage.api.v1alpha1.MysqlBackup;
import dev.stowage.api.v1alpha1.MysqlBackupSchedule;
import dev.stowage.api.v1alpha1.MysqlBackupStatus;
import dev.stowage.api.v1alpha1.Phase;
import dev.stowage.api.v1alpha1.testing.LocalApiServer;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimStatusBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Issue 14's benchmark, not a test (only bench/operator-scale.sh runs it, with -Dit.test): the
 * operator jar as its own process against a real etcd and kube-apiserver holding many resources,
 * with no controllers or kubelet (nothing runs a Job). Measures the operator's peak RSS and CPU,
 * the API server's request rate while the operator idles, the time until every resource was
 * reconciled once (by its own reconcile counters), and, when every schedule fires in the same
 * minute, the time from that slot to each new backup's first Job (its pre-flight check).
 */
class OperatorScaleBench {
  static final int NAMESPACES = Integer.getInteger("bench.namespaces", 50);
  static final int BACKUPS = Integer.getInteger("bench.backups", 10_000);
  static final int SCHEDULES = Integer.getInteger("bench.schedules", 500);
  static final Duration IDLE = Duration.ofSeconds(Integer.getInteger("bench.idleSeconds", 180));
  static final Path JAR = Path.of(System.getProperty("bench.jar", "target/stowage-operator.jar"));
  static final Path REPORT =
      Path.of(System.getProperty("bench.report", "target/operator-scale.md"));

  /** How long after the operator started every resource must have been reconciled once. */
  static final Duration RECONCILED_BOUND = Duration.ofMinutes(10);

  /**
   * The image's JVM flags (operator/jvm.options, its entrypoint's argument file) and -XX:MaxRAM for
   * the container's memory limit (deploy/operator.yaml: 512Mi), which MaxRAMPercentage then applies
   * to as in the container.
   */
  static final List<String> JVM_FLAGS = jvmFlags();

  static List<String> jvmFlags() {
    try {
      List<String> flags = new ArrayList<>();
      for (String line : Files.readAllLines(Path.of("jvm.options"))) {
        if (!line.isBlank() && !line.startsWith("#")) {
          flags.add(line.strip());
        }
      }
      flags.add("-XX:MaxRAM=512m");
      return flags;
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  KubernetesClient admin;
  Process operator;
  final List<String> report = new ArrayList<>();

  @Test
  void manyResourcesOneOperator() throws Exception {
    Path dir = Path.of("target", "scale-bench");
    try (LocalApiServer server = LocalApiServer.start(dir)) {
      admin = server.client();
      server.installCommittedCrds();
      Instant t = Instant.now();
      populate();
      say(
          "created %d namespaces, %d MysqlBackups (Succeeded), %d schedules in %d s",
          NAMESPACES, BACKUPS, SCHEDULES, Duration.between(t, Instant.now()).toSeconds());
      try {
        run(dir.resolve("pki/admin.conf"));
      } finally {
        if (operator != null) {
          operator.destroy();
          operator.waitFor(30, TimeUnit.SECONDS);
          operator.destroyForcibly();
        }
      }
    }
    String text = String.join("\n", report) + "\n";
    Files.createDirectories(REPORT.toAbsolutePath().getParent());
    Files.writeString(REPORT, text);
    System.out.println(text);
  }

  void populate() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Future<?>> work = new ArrayList<>();
      for (int n = 0; n < NAMESPACES; n++) {
        String ns = ns(n);
        admin
            .namespaces()
            .resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build())
            .create();
        admin
            .serviceAccounts()
            .inNamespace(ns)
            .resource(
                new ServiceAccountBuilder()
                    .withNewMetadata()
                    .withName("default")
                    .endMetadata()
                    .build())
            .create();
      }
      int schedulesPerNs = SCHEDULES / NAMESPACES;
      int backupsPerNs = BACKUPS / NAMESPACES;
      for (int n = 0; n < NAMESPACES; n++) {
        String ns = ns(n);
        for (int s = 0; s < schedulesPerNs; s++) {
          int i = s;
          work.add(
              pool.submit(
                  () -> {
                    claim(ns, "data-db-" + i);
                    schedule(ns, "nightly-" + i, "data-db-" + i);
                    return null;
                  }));
        }
        for (int b = 0; b < backupsPerNs; b++) {
          int i = b;
          work.add(
              pool.submit(
                  () -> {
                    backup(ns, "old-" + i, "data-db-" + (i % schedulesPerNs));
                    return null;
                  }));
        }
      }
      for (Future<?> f : work) {
        f.get();
      }
    } finally {
      pool.shutdown();
    }
  }

  void claim(String ns, String name) {
    PersistentVolumeClaim c =
        admin
            .persistentVolumeClaims()
            .inNamespace(ns)
            .resource(
                new PersistentVolumeClaimBuilder()
                    .withNewMetadata()
                    .withName(name)
                    .endMetadata()
                    .withNewSpec()
                    .withAccessModes("ReadWriteOnce")
                    .withNewResources()
                    .addToRequests("storage", new Quantity("1Gi"))
                    .endResources()
                    .endSpec()
                    .build())
            .create();
    // No PV controller here: the claim is made Bound by hand, as a provisioner would.
    c.setStatus(new PersistentVolumeClaimStatusBuilder().withPhase("Bound").build());
    admin.persistentVolumeClaims().inNamespace(ns).resource(c).updateStatus();
  }

  void schedule(String ns, String name, String claim) {
    String yaml =
        """
        apiVersion: stowage.dev/v1alpha1
        kind: MysqlBackupSchedule
        metadata: {name: %s, namespace: %s}
        spec:
          schedule: "0 0 1 1 *"
          timeZone: Etc/UTC
          backupTemplate:
            spec:
              source: {persistentVolumeClaim: %s}
              storage:
                s3: {bucket: backups, endpoint: "http://s3.invalid:7070", insecure: true, credentialsSecretRef: {name: s3}}
        """
            .formatted(name, ns, claim);
    admin.resource(Serialization.unmarshal(yaml, MysqlBackupSchedule.class)).create();
  }

  void backup(String ns, String name, String claim) {
    String yaml =
        """
        apiVersion: stowage.dev/v1alpha1
        kind: MysqlBackup
        metadata: {name: %s, namespace: %s}
        spec:
          source: {persistentVolumeClaim: %s}
          storage:
            s3: {bucket: backups, endpoint: "http://s3.invalid:7070", insecure: true, credentialsSecretRef: {name: s3}}
        """
            .formatted(name, ns, claim);
    MysqlBackup b = admin.resource(Serialization.unmarshal(yaml, MysqlBackup.class)).create();
    MysqlBackupStatus st = new MysqlBackupStatus();
    st.setPhase(Phase.Succeeded);
    st.setObservedGeneration(b.getMetadata().getGeneration());
    st.setStartTime("2030-01-01T00:00:00Z");
    st.setCompletionTime("2030-01-01T00:01:00Z");
    st.setLocation("s3://backups");
    st.setDirectory(ns + "/" + claim);
    st.setBackupName("2030-01-01.000000." + name);
    st.setBytesStored(1000L);
    st.setMessage("backed up");
    b.setStatus(st);
    admin.resource(b).updateStatus();
  }

  void run(Path kubeconfig) throws Exception {
    int httpPort = freePort();
    List<String> command = new ArrayList<>();
    command.add("java");
    command.addAll(JVM_FLAGS);
    command.addAll(List.of("-jar", JAR.toAbsolutePath().toString()));
    ProcessBuilder pb = new ProcessBuilder(command);
    // As the image sets it (e2e/images/build.sh).
    pb.environment().put("MALLOC_ARENA_MAX", "2");
    pb.environment().put("KUBECONFIG", kubeconfig.toAbsolutePath().toString());
    pb.environment().put("STOWAGE_LEADER_ELECTION", "false");
    pb.environment().put("STOWAGE_HTTP_PORT", Integer.toString(httpPort));
    pb.environment().put("STOWAGE_ENGINE_IMAGE", "stowage/engine:dev");
    pb.redirectErrorStream(true)
        .redirectOutput(Path.of("target", "scale-bench-operator.log").toFile());
    long requestsBefore = apiRequests();
    Instant start = Instant.now();
    operator = pb.start();
    long pid = operator.pid();
    say("operator pid %d; log target/scale-bench-operator.log", pid);

    // 1. Start-up: every resource reconciled once, by the operator's own reconcile counters
    // (stowage_reconciles_total per controller), and nothing queued or running any more.
    Duration startup = null;
    while (Duration.between(start, Instant.now()).toMinutes() < 20) {
      Thread.sleep(5000);
      assertThat(operator.isAlive())
          .as("operator process (see target/scale-bench-operator.log)")
          .isTrue();
      String m = operatorMetrics(httpPort);
      if (m != null
          && sum(m, "stowage_reconciles_total", "mysqlbackup") >= BACKUPS
          && sum(m, "stowage_reconciles_total", "mysqlbackupschedule") >= SCHEDULES
          && sum(m, "stowage_reconcile_queue", "") == 0
          && sum(m, "stowage_reconcile_running", "") == 0) {
        startup = Duration.between(start, Instant.now());
        break;
      }
    }
    long startupRequests = apiRequests() - requestsBefore;
    say("start-up: %s", startup);
    // Not starved: every resource itself shows a reconcile (a MysqlBackup its finalizer, a
    // schedule its status.observedGeneration), not only the counters' sum.
    long backupsSeen =
        admin.resources(MysqlBackup.class).inAnyNamespace().list().getItems().stream()
            .filter(b -> !b.getMetadata().getFinalizers().isEmpty())
            .count();
    long schedulesSeen =
        admin.resources(MysqlBackupSchedule.class).inAnyNamespace().list().getItems().stream()
            .filter(
                x ->
                    x.getStatus() != null
                        && x.getMetadata()
                            .getGeneration()
                            .equals(x.getStatus().getObservedGeneration()))
            .count();
    Duration seenBy = Duration.between(start, Instant.now());

    // 2. Idle: nothing changes; the operator's own requests (this harness reads 2 metric pages).
    double cpuBefore = cpuSeconds(pid);
    Map<String, Long> kindsBefore = requestsByKind();
    long idleBefore = kindsBefore.values().stream().mapToLong(Long::longValue).sum();
    Thread.sleep(IDLE.toMillis());
    Map<String, Long> kindsAfter = requestsByKind();
    long idleRequests =
        kindsAfter.values().stream().mapToLong(Long::longValue).sum() - idleBefore - 1;
    List<String> idleKinds = new ArrayList<>();
    kindsAfter.entrySet().stream()
        .map(e -> Map.entry(e.getKey(), e.getValue() - kindsBefore.getOrDefault(e.getKey(), 0L)))
        .filter(e -> e.getValue() > 0)
        .sorted((x, y) -> Long.compare(y.getValue(), x.getValue()))
        .limit(6)
        .forEach(e -> idleKinds.add(e.getKey() + " " + e.getValue()));
    double idleCpu = cpuSeconds(pid) - cpuBefore;
    double perMinute = idleRequests / (IDLE.toSeconds() / 60.0);

    // 3. Every schedule fires in one minute: their cron moved to a minute at least 90 s ahead.
    Instant slot = Instant.now().plusSeconds(90).truncatedTo(ChronoUnit.MINUTES).plusSeconds(60);
    String cron =
        slot.atZone(ZoneOffset.UTC).getMinute()
            + " "
            + slot.atZone(ZoneOffset.UTC).getHour()
            + " * * *";
    for (MysqlBackupSchedule s :
        admin.resources(MysqlBackupSchedule.class).inAnyNamespace().list().getItems()) {
      s.getSpec().setSchedule(cron);
      admin.resource(s).update();
    }
    say("schedules moved to '%s' (slot %s)", cron, slot);
    // What the firing costs the API server, by kind, from just before the slot to the last Job.
    while (Instant.now().isBefore(slot.minusSeconds(2))) {
      Thread.sleep(500);
    }
    Map<String, Long> kindsAtSlot = requestsByKind();
    String loadAtSlot = Files.readString(Path.of("/proc/loadavg")).strip();
    double cpuAtSlot = cpuSeconds(pid);
    String metricsAtSlot = operatorMetrics(httpPort);
    double maxRunning = 0;
    double maxQueued = 0;
    Map<String, Instant> firstJob = new HashMap<>();
    Instant deadline = slot.plusSeconds(600);
    while (Instant.now().isBefore(deadline) && firstJob.size() < SCHEDULES) {
      Thread.sleep(2000);
      // How busy the operator's reconcile threads (JOSDK: 50) and its work queue are.
      String m = operatorMetrics(httpPort);
      if (m != null) {
        maxRunning = Math.max(maxRunning, sum(m, "stowage_reconcile_running", ""));
        maxQueued = Math.max(maxQueued, sum(m, "stowage_reconcile_queue", ""));
      }
      for (Job j : admin.batch().v1().jobs().inAnyNamespace().list().getItems()) {
        var owners = j.getMetadata().getOwnerReferences();
        if (owners == null || owners.isEmpty() || !owners.get(0).getName().startsWith("nightly-")) {
          continue;
        }
        String key = j.getMetadata().getNamespace() + "/" + owners.get(0).getName();
        Instant created = Instant.parse(j.getMetadata().getCreationTimestamp());
        firstJob.merge(key, created, (a, b) -> a.isBefore(b) ? a : b);
      }
    }
    Map<String, Long> kindsAfterFiring = requestsByKind();
    Instant firingEnd = Instant.now();
    String metricsAfterFiring = operatorMetrics(httpPort);
    List<String> reconciles = new ArrayList<>();
    if (metricsAtSlot != null && metricsAfterFiring != null) {
      for (String controller : List.of("mysqlbackupschedule", "mysqlbackup")) {
        for (String result : List.of("success", "error")) {
          double n =
              sumWith(metricsAfterFiring, controller, result)
                  - sumWith(metricsAtSlot, controller, result);
          reconciles.add(String.format(Locale.ROOT, "%s %s %.0f", controller, result, n));
        }
      }
    }
    double firingCpu = cpuSeconds(pid) - cpuAtSlot;
    List<Long> latencies = new ArrayList<>();
    for (Instant created : firstJob.values()) {
      latencies.add(Math.max(0, Duration.between(slot, created).toSeconds()));
    }
    latencies.sort(Long::compare);
    // The two halves of each latency: the schedule's reconcile (slot to its MysqlBackup) and the
    // backup's (MysqlBackup to its first Job), from the objects' creation timestamps.
    List<Long> toBackup = new ArrayList<>();
    List<Long> backupToJob = new ArrayList<>();
    for (MysqlBackup b : admin.resources(MysqlBackup.class).inAnyNamespace().list().getItems()) {
      var owners = b.getMetadata().getOwnerReferences();
      if (owners == null || owners.isEmpty()) {
        continue;
      }
      Instant job = firstJob.get(b.getMetadata().getNamespace() + "/" + b.getMetadata().getName());
      if (job == null) {
        continue;
      }
      Instant made = Instant.parse(b.getMetadata().getCreationTimestamp());
      toBackup.add(Math.max(0, Duration.between(slot, made).toSeconds()));
      backupToJob.add(Math.max(0, Duration.between(made, job).toSeconds()));
    }
    toBackup.sort(Long::compare);
    backupToJob.sort(Long::compare);
    long firingSeconds = Math.max(1, Duration.between(slot.minusSeconds(2), firingEnd).toSeconds());
    long firingRequests = 0;
    List<String> firingKinds = new ArrayList<>();
    for (var e :
        kindsAfterFiring.entrySet().stream()
            .map(
                e -> Map.entry(e.getKey(), e.getValue() - kindsAtSlot.getOrDefault(e.getKey(), 0L)))
            .filter(e -> e.getValue() > 0)
            .sorted((x, y) -> Long.compare(y.getValue(), x.getValue()))
            .toList()) {
      firingRequests += e.getValue();
      if (firingKinds.size() < 12) {
        firingKinds.add(e.getKey() + " " + e.getValue());
      }
    }
    long rssPeakKiB = status(pid, "VmHWM");
    double totalCpu = cpuSeconds(pid);

    double idlePer100 = perMinute * 100 / (BACKUPS + SCHEDULES);
    long p99 = latencies.isEmpty() ? Long.MAX_VALUE : pct(latencies, 0.99);
    boolean allSeen =
        backupsSeen == BACKUPS
            && schedulesSeen == SCHEDULES
            && seenBy.compareTo(RECONCILED_BOUND) <= 0;

    report.add("# Operator at scale (issue 14)");
    report.add("");
    report.add(
        String.format(
            Locale.ROOT,
            "One operator process (java %s, MALLOC_ARENA_MAX=2: the image's flags from"
                + " operator/jvm.options, MaxRAM standing for the 512Mi limit) against a real"
                + " etcd and kube-apiserver (Kubernetes 1.34, no controllers, no kubelet) holding %d MysqlBackups"
                + " (Succeeded) and %d MysqlBackupSchedules in %d namespaces. Command: bash bench/operator-scale.sh",
            String.join(" ", JVM_FLAGS),
            BACKUPS,
            SCHEDULES,
            NAMESPACES));
    report.add("");
    report.add("| measure | value | target | |");
    report.add("|---|---:|---:|---|");
    report.add(
        row(
            "time until every resource was reconciled once",
            startup == null ? "not within 20 min" : startup.toSeconds() + " s",
            "stated"));
    report.add(
        row(
            "resources that show a reconcile (MysqlBackup finalizer, schedule observedGeneration)"
                + " "
                + seenBy.toSeconds()
                + " s after the operator started",
            backupsSeen
                + " of "
                + BACKUPS
                + " backups, "
                + schedulesSeen
                + " of "
                + SCHEDULES
                + " schedules",
            "all, within " + RECONCILED_BOUND.toMinutes() + " min",
            allSeen));
    report.add(row("API requests during start-up", Long.toString(startupRequests), ""));
    report.add(
        row(
            "API requests per minute while idle (" + IDLE.toSeconds() + " s)",
            String.format(Locale.ROOT, "%.0f (%.2f per 100 resources)", perMinute, idlePer100),
            "≤ 1 per 100 resources",
            idlePer100 <= 1));
    report.add(row("idle requests by kind (the most)", String.join(", ", idleKinds), ""));
    report.add(
        row(
            "operator CPU while idle",
            String.format(Locale.ROOT, "%.1f%% of a core", 100 * idleCpu / IDLE.toSeconds()),
            ""));
    report.add(
        row(
            "schedules whose slot produced a Job within 10 min",
            firstJob.size() + " of " + SCHEDULES,
            "all",
            firstJob.size() == SCHEDULES));
    report.add(
        row("slot to first Job, p50", latencies.isEmpty() ? "-" : pct(latencies, 0.5) + " s", ""));
    report.add(
        row("slot to first Job, p99", latencies.isEmpty() ? "-" : p99 + " s", "≤ 30 s", p99 <= 30));
    report.add(
        row(
            "slot to first Job, max",
            latencies.isEmpty() ? "-" : latencies.get(latencies.size() - 1) + " s",
            ""));
    report.add(
        row(
            "slot to MysqlBackup created (the schedule's part), p50 / p99",
            toBackup.isEmpty() ? "-" : pct(toBackup, 0.5) + " s / " + pct(toBackup, 0.99) + " s",
            ""));
    report.add(
        row(
            "MysqlBackup created to first Job (the backup's part), p50 / p99",
            backupToJob.isEmpty()
                ? "-"
                : pct(backupToJob, 0.5) + " s / " + pct(backupToJob, 0.99) + " s",
            ""));
    report.add(
        row(
            "API requests from 2 s before the slot until the harness saw the last Job (includes"
                + " its own Job lists every 2 s)",
            String.format(
                Locale.ROOT,
                "%d in %d s (%.0f a second)",
                firingRequests,
                firingSeconds,
                firingRequests / (double) firingSeconds),
            ""));
    report.add(row("those requests by kind (the most)", String.join(", ", firingKinds), ""));
    report.add(
        row(
            "reconciles over the same time, by controller and result",
            String.join(", ", reconciles),
            ""));
    report.add(
        row(
            "most reconciles running at once / most queued (sampled every 2 s)",
            String.format(Locale.ROOT, "%.0f / %.0f", maxRunning, maxQueued),
            ""));
    report.add(
        row(
            "operator CPU over the same time; load average at the slot",
            String.format(Locale.ROOT, "%.0f s; %s", firingCpu, loadAtSlot),
            ""));
    report.add(
        row(
            "operator peak RSS",
            (rssPeakKiB / 1024) + " MiB",
            "≤ 512 MiB",
            rssPeakKiB <= 512 * 1024));
    report.add(row("operator CPU, whole run", String.format(Locale.ROOT, "%.0f s", totalCpu), ""));
  }

  /** The operator's /metrics page, or null while it does not answer. */
  static String operatorMetrics(int port) {
    try {
      HttpResponse<String> r =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
                      .timeout(Duration.ofSeconds(10))
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
      return r.statusCode() == 200 ? r.body() : null;
    } catch (IOException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  /** The sum of a metric's series whose controller label is {@code controller} ("" for any). */
  static double sum(String metrics, String name, String controller) {
    double total = 0;
    Matcher m = Pattern.compile("(?m)^" + name + "\\{([^}]*)\\} ([0-9.eE+-]+)$").matcher(metrics);
    while (m.find()) {
      if (controller.isEmpty() || label(m.group(1), "controller").equals(controller)) {
        total += Double.parseDouble(m.group(2));
      }
    }
    return total;
  }

  /** stowage_reconciles_total of one controller and result. */
  static double sumWith(String metrics, String controller, String result) {
    double total = 0;
    Matcher m =
        Pattern.compile("(?m)^stowage_reconciles_total\\{([^}]*)\\} ([0-9.eE+-]+)$")
            .matcher(metrics);
    while (m.find()) {
      if (label(m.group(1), "controller").equals(controller)
          && label(m.group(1), "result").equals(result)) {
        total += Double.parseDouble(m.group(2));
      }
    }
    return total;
  }

  static String row(String a, String b, String c) {
    return "| " + a + " | " + b + " | " + c + " | |";
  }

  static String row(String a, String b, String c, boolean met) {
    return "| " + a + " | " + b + " | " + c + " | " + (met ? "met" : "MISSED") + " |";
  }

  static long pct(List<Long> sorted, double q) {
    return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(q * sorted.size()) - 1));
  }

  /** The API server's request count so far (apiserver_request_total, all verbs and resources). */
  long apiRequests() {
    return requestsByKind().values().stream().mapToLong(Long::longValue).sum();
  }

  /** apiserver_request_total by "VERB resource[/subresource]". */
  Map<String, Long> requestsByKind() {
    String metrics = admin.raw("/metrics");
    Map<String, Long> by = new HashMap<>();
    Matcher m =
        Pattern.compile("(?m)^apiserver_request_total\\{([^}]*)\\} ([0-9.e+]+)$").matcher(metrics);
    while (m.find()) {
      String labels = m.group(1);
      String sub = label(labels, "subresource");
      String kind =
          label(labels, "verb")
              + " "
              + label(labels, "resource")
              + (sub.isEmpty() ? "" : "/" + sub);
      by.merge(kind, (long) Double.parseDouble(m.group(2)), Long::sum);
    }
    return by;
  }

  static String label(String labels, String name) {
    Matcher m = Pattern.compile("(?:^|,)" + name + "=\"([^\"]*)\"").matcher(labels);
    return m.find() ? m.group(1) : "";
  }

  static double cpuSeconds(long pid) throws IOException {
    String[] f =
        Files.readString(Path.of("/proc", Long.toString(pid), "stat")).split("\\) ")[1].split(" ");
    // utime and stime are fields 14 and 15 of stat; after "pid (comm) " they are at 11 and 12.
    return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / 100.0;
  }

  static long status(long pid, String field) throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
      if (line.startsWith(field + ":")) {
        return Long.parseLong(line.replaceAll("[^0-9]", ""));
      }
    }
    return -1;
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  static String ns(int n) {
    return String.format(Locale.ROOT, "team-%02d", n);
  }

  static void say(String f, Object... a) {
    System.out.println("[scale] " + String.format(Locale.ROOT, f, a));
  }
}
