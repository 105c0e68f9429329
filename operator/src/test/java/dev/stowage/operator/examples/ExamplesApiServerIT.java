package dev.stowage.operator.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.stowage.api.v1alpha1.CrdFiles;
import dev.stowage.api.v1alpha1.testing.LocalApiServer;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.authorization.v1.SubjectAccessReview;
import io.fabric8.kubernetes.api.model.authorization.v1.SubjectAccessReviewBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every YAML document under examples/ and the deploy/ kustomize base on a real Kubernetes 1.34 API
 * server: each is created as written and stored without the server dropping a field (a misspelt
 * field of a MysqlBackup would otherwise vanish silently), every pod they run passes the restricted
 * Pod Security Standard, and the operator's service account may do exactly what the operator needs.
 *
 * <p>The invalid MysqlBackups and MysqlRestores (chunk size 1Ki, threshold below size, two
 * storages, a changed MysqlBackup spec) are refused in crds' CrdValidationIT; only the changed
 * MysqlRestore spec is checked here.
 */
class ExamplesApiServerIT {
  private static final KubernetesSerialization YAML = new KubernetesSerialization();
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Path REPO =
      Path.of(System.getProperty("stowage.e2e.dir", "../e2e"))
          .toAbsolutePath()
          .normalize()
          .getParent();
  private static final Path EXAMPLES = REPO.resolve("examples");
  private static final Path DEPLOY = REPO.resolve("deploy");

  /** Where the examples are applied: a namespace that enforces the restricted standard. */
  private static final String NS = "stowage-examples";

  private static final String OPERATOR_NS = "stowage-system";
  private static final String OPERATOR_SA = "stowage-operator";

  private static LocalApiServer server;
  private static KubernetesClient client;

  /** The deploy/ base as kubectl kustomize renders it, one document per resource. */
  private static List<JsonNode> deployBase;

  @BeforeAll
  static void start() throws Exception {
    server = LocalApiServer.start(Path.of("target", "examples-it"));
    client = server.client();
    server.installCommittedCrds();
    // kubectl apply -k deploy/: the CRDs are already there from deploy/crds (the same
    // manager re-applies them); everything else is new.
    deployBase = documents(kustomize(DEPLOY));
    for (JsonNode doc : deployBase) {
      if (doc.path("kind").asText().equals("CustomResourceDefinition")) {
        client.resource(generic(doc)).serverSideApply();
      } else {
        client.resource(generic(doc)).create();
      }
    }
    client
        .namespaces()
        .resource(
            new NamespaceBuilder()
                .withNewMetadata()
                .withName(NS)
                .addToLabels("pod-security.kubernetes.io/enforce", "restricted")
                .endMetadata()
                .build())
        .create();
    // No controller manager runs here: create what the pods' admission looks up.
    for (String ns : List.of(NS, OPERATOR_NS)) {
      client
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
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.close();
    }
  }

  // ------------------------------------------------------------------ deploy/

  @Test
  void deployBaseIsStoredAsWritten() throws Exception {
    List<String> kinds = new ArrayList<>();
    for (JsonNode doc : deployBase) {
      String kind = doc.path("kind").asText();
      kinds.add(kind);
      if (kind.equals("CustomResourceDefinition")) {
        // kustomize must hand the committed CRDs over unchanged (numbers may change form).
        JsonNode committed = committedCrd(doc.at("/metadata/name").asText());
        List<String> differences = new ArrayList<>();
        subset(committed, doc, "", differences);
        subset(doc, committed, "", differences);
        assertThat(differences).as("kustomize output vs deploy/crds").isEmpty();
      } else {
        assertStoredAsWritten(doc, doc.at("/metadata/namespace").asText());
      }
    }
    assertThat(kinds)
        .containsExactlyInAnyOrder(
            "Namespace",
            "CustomResourceDefinition",
            "CustomResourceDefinition",
            "CustomResourceDefinition",
            "CustomResourceDefinition",
            "CustomResourceDefinition",
            "ServiceAccount",
            "ClusterRole",
            "ClusterRoleBinding",
            "Role",
            "RoleBinding",
            "Deployment");
  }

