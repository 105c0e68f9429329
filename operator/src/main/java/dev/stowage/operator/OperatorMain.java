package dev.stowage.operator;

import dev.stowage.operator.backup.MysqlBackupReconciler;
import dev.stowage.operator.cluster.ClientSerialization;
import dev.stowage.operator.cluster.ClusterCaches;
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
    return create(
        client, config, clock, registry, exitOnLostLease, new KubernetesCluster(client, clock));
  }

  /** As above, on a given {@link KubernetesCluster} (a test then reads through its caches). */
  public static Operator create(
      KubernetesClient client,
      OperatorConfig config,
      Clock clock,
      MeterRegistry registry,
      boolean exitOnLostLease,
      KubernetesCluster cluster) {
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
    // The primary caches are listed in pages (a list of 10,000 MysqlBackups at once is a burst of
    // tens of MiB), and follow STOWAGE_NAMESPACES when it is set.
    var namespaces = new HashSet<>(config.namespaces());
    operator.register(backups, c -> watch(c, namespaces));
    operator.register(restores, c -> watch(c, namespaces));
    operator.register(schedules, c -> watch(c, namespaces));

    return operator;
  }

  private static <R extends io.fabric8.kubernetes.api.model.HasMetadata> void watch(
      io.javaoperatorsdk.operator.api.config.ControllerConfigurationOverrider<R> c,
      java.util.Set<String> namespaces) {
    c.withInformerListLimit(ClusterCaches.LIST_PAGE);
    if (!namespaces.isEmpty()) {
      c.settingNamespaces(namespaces);
    }
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
    KubernetesClient client =
        new KubernetesClientBuilder()
            .withKubernetesSerialization(ClientSerialization.withoutManagedFields())
            .build();

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
