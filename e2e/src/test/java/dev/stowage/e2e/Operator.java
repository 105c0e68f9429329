package dev.stowage.e2e;

import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentCondition;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import org.awaitility.core.ConditionTimeoutException;

/** The operator as deployed from deploy/ (Deployment stowage-system/stowage-operator). */
final class Operator {

  static final String NAMESPACE = "stowage-system";
  static final String DEPLOYMENT = "stowage-operator";

  private Operator() {}

  /**
   * Fails (never skips) unless the operator Deployment is Available; gives a Deployment that is
   * still rolling out a short while.
   */
  static void requireAvailable(KubernetesClient client, Duration grace) {
    if (client.apps().deployments().inNamespace(NAMESPACE).withName(DEPLOYMENT).get() == null) {
      throw new AssertionError(
          "Deployment "
              + NAMESPACE
              + "/"
              + DEPLOYMENT
              + " does not exist: the operator E2E"
              + " tests need the operator installed from deploy/ (bash e2e/images/build.sh operator &&"
              + " bash e2e/scripts/deploy-operator.sh, or make test-e2e)");
    }
    try {
      await("operator Deployment " + NAMESPACE + "/" + DEPLOYMENT + " Available")
          .atMost(grace)
          .pollInterval(Duration.ofSeconds(1))
          .until(() -> available(client));
    } catch (ConditionTimeoutException e) {
      Deployment d = client.apps().deployments().inNamespace(NAMESPACE).withName(DEPLOYMENT).get();
      throw new AssertionError(
          "the operator Deployment "
              + NAMESPACE
              + "/"
              + DEPLOYMENT
              + " is not Available after "
              + grace.toSeconds()
              + " s; its status:\n"
              + client.getKubernetesSerialization().asYaml(d.getStatus())
              + "\nits pods' logs:\n"
              + logs(client, 40),
          e);
    }
  }

  static boolean available(KubernetesClient client) {
    Deployment d = client.apps().deployments().inNamespace(NAMESPACE).withName(DEPLOYMENT).get();
    if (d == null || d.getStatus() == null || d.getStatus().getConditions() == null) {
      return false;
    }
    return d.getStatus().getConditions().stream()
        .anyMatch(
            (DeploymentCondition c) ->
                "Available".equals(c.getType()) && "True".equals(c.getStatus()));
  }

  /** The operator's pods (those matching the Deployment's selector), oldest first. */
  static List<Pod> pods(KubernetesClient client) {
    Deployment d = client.apps().deployments().inNamespace(NAMESPACE).withName(DEPLOYMENT).get();
    if (d == null) {
      return List.of();
    }
    return client
        .pods()
        .inNamespace(NAMESPACE)
        .withLabels(d.getSpec().getSelector().getMatchLabels())
        .list()
        .getItems()
        .stream()
        .sorted(
            (a, b) ->
                a.getMetadata()
                    .getCreationTimestamp()
                    .compareTo(b.getMetadata().getCreationTimestamp()))
        .toList();
  }

  static boolean ready(Pod p) {
    return p.getMetadata().getDeletionTimestamp() == null
        && p.getStatus() != null
        && p.getStatus().getConditions() != null
        && p.getStatus().getConditions().stream()
            .anyMatch(
                (PodCondition c) -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
  }

  /** The last lines of every operator pod's log (for failure messages). */
  static String logs(KubernetesClient client, int lines) {
    try {
      return pods(client).stream()
          .map(
              p -> {
                String log;
                try {
                  log =
                      client
                          .pods()
                          .inNamespace(NAMESPACE)
                          .withName(p.getMetadata().getName())
                          .tailingLines(lines)
                          .getLog();
                } catch (RuntimeException e) {
                  log = "(no logs: " + e.getMessage() + ")";
                }
                return "----- operator pod "
                    + p.getMetadata().getName()
                    + " (last "
                    + lines
                    + " lines)\n"
                    + log;
              })
          .collect(Collectors.joining("\n"));
    } catch (RuntimeException e) {
      return "(cannot read the operator's logs: " + e.getMessage() + ")";
    }
  }
}