  @Test
  void operatorPodIsAdmittedUnderTheRestrictedStandard() {
    JsonNode namespace = only(deployBase, "Namespace");
    assertThat(namespace.at("/metadata/name").asText()).isEqualTo(OPERATOR_NS);
    assertThat(namespace.at("/metadata/labels/pod-security.kubernetes.io~1enforce").asText())
        .isEqualTo("restricted");
    JsonNode deployment = only(deployBase, "Deployment");
    assertThat(deployment.at("/metadata/namespace").asText()).isEqualTo(OPERATOR_NS);
    assertThat(deployment.at("/spec/template/spec/serviceAccountName").asText())
        .isEqualTo(OPERATOR_SA);
    assertPodAdmitted(OPERATOR_NS, "stowage-operator", deployment.at("/spec/template/spec"));
  }

  @Test
  void podSecurityIsEnforcedWhereThePodsAreChecked() {
    // A container without any security settings breaks the restricted standard.
    JsonNode plain = readJson("{\"containers\":[{\"name\":\"c\",\"image\":\"x\"}]}");
    for (String ns : List.of(NS, OPERATOR_NS)) {
      assertThatThrownBy(() -> assertPodAdmitted(ns, "plain", plain))
          .as(ns)
          .hasMessageContaining("violates PodSecurity \"restricted:latest\"");
    }
  }

  @Test
  void deployBaseInstallsEveryCommittedCrd() throws IOException {
    List<String> rendered =
        deployBase.stream()
            .filter(d -> d.path("kind").asText().equals("CustomResourceDefinition"))
            .map(d -> d.at("/metadata/name").asText())
            .toList();
    List<String> committed;
    try (Stream<Path> files = Files.list(CrdFiles.committedDir())) {
      committed =
          files
              .filter(p -> p.toString().endsWith(".yml") || p.toString().endsWith(".yaml"))
              .map(p -> readYaml(p).at("/metadata/name").asText())
              .toList();
    }
    assertThat(committed).isNotEmpty();
    assertThat(rendered).containsExactlyInAnyOrderElementsOf(committed);
  }

  @Test
  void rbacHasNoWildcards() {
    for (JsonNode doc : deployBase) {
      for (JsonNode rule : doc.path("rules")) {
        for (String field : List.of("apiGroups", "resources", "verbs", "resourceNames")) {
          rule.path(field)
              .forEach(
                  v ->
                      assertThat(v.asText())
                          .as("%s %s", doc.at("/metadata/name").asText(), field)
                          .doesNotContain("*"));
        }
      }
    }
  }

