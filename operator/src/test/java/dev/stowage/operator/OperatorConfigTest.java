package dev.stowage.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stowage.operator.job.PodAllowlist;
import java.util.Map;
import org.junit.jupiter.api.Test;

class OperatorConfigTest {

  @Test
  void defaultsNeedOnlyTheDownwardApi() {
    OperatorConfig c =
        OperatorConfig.fromEnv(Map.of("POD_NAMESPACE", "stowage-system", "POD_NAME", "op-1"));
    assertThat(c.engine().image()).isEqualTo("stowage/engine:dev");
    assertThat(c.engine().imagePullPolicy()).isNull();
    assertThat(c.engine().mysqlUid()).isEqualTo(999);
    assertThat(c.namespaces()).isEmpty();
    assertThat(c.leaderElection()).isTrue();
    assertThat(c.podName()).isEqualTo("op-1");
    assertThat(c.httpPort()).isEqualTo(8080);
    assertThat(c.timeouts().podStart()).isEqualTo(java.time.Duration.ofMinutes(2));
    assertThat(c.timeouts().overwriteStart()).isEqualTo(java.time.Duration.ofMinutes(10));
  }

  @Test
  void theStartDeadlinesAreConfigurable() {
    OperatorConfig c =
        OperatorConfig.fromEnv(
            Map.of(
                "STOWAGE_LEADER_ELECTION", "false",
                "STOWAGE_ENGINE_START_DEADLINE", "90s",
                "STOWAGE_OVERWRITE_START_DEADLINE", "1h"));
    assertThat(c.timeouts().podStart()).isEqualTo(java.time.Duration.ofSeconds(90));
    assertThat(c.timeouts().overwriteStart()).isEqualTo(java.time.Duration.ofHours(1));
    assertThatThrownBy(
            () ->
                OperatorConfig.fromEnv(
                    Map.of(
                        "STOWAGE_LEADER_ELECTION", "false", "STOWAGE_ENGINE_START_DEADLINE", "2")))
        .hasMessageContaining("STOWAGE_ENGINE_START_DEADLINE is '2'");
  }

  @Test
  void everySettingIsRead() {
    OperatorConfig c =
        OperatorConfig.fromEnv(
            Map.of(
                "STOWAGE_ENGINE_IMAGE", "registry.example/stowage/engine:1.0",
                "STOWAGE_ENGINE_PULL_POLICY", "IfNotPresent",
                "STOWAGE_NAMESPACES", " prod, staging ,,",
                "STOWAGE_LEADER_ELECTION", "false",
                "STOWAGE_HTTP_PORT", "9090",
                "STOWAGE_MYSQL_UID", "27",
                "STOWAGE_MYSQL_GID", "28"));
    assertThat(c.engine().image()).isEqualTo("registry.example/stowage/engine:1.0");
    assertThat(c.engine().imagePullPolicy()).isEqualTo("IfNotPresent");
    assertThat(c.namespaces()).containsExactly("prod", "staging");
    assertThat(c.leaderElection()).isFalse();
    assertThat(c.httpPort()).isEqualTo(9090);
    assertThat(c.engine().mysqlUid()).isEqualTo(27);
    assertThat(c.engine().mysqlGid()).isEqualTo(28);
  }

  /** Issue 15, finding 1: by default a resource may ask for no node selector or toleration. */
  @Test
  void theSchedulingAllowlistsAreReadFromTheEnvironment() {
    OperatorConfig none = OperatorConfig.fromEnv(Map.of("STOWAGE_LEADER_ELECTION", "false"));
    assertThat(none.engine().podAllowlist()).isEqualTo(PodAllowlist.NONE);
    OperatorConfig c =
        OperatorConfig.fromEnv(
            Map.of(
                "STOWAGE_LEADER_ELECTION", "false",
                "STOWAGE_ALLOWED_NODE_SELECTORS", "pool=backup,topology.kubernetes.io/zone=*",
                "STOWAGE_ALLOWED_TOLERATIONS", "dedicated=databases:NoSchedule,spot"));
    assertThat(c.engine().podAllowlist().nodeSelectors())
        .containsExactly(
            new PodAllowlist.NodeSelectorRule("pool", "backup"),
            new PodAllowlist.NodeSelectorRule("topology.kubernetes.io/zone", null));
    assertThat(c.engine().podAllowlist().tolerations())
        .containsExactly(
            new PodAllowlist.TolerationRule("dedicated", "databases", "NoSchedule"),
            new PodAllowlist.TolerationRule("spot", null, null));
    assertThatThrownBy(
            () ->
                OperatorConfig.fromEnv(
                    Map.of(
                        "STOWAGE_LEADER_ELECTION", "false",
                        "STOWAGE_ALLOWED_TOLERATIONS", "spot:Never")))
        .hasMessageContaining("STOWAGE_ALLOWED_TOLERATIONS has 'spot:Never'");
  }

  @Test
  void badValuesNameTheVariable() {
    assertThatThrownBy(() -> OperatorConfig.fromEnv(Map.of("STOWAGE_LEADER_ELECTION", "yes")))
        .hasMessageContaining("STOWAGE_LEADER_ELECTION is 'yes'");
    assertThatThrownBy(
            () ->
                OperatorConfig.fromEnv(
                    Map.of("STOWAGE_LEADER_ELECTION", "false", "STOWAGE_HTTP_PORT", "http")))
        .hasMessageContaining("STOWAGE_HTTP_PORT is 'http'");
    assertThatThrownBy(() -> OperatorConfig.fromEnv(Map.of()))
        .hasMessageContaining("POD_NAMESPACE");
    assertThatThrownBy(
            () ->
                OperatorConfig.fromEnv(
                    Map.of("STOWAGE_LEADER_ELECTION", "false", "STOWAGE_MYSQL_UID", "0")))
        .hasMessageContaining("non-root");
  }
}
