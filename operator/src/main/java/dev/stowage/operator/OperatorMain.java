package dev.stowage.operator;

import dev.stowage.operator.backup.MysqlBackupReconciler;
import dev.stowage.operator.cluster.KubernetesCluster;
import dev.stowage.operator.job.EngineJobFactory;
import dev.stowage.operator.metrics.OperatorMetrics;
import dev.stowage.operator.metrics.ReconcileMetrics;
import dev.stowage.operator.metrics.ScheduleMetrics;
import dev.stowage.operator.restore.MysqlRestoreReconciler;
import dev.stowage.operator.schedule.MysqlBackupScheduleReconciler;
import dev.stowage.operator.status.Conditions;
import dev.stowage.operator.status.KubernetesEventRecorder;
import dev.stowage.operator.status.StatusWriter;
import dev.stowage.operator.store.ClusterStores;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfigurationBuilder;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.HashSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Starts the operator: its three reconcilers, leader election, health and metrics endpoints. */
public final class OperatorMain {

  private static final Logger log = LoggerFactory.getLogger(OperatorMain.class);

  private OperatorMain() {}

  /**
   * The operator with its three reconcilers registered, not started.
   *
   * @param exitOnLostLease end the process when the Lease is lost, so that two replicas never
   *     reconcile at once (false only in tests, which stop the operator in-process)
   */
  public static Operator create(
      KubernetesClient client,
      OperatorConfig config,
      Clock clock,
      MeterRegistry registry,
      boolean exitOnLostLease) {
    Operator operator =
        new Operator(
            o -> {
              o.withKubernetesClient(client);
              o.withMetrics(new ReconcileMetrics(registry));
              o.withStopOnInformerErrorDuringStartup(true);
              o.withCacheSyncTimeout(Duration.ofMinutes(2));
              if (config.leaderElection()) {
                o.withLeaderElectionConfiguration(
                    LeaderElectionConfigurationBuilder.aLeaderElectionConfiguration(
                            OperatorConfig.LEASE_NAME)
                        .withLeaseNamespace(config.podNamespace())
                        .withIdentity(config.podName())
                        .withExitOnStopLeading(exitOnLostLease)
                        .build());
              }
            });
    KubernetesCluster cluster = new KubernetesCluster(client, clock);
    ClusterStores stores = new ClusterStores(cluster);
    EngineJobFactory jobs = new EngineJobFactory(config.engine(), clock, stores);
    KubernetesEventRecorder events = new KubernetesEventRecorder(client, clock, config.podName());
    OperatorMetrics metrics = new OperatorMetrics(registry);
    Conditions conditions = new Conditions(clock);
    var backups =
        new MysqlBackupReconciler(
            jobs,
            cluster,
            StatusWriter.kubernetes(),
            events,
            metrics,
            conditions,
            config.timeouts());
    var restores =
        new MysqlRestoreReconciler(
            jobs,
            cluster,
            StatusWriter.kubernetes(),
            events,
            metrics,
            conditions,
            config.timeouts());
    var schedules =
        new MysqlBackupScheduleReconciler(
            cluster,
            StatusWriter.kubernetes(),
            events,
            new ScheduleMetrics(registry),
            conditions,
            clock,
            config.engine().podAllowlist(),
            stores,
            config.engine().inlineS3());
    if (config.namespaces().isEmpty()) {
      operator.register(backups);
      operator.register(restores);
      operator.register(schedules);
    } else {
      var namespaces = new HashSet<>(config.namespaces());
      operator.register(backups, c -> c.settingNamespaces(namespaces));
      operator.register(restores, c -> c.settingNamespaces(namespaces));
      operator.register(schedules, c -> c.settingNamespaces(namespaces));
    }

    return operator;
  }

  public static void main(String[] args) throws Exception {
    OperatorConfig config;
    try {
      config = OperatorConfig.fromEnv(System.getenv());
    } catch (IllegalArgumentException e) {
      log.error("cannot start: {}", e.getMessage());
      System.exit(2);
      return;
    }
    Clock clock = Clock.systemUTC();
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    new JvmMemoryMetrics().bindTo(registry);
    KubernetesClient client = new KubernetesClientBuilder().build();

    Operator operator = create(client, config, clock, registry, true);
    HttpEndpoints http =
        new HttpEndpoints(
            "0.0.0.0",
            config.httpPort(),
            () ->
                !operator.getRuntimeInfo().isStarted()
                    || operator.getRuntimeInfo().allEventSourcesAreHealthy(),
            () -> operator.getRuntimeInfo().isStarted(),
            registry);
    http.start();
    log.info(
        "stowage operator: engine image {}, namespaces {}, leader election {}, http port {},"
            + " engine start deadline {}, overwrite start deadline {}",
        config.engine().image(),
        config.namespaces().isEmpty() ? "all" : config.namespaces(),
        config.leaderElection(),
        http.port(),
        config.timeouts().podStart(),
        config.timeouts().overwriteStart());
    operator.installShutdownHook(Duration.ofSeconds(10));
    operator.start();
  }
}