  static Stream<Arguments> operatorAccess() {
    List<Arguments> cases = new ArrayList<>();
    // What the operator does (the contract in deploy/rbac.yaml), in any namespace.
    for (String r : List.of("mysqlbackups", "mysqlrestores")) {
      for (String v : List.of("get", "list", "watch", "patch")) {
        cases.add(access(true, "stowage.dev", r, "", v, "shop", ""));
      }
      cases.add(access(true, "stowage.dev", r, "status", "update", "shop", ""));
      cases.add(access(false, "stowage.dev", r, "status", "patch", "shop", ""));
      cases.add(access(true, "stowage.dev", r, "finalizers", "update", "shop", ""));
      cases.add(access(false, "stowage.dev", r, "", "update", "shop", ""));
      cases.add(access(false, "stowage.dev", r, "", "deletecollection", "shop", ""));
    }
    // A schedule creates its MysqlBackups and deletes those retention prunes; restores are only
    // ever created by people.
    for (String v : List.of("create", "delete")) {
      cases.add(access(true, "stowage.dev", "mysqlbackups", "", v, "shop", ""));
      cases.add(access(false, "stowage.dev", "mysqlrestores", "", v, "shop", ""));
    }
    String schedules = "mysqlbackupschedules";
    for (String v : List.of("get", "list", "watch", "patch")) {
      cases.add(access(true, "stowage.dev", schedules, "", v, "shop", ""));
    }
    cases.add(access(true, "stowage.dev", schedules, "status", "update", "shop", ""));
    cases.add(access(false, "stowage.dev", schedules, "status", "patch", "shop", ""));
    cases.add(access(true, "stowage.dev", schedules, "finalizers", "update", "shop", ""));
    // Schedules are written by people (Git); the operator never creates, changes or deletes one.
    for (String v : List.of("create", "update", "delete", "deletecollection")) {
      cases.add(access(false, "stowage.dev", schedules, "", v, "shop", ""));
    }
    for (String v : List.of("get", "list", "watch", "create", "delete", "patch")) {
      cases.add(access(true, "batch", "jobs", "", v, "shop", ""));
    }
    // Watch (issue 14): the engine pods' informer cache.
    for (String v : List.of("list", "watch")) {
      cases.add(access(true, "", "pods", "", v, "shop", ""));
    }
    // Delete: snapshot mode's clones (issue 11), only those with the backup's labels. List and
    // watch (issue 14): the claims' informer cache.
    for (String v : List.of("get", "list", "watch", "create", "patch", "delete")) {
      cases.add(access(true, "", "persistentvolumeclaims", "", v, "shop", ""));
    }
    // Snapshot mode (issue 11): the VolumeSnapshot, its class, the claim's driver, the clone's
    // binding mode; polled, so no list or watch of VolumeSnapshots.
    for (String v : List.of("get", "create", "delete")) {
      cases.add(access(true, "snapshot.storage.k8s.io", "volumesnapshots", "", v, "shop", ""));
    }
    for (String v : List.of("list", "watch", "update", "patch")) {
      cases.add(access(false, "snapshot.storage.k8s.io", "volumesnapshots", "", v, "shop", ""));
    }
    for (String v : List.of("get", "list")) {
      cases.add(access(true, "snapshot.storage.k8s.io", "volumesnapshotclasses", "", v, "", ""));
    }
    for (String v : List.of("create", "update", "delete")) {
      cases.add(access(false, "snapshot.storage.k8s.io", "volumesnapshotclasses", "", v, "", ""));
    }
    cases.add(
        access(false, "snapshot.storage.k8s.io", "volumesnapshotcontents", "", "get", "", ""));
    cases.add(access(true, "", "persistentvolumes", "", "get", "", ""));
    cases.add(access(false, "", "persistentvolumes", "", "list", "", ""));
    cases.add(access(true, "storage.k8s.io", "storageclasses", "", "get", "", ""));
    cases.add(access(false, "storage.k8s.io", "storageclasses", "", "list", "", ""));
    cases.add(access(false, "", "persistentvolumeclaims", "", "update", "shop", ""));
    // List and watch (issue 14): the StatefulSets' informer cache.
    for (String v : List.of("get", "list", "watch")) {
      cases.add(access(true, "apps", "statefulsets", "", v, "shop", ""));
    }
    // Issue 15, finding 10: the stowage.dev/quiesced-from annotation, before a scale-down.
    cases.add(access(true, "apps", "statefulsets", "", "patch", "shop", ""));
    cases.add(access(false, "apps", "statefulsets", "", "update", "shop", ""));
    for (String v : List.of("get", "update")) {
      cases.add(access(true, "apps", "statefulsets", "scale", v, "shop", ""));
    }
    cases.add(access(true, "", "events", "", "create", "shop", ""));
    // Issue 15, finding 2: a missing credentials Secret shows only in a FailedMount event.
    cases.add(access(true, "", "events", "", "list", "shop", ""));
    for (String v : List.of("update", "patch", "delete", "watch")) {
      cases.add(access(false, "", "events", "", v, "shop", ""));
    }
    // Administrators' stores: read when named, never changed.
    for (String r : List.of("clusterbackupstores", "backupstores")) {
      cases.add(
          access(
              true,
              "stowage.dev",
              r,
              "",
              "get",
              "clusterbackupstores".equals(r) ? "" : "shop",
              ""));
      for (String v : List.of("create", "update", "patch", "delete", "list")) {
        cases.add(
            access(
                false, "stowage.dev", r, "", v, "clusterbackupstores".equals(r) ? "" : "shop", ""));
      }
    }
    // Claim locks: a Lease per claim, in the claim's namespace.
    for (String v : List.of("get", "create", "delete")) {
      cases.add(access(true, "coordination.k8s.io", "leases", "", v, "shop", ""));
    }
    // Leader election: the Lease stowage-operator in its own namespace.
    cases.add(access(true, "coordination.k8s.io", "leases", "", "create", OPERATOR_NS, ""));
    cases.add(
        access(true, "coordination.k8s.io", "leases", "", "get", OPERATOR_NS, "stowage-operator"));
    for (String v : List.of("update", "patch")) {
      cases.add(
          access(true, "coordination.k8s.io", "leases", "", v, OPERATOR_NS, "stowage-operator"));
    }
    // What it must never do.
    for (String v : List.of("get", "list", "watch")) {
      cases.add(access(false, "", "secrets", "", v, "shop", ""));
      cases.add(access(false, "", "secrets", "", v, OPERATOR_NS, ""));
    }
    cases.add(access(false, "", "configmaps", "", "get", "shop", ""));
    cases.add(access(false, "", "pods", "exec", "create", "shop", ""));
    cases.add(access(false, "", "pods", "", "delete", "shop", ""));
    cases.add(access(false, "batch", "jobs", "", "update", "shop", ""));
    cases.add(access(false, "apps", "statefulsets", "", "delete", "shop", ""));
    cases.add(access(false, "", "persistentvolumes", "", "delete", "", ""));
    cases.add(access(false, "coordination.k8s.io", "leases", "", "update", OPERATOR_NS, "other"));
    cases.add(access(false, "coordination.k8s.io", "leases", "", "patch", OPERATOR_NS, "other"));
    cases.add(access(false, "coordination.k8s.io", "leases", "", "update", "shop", ""));
    cases.add(access(false, "coordination.k8s.io", "leases", "", "list", "shop", ""));
    cases.add(access(false, "rbac.authorization.k8s.io", "clusterroles", "", "bind", "", ""));
    return cases.stream();
  }

