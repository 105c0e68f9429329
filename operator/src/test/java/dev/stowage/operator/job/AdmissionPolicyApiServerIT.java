package dev.stowage.operator.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stowage.api.v1alpha1.testing.LocalApiServer;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.rbac.PolicyRuleBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBindingBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBuilder;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Issue 15, finding 1: deploy/admission's ValidatingAdmissionPolicy on a real Kubernetes 1.34 API
 * server, with deploy/rbac.yaml. A Job the operator's ServiceAccount creates (impersonated) is
 * refused, with the policy's message, unless it runs the engine image non-root and unprivileged;
 * the golden Jobs are accepted; Jobs of other users are not its business.
 */
class AdmissionPolicyApiServerIT {
  static final String SERVICE_ACCOUNT = "system:serviceaccount:stowage-system:stowage-operator";
  static final KubernetesSerialization YAML = new KubernetesSerialization();
  static final String NS = "shop";

  static LocalApiServer server;
  static KubernetesClient admin;
  static KubernetesClient asOperator;

  @BeforeAll
  static void start() throws Exception {
    // As on a kubeadm cluster: privileged pods and host namespaces pass the API's own validation,
    // so that only the policy can refuse them.
    server =
        LocalApiServer.start(Path.of("target", "admission-it"), List.of("--allow-privileged=true"));
    admin = server.client();
    Path deploy = Path.of(System.getProperty("stowage.crds.committed")).getParent();
    for (Path file :
        List.of(
            deploy.resolve("namespace.yaml"),
            deploy.resolve("rbac.yaml"),
            deploy.resolve("admission/policy.yaml"))) {
      for (String doc : Files.readString(file).split("(?m)^---$")) {
        if (doc.lines().anyMatch(l -> l.startsWith("kind:"))) {
          HasMetadata r = YAML.unmarshal(doc);
          admin.resource(r).serverSideApply();
        }
      }
    }
    // The golden Jobs use the short image name stowage/engine:dev; deploy/ ships the fully
    // qualified one (AdmissionPolicyParamsTest keeps the two files in step).
    admin
        .configMaps()
        .inNamespace("stowage-system")
        .withName("stowage-admission")
        .edit(
            c -> {
              c.getData().put("engineImage", "stowage/engine");
              return c;
            });
    for (String ns : List.of("shop", "wiki", "staging", "analytics")) {
      admin
          .namespaces()
          .resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build())
          .create();
    }
    // No controller-manager here: the ServiceAccount admission of a pod needs it made by hand.
    admin
        .serviceAccounts()
        .inNamespace(NS)
        .resource(
            new ServiceAccountBuilder().withNewMetadata().withName("default").endMetadata().build())
        .create();
    // rbac.yaml lets the operator only list pods; this test lets it create them in NS, to show
    // the policy covers pods too.
    admin
        .rbac()
        .roles()
        .inNamespace(NS)
        .resource(
            new RoleBuilder()
                .withNewMetadata()
                .withName("create-pods")
                .endMetadata()
                .withRules(
                    new PolicyRuleBuilder()
                        .withApiGroups("")
                        .withResources("pods")
                        .withVerbs("create")
                        .build())
                .build())
        .create();
    admin
        .rbac()
        .roleBindings()
        .inNamespace(NS)
        .resource(
            new RoleBindingBuilder()
                .withNewMetadata()
                .withName("create-pods")
                .endMetadata()
                .withNewRoleRef("rbac.authorization.k8s.io", "Role", "create-pods")
                .addNewSubject()
                .withKind("ServiceAccount")
                .withName("stowage-operator")
                .withNamespace("stowage-system")
                .endSubject()
                .build())
        .create();
    asOperator =
        new KubernetesClientBuilder()
            .withConfig(
                new ConfigBuilder(admin.getConfiguration())
                    .withImpersonateUsername(SERVICE_ACCOUNT)
                    .withImpersonateGroups(
                        "system:serviceaccounts",
                        "system:serviceaccounts:stowage-system",
                        "system:authenticated")
                    .build())
            .build();
    awaitPolicyInForce();
  }

  @AfterAll
  static void stop() {
    if (asOperator != null) {
      asOperator.close();
    }
    if (server != null) {
      server.close();
    }
  }

  /** A new policy takes effect when the API server's informer has it: seconds, not at once. */
  static void awaitPolicyInForce() throws InterruptedException {
    Job privileged = golden("s3-backup-all-options");
    container(privileged).setImage("busybox:1");
    Instant deadline = Instant.now().plus(Duration.ofSeconds(60));
    String last = "it accepted the Job";
    while (Instant.now().isBefore(deadline)) {
      try {
        asOperator.resource(privileged).dryRun().create();
      } catch (KubernetesClientException e) {
        if (e.getMessage().contains("ValidatingAdmissionPolicy")) {
          return;
        }
        last = e.getMessage();
      }
      Thread.sleep(500);
    }
    throw new IllegalStateException(
        "the policy stowage-engine-pods never refused a Job of the operator with another image ("
            + last
            + "); its status: "
            + YAML.asYaml(
                admin
                    .admissionRegistration()
                    .v1()
                    .validatingAdmissionPolicies()
                    .withName("stowage-engine-pods")
                    .get()
                    .getStatus()));
  }

  static Job golden(String name) {
    return YAML.unmarshal(GoldenFiles.read(name + ".job.yaml"), Job.class);
  }

  static PodSpec pod(Job job) {
    return job.getSpec().getTemplate().getSpec();
  }

  static Container container(Job job) {
    return pod(job).getContainers().get(0);
  }

  @ParameterizedTest
  @MethodSource("dev.stowage.operator.job.EngineJobApiServerIT#cases")
  void theOperatorsGoldenJobsAreAccepted(String name) {
    Job job = golden(name);
    Job accepted = asOperator.resource(job).dryRun().create();
    assertThat(container(accepted).getImage()).isEqualTo("stowage/engine:dev");
  }

  static Stream<Arguments> offendingJobs() {
    return Stream.of(
        offending(
            "another image",
            j -> container(j).setImage("evil.example.com/root-shell:latest"),
            "the Stowage operator may only run its engine image stowage/engine (ConfigMap"
                + " stowage-admission), not evil.example.com/root-shell:latest"),
        offending(
            "an image whose name only starts like the engine's",
            j -> container(j).setImage("stowage/engine-debug:1"),
            "not stowage/engine-debug:1"),
        offending(
            "an init container of another image",
            j ->
                pod(j)
                    .setInitContainers(
                        List.of(
                            new ContainerBuilder(container(j))
                                .withName("init")
                                .withImage("busybox:1")
                                .build())),
            "not busybox:1"),
        offending(
            "runAsNonRoot false",
            j -> container(j).getSecurityContext().setRunAsNonRoot(false),
            "the Stowage operator's pods must run as non-root"),
        offending(
            "no runAsNonRoot at all",
            j -> {
              container(j).getSecurityContext().setRunAsNonRoot(null);
              pod(j).getSecurityContext().setRunAsNonRoot(null);
            },
            "the Stowage operator's pods must run as non-root"),
        offending(
            "uid 0 in the container",
            j -> container(j).getSecurityContext().setRunAsUser(0L),
            "the Stowage operator's pods must run as non-root"),
        offending(
            "uid 0 in the pod",
            j -> pod(j).getSecurityContext().setRunAsUser(0L),
            "the Stowage operator's pods must run as non-root"),
        offending(
            "privileged",
            j -> {
              // The API refuses privileged with allowPrivilegeEscalation false.
              container(j).getSecurityContext().setAllowPrivilegeEscalation(null);
              container(j).getSecurityContext().setPrivileged(true);
            },
            "the Stowage operator's pods must not be privileged"),
        offending(
            "hostNetwork",
            j -> pod(j).setHostNetwork(true),
            "must not use the host's network, PID or IPC namespace"),
        offending(
            "hostPID",
            j -> pod(j).setHostPID(true),
            "must not use the host's network, PID or IPC namespace"),
        offending(
            "a hostPath volume",
            j ->
                pod(j)
                    .getVolumes()
                    .add(
                        new VolumeBuilder()
                            .withName("host")
                            .withNewHostPath()
                            .withPath("/")
                            .endHostPath()
                            .build()),
            "the Stowage operator's pods must not mount hostPath volumes"),
        offending(
            "privilege escalation allowed",
            j -> container(j).getSecurityContext().setAllowPrivilegeEscalation(true),
            "the Stowage operator's containers must set allowPrivilegeEscalation: false"),
        offending(
            "privilege escalation unset",
            j -> container(j).getSecurityContext().setAllowPrivilegeEscalation(null),
            "the Stowage operator's containers must set allowPrivilegeEscalation: false"),
        offending(
            "capabilities not dropped",
            j -> container(j).getSecurityContext().setCapabilities(null),
            "the Stowage operator's containers must drop ALL capabilities and add none"),
        offending(
            "a capability added",
            j -> container(j).getSecurityContext().getCapabilities().setAdd(List.of("SYS_ADMIN")),
            "the Stowage operator's containers must drop ALL capabilities and add none"));
  }

  static Arguments offending(String why, Consumer<Job> change, String message) {
    return Arguments.of(why, change, message);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("offendingJobs")
  void anOffendingJobOfTheOperatorIsRefused(String why, Consumer<Job> change, String message) {
    Job job = golden("s3-backup-all-options");
    change.accept(job);
    assertThatThrownBy(() -> asOperator.resource(job).dryRun().create())
        .isInstanceOf(KubernetesClientException.class)
        .hasMessageContaining(
            "ValidatingAdmissionPolicy 'stowage-engine-pods' with binding"
                + " 'stowage-engine-pods' denied request")
        .hasMessageContaining(message);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("offendingJobs")
  void aJobOfAnotherUserIsNotAffected(String why, Consumer<Job> change, String message) {
    Job job = golden("s3-backup-all-options");
    change.accept(job);
    Job accepted = admin.resource(job).dryRun().create();
    assertThat(accepted.getMetadata().getName()).isEqualTo(job.getMetadata().getName());
  }

  @Test
  void aPodOfTheOperatorIsCheckedToo() {
    Job job = golden("s3-backup-all-options");
    Pod pod =
        new PodBuilder()
            .withNewMetadata()
            .withName("engine")
            .withNamespace(NS)
            .endMetadata()
            .withSpec(pod(job))
            .build();
    assertThat(asOperator.resource(pod).dryRun().create().getSpec().getContainers()).hasSize(1);

    pod.getSpec().setHostNetwork(true);
    assertThatThrownBy(() -> asOperator.resource(pod).dryRun().create())
        .hasMessageContaining("ValidatingAdmissionPolicy 'stowage-engine-pods'")
        .hasMessageContaining("must not use the host's network, PID or IPC namespace");
  }
}
