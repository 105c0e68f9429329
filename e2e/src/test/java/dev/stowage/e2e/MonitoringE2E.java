package dev.stowage.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.stowage.api.v1alpha1.BackupTemplate;
import dev.stowage.api.v1alpha1.MysqlBackupSchedule;
import dev.stowage.api.v1alpha1.MysqlBackupScheduleSpec;
import dev.stowage.api.v1alpha1.MysqlBackupScheduleStatus;
import dev.stowage.api.v1alpha1.MysqlBackupSpec;
import dev.stowage.api.v1alpha1.Retention;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The shipped monitoring (issue 13) against a real Prometheus scraping the real operator: the
 * Grafana dashboard (deploy/components/grafana-dashboard) and the alert rules
 * (deploy/components/prometheus-rules/rules.yaml). Prometheus (Debian's package) runs on 127.0.0.1
 * and scrapes the operator pod's port http on its pod IP. Two MysqlBackupSchedules of one MariaDB
 * StatefulSet make the operator export every kind of schedule metric: {@value #HEALTHY} (every
 * minute, {@code immediate}, keepLast 1: successes and a retention deletion) and {@value #TROUBLED}
 * (created suspended, so a slot is missed with reason Suspended; then resumed and triggered with a
 * bucket that does not exist, so its backup fails at the storage pre-flight). Then every panel
 * query, every template variable's selector, and every rule expression is evaluated by Prometheus's
 * HTTP API; a query that returns no series fails the test, naming its panel or alert.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MonitoringE2E {

  static final String CREDENTIALS = "s3-credentials";
  static final String DB = "db";
  static final String HEALTHY = "healthy";
  static final String TROUBLED = "troubled";
  static final Path REPO = Path.of(System.getProperty("user.dir")).resolve("..");
  static final Path DASHBOARD =
      REPO.resolve("deploy/components/grafana-dashboard/stowage-dashboard.json");
  static final Path RULES = REPO.resolve("deploy/components/prometheus-rules/rules.yaml");
  static final Duration POLL = Duration.ofSeconds(2);

  /**
   * Grafana's built-in variables, as a dashboard over the last quarter hour would have them: {@code
   * $__rate_interval} spans several 5 s scrapes, so rate() and increase() have samples.
   */
  static final Map<String, String> BUILTINS =
      Map.of("__rate_interval", "1m", "__interval", "15s", "__range", "15m");

  static KubernetesClient client;
  static S3Server s3;
  static String ns;
  static PrometheusServer prometheus;
  static final Instant classStart = Instant.now();
  static final List<String> namespaces = new ArrayList<>();

  @BeforeAll
  static void operatorPrometheusS3AndDatabase() throws Exception {
    client = Cluster.connect();
    Operator.requireAvailable(client, Duration.ofMinutes(2));
    String target = operatorTarget();
    prometheus = PrometheusServer.start(target, RULES);
    say("Prometheus on 127.0.0.1 scraping the operator at %s, rules %s", target, RULES);
    String s3Namespace = Cluster.createNamespace(client, "stowage-e2e-monitoring-s3-");
    namespaces.add(s3Namespace);
    s3 = S3Server.start(client, s3Namespace, "backups");
    ns = Cluster.createNamespace(client, "stowage-e2e-monitoring-");
    namespaces.add(0, ns);
    MariaDb db = new MariaDb(client, ns).withPasswordSecret();
    s3.credentialsSecret(ns, CREDENTIALS, true);
    db.startStatefulSet(DB);
    say("MariaDB StatefulSet %s/%s Ready; S3 in %s", ns, DB, s3Namespace);
  }

  @AfterAll
  static void cleanup() {
    try {
      if (prometheus != null) {
        prometheus.close();
      }
    } finally {
      if (client != null) {
        try {
          if (!Cluster.keepNamespaces()) {
            namespaces.forEach(n -> client.namespaces().withName(n).delete());
            Cluster.awaitNamespacesGone(client, namespaces);
          }
        } finally {
          client.close();
        }
      }
    }
  }

  /**
   * The operator does what the panels show: {@value #HEALTHY} succeeds twice and retention deletes
   * the older backup; {@value #TROUBLED} misses a slot while suspended, then fails; Prometheus
   * scrapes each of these as the counters and gauges the dashboard reads.
   */
  @Test
  @Order(1)
  void theOperatorExportsSuccessesRetentionAMissedSlotAndAFailure() {
    create(HEALTHY, "*/1 * * * *", spec -> spec.setImmediate(true), 1, s3.bucket());
    create(TROUBLED, "*/1 * * * *", spec -> spec.setSuspend(true), null, "no-such-bucket");
    say("created %s (every minute, immediate, keepLast 1) and %s (suspended)", HEALTHY, TROUBLED);
    awaitOrExplain(
        HEALTHY + ": 2 successes and a retention deletion; " + TROUBLED + ": a Suspended miss",
        Duration.ofMinutes(4),
        () -> {
          MysqlBackupScheduleStatus h = status(HEALTHY);
          MysqlBackupScheduleStatus t = status(TROUBLED);
          return h != null
              && h.getLastSuccessfulTime() != null
              && h.getRetention() != null
              && h.getRetention().getDeletedTotal() != null
              && h.getRetention().getDeletedTotal() >= 1
              && t != null
              && t.getMissedRuns() != null
              && "Suspended".equals(t.getMissedRuns().getLastMissedReason());
        });
    edit(
        TROUBLED,
        spec -> {
          spec.setSuspend(false);
          spec.setTrigger("fail-" + Instant.now().getEpochSecond());
        });
    say("%s resumed and triggered: its backup's bucket does not exist", TROUBLED);
    awaitOrExplain(
        TROUBLED + ": a failed backup in status.lastFailedBackup",
        Duration.ofMinutes(2),
        () -> status(TROUBLED) != null && status(TROUBLED).getLastFailedBackup() != null);

    // What Prometheus scraped: each event, counted by the operator.
    awaitSeries(sel("stowage_schedule_runs_total", HEALTHY, "result=\"succeeded\"") + " >= 2");
    awaitSeries(sel("stowage_retention_deleted_total", HEALTHY, null) + " >= 1");
    awaitSeries(
        sel("stowage_schedule_missed_runs_total", TROUBLED, "reason=\"Suspended\"") + " >= 1");
    awaitSeries(sel("stowage_schedule_runs_total", TROUBLED, "result=\"failed\"") + " >= 1");
    awaitSeries(sel("stowage_schedule_last_backup_duration_seconds", HEALTHY, null) + " > 0");
    awaitSeries(sel("stowage_reconciles_total", null, "result=\"success\"") + " > 0");
  }

  /**
   * Every query of every dashboard panel, with $namespace the test's and $schedule both schedules
   * (as Grafana formats a multi-value variable: a regex), returns at least one series, and so does
   * every vector selector in it (so that an operand of "or" with a typo cannot hide behind the
   * other); so do the template variables' selectors. A dashboard with one metric name misspelt must
   * fail the same check, naming that panel: the check can fail.
   */
  @Test
  @Order(2)
  void everyDashboardQueryReturnsSeries() throws IOException {
    JsonNode dashboard = new ObjectMapper().readTree(DASHBOARD.toFile());
    Map<String, String> queries = dashboardQueries(dashboard);
    assertThat(queries).as("queries of %s", DASHBOARD).hasSizeGreaterThan(10);
    List<String> dead = new ArrayList<>();
    queries.forEach((where, expr) -> dead.addAll(noSeries(where, expr, true)));
    assertThat(dead)
        .as("dashboard queries that return no series (%d queries evaluated)", queries.size())
        .isEmpty();
    say("all %d dashboard queries return series", queries.size());

    // The check can fail: the same dashboard with one metric name misspelt.
    String first = queries.keySet().iterator().next();
    Matcher m = Pattern.compile("stowage_[a-z_]+").matcher(queries.get(first));
    assertThat(m.find()).as("a stowage_ metric in %s", first).isTrue();
    String typo = queries.get(first).replace(m.group(), m.group() + "_typo");
    assertThat(noSeries(first, typo, true))
        .as("the check on %s with %s misspelt", first, m.group())
        .anySatisfy(f -> assertThat(f).startsWith(first));
  }

  /**
   * Every expression of rules.yaml evaluates without error, and every vector selector in it returns
   * series: an alert expression is empty while all is well, by design, so its result cannot show a
   * typo, but its selectors can (the rule explained in {@link PromQlSelectors}). A recording rule
   * must return series as a whole. Prometheus, which loaded the same file, reports every rule
   * healthy, and StowageBackupFailed's expression finds {@value #TROUBLED}.
   */
  @Test
  @Order(3)
  void everyRuleEvaluatesAndEverySelectorInItReturnsSeries() throws IOException {
    JsonNode rules = new ObjectMapper(new YAMLFactory()).readTree(RULES.toFile());
    List<String> dead = new ArrayList<>();
    int count = 0;
    for (JsonNode group : rules.path("groups")) {
      for (JsonNode rule : group.path("rules")) {
        count++;
        boolean record = rule.has("record");
        String name =
            record
                ? "recording rule " + rule.path("record").asText()
                : "alert " + rule.path("alert").asText();
        dead.addAll(noSeries(name, rule.path("expr").asText(), record));
      }
    }
    assertThat(count).as("rules in %s", RULES).isGreaterThanOrEqualTo(5);
    assertThat(dead).as("rules with a selector that returns no series").isEmpty();

    await("Prometheus has evaluated every rule group")
        .atMost(Duration.ofSeconds(30))
        .pollInterval(POLL)
        .until(
            () -> {
              for (JsonNode g : prometheus.api("rules").path("groups")) {
                for (JsonNode r : g.path("rules")) {
                  if (r.path("lastEvaluation").asText().startsWith("0001")) {
                    return false;
                  }
                }
              }
              return true;
            });
    List<String> unhealthy = new ArrayList<>();
    int loaded = 0;
    for (JsonNode g : prometheus.api("rules").path("groups")) {
      for (JsonNode r : g.path("rules")) {
        loaded++;
        if (!"ok".equals(r.path("health").asText())) {
          unhealthy.add(
              r.path("name").asText()
                  + ": "
                  + r.path("health").asText()
                  + " "
                  + r.path("lastError").asText());
        }
      }
    }
    assertThat(loaded).as("rules Prometheus loaded from %s", RULES).isEqualTo(count);
    assertThat(unhealthy).as("rules Prometheus could not evaluate").isEmpty();

    String failed = ruleExpr(rules, "StowageBackupFailed");
    assertThat(prometheus.query(failed).findValuesAsText("schedule"))
        .as("StowageBackupFailed's expression, with %s's newest run failed", TROUBLED)
        .contains(TROUBLED);
  }

  // ---------------------------------------------------------------- queries

  /** "panel 'TITLE' query A" (or "template variable NAME") to the query, variables substituted. */
  static Map<String, String> dashboardQueries(JsonNode dashboard) {
    Map<String, String> out = new LinkedHashMap<>();
    List<JsonNode> panels = new ArrayList<>();
    for (JsonNode p : dashboard.path("panels")) {
      panels.add(p);
      p.path("panels").forEach(panels::add); // a collapsed row holds its panels
    }
    for (JsonNode p : panels) {
      if ("row".equals(p.path("type").asText())) {
        continue;
      }
      String title = p.path("title").asText();
      assertThat(p.path("targets")).as("queries of panel '%s'", title).isNotEmpty();
      for (JsonNode t : p.path("targets")) {
        String expr = t.path("expr").asText();
        assertThat(expr).as("panel '%s' query %s", title, t.path("refId").asText()).isNotBlank();
        out.put("panel '" + title + "' query " + t.path("refId").asText(), substitute(expr));
      }
    }
    for (JsonNode v : dashboard.path("templating").path("list")) {
      if ("query".equals(v.path("type").asText())) {
        Matcher m =
            Pattern.compile("(?s)\\s*label_values\\((.*),\\s*(\\w+)\\)\\s*")
                .matcher(v.path("definition").asText());
        assertThat(m.matches())
            .as("template variable %s: label_values(SELECTOR, LABEL)", v.path("name").asText())
            .isTrue();
        out.put("template variable " + v.path("name").asText(), substitute(m.group(1)));
      }
    }
    return out;
  }

  static String substitute(String expr) {
    Map<String, String> values = new LinkedHashMap<>(BUILTINS);
    values.put("namespace", ns);
    values.put("schedule", "(" + HEALTHY + "|" + TROUBLED + ")");
    for (var e : values.entrySet()) {
      expr =
          expr.replace("${" + e.getKey() + "}", e.getValue())
              .replace("$" + e.getKey(), e.getValue());
    }
    assertThat(expr).as("a template variable left in %s", expr).doesNotContain("$");
    return expr;
  }

  /**
   * What is wrong with one query: an error of Prometheus, no series for the whole query (when
   * {@code whole}), or no series for one of its vector selectors.
   */
  static List<String> noSeries(String where, String expr, boolean whole) {
    List<String> problems = new ArrayList<>();
    try {
      JsonNode result = prometheus.query(expr);
      if (whole && result.isEmpty()) {
        problems.add(where + ": no series for " + expr);
      }
      for (String selector : PromQlSelectors.of(expr)) {
        if (prometheus.query(selector).isEmpty()) {
          problems.add(where + ": no series for its selector " + selector);
        }
      }
    } catch (PrometheusServer.PromQlError e) {
      problems.add(where + ": " + e.getMessage());
    }
    return problems;
  }

  static String ruleExpr(JsonNode rules, String alert) {
    for (JsonNode group : rules.path("groups")) {
      for (JsonNode rule : group.path("rules")) {
        if (alert.equals(rule.path("alert").asText())) {
          return rule.path("expr").asText();
        }
      }
    }
    throw new AssertionError("no alert " + alert + " in " + RULES);
  }

  static String sel(String metric, String schedule, String extra) {
    List<String> m = new ArrayList<>();
    if (schedule != null) {
      m.add("namespace=\"" + ns + "\"");
      m.add("schedule=\"" + schedule + "\"");
    }
    if (extra != null) {
      m.add(extra);
    }
    return metric + "{" + String.join(",", m) + "}";
  }

  /** Waits until Prometheus returns a series for the query (it scrapes every 5 s). */
  static void awaitSeries(String promql) {
    try {
      await("Prometheus: " + promql)
          .atMost(Duration.ofSeconds(45))
          .pollInterval(POLL)
          .until(() -> !prometheus.query(promql).isEmpty());
    } catch (ConditionTimeoutException e) {
      throw new AssertionError(
          "Prometheus has no series for "
              + promql
              + " after 45 s; targets: "
              + prometheus.api("targets")
              + "\nPrometheus's log:\n"
              + prometheus.log(),
          e);
    }
    say("Prometheus: %s", promql);
  }

  // ---------------------------------------------------------------- cluster

  /** The operator pod's IP and port http, as a node of the cluster reaches it. */
  static String operatorTarget() {
    Pod pod =
        Operator.pods(client).stream()
            .filter(Operator::ready)
            .reduce((a, b) -> b)
            .orElseThrow(
                () -> new AssertionError("no Ready operator pod\n" + Operator.logs(client, 40)));
    int port =
        pod.getSpec().getContainers().get(0).getPorts().stream()
            .filter(p -> "http".equals(p.getName()))
            .map(ContainerPort::getContainerPort)
            .findFirst()
            .orElseThrow(() -> new AssertionError("the operator pod has no port named http"));
    return pod.getStatus().getPodIP() + ":" + port;
  }

  static void create(
      String name,
      String cron,
      Consumer<MysqlBackupScheduleSpec> more,
      Integer keepLast,
      String bucket) {
    MysqlBackupSpec backup = StowageObjects.s3BackupOf(DB, ns, s3, CREDENTIALS);
    backup.getStorage().getS3().setBucket(bucket);
    BackupTemplate template = new BackupTemplate();
    template.setSpec(backup);
    MysqlBackupScheduleSpec spec = new MysqlBackupScheduleSpec();
    spec.setSchedule(cron);
    spec.setBackupTemplate(template);
    if (keepLast != null) {
      Retention retention = new Retention();
      retention.setKeepLast(keepLast);
      spec.setRetention(retention);
    }
    more.accept(spec);
    MysqlBackupSchedule s = new MysqlBackupSchedule();
    s.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(ns).build());
    s.setSpec(spec);
    client.resources(MysqlBackupSchedule.class).inNamespace(ns).resource(s).create();
  }

  static void edit(String name, Consumer<MysqlBackupScheduleSpec> change) {
    client
        .resources(MysqlBackupSchedule.class)
        .inNamespace(ns)
        .withName(name)
        .edit(
            s -> {
              change.accept(s.getSpec());
              return s;
            });
  }

  static MysqlBackupScheduleStatus status(String name) {
    MysqlBackupSchedule s =
        client.resources(MysqlBackupSchedule.class).inNamespace(ns).withName(name).get();
    return s == null ? null : s.getStatus();
  }

  static void say(String format, Object... args) {
    System.out.printf(
        "[MonitoringE2E +%3ds] %s%n",
        Duration.between(classStart, Instant.now()).toSeconds(), String.format(format, args));
  }

  static void awaitOrExplain(String what, Duration timeout, Callable<Boolean> condition) {
    say("waiting (at most %d s) for: %s", timeout.toSeconds(), what);
    Instant start = Instant.now();
    try {
      await(what).atMost(timeout).pollInterval(POLL).until(condition);
    } catch (ConditionTimeoutException e) {
      StringBuilder out = new StringBuilder(what + ": not after " + timeout.toSeconds() + " s\n");
      for (String s : List.of(HEALTHY, TROUBLED)) {
        out.append("----- ")
            .append(s)
            .append('\n')
            .append(client.getKubernetesSerialization().asYaml(status(s)));
      }
      out.append("----- events\n").append(Cluster.events(client, ns));
      out.append(Operator.logs(client, 60));
      throw new AssertionError(out.toString(), e);
    }
    say("done after %d s: %s", Duration.between(start, Instant.now()).toSeconds(), what);
  }
}