  private static Arguments access(
      boolean allowed,
      String group,
      String resource,
      String subresource,
      String verb,
      String namespace,
      String name) {
    String what =
        (allowed ? "may " : "may not ")
            + verb
            + " "
            + (group.isEmpty() ? "" : group + "/")
            + resource
            + (subresource.isEmpty() ? "" : "/" + subresource)
            + (name.isEmpty() ? "" : " " + name)
            + (namespace.isEmpty() ? "" : " in " + namespace);
    return Arguments.of(what, allowed, group, resource, subresource, verb, namespace, name);
  }

  @ParameterizedTest(name = "the operator {0}")
  @MethodSource("operatorAccess")
  void operatorServiceAccountMayDoWhatItNeedsAndNoMore(
      String what,
      boolean allowed,
      String group,
      String resource,
      String subresource,
      String verb,
      String namespace,
      String name)
      throws Exception {
    SubjectAccessReview review =
        new SubjectAccessReviewBuilder()
            .withNewSpec()
            .withUser("system:serviceaccount:" + OPERATOR_NS + ":" + OPERATOR_SA)
            .withGroups(
                "system:serviceaccounts",
                "system:serviceaccounts:" + OPERATOR_NS,
                "system:authenticated")
            .withNewResourceAttributes()
            .withGroup(group)
            .withResource(resource)
            .withSubresource(subresource)
            .withVerb(verb)
            .withNamespace(namespace)
            .withName(name)
            .endResourceAttributes()
            .endSpec()
            .build();
    SubjectAccessReview answer = client.authorization().v1().subjectAccessReview().create(review);
    assertThat(answer.getStatus().getAllowed()).as(what).isEqualTo(allowed);
  }

  // ---------------------------------------------------------------- examples/

  static Stream<String> exampleFiles() throws IOException {
    try (Stream<Path> files = Files.walk(EXAMPLES)) {
      List<String> yaml =
          files
              .filter(Files::isRegularFile)
              .map(p -> EXAMPLES.relativize(p).toString())
              .filter(n -> n.endsWith(".yaml") || n.endsWith(".yml"))
              .sorted()
              .toList();
      assertThat(yaml).as("YAML files under %s", EXAMPLES).isNotEmpty();
      return yaml.stream();
    }
  }

  /** Kinds of the examples that belong to no namespace (an administrator applies them once). */
  static final java.util.Set<String> CLUSTER_SCOPED = java.util.Set.of("ClusterBackupStore");

  @ParameterizedTest(name = "examples/{0}")
  @MethodSource("exampleFiles")
  void exampleIsStoredAsWritten(String file) throws Exception {
    List<JsonNode> docs = documents(Files.readString(EXAMPLES.resolve(file)));
    assertThat(docs).as("resources in examples/%s", file).isNotEmpty();
    for (JsonNode doc : docs) {
      assertThat(doc.at("/metadata/namespace").isMissingNode())
          .as("%s sets no namespace (kubectl apply -f examples/ uses the current one)", file)
          .isTrue();
      if (CLUSTER_SCOPED.contains(doc.path("kind").asText())) {
        client.resource(generic(doc)).create();
        assertStoredAsWritten(doc, null);
        continue;
      }
      HasMetadata created = client.resource(generic(doc)).inNamespace(NS).create();
      assertThat(created.getMetadata().getNamespace()).isEqualTo(NS);
      assertStoredAsWritten(doc, NS);
      JsonNode podSpec = doc.at("/spec/template/spec");
      if (!podSpec.isMissingNode()) {
        assertPodAdmitted(NS, doc.at("/metadata/name").asText(), withClaims(doc, podSpec));
      }
    }
  }

