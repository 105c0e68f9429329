package dev.stowage.api.v1alpha1;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Where the tests find the generated and the committed CRDs (paths set by the pom). */
public final class CrdFiles {
  public static final String BACKUP = "mysqlbackups.stowage.dev-v1.yml";
  public static final String RESTORE = "mysqlrestores.stowage.dev-v1.yml";
  public static final String SCHEDULE = "mysqlbackupschedules.stowage.dev-v1.yml";
  public static final String CLUSTER_STORE = "clusterbackupstores.stowage.dev-v1.yml";
  public static final String STORE = "backupstores.stowage.dev-v1.yml";

  /** Every CRD of the project, as deploy/kustomization.yaml lists them. */
  public static final java.util.List<String> ALL =
      java.util.List.of(BACKUP, RESTORE, SCHEDULE, CLUSTER_STORE, STORE);

  private CrdFiles() {}

  static Path generatedDir() {
    return Path.of(System.getProperty("stowage.crds.generated", "target/classes/META-INF/fabric8"));
  }

  public static Path committedDir() {
    return Path.of(System.getProperty("stowage.crds.committed", "../deploy/crds"));
  }

  /** Parses a generated CRD with the fabric8 model the operator uses. */
  static CustomResourceDefinition generated(String name) {
    try (InputStream in = Files.newInputStream(generatedDir().resolve(name))) {
      return new KubernetesSerialization().unmarshal(in, CustomResourceDefinition.class);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
