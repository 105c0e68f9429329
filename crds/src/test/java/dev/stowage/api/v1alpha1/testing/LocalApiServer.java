package dev.stowage.api.v1alpha1.testing;

import dev.stowage.api.v1alpha1.CrdFiles;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real etcd and kube-apiserver (Kubernetes 1.34, the e2e tier's localkube binary) on loopback
 * ports of their own, for validating CRDs and CRs without a whole cluster. Nothing else is started:
 * no controllers, no nodes, so nothing ever runs the resources created here.
 */
public final class LocalApiServer implements AutoCloseable {
  private final Path dir;
  private final List<Process> processes = new ArrayList<>();
  private final KubernetesClient client;
  private final List<String> extraFlags;

  private LocalApiServer(Path dir, List<String> extraFlags)
      throws IOException, InterruptedException {
    this.dir = dir;
    this.extraFlags = List.copyOf(extraFlags);
    // Servers must not outlive the test JVM, whatever way it ends.
    Runtime.getRuntime().addShutdownHook(new Thread(this::stopServers));
    try {
      client = startServers();
    } catch (IOException | InterruptedException | RuntimeException e) {
      stopServers();
      throw e;
    }
  }

  private KubernetesClient startServers() throws IOException, InterruptedException {
    Path localkube = localkube();
    int etcdClient = freePort();
    int etcdPeer = freePort();
    int apiPort = freePort();
    Path pki = dir.resolve("pki");
    run(
        List.of(
            localkube.toString(),
            "certs",
            "--dir",
            pki.toString(),
            "--node-ip",
            "127.0.0.1",
            "--node-name",
            "crds-it",
            "--server",
            "https://127.0.0.1:" + apiPort),
        "certs");
    start(
        List.of(
            localkube.toString(),
            "etcd",
            "--data-dir",
            dir.resolve("etcd").toString(),
            "--listen-client-url",
            "http://127.0.0.1:" + etcdClient,
            "--listen-peer-url",
            "http://127.0.0.1:" + etcdPeer),
        "etcd");
    List<String> apiServer = new ArrayList<>();
    apiServer.addAll(
        List.of(
            localkube.toString(),
            "kube-apiserver",
            "--etcd-servers=http://127.0.0.1:" + etcdClient,
            "--advertise-address=127.0.0.1",
            "--bind-address=127.0.0.1",
            "--secure-port=" + apiPort,
            "--service-cluster-ip-range=10.96.0.0/16",
            "--endpoint-reconciler-type=none",
            "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
            "--service-account-key-file=" + pki.resolve("sa.pub"),
            "--service-account-signing-key-file=" + pki.resolve("sa.key"),
            "--client-ca-file=" + pki.resolve("ca.crt"),
            "--tls-cert-file=" + pki.resolve("apiserver.crt"),
            "--tls-private-key-file=" + pki.resolve("apiserver.key"),
            "--authorization-mode=RBAC",
            "--profiling=false"));
    apiServer.addAll(extraFlags);
    start(apiServer, "kube-apiserver");
    Config config = Config.fromKubeconfig(Files.readString(pki.resolve("admin.conf")));
    KubernetesClient c = new KubernetesClientBuilder().withConfig(config).build();
    try {
      awaitReady(c);
    } catch (RuntimeException | InterruptedException e) {
      c.close();
      throw e;
    }
    return c;
  }

  /**
   * Starts the servers under {@code dir} (logs included) and waits until the API server is ready.
   */
  public static LocalApiServer start(Path dir) throws IOException, InterruptedException {
    return start(dir, List.of());
  }

  /**
   * As {@link #start(Path)}, with more kube-apiserver flags (such as {@code
   * --allow-privileged=true}, as on a kubeadm cluster).
   */
  public static LocalApiServer start(Path dir, List<String> extraApiServerFlags)
      throws IOException, InterruptedException {
    // A fresh directory each time: the certs command keeps existing kubeconfigs, whose server URL
    // would name the previous run's port.
    if (Files.exists(dir)) {
      try (Stream<Path> old = Files.walk(dir)) {
        for (Path p : old.sorted(Comparator.reverseOrder()).toList()) {
          Files.delete(p);
        }
      }
    }
    Files.createDirectories(dir);
    return new LocalApiServer(dir, extraApiServerFlags);
  }

  public KubernetesClient client() {
    return client;
  }

  /**
   * Applies the committed CRDs ({@link CrdFiles#committedDir()}) and waits until each is
   * Established.
   */
  public void installCommittedCrds() throws IOException {
    Path dir = CrdFiles.committedDir();
    KubernetesSerialization yaml = new KubernetesSerialization();
    for (String name : CrdFiles.ALL) {
      CustomResourceDefinition crd =
          yaml.unmarshal(Files.readString(dir.resolve(name)), CustomResourceDefinition.class);
      client.apiextensions().v1().customResourceDefinitions().resource(crd).serverSideApply();
      client
          .apiextensions()
          .v1()
          .customResourceDefinitions()
          .withName(crd.getMetadata().getName())
          .waitUntilCondition(
              c ->
                  c != null
                      && c.getStatus() != null
                      && c.getStatus().getConditions() != null
                      && c.getStatus().getConditions().stream()
                          .anyMatch(
                              k ->
                                  k.getType().equals("Established")
                                      && k.getStatus().equals("True")),
              60,
              TimeUnit.SECONDS);
    }
  }

  @Override
  public void close() {
    client.close();
    stopServers();
  }

  private synchronized void stopServers() {
    for (int i = processes.size() - 1; i >= 0; i--) {
      Process p = processes.get(i);
      p.destroy();
      try {
        if (!p.waitFor(20, java.util.concurrent.TimeUnit.SECONDS)) {
          p.destroyForcibly();
        }
      } catch (InterruptedException e) {
        p.destroyForcibly();
        Thread.currentThread().interrupt();
      }
    }
    processes.clear();
  }

  /** The e2e tier's binary, built (or found up to date) by its own script. */
  private Path localkube() throws IOException, InterruptedException {
    Path script =
        Path.of(System.getProperty("stowage.e2e.dir", "../e2e"), "scripts", "build-localkube.sh");
    if (!Files.isRegularFile(script)) {
      throw new IllegalStateException(
          script.toAbsolutePath()
              + " not found: this test needs the e2e"
              + " tier's localkube build script");
    }
    run(List.of("bash", script.toString()), "build-localkube");
    String cache =
        System.getenv()
            .getOrDefault("STOWAGE_CACHE", System.getProperty("user.home") + "/.cache/stowage");
    Path bin = Path.of(cache, "bin", "localkube");
    if (!Files.isExecutable(bin)) {
      throw new IllegalStateException(
          bin + " was not built; see " + dir.resolve("build-localkube.log"));
    }
    return bin;
  }

  private void run(List<String> command, String name) throws IOException, InterruptedException {
    Process p = builder(command, name).start();
    if (p.waitFor() != 0) {
      throw new IllegalStateException(
          String.join(" ", command) + " failed; see " + dir.resolve(name + ".log"));
    }
  }

  private void start(List<String> command, String name) throws IOException {
    processes.add(builder(command, name).start());
  }

  private ProcessBuilder builder(List<String> command, String name) {
    return new ProcessBuilder(command)
        .redirectErrorStream(true)
        .redirectOutput(dir.resolve(name + ".log").toFile());
  }

  private void awaitReady(KubernetesClient client) throws InterruptedException {
    Instant deadline = Instant.now().plus(Duration.ofSeconds(120));
    RuntimeException last = null;
    while (Instant.now().isBefore(deadline)) {
      for (Process p : processes) {
        if (!p.isAlive()) {
          throw new IllegalStateException(
              p.info().command().orElse("a server")
                  + " exited with "
                  + p.exitValue()
                  + "; see the logs in "
                  + dir);
        }
      }
      try {
        if ("ok".equals(client.raw("/readyz"))) {
          return;
        }
      } catch (RuntimeException e) {
        last = e;
      }
      Thread.sleep(500);
    }
    throw new IllegalStateException("kube-apiserver not ready after 120s; see " + dir, last);
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