  @Test
  void examplesFitTogether() throws IOException {
    Map<String, JsonNode> byName = new HashMap<>();
    for (String file : exampleFiles().toList()) {
      for (JsonNode doc : documents(Files.readString(EXAMPLES.resolve(file)))) {
        byName.put(doc.path("kind").asText() + "/" + doc.at("/metadata/name").asText(), doc);
      }
    }
    JsonNode backup = byName.get("MysqlBackup/mariadb-backup");
    JsonNode schedule = byName.get("MysqlBackupSchedule/mariadb-nightly");
    JsonNode restore = byName.get("MysqlRestore/mariadb-restore");
    JsonNode sts = byName.get("StatefulSet/mariadb");
    assertThat(backup).isNotNull();
    assertThat(schedule).as("MysqlBackupSchedule/mariadb-nightly").isNotNull();
    assertThat(restore).isNotNull();
    assertThat(sts).isNotNull();
    // The one-off backup and the schedule's backups have the same source and storage.
    Map<String, JsonNode> specs =
        Map.of(
            "MysqlBackup mariadb-backup",
            backup.at("/spec"),
            "MysqlBackupSchedule mariadb-nightly spec.backupTemplate",
            schedule.at("/spec/backupTemplate/spec"));
    for (Map.Entry<String, JsonNode> e : specs.entrySet()) {
      assertFitsTheExamples(e.getKey(), e.getValue(), sts, byName);
    }

    // The restore reads that backup; the verify pod mounts the claim the restore creates.
    assertThat(restore.at("/spec/backup/name").asText()).isEqualTo("mariadb-backup");
    String restored = restore.at("/spec/target/volumeClaimTemplate/metadata/name").asText();
    assertThat(byName.get("Pod/mariadb-restored").at("/spec/volumes").toString())
        .contains("\"claimName\":\"" + restored + "\"");
  }

  /**
   * A MysqlBackup spec backs up the StatefulSet's first claim, quiesces that StatefulSet, and
   * stores to the example S3 Service and bucket with the Secret the S3 server accepts.
   */
  private static void assertFitsTheExamples(
      String what, JsonNode spec, JsonNode sts, Map<String, JsonNode> byName) throws IOException {
    String claim =
        sts.at("/spec/volumeClaimTemplates/0/metadata/name").asText()
            + "-"
            + sts.at("/metadata/name").asText()
            + "-0";
    assertThat(spec.at("/source/persistentVolumeClaim").asText()).as(what).isEqualTo(claim);
    assertThat(spec.at("/source/quiesce/statefulSet").asText()).as(what).isEqualTo("mariadb");
    // Both name the administrators' store of 15-clusterbackupstore.yaml, which every namespace
    // may use (the examples work wherever they are applied).
    String storeName = spec.at("/storage/storeRef/name").asText();
    JsonNode store = byName.get("ClusterBackupStore/" + storeName);
    assertThat(store).as("%s: ClusterBackupStore %s", what, storeName).isNotNull();
    assertThat(store.at("/spec/allowedNamespaces").toString()).as(what).isEqualTo("[\"*\"]");
    JsonNode s3 = store.at("/spec/s3");
    assertExampleS3IsTlsWithANonRootUser(what, s3, byName);
  }

