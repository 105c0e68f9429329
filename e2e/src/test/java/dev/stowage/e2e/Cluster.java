package dev.stowage.e2e;

import static org.awaitility.Awaitility.await;

import dev.stowage.api.v1alpha1.MysqlBackup;
import dev.stowage.api.v1alpha1.MysqlRestore;
import io.fabric8.kubernetes.api.model.ContainerStateTerminated;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.awaitility.core.ConditionTimeoutException;

/** Connects to the cluster under test and offers the few waits the E2E tests need. */
final class Cluster {

  /** Where `make cluster-up` writes the local cluster's admin kubeconfig. */
  static final Path LOCAL_KUBECONFIG =
      Path.of(System.getProperty("user.home"), ".kube", "stowage-local.conf");

  /** Images are imported into the node, never pulled (override for clusters with a registry). */
  static final String PULL_POLICY = System.getProperty("stowage.e2e.pullPolicy", "Never");

  private Cluster() {}

  /** KUBECONFIG (or ~/.kube/config) when KUBECONFIG is set, else the local cluster's kubeconfig. */
  static KubernetesClient connect() throws IOException {
    String env = System.getenv("KUBECONFIG");
    if (env != null && !env.isBlank()) {
      return new KubernetesClientBuilder().build();
    }
    if (!Files.isRegularFile(LOCAL_KUBECONFIG)) {
      throw new IllegalStateException(
          "KUBECONFIG is unset and "
              + LOCAL_KUBECONFIG
              + " does not exist: run `make cluster-up` (or point KUBECONFIG at a cluster)");
    }
    return new KubernetesClientBuilder()
        .withConfig(Config.fromKubeconfig(Files.readString(LOCAL_KUBECONFIG)))
        .build();
  }

  /** STOWAGE_E2E_KEEP=1 keeps the tests' namespaces for a look afterwards. */
  static boolean keepNamespaces() {
    return "1".equals(System.getenv("STOWAGE_E2E_KEEP"));
  }

  /** Creates a namespace with a random suffix and waits for its default service account. */
  static String createNamespace(KubernetesClient client, String prefix) {
    String ns = prefix + UUID.randomUUID().toString().substring(0, 6);
    client
        .namespaces()
        .resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build())
        .create();
    await("default service account in " + ns)
        .atMost(Duration.ofMinutes(1))
        .until(() -> client.serviceAccounts().inNamespace(ns).withName("default").get() != null);
    return ns;
  }

  /** Waits until the Job has succeeded or failed; returns true on success. */
  static boolean awaitJob(KubernetesClient client, String ns, String name, Duration timeout) {
    await("job " + name)
        .atMost(timeout)
        .pollInterval(Duration.ofSeconds(1))
        .until(
            () -> {
              Job job = client.batch().v1().jobs().inNamespace(ns).withName(name).get();
              return job != null
                  && job.getStatus() != null
                  && (nz(job.getStatus().getSucceeded()) > 0
                      || nz(job.getStatus().getFailed()) > 0);
            });
    Job job = client.batch().v1().jobs().inNamespace(ns).withName(name).get();
    return nz(job.getStatus().getSucceeded()) > 0;
  }

  /** The (single) pod of a Job. */
  static Pod jobPod(KubernetesClient client, String ns, String job) {
    List<Pod> pods = client.pods().inNamespace(ns).withLabel("job-name", job).list().getItems();
    if (pods.isEmpty()) {
      throw new AssertionError("no pod for job " + job);
    }
    return pods.get(pods.size() - 1);
  }

  /** The terminated state of a pod's first container, once it has terminated. */
  static ContainerStateTerminated terminated(KubernetesClient client, String ns, String pod) {
    await("container of " + pod + " terminated")
        .atMost(Duration.ofMinutes(1))
        .until(() -> terminatedNow(client, ns, pod).isPresent());
    return terminatedNow(client, ns, pod).orElseThrow();
  }

  private static Optional<ContainerStateTerminated> terminatedNow(
      KubernetesClient client, String ns, String pod) {
    Pod p = client.pods().inNamespace(ns).withName(pod).get();
    if (p == null || p.getStatus() == null || p.getStatus().getContainerStatuses() == null) {
      return Optional.empty();
    }
    return p.getStatus().getContainerStatuses().stream()
        .map(ContainerStatus::getState)
        .filter(s -> s != null && s.getTerminated() != null)
        .map(s -> s.getTerminated())
        .findFirst();
  }

  /** Pod logs, or a note why there are none (for failure messages). */
  static String logs(KubernetesClient client, String ns, String pod) {
    try {
      return client.pods().inNamespace(ns).withName(pod).getLog();
    } catch (RuntimeException e) {
      return "(no logs: " + e.getMessage() + ")";
    }
  }

  private static int nz(Integer i) {
    return i == null ? 0 : i;
  }

  /** The namespace's events, oldest first, one line each (for failure messages). */
  static String events(KubernetesClient client, String ns) {
    StringBuilder out = new StringBuilder();
    client.v1().events().inNamespace(ns).list().getItems().stream()
        .sorted(Comparator.comparing((Event e) -> String.valueOf(e.getLastTimestamp())))
        .forEach(
            e ->
                out.append(e.getLastTimestamp())
                    .append(' ')
                    .append(e.getType())
                    .append(' ')
                    .append(e.getInvolvedObject().getKind())
                    .append('/')
                    .append(e.getInvolvedObject().getName())
                    .append(' ')
                    .append(e.getReason())
                    .append(": ")
                    .append(e.getMessage())
                    .append('\n'));
    return out.toString();
  }

  /**
   * Waits for every namespace of the class to go; one held by a finalizer is reported, then
   * released.
   */
  static void awaitNamespacesGone(KubernetesClient client, List<String> namespaces) {
    try {
      await("test namespaces deleted")
          .atMost(Duration.ofMinutes(3))
          .pollInterval(Duration.ofSeconds(2))
          .until(
              () ->
                  namespaces.stream().allMatch(n -> client.namespaces().withName(n).get() == null));
    } catch (ConditionTimeoutException e) {
      StringBuilder stuck = new StringBuilder();
      for (String n : namespaces) {
        if (client.namespaces().withName(n).get() == null) {
          continue;
        }
        for (MysqlBackup b : client.resources(MysqlBackup.class).inNamespace(n).list().getItems()) {
          stuck
              .append(n)
              .append('/')
              .append(b.getMetadata().getName())
              .append(" finalizers ")
              .append(b.getMetadata().getFinalizers())
              .append('\n')
              .append(client.getKubernetesSerialization().asYaml(b.getStatus()));
          client
              .resources(MysqlBackup.class)
              .inNamespace(n)
              .withName(b.getMetadata().getName())
              .edit(
                  x -> {
                    x.getMetadata().setFinalizers(List.of());
                    return x;
                  });
        }
        for (MysqlRestore r :
            client.resources(MysqlRestore.class).inNamespace(n).list().getItems()) {
          stuck
              .append(n)
              .append('/')
              .append(r.getMetadata().getName())
              .append(" finalizers ")
              .append(r.getMetadata().getFinalizers())
              .append('\n');
          client
              .resources(MysqlRestore.class)
              .inNamespace(n)
              .withName(r.getMetadata().getName())
              .edit(
                  x -> {
                    x.getMetadata().setFinalizers(List.of());
                    return x;
                  });
        }
      }
      throw new AssertionError(
          "test namespaces still there after 3 min (their finalizers were removed to clean up):\n"
              + stuck
              + Operator.logs(client, 40),
          e);
    }
  }
}
