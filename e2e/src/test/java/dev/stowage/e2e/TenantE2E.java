package dev.stowage.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

import dev.stowage.api.v1alpha1.BackupStorage;
import dev.stowage.api.v1alpha1.BackupStore;
import dev.stowage.api.v1alpha1.BackupStoreSpec;
import dev.stowage.api.v1alpha1.ClusterBackupStore;
import dev.stowage.api.v1alpha1.Condition;
import dev.stowage.api.v1alpha1.MysqlBackup;
import dev.stowage.api.v1alpha1.MysqlBackupSpec;
import dev.stowage.api.v1alpha1.MysqlBackupStatus;
import dev.stowage.api.v1alpha1.MysqlRestore;
import dev.stowage.api.v1alpha1.MysqlRestoreStatus;
import dev.stowage.api.v1alpha1.Phase;
import dev.stowage.api.v1alpha1.PodSecurity;
import dev.stowage.api.v1alpha1.PodSettings;
import dev.stowage.api.v1alpha1.RestoreSource;
import dev.stowage.api.v1alpha1.StoreRef;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.Status;
import io.fabric8.kubernetes.api.model.TolerationBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.authentication.SelfSubjectReview;
import io.fabric8.kubernetes.api.model.authentication.UserInfo;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.RoleBindingBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.FieldValidateable;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.http.HttpClient;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.assertj.core.api.SoftAssertions;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Issue 15, "Done when": a tenant, a ServiceAccount whose only Stowage rights are
 * deploy/README.md's {@code stowage-tenant} role bound in its own namespace, acting through the API
 * server by impersonation, fails at each escalation with a message that says why, and its normal
 * backup and restore through an administrator's ClusterBackupStore still work. One tenant namespace
 * (with one MariaDB StatefulSet) for the class, the S3 server in a namespace of its own, as the
 * administrators' storage.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TenantE2E {

  static final String BUCKET = "backups";
  static final String CREDENTIALS = "s3-credentials";
  static final String DB = "db";
  static final String TENANT = "tenant";

  /** The namespace the test's forbidden store is for: never the tenant's, need not exist. */
  static final String ANOTHER_TENANT = "stowage-e2e-another-tenant";

  static final Duration FAIL_FAST = Duration.ofSeconds(90);
  static final Duration BACKUP_TIMEOUT = Duration.ofMinutes(5);

  /** The admin (the local cluster's system:masters kubeconfig). */
  static KubernetesClient client;

  /** The same API server, as system:serviceaccount:<ns>:tenant. */
  static KubernetesClient tenant;

  static String tenantUser;
  static S3Server s3;
  static String ns;
  static MariaDb db;
  static String expectedRows;
  static String allowedStore;
  static String otherStore;
  static final List<String> namespaces = new ArrayList<>();
  static final List<String> stores = new ArrayList<>();
  static Instant started;

  @BeforeAll
  static void tenantStorageAndDatabase() throws Exception {
    started = Instant.now();
    client = Cluster.connect();
    Operator.requireAvailable(client, Duration.ofMinutes(2));
    String s3Namespace = Cluster.createNamespace(client, "stowage-e2e-tenant-s3-");
    namespaces.add(s3Namespace);
    // The administrators' store: https with a private CA and a non-root user owning the bucket.
    s3 = S3Server.startTls(client, s3Namespace, BUCKET);
    ns = Cluster.createNamespace(client, "stowage-e2e-tenant-");
    namespaces.add(ns);
    s3.caBundle(ns);

    // What the administrators set up for the tenant: the credentials Secret in its namespace, a
    // ClusterBackupStore that allows it and one that does not, a BackupStore of its namespace.
    s3.credentialsSecret(ns, CREDENTIALS, true);
    allowedStore = ns + "-allowed";
    client.resource(StowageObjects.clusterStore(allowedStore, ns, s3, CREDENTIALS)).create();
    stores.add(allowedStore);
    otherStore = ns + "-other";
    client
        .resource(StowageObjects.clusterStore(otherStore, ANOTHER_TENANT, s3, CREDENTIALS))
        .create();
    stores.add(otherStore);
    BackupStore own = new BackupStore();
    own.setMetadata(new ObjectMetaBuilder().withName("team-store").withNamespace(ns).build());
    BackupStoreSpec ownSpec = new BackupStoreSpec();
    ownSpec.setS3(StowageObjects.s3BackupOf(DB, ns, s3, CREDENTIALS).getStorage().getS3());
    own.setSpec(ownSpec);
    client.resource(own).create();

    // The tenant: a ServiceAccount bound to the README's role, nothing else.
    client
        .serviceAccounts()
        .inNamespace(ns)
        .resource(
            new ServiceAccountBuilder().withNewMetadata().withName(TENANT).endMetadata().build())
        .create();
    ClusterRole readmeRole =
        client
            .getKubernetesSerialization()
            .unmarshal(readmeBlock("name: stowage-tenant"), ClusterRole.class);
    assertThat(readmeRole.getMetadata().getName()).isEqualTo("stowage-tenant");
    client
        .rbac()
        .roles()
        .inNamespace(ns)
        .resource(
            new RoleBuilder()
                .withNewMetadata()
                .withName("stowage-tenant")
                .endMetadata()
                .withRules(readmeRole.getRules())
                .build())
        .create();
    client
        .rbac()
        .roleBindings()
        .inNamespace(ns)
        .resource(
            new RoleBindingBuilder()
                .withNewMetadata()
                .withName("stowage-tenant")
                .endMetadata()
                .withNewRoleRef("rbac.authorization.k8s.io", "Role", "stowage-tenant")
                .addNewSubject()
                .withKind("ServiceAccount")
                .withName(TENANT)
                .withNamespace(ns)
                .endSubject()
                .build())
        .create();
    tenantUser = "system:serviceaccount:" + ns + ":" + TENANT;
    Config asTenant =
        new ConfigBuilder(client.getConfiguration())
            .withImpersonateUsername(tenantUser)
            .withImpersonateGroups(
                "system:serviceaccounts", "system:serviceaccounts:" + ns, "system:authenticated")
            .build();
    tenant = new KubernetesClientBuilder().withConfig(asTenant).build();
    requireImpersonation();

    // The tenant's database, run by someone who may (the tenant cannot create StatefulSets).
    db = new MariaDb(client, ns).withPasswordSecret();
    db.startStatefulSet(DB);
    expectedRows = ShopData.write(db, DB, 0);
  }

  /** The API server says the tenant client is the ServiceAccount, not the admin. */
  static void requireImpersonation() {
    UserInfo who;
    try {
      who =
          tenant
              .authentication()
              .v1()
              .selfSubjectReviews()
              .create(new SelfSubjectReview())
              .getStatus()
              .getUserInfo();
    } catch (KubernetesClientException e) {
      throw new AssertionError(
          "cannot act as "
              + tenantUser
              + " by impersonation: the identity of the kubeconfig needs impersonate on users and"
              + " groups (system:masters has it): "
              + e.getMessage(),
          e);
    }
    assertThat(who.getUsername()).as("the tenant client's user").isEqualTo(tenantUser);
    assertThat(who.getGroups())
        .as("the tenant client's groups")
        .containsExactlyInAnyOrder(
            "system:serviceaccounts", "system:serviceaccounts:" + ns, "system:authenticated");
  }

  @AfterAll
  static void cleanup() {
    if (client == null) {
      return;
    }
    try {
      if (tenant != null) {
        tenant.close();
      }
      stores.forEach(name -> client.resources(ClusterBackupStore.class).withName(name).delete());
      if (!Cluster.keepNamespaces()) {
        namespaces.forEach(n -> client.namespaces().withName(n).delete());
        Cluster.awaitNamespacesGone(client, namespaces);
      }
    } finally {
      client.close();
      System.out.printf(
          "[TenantE2E] class took %d s%n", Duration.between(started, Instant.now()).toSeconds());
    }
  }

  // ---------------------------------------------------------------- escalations

  /** Finding 1: the engine never runs as root, so a uid 0 never reaches the operator. */
  @Test
  @Order(1)
  void aBackupAskingForUidZeroIsRefusedAtCreate() {
    MysqlBackupSpec spec = storeBackupSpec(allowedStore);
    PodSecurity root = new PodSecurity();
    root.setRunAsUser(0L);
    PodSettings pod = new PodSettings();
    pod.setSecurityContext(root);
    spec.setPod(pod);

    assertRefusedAtCreate(
        () -> tenant.resource(backup("as-root", spec)).create(),
        422,
        "spec.pod.securityContext.runAsUser: Invalid value: \"integer\": runAsUser must be a uid"
            + " of 1 or more: the engine never runs as root");
    assertThat(backup("as-root")).as("MysqlBackup as-root stored").isNull();
  }

  /**
   * Finding 1: node selectors and tolerations only within the operator's allowlist (empty in
   * deploy/): the backups fail with InvalidSpec naming the field, and the StatefulSet they would
   * quiesce is never scaled.
   */
  @Test
  @Order(2)
  void aNodeSelectorOrTolerationOutsideTheAllowlistFailsWithInvalidSpecAndNothingIsScaled() {
    String node = client.nodes().list().getItems().get(0).getMetadata().getName();
    PodSettings pinned = new PodSettings();
    pinned.setNodeSelector(Map.of("kubernetes.io/hostname", node));
    PodSettings tolerated = new PodSettings();
    tolerated.setTolerations(
        List.of(
            new TolerationBuilder()
                .withKey("node-role.kubernetes.io/control-plane")
                .withOperator("Exists")
                .withEffect("NoSchedule")
                .build()));
    createAsTenant("pinned", spec -> spec.setPod(pinned));
    createAsTenant("tolerated", spec -> spec.setPod(tolerated));
    List<Integer> replicasSeen = new ArrayList<>();

    MysqlBackup pinnedDone = awaitBackup("pinned", FAIL_FAST, () -> replicasSeen.add(replicas()));
    MysqlBackup toleratedDone =
        awaitBackup("tolerated", FAIL_FAST, () -> replicasSeen.add(replicas()));
    // A little longer: a scale-down right after the status was written would show here.
    sampleReplicas(replicasSeen, Duration.ofSeconds(3));

    assertFailedInvalidSpec(
        pinnedDone,
        "spec.pod.nodeSelector kubernetes.io/hostname=" + node + " is not allowed",
        "the operator allows no node selector (STOWAGE_ALLOWED_NODE_SELECTORS is empty)");
    assertFailedInvalidSpec(
        toleratedDone,
        "spec.pod.tolerations[0] node-role.kubernetes.io/control-plane (Exists):NoSchedule is not"
            + " allowed",
        "the operator allows no toleration (STOWAGE_ALLOWED_TOLERATIONS is empty)");
    assertThat(replicasSeen).as("spec.replicas of StatefulSet %s meanwhile", DB).containsOnly(1);
    assertNothingTaken("pinned");
    assertNothingTaken("tolerated");
  }

  /**
   * Finding 1: the old pod factory's fields (image, the full security contexts) are gone from the
   * API: pruned from what is stored, and refused by name under strict field validation (what
   * kubectl apply sends).
   */
  @Test
  @Order(3)
  @SuppressWarnings("unchecked")
  void fieldsOfTheOldPodFactoryAreNeverStoredAndRefusedUnderStrictValidation() {
    Map<String, Object> oldPod = new LinkedHashMap<>();
    oldPod.put("image", "evil.example.com/root-shell:latest");
    oldPod.put("imagePullPolicy", "Always");
    oldPod.put(
        "securityContext", Map.of("runAsUser", 1000, "privileged", true, "runAsNonRoot", false));
    oldPod.put("containerSecurityContext", Map.of("privileged", true));

    // Strict (kubectl apply's default): refused, naming the fields, nothing stored.
    GenericKubernetesResource strict = rawBackup("old-pod-strict", otherStore, oldPod);
    Throwable refused =
        catchThrowable(
            () ->
                tenant
                    .genericKubernetesResources("stowage.dev/v1alpha1", "MysqlBackup")
                    .inNamespace(ns)
                    .resource(strict)
                    .fieldValidation(FieldValidateable.Validation.STRICT)
                    .create());
    assertThat(refused)
        .as("create with fieldValidation=Strict")
        .isInstanceOf(KubernetesClientException.class)
        .hasMessageContaining("unknown field \"spec.pod.image\"")
        .hasMessageContaining("unknown field \"spec.pod.imagePullPolicy\"")
        .hasMessageContaining("unknown field \"spec.pod.securityContext.privileged\"")
        .hasMessageContaining("unknown field \"spec.pod.containerSecurityContext\"");
    assertThat(((KubernetesClientException) refused).getCode()).isEqualTo(400);
    assertThat(backup("old-pod-strict")).as("MysqlBackup old-pod-strict stored").isNull();

    // Without strict validation: stored, but with only the fields that exist. The store does not
    // allow the namespace, so the operator does nothing with it.
    tenant
        .genericKubernetesResources("stowage.dev/v1alpha1", "MysqlBackup")
        .inNamespace(ns)
        .resource(rawBackup("old-pod", otherStore, oldPod))
        .create();
    for (KubernetesClient reader : List.of(tenant, client)) {
      GenericKubernetesResource stored =
          reader
              .genericKubernetesResources("stowage.dev/v1alpha1", "MysqlBackup")
              .inNamespace(ns)
              .withName("old-pod")
              .get();
      Map<String, Object> pod =
          (Map<String, Object>)
              ((Map<String, Object>) stored.getAdditionalProperties().get("spec")).get("pod");
      assertThat(pod).as("spec.pod as stored").containsOnlyKeys("securityContext");
      assertThat((Map<String, Object>) pod.get("securityContext"))
          .as("spec.pod.securityContext as stored")
          .containsOnlyKeys("runAsUser");
    }
    tenant.resources(MysqlBackup.class).inNamespace(ns).withName("old-pod").delete();
  }

  /** Finding 5: a restore's claim template can never bind an existing PersistentVolume. */
  @Test
  @Order(4)
  void aRestoreTemplateBindingAPersistentVolumeIsRefusedAtCreate() {
    String pv =
        client
            .persistentVolumeClaims()
            .inNamespace(ns)
            .withName(MariaDb.claimOf(DB))
            .get()
            .getSpec()
            .getVolumeName();
    assertThat(pv).as("the PersistentVolume of %s", MariaDb.claimOf(DB)).isNotBlank();
    MysqlRestore restore = StowageObjects.restoreIntoNewClaim(ns, "grab-pv", "any", "grabbed");
    restore.getSpec().getTarget().getVolumeClaimTemplate().getSpec().setVolumeName(pv);

    assertRefusedAtCreate(
        () -> tenant.resource(restore).create(),
        422,
        "spec.target.volumeClaimTemplate.spec.volumeName is not allowed: a restore never binds an"
            + " existing PersistentVolume");
    assertThat(restore("grab-pv")).as("MysqlRestore grab-pv stored").isNull();
    assertThat(client.persistentVolumeClaims().inNamespace(ns).withName("grabbed").get())
        .as("claim grabbed")
        .isNull();
  }

  /** Findings 6 and 13: credentials in an endpoint, and plain http without the opt-in. */
  @Test
  @Order(5)
  void anEndpointWithUserInfoOrPlainHttpWithoutInsecureIsRefusedAtCreate() {
    MysqlBackupSpec userInfo = StowageObjects.s3BackupOf(DB, ns, s3, CREDENTIALS);
    userInfo
        .getStorage()
        .getS3()
        .setEndpoint(s3.endpoint().replace("https://", "https://admin:Sup3rSecret@"));
    userInfo.getStorage().getS3().setInsecure(null);
    Throwable refused =
        assertRefusedAtCreate(
            () -> tenant.resource(backup("user-info", userInfo)).create(),
            422,
            "spec.storage.s3.endpoint: Invalid value: \"string\": must not hold user info"
                + " (user:password@host)");
    assertThat(refused.getMessage()).as("the refusal").doesNotContain("Sup3rSecret");

    MysqlBackupSpec plain = StowageObjects.s3BackupOf(DB, ns, s3, CREDENTIALS);
    plain.getStorage().getS3().setEndpoint(s3.endpoint().replace("https://", "http://"));
    plain.getStorage().getS3().setInsecure(null);
    assertRefusedAtCreate(
        () -> tenant.resource(backup("plain-http", plain)).create(),
        422,
        "spec.storage.s3",
        "endpoint is plain http://: credentials and data would cross the network unencrypted;"
            + " use https://",
        "or set insecure: true to accept that");
    assertThat(backup("user-info")).isNull();
    assertThat(backup("plain-http")).isNull();
  }

  /**
   * Finding 2: a ClusterBackupStore serves only the namespaces it allows, and a restore through a
   * store reads only under the namespace's own directory; both fail before anything is taken.
   */
  @Test
  @Order(6)
  void aStoreForOtherNamespacesAndAnotherNamespacesDirectoryFailBeforeAnythingIsTaken() {
    createAsTenant(
        "foreign-store", spec -> spec.getStorage().setStoreRef(new StoreRef(null, otherStore)));
    List<Integer> replicasSeen = new ArrayList<>();
    MysqlBackup backupDone =
        awaitBackup("foreign-store", FAIL_FAST, () -> replicasSeen.add(replicas()));

    String otherDirectory = ANOTHER_TENANT + "/" + MariaDb.claimOf(DB);
    MysqlRestore restore = StowageObjects.restoreIntoNewClaim(ns, "other-dir", "unused", "stolen");
    RestoreSource source = new RestoreSource();
    BackupStorage storage = new BackupStorage();
    storage.setStoreRef(new StoreRef(null, allowedStore));
    source.setStorage(storage);
    source.setDirectory(otherDirectory);
    source.setBackupName("latest");
    restore.getSpec().setBackup(null);
    restore.getSpec().setSource(source);
    tenant.resource(restore).create();
    MysqlRestore restoreDone =
        awaitRestore("other-dir", FAIL_FAST, () -> replicasSeen.add(replicas()));
    sampleReplicas(replicasSeen, Duration.ofSeconds(3));

    assertFailedInvalidSpec(
        backupDone,
        "spec.storage.storeRef: ClusterBackupStore "
            + otherStore
            + " does not allow namespace "
            + ns
            + " (its spec.allowedNamespaces)");
    assertThat(replicasSeen).as("spec.replicas of StatefulSet %s meanwhile", DB).containsOnly(1);
    assertNothingTaken("foreign-store");

    MysqlRestoreStatus status = restoreDone.getStatus();
    assertThat(status.getPhase())
        .as("phase of MysqlRestore other-dir (%s)", status.getMessage())
        .isEqualTo(Phase.Failed);
    assertThat(ready(status.getConditions()).getReason()).isEqualTo("InvalidSpec");
    assertThat(status.getMessage())
        .contains(
            "spec.source.directory is "
                + otherDirectory
                + ", outside this namespace's own directory of ClusterBackupStore "
                + allowedStore
                + ": with a storeRef it must start with "
                + ns
                + "/");
    assertThat(jobsOf("other-dir")).as("Jobs of MysqlRestore other-dir").isEmpty();
    assertThat(client.persistentVolumeClaims().inNamespace(ns).withName("stolen").get())
        .as("claim stolen")
        .isNull();
  }

  /**
   * What the README's role does not grant: Jobs, pods, Leases, Secrets, status writes, spec edits
   * of a backup, the stores, and anything in another namespace. Each is a 403 from the API server.
   */
  @Test
  @Order(7)
  void whatTheTenantsRoleDoesNotGrantIsForbidden() {
    // A backup of the tenant's own to try the status and spec writes on; inert (its store does
    // not allow the namespace).
    createAsTenant("mine", spec -> spec.getStorage().setStoreRef(new StoreRef(null, otherStore)));
    MysqlBackup mine = tenant.resources(MysqlBackup.class).inNamespace(ns).withName("mine").get();
    assertThat(mine).as("the tenant reads its own MysqlBackup").isNotNull();

    SoftAssertions soft = new SoftAssertions();
    stores.add(ns + "-mine"); // deleted at the end, should the create below not be refused
    forbidden(
        soft,
        "creating a Job",
        "cannot create resource \"jobs\"",
        () -> tenant.batch().v1().jobs().inNamespace(ns).resource(job("mine-backup")).create());
    forbidden(
        soft,
        "creating a Pod",
        "cannot create resource \"pods\"",
        () -> tenant.pods().inNamespace(ns).resource(pod()).create());
    forbidden(
        soft,
        "creating the Lease that locks the claim",
        "cannot create resource \"leases\"",
        () ->
            tenant
                .leases()
                .inNamespace(ns)
                .resource(
                    new LeaseBuilder()
                        .withNewMetadata()
                        .withName("stowage-claim-" + MariaDb.claimOf(DB))
                        .endMetadata()
                        .withNewSpec()
                        .withHolderIdentity("tenant")
                        .endSpec()
                        .build())
                .create());
    forbidden(
        soft,
        "reading the credentials Secret",
        "cannot get resource \"secrets\"",
        () -> tenant.secrets().inNamespace(ns).withName(CREDENTIALS).get());
    forbidden(
        soft,
        "listing Secrets",
        "cannot list resource \"secrets\"",
        () -> tenant.secrets().inNamespace(ns).list());
    forbidden(
        soft,
        "writing mysqlbackups/status (PUT)",
        "cannot update resource \"mysqlbackups/status\"",
        () -> {
          MysqlBackup forged =
              tenant.resources(MysqlBackup.class).inNamespace(ns).withName("mine").get();
          MysqlBackupStatus status = new MysqlBackupStatus();
          status.setPhase(Phase.Succeeded);
          status.setDirectory(ANOTHER_TENANT + "/" + MariaDb.claimOf(DB));
          forged.setStatus(status);
          tenant.resources(MysqlBackup.class).inNamespace(ns).resource(forged).updateStatus();
        });
    forbidden(
        soft,
        "writing mysqlbackups/status (PATCH)",
        "cannot patch resource \"mysqlbackups/status\"",
        () ->
            tenant
                .resources(MysqlBackup.class)
                .inNamespace(ns)
                .withName("mine")
                .subresource("status")
                .patch(
                    PatchContext.of(PatchType.JSON_MERGE),
                    "{\"status\":{\"phase\":\"Succeeded\"}}"));
    forbidden(
        soft,
        "editing a MysqlBackup's spec",
        "cannot patch resource \"mysqlbackups\"",
        () ->
            tenant
                .resources(MysqlBackup.class)
                .inNamespace(ns)
                .withName("mine")
                .patch(
                    PatchContext.of(PatchType.JSON_MERGE),
                    "{\"spec\":{\"storage\":{\"storeRef\":{\"name\":\"" + allowedStore + "\"}}}}"));
    forbidden(
        soft,
        "creating a ClusterBackupStore",
        "cannot create resource \"clusterbackupstores\"",
        () ->
            tenant
                .resource(StowageObjects.clusterStore(ns + "-mine", ns, s3, CREDENTIALS))
                .create());
    forbidden(
        soft,
        "patching a ClusterBackupStore to allow its namespace",
        "cannot patch resource \"clusterbackupstores\"",
        () ->
            patchAsTenant(
                "/apis/stowage.dev/v1alpha1/clusterbackupstores/" + otherStore,
                "{\"spec\":{\"allowedNamespaces\":[\"" + ns + "\"]}}"));
    forbidden(
        soft,
        "creating a BackupStore",
        "cannot create resource \"backupstores\"",
        () -> {
          BackupStore mineStore = new BackupStore();
          mineStore.setMetadata(new ObjectMetaBuilder().withName("mine").withNamespace(ns).build());
          BackupStoreSpec spec = new BackupStoreSpec();
          spec.setS3(StowageObjects.s3BackupOf(DB, ns, s3, CREDENTIALS).getStorage().getS3());
          mineStore.setSpec(spec);
          tenant.resource(mineStore).create();
        });
    forbidden(
        soft,
        "patching the namespace's BackupStore",
        "cannot patch resource \"backupstores\"",
        () ->
            patchAsTenant(
                "/apis/stowage.dev/v1alpha1/namespaces/" + ns + "/backupstores/team-store",
                "{\"spec\":{\"s3\":{\"prefix\":\"e2e\"}}}"));
    String s3Namespace = namespaces.get(0);
    forbidden(
        soft,
        "creating a MysqlBackup in another namespace",
        "cannot create resource \"mysqlbackups\"",
        () -> {
          MysqlBackup elsewhere = backup("elsewhere", storeBackupSpec(allowedStore));
          elsewhere.getMetadata().setNamespace(s3Namespace);
          tenant.resources(MysqlBackup.class).inNamespace(s3Namespace).resource(elsewhere).create();
        });
    soft.assertAll();

    MysqlBackup after = backup("mine");
    assertThat(after.getSpec().getStorage().getStoreRef().getName())
        .as("spec.storage.storeRef.name of mine after the forbidden edit")
        .isEqualTo(otherStore);
    assertThat(after.getStatus() == null ? null : after.getStatus().getDirectory())
        .as("status.directory of mine after the forbidden status write")
        .isNotEqualTo(ANOTHER_TENANT + "/" + MariaDb.claimOf(DB));
    assertThat(client.resources(ClusterBackupStore.class).withName(otherStore).get())
        .extracting(s -> s.getSpec().getAllowedNamespaces())
        .as("allowedNamespaces of %s", otherStore)
        .isEqualTo(List.of(ANOTHER_TENANT));
  }

  /**
   * The normal flow, as the tenant: a backup of its StatefulSet's claim through the
   * ClusterBackupStore that allows its namespace, and a restore of it into a new claim; MariaDB on
   * the restored claim gives the same rows and CHECKSUM TABLE results.
   */
  @Test
  @Order(8)
  void theTenantsBackupAndRestoreThroughAnAllowedStoreSucceed() {
    createAsTenant("nightly", spec -> {});
    tenant
        .resource(StowageObjects.restoreIntoNewClaim(ns, "nightly-restore", "nightly", "restored"))
        .create();

    MysqlBackup backup = awaitBackup("nightly", BACKUP_TIMEOUT, () -> {});
    MysqlBackupStatus status = backup.getStatus();
    assertThat(status.getPhase())
        .as("phase of MysqlBackup nightly (%s)", status.getMessage())
        .isEqualTo(Phase.Succeeded);
    assertThat(status.getLocation()).isEqualTo("clusterbackupstore://" + allowedStore);
    assertThat(status.getDirectory()).isEqualTo(ns + "/" + MariaDb.claimOf(DB));
    assertThat(status.getFiles()).isPositive();
    assertThat(status.getQuiesce()).as("status.quiesce").isNotNull();
    assertThat(status.getQuiesce().getOriginalReplicas()).isEqualTo(1);
    assertThat(status.getQuiesce().getRestoredTime()).isNotBlank();
    String manifest =
        "e2e/" + ns + "/" + status.getDirectory() + "/" + status.getBackupName() + "/MANIFEST";
    assertThat(s3.exists(manifest)).as("%s in the store's bucket", manifest).isTrue();
    db.awaitReady(DB, Duration.ofMinutes(3));

    MysqlRestore restore = awaitRestore("nightly-restore", BACKUP_TIMEOUT, () -> {});
    MysqlRestoreStatus restored = restore.getStatus();
    assertThat(restored.getPhase())
        .as("phase of MysqlRestore nightly-restore (%s)", restored.getMessage())
        .isEqualTo(Phase.Succeeded);
    assertThat(restored.getBackupName()).isEqualTo(status.getBackupName());
    assertThat(restored.getTargetPersistentVolumeClaim()).isEqualTo("restored");
    assertThat(restored.getFiles()).isEqualTo(status.getFiles());

    db.startPodOnClaim("restored-db", "restored");
    assertThat(db.sql("read-restored", "restored-db", ShopData.READ)).isEqualTo(expectedRows);
  }

  /**
   * Finding 6: the store's credential is a non-root S3 user scoped to its bucket. The same
   * credential through a store on another bucket of the server (root's) fails at the pre-flight
   * check with the server's AccessDenied, with nothing stopped.
   */
  @Test
  @Order(9)
  void theStoresUserIsDeniedABucketItDoesNotOwn() {
    String store = ns + "-other-bucket";
    ClusterBackupStore otherBucket = StowageObjects.clusterStore(store, ns, s3, CREDENTIALS);
    otherBucket.getSpec().getS3().setBucket(S3Server.OTHER_BUCKET);
    stores.add(store);
    client.resource(otherBucket).create();
    createAsTenant(
        "other-bucket", spec -> spec.getStorage().setStoreRef(new StoreRef(null, store)));
    List<Integer> replicasSeen = new ArrayList<>();
    MysqlBackup done = awaitBackup("other-bucket", FAIL_FAST, () -> replicasSeen.add(replicas()));

    MysqlBackupStatus status = done.getStatus();
    assertThat(status.getPhase())
        .as("phase of MysqlBackup other-bucket (%s)", status.getMessage())
        .isEqualTo(Phase.Failed);
    assertThat(ready(status.getConditions()).getReason()).isEqualTo("PreflightFailed");
    assertThat(status.getMessage())
        .contains("nothing was stopped")
        .contains("AccessDenied")
        .contains(S3Server.OTHER_BUCKET);
    assertThat(status.getQuiesce()).as("status.quiesce").isNull();
    assertThat(replicasSeen).as("spec.replicas of StatefulSet %s meanwhile", DB).containsOnly(1);
  }

  // ---------------------------------------------------------------- resources

  /** A backup of the StatefulSet's claim (quiesced) through the store {@code store}. */
  static MysqlBackupSpec storeBackupSpec(String store) {
    MysqlBackupSpec spec = StowageObjects.s3BackupOf(DB, ns, s3, CREDENTIALS);
    spec.getStorage().setS3(null);
    spec.getStorage().setStoreRef(new StoreRef(null, store));
    return spec;
  }

  static MysqlBackup backup(String name, MysqlBackupSpec spec) {
    MysqlBackup backup = new MysqlBackup();
    backup.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(ns).build());
    backup.setSpec(spec);
    return backup;
  }

  /** Creates, as the tenant, a backup through the allowed store after {@code adjust}. */
  static MysqlBackup createAsTenant(String name, Consumer<MysqlBackupSpec> adjust) {
    MysqlBackupSpec spec = storeBackupSpec(allowedStore);
    adjust.accept(spec);
    return tenant.resource(backup(name, spec)).create();
  }

  /** A backup as raw JSON with {@code pod} as its spec.pod, to send fields the API lacks. */
  @SuppressWarnings("unchecked")
  static GenericKubernetesResource rawBackup(String name, String store, Map<String, Object> pod) {
    GenericKubernetesResource raw =
        client
            .getKubernetesSerialization()
            .convertValue(backup(name, storeBackupSpec(store)), GenericKubernetesResource.class);
    ((Map<String, Object>) raw.getAdditionalProperties().get("spec")).put("pod", pod);
    return raw;
  }

  static Job job(String name) {
    return new JobBuilder()
        .withNewMetadata()
        .withName(name)
        .endMetadata()
        .withNewSpec()
        .withBackoffLimit(0)
        .withNewTemplate()
        .withSpec(pod().getSpec())
        .endTemplate()
        .endSpec()
        .build();
  }

  /** A pod a tenant might want: the engine image as root, mounting the database's claim. */
  static Pod pod() {
    return new PodBuilder()
        .withNewMetadata()
        .withName("root-shell")
        .endMetadata()
        .withNewSpec()
        .withRestartPolicy("Never")
        .addNewContainer()
        .withName("sh")
        .withImage(MariaDb.IMAGE)
        .withImagePullPolicy(Cluster.PULL_POLICY)
        .withCommand("sh", "-c", "cat /var/lib/mysql/mysql/user.MAD")
        .withNewSecurityContext()
        .withRunAsUser(0L)
        .withPrivileged(true)
        .endSecurityContext()
        .addNewVolumeMount()
        .withName("data")
        .withMountPath("/var/lib/mysql")
        .endVolumeMount()
        .endContainer()
        .addNewVolume()
        .withName("data")
        .withNewPersistentVolumeClaim()
        .withClaimName(MariaDb.claimOf(DB))
        .endPersistentVolumeClaim()
        .endVolume()
        .endSpec()
        .build();
  }

  /**
   * A merge patch sent as the tenant, as {@code kubectl patch} sends it: no read first (fabric8's
   * patch reads the object first, which the tenant may not do for the stores, so its 403 would be
   * the read's, not the patch's).
   */
  static void patchAsTenant(String path, String mergePatch) throws Exception {
    HttpClient http = tenant.getHttpClient();
    String url = tenant.getMasterUrl().toString().replaceAll("/$", "") + path;
    HttpRequest request =
        http.newHttpRequestBuilder()
            .uri(url)
            .method("PATCH", "application/merge-patch+json", mergePatch)
            .build();
    HttpResponse<String> response = http.sendAsync(request, String.class).get(1, TimeUnit.MINUTES);
    if (!response.isSuccessful()) {
      Status status = tenant.getKubernetesSerialization().unmarshal(response.body(), Status.class);
      throw new KubernetesClientException(
          "PATCH " + path + ": " + status.getMessage(), response.code(), status);
    }
  }

  static MysqlBackup backup(String name) {
    return client.resources(MysqlBackup.class).inNamespace(ns).withName(name).get();
  }

  static MysqlRestore restore(String name) {
    return client.resources(MysqlRestore.class).inNamespace(ns).withName(name).get();
  }

  // ---------------------------------------------------------------- assertions

  /** The call fails with {@code code} and every one of {@code messages}; returns the failure. */
  static Throwable assertRefusedAtCreate(ThrowingCallable call, int code, String... messages) {
    Throwable thrown = catchThrowable(call);
    assertThat(thrown)
        .as("the API server's answer to the tenant's create")
        .isInstanceOf(KubernetesClientException.class);
    for (String m : messages) {
      assertThat(thrown.getMessage()).as("the refusal").contains(m);
    }
    assertThat(((KubernetesClientException) thrown).getCode())
        .as("HTTP status of: %s", thrown.getMessage())
        .isEqualTo(code);
    return thrown;
  }

  /** The call is refused with 403, naming the tenant: recorded in {@code soft} as {@code what}. */
  static void forbidden(SoftAssertions soft, String what, String refusal, ThrowingCallable call) {
    Throwable thrown = catchThrowable(call);
    if (!(thrown instanceof KubernetesClientException e)) {
      soft.fail(
          "%s as %s: expected 403 Forbidden, got %s",
          what, tenantUser, thrown == null ? "success" : thrown.toString());
      return;
    }
    soft.assertThat(e.getCode())
        .as("%s as %s: HTTP status of: %s", what, tenantUser, e.getMessage())
        .isEqualTo(403);
    soft.assertThat(e.getMessage())
        .as("%s: the refusal names the tenant", what)
        .contains("User \"" + tenantUser + "\" " + refusal);
  }

  static void assertFailedInvalidSpec(MysqlBackup b, String... messages) {
    MysqlBackupStatus status = b.getStatus();
    assertThat(status.getPhase())
        .as("phase of MysqlBackup %s (%s)", b.getMetadata().getName(), status.getMessage())
        .isEqualTo(Phase.Failed);
    assertThat(ready(status.getConditions()).getReason())
        .as("reason of the Ready condition of %s", b.getMetadata().getName())
        .isEqualTo("InvalidSpec");
    for (String m : messages) {
      assertThat(status.getMessage())
          .as("status.message of %s", b.getMetadata().getName())
          .contains(m);
    }
  }

  /** No quiesce, no Job, no claim lock: the backup stopped at validation. */
  static void assertNothingTaken(String backup) {
    assertThat(backup(backup).getStatus().getQuiesce()).as("status.quiesce of %s", backup).isNull();
    assertThat(jobsOf(backup)).as("Jobs of MysqlBackup %s", backup).isEmpty();
    assertThat(
            client.leases().inNamespace(ns).withName("stowage-claim-" + MariaDb.claimOf(DB)).get())
        .as("the claim's Lease after %s", backup)
        .isNull();
    StatefulSet sts = client.apps().statefulSets().inNamespace(ns).withName(DB).get();
    assertThat(
            sts.getMetadata().getAnnotations() == null
                ? Map.of()
                : sts.getMetadata().getAnnotations())
        .as("annotations of StatefulSet %s", DB)
        .doesNotContainKeys("stowage.dev/quiesced-from", "stowage.dev/quiesced-by");
  }

  static List<String> jobsOf(String resource) {
    return client.batch().v1().jobs().inNamespace(ns).list().getItems().stream()
        .map(j -> j.getMetadata().getName())
        .filter(n -> n.startsWith(resource + "-"))
        .toList();
  }

  static Condition ready(List<Condition> conditions) {
    assertThat(conditions).as("conditions").isNotNull();
    return conditions.stream()
        .filter(c -> c.getType().equals("Ready"))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no Ready condition in " + conditions));
  }

  // ---------------------------------------------------------------- waiting

  static Integer replicas() {
    StatefulSet s = client.apps().statefulSets().inNamespace(ns).withName(DB).get();
    return s == null ? null : s.getSpec().getReplicas();
  }

  static void sampleReplicas(List<Integer> seen, Duration during) {
    Instant end = Instant.now().plus(during);
    while (Instant.now().isBefore(end)) {
      seen.add(replicas());
      try {
        Thread.sleep(250);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  /** Polls, as the tenant, until the backup is Succeeded or Failed. */
  static MysqlBackup awaitBackup(String name, Duration timeout, Runnable onPoll) {
    awaitOrExplain(
        "MysqlBackup " + name + " Succeeded or Failed",
        timeout,
        () -> {
          onPoll.run();
          MysqlBackup b = tenant.resources(MysqlBackup.class).inNamespace(ns).withName(name).get();
          return b != null && b.getStatus() != null && terminal(b.getStatus().getPhase());
        },
        name);
    return tenant.resources(MysqlBackup.class).inNamespace(ns).withName(name).get();
  }

  /** Polls, as the tenant, until the restore is Succeeded or Failed. */
  static MysqlRestore awaitRestore(String name, Duration timeout, Runnable onPoll) {
    awaitOrExplain(
        "MysqlRestore " + name + " Succeeded or Failed",
        timeout,
        () -> {
          onPoll.run();
          MysqlRestore r =
              tenant.resources(MysqlRestore.class).inNamespace(ns).withName(name).get();
          return r != null && r.getStatus() != null && terminal(r.getStatus().getPhase());
        },
        name);
    return tenant.resources(MysqlRestore.class).inNamespace(ns).withName(name).get();
  }

  static boolean terminal(Phase phase) {
    return phase == Phase.Succeeded || phase == Phase.Failed;
  }

  static void awaitOrExplain(String what, Duration timeout, Callable<Boolean> until, String name) {
    try {
      await(what).atMost(timeout).pollInterval(Duration.ofMillis(500)).until(until);
    } catch (ConditionTimeoutException e) {
      StringBuilder out = new StringBuilder(what + ": not after " + timeout.toSeconds() + " s\n");
      HasMetadata r = backup(name);
      if (r == null) {
        r = restore(name);
      }
      out.append(client.getKubernetesSerialization().asYaml(r));
      out.append("----- Jobs: ")
          .append(
              client.batch().v1().jobs().inNamespace(ns).list().getItems().stream()
                  .map(j -> j.getMetadata().getName())
                  .toList())
          .append("\n----- events\n")
          .append(Cluster.events(client, ns))
          .append(Operator.logs(client, 60));
      throw new AssertionError(out.toString(), e);
    }
  }

  /** The one ```yaml block of deploy/README.md that contains {@code marker}. */
  static String readmeBlock(String marker) throws Exception {
    Path readme = Path.of(System.getProperty("user.dir")).resolve("../deploy/README.md");
    Matcher m =
        Pattern.compile("(?ms)^( *)```yaml\\n(.*?)^\\1```$").matcher(Files.readString(readme));
    List<String> found = new ArrayList<>();
    while (m.find()) {
      if (m.group(2).contains(marker)) {
        found.add(m.group(2).replaceAll("(?m)^" + m.group(1), ""));
      }
    }
    assertThat(found).as("YAML blocks of %s containing %s", readme, marker).hasSize(1);
    return found.get(0);
  }
}