  /**
   * Issue 15, finding 6: the store reaches the example S3 Service over https, trusting the CA that
   * make demo puts in the ConfigMap its caBundleRef names (no insecure), and its credentials are
   * those of the non-root user that 12-s3-user.yaml makes the owner of the store's bucket, never
   * the server's root keys.
   */
  private static void assertExampleS3IsTlsWithANonRootUser(
      String what, JsonNode s3, Map<String, JsonNode> byName) throws IOException {
    assertThat(s3.has("insecure")).as("%s: the store sets no insecure", what).isFalse();
    JsonNode service = byName.get("Service/s3");
    assertThat(s3.path("endpoint").asText())
        .as("%s: the S3 endpoint", what)
        .isEqualTo(
            "https://"
                + service.at("/metadata/name").asText()
                + ":"
                + service.at("/spec/ports/0/port").asInt());
    JsonNode ca = s3.path("caBundleRef");
    assertThat(ca.path("kind").asText()).as("%s: caBundleRef.kind", what).isEqualTo("ConfigMap");
    String demo = Files.readString(REPO.resolve("e2e/scripts/demo.sh"));
    assertThat(demo)
        .as("make demo creates the CA ConfigMap the store names")
        .contains(
            "create configmap "
                + ca.path("name").asText()
                + " --from-file="
                + ca.path("key").asText()
                + "=");
    // The server: TLS from the Secret make demo creates, users in its internal IAM.
    JsonNode pod = byName.get("Deployment/s3").at("/spec/template/spec");
    JsonNode server = pod.at("/containers/0");
    List<String> args = new ArrayList<>();
    server.path("args").forEach(a -> args.add(a.asText()));
    String tlsSecret = null;
    for (JsonNode v : pod.path("volumes")) {
      if (v.has("secret")) {
        tlsSecret = v.at("/secret/secretName").asText();
        String mount = null;
        for (JsonNode m : server.path("volumeMounts")) {
          if (m.path("name").asText().equals(v.path("name").asText())) {
            mount = m.path("mountPath").asText();
          }
        }
        assertThat(args)
            .as("%s: the server's TLS flags", what)
            .containsSubsequence("--cert", mount + "/tls.crt")
            .containsSubsequence("--key", mount + "/tls.key");
      }
    }
    assertThat(tlsSecret).as("%s: the server mounts a TLS Secret", what).isNotNull();
    assertThat(demo)
        .as("make demo creates the TLS Secret")
        .contains("create secret tls " + tlsSecret);
    assertThat(args).as("%s: internal IAM", what).contains("--iam-dir");
    String root = args.get(args.indexOf("posix") + 1);
    assertThat(pod.at("/initContainers/0/command").toString())
        .as("%s: the init container creates the bucket", what)
        .contains(root + "/" + s3.path("bucket").asText());
    // The store's Secret holds a user's keys, not the root keys the server reads.
    String secret = s3.at("/credentialsSecretRef/name").asText();
    assertThat(byName).as(what).containsKey("Secret/" + secret);
    JsonNode data = byName.get("Secret/" + secret).path("stringData");
    assertThat(data.has("AWS_ACCESS_KEY_ID")).as("%s: AWS_ACCESS_KEY_ID", what).isTrue();
    assertThat(data.has("AWS_SECRET_ACCESS_KEY")).as("%s: AWS_SECRET_ACCESS_KEY", what).isTrue();
    Map<String, JsonNode> serverEnv = env(server);
    JsonNode rootRef = serverEnv.get("ROOT_ACCESS_KEY").at("/valueFrom/secretKeyRef");
    assertThat(rootRef.path("name").asText())
        .as("%s: the root keys live apart from the store's Secret", what)
        .isNotEqualTo(secret);
    String rootKey =
        byName
            .get("Secret/" + rootRef.path("name").asText())
            .at("/stringData/" + rootRef.path("key").asText())
            .asText();
    assertThat(rootKey).as("%s: root access key", what).isNotBlank();
    assertThat(data.path("AWS_ACCESS_KEY_ID").asText())
        .as("%s: the store's access key is not root's", what)
        .isNotEqualTo(rootKey);
    // The Job makes that key a user with role "user" and the bucket's owner, over https.
    JsonNode job = byName.get("Job/s3-user");
    assertThat(job).as("%s: Job s3-user (12-s3-user.yaml)", what).isNotNull();
    JsonNode create = job.at("/spec/template/spec/initContainers/0");
    JsonNode owner = job.at("/spec/template/spec/containers/0");
    for (JsonNode c : List.of(create, owner)) {
      Map<String, JsonNode> e = env(c);
      assertThat(e.get("ADMIN_ENDPOINT_URL").path("value").asText())
          .as("%s: the admin endpoint", what)
          .isEqualTo(s3.path("endpoint").asText());
      assertThat(e.get("USER_ACCESS_KEY").at("/valueFrom/secretKeyRef/name").asText())
          .isEqualTo(secret);
      assertThat(e.get("ADMIN_ACCESS_KEY").at("/valueFrom/secretKeyRef").toString())
          .isEqualTo(rootRef.toString());
    }
    assertThat(create.path("args").toString())
        .isEqualTo(
            "[\"admin\",\"create-user\",\"--access\",\"$(USER_ACCESS_KEY)\",\"--secret\","
                + "\"$(USER_SECRET_KEY)\",\"--role\",\"user\"]");
    assertThat(owner.path("args").toString())
        .isEqualTo(
            "[\"admin\",\"change-bucket-owner\",\"--bucket\",\""
                + s3.path("bucket").asText()
                + "\",\"--owner\",\"$(USER_ACCESS_KEY)\"]");
  }

  private static Map<String, JsonNode> env(JsonNode container) {
    Map<String, JsonNode> env = new HashMap<>();
    container.path("env").forEach(e -> env.put(e.path("name").asText(), e));
    return env;
  }

  /** Not in CrdValidationIT, which changes a MysqlBackup's spec only. */
  @Test
  void aRestoreSpecCannotChange() throws Exception {
    ObjectNode doc = (ObjectNode) documents(read("40-mysqlrestore.yaml")).get(0);
    ((ObjectNode) doc.get("metadata")).put("name", "immutable-restore");
    client.resource(generic(doc)).inNamespace(NS).create();
    var restores =
        client.genericKubernetesResources("stowage.dev/v1alpha1", "MysqlRestore").inNamespace(NS);
    assertThatThrownBy(
            () ->
                restores
                    .withName("immutable-restore")
                    .edit(
                        r -> {
                          @SuppressWarnings("unchecked")
                          Map<String, Object> spec = (Map<String, Object>) r.get("spec");
                          spec.put("overwrite", true);
                          return r;
                        }))
        .isInstanceOf(KubernetesClientException.class)
        .hasMessageContaining(
            "spec: Forbidden: spec is immutable: a MysqlRestore records one restore;"
                + " create a new MysqlRestore instead");
    assertThat(restores.withName("immutable-restore").get().get("spec").toString())
        .doesNotContain("overwrite=true");
  }

  // ------------------------------------------------------------------ helpers

  /** The stored object holds every field of the document with the value it was given. */
  private static void assertStoredAsWritten(JsonNode doc, String namespace) {
    String apiVersion = doc.path("apiVersion").asText();
    String kind = doc.path("kind").asText();
    String name = doc.at("/metadata/name").asText();
    var resources = client.genericKubernetesResources(apiVersion, kind);
    GenericKubernetesResource stored =
        namespace == null || namespace.isEmpty()
            ? resources.withName(name).get()
            : resources.inNamespace(namespace).withName(name).get();
    assertThat(stored).as("%s %s stored", kind, name).isNotNull();
    JsonNode want = doc.deepCopy();
    if (kind.equals("Secret") && want.has("stringData")) {
      // The server keeps stringData as base64 data.
      ObjectNode data = ((ObjectNode) want).putObject("data");
      want.get("stringData")
          .properties()
          .forEach(
              e ->
                  data.put(
                      e.getKey(),
                      Base64.getEncoder()
                          .encodeToString(e.getValue().asText().getBytes(StandardCharsets.UTF_8))));
      ((ObjectNode) want).remove("stringData");
    }
    ((ObjectNode) want.get("metadata")).remove("namespace");
    List<String> differences = new ArrayList<>();
    subset(want, readJson(YAML.asJson(stored)), "", differences);
    assertThat(differences)
        .as("fields of %s %s changed or dropped by the server", kind, name)
        .isEmpty();
  }

  /** Records in {@code out} every path of {@code want} that {@code got} lacks or differs at. */
  private static void subset(JsonNode want, JsonNode got, String path, List<String> out) {
    if (want.isObject()) {
      if (!got.isObject()) {
        out.add(path + ": expected an object, stored " + got);
        return;
      }
      for (Map.Entry<String, JsonNode> e : want.properties()) {
        if (!got.has(e.getKey())) {
          // The server omits zero values (Go's omitempty); they mean the same.
          if (!isZero(e.getValue())) {
            out.add(path + "/" + e.getKey() + ": dropped");
          }
        } else {
          subset(e.getValue(), got.get(e.getKey()), path + "/" + e.getKey(), out);
        }
      }
    } else if (want.isArray()) {
      if (!got.isArray() || got.size() != want.size()) {
        out.add(path + ": expected " + want + ", stored " + got);
        return;
      }
      for (int i = 0; i < want.size(); i++) {
        subset(want.get(i), got.get(i), path + "/" + i, out);
      }
    } else if (want.isNumber() && got.isNumber()) {
      if (want.decimalValue().compareTo(got.decimalValue()) != 0) {
        out.add(path + ": expected " + want + ", stored " + got);
      }
    } else if (!want.equals(got)) {
      out.add(path + ": expected " + want + ", stored " + got);
    }
  }

  private static boolean isZero(JsonNode v) {
    return v.isNull()
        || (v.isTextual() && v.asText().isEmpty())
        || (v.isBoolean() && !v.asBoolean())
        || (v.isNumber() && v.asDouble() == 0)
        || (v.isContainerNode() && v.isEmpty());
  }

  /** Dry-runs a pod with this spec: admission (Pod Security included) must accept it. */
  private static void assertPodAdmitted(String namespace, String name, JsonNode podSpec) {
    ObjectNode pod = JSON.createObjectNode();
    pod.put("apiVersion", "v1");
    pod.put("kind", "Pod");
    pod.putObject("metadata").put("name", name + "-admission").put("namespace", namespace);
    pod.set("spec", podSpec);
    client.resource(generic(pod)).dryRun().create();
  }

  /** A StatefulSet's pod spec with the volumes its claim templates would add. */
  private static JsonNode withClaims(JsonNode doc, JsonNode podSpec) {
    ObjectNode spec = podSpec.deepCopy();
    for (JsonNode t : doc.at("/spec/volumeClaimTemplates")) {
      String claim = t.at("/metadata/name").asText();
      ObjectNode volume = spec.withArray("volumes").addObject();
      volume.put("name", claim);
      volume
          .putObject("persistentVolumeClaim")
          .put("claimName", claim + "-" + doc.at("/metadata/name").asText() + "-0");
    }
    return spec;
  }

  private static GenericKubernetesResource generic(JsonNode doc) {
    return YAML.convertValue(doc, GenericKubernetesResource.class);
  }

  private static JsonNode only(List<JsonNode> docs, String kind) {
    List<JsonNode> found = docs.stream().filter(d -> d.path("kind").asText().equals(kind)).toList();
    assertThat(found).as(kind).hasSize(1);
    return found.get(0);
  }

  private static JsonNode committedCrd(String name) throws IOException {
    try (Stream<Path> files = Files.list(CrdFiles.committedDir())) {
      return files
          .map(ExamplesApiServerIT::readYaml)
          .filter(d -> d.at("/metadata/name").asText().equals(name))
          .findFirst()
          .orElseThrow(() -> new AssertionError("no committed CRD " + name));
    }
  }

  /** The documents of a YAML stream that are resources (not empty, not only comments). */
  private static List<JsonNode> documents(String yaml) {
    List<JsonNode> docs = new ArrayList<>();
    for (String doc : yaml.split("(?m)^---\\s*$")) {
      if (doc.lines().anyMatch(l -> l.startsWith("kind:"))) {
        docs.add(readJson(YAML.asJson(YAML.unmarshal(doc, LinkedHashMap.class))));
      }
    }
    return docs;
  }

  private static JsonNode readYaml(Path file) {
    try {
      return documents(Files.readString(file)).get(0);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static JsonNode readJson(String json) {
    try {
      return JSON.readTree(json);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String read(String example) throws IOException {
    return Files.readString(EXAMPLES.resolve(example));
  }

  /** {@code kubectl kustomize DIR} with the localkube binary that LocalApiServer runs. */
  private static String kustomize(Path dir) throws IOException, InterruptedException {
    String cache =
        System.getenv()
            .getOrDefault("STOWAGE_CACHE", System.getProperty("user.home") + "/.cache/stowage");
    Path localkube = Path.of(cache, "bin", "localkube");
    Path err = Files.createTempFile("kustomize", ".err");
    try {
      Process p =
          new ProcessBuilder(localkube.toString(), "kubectl", "kustomize", dir.toString())
              .redirectError(err.toFile())
              .start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
        throw new IllegalStateException(
            "kubectl kustomize " + dir + " failed: " + Files.readString(err));
      }
      return out;
    } finally {
      Files.deleteIfExists(err);
    }
  }
}
