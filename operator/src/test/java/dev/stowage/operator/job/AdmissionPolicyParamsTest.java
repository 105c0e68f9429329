package dev.stowage.operator.job;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The admission policy of deploy/admission fails closed: its engine image parameter must name the
 * repository of the image deploy/operator.yaml gives the operator, or every engine Job is refused.
 */
class AdmissionPolicyParamsTest {
  static final Path DEPLOY = Path.of("..", "deploy");
  static final KubernetesSerialization YAML = new KubernetesSerialization();

  static List<HasMetadata> read(Path file) throws IOException {
    List<HasMetadata> out = new ArrayList<>();
    for (String doc : Files.readString(file).split("(?m)^---$")) {
      if (doc.lines().anyMatch(l -> l.startsWith("kind:"))) {
        out.add(YAML.unmarshal(doc));
      }
    }
    return out;
  }

  @Test
  void thePolicysEngineImageIsTheRepositoryOfTheShippedEngineImage() throws IOException {
    String param =
        read(DEPLOY.resolve("admission/policy.yaml")).stream()
            .filter(ConfigMap.class::isInstance)
            .map(r -> ((ConfigMap) r).getData().get("engineImage"))
            .findFirst()
            .orElseThrow();
    String shipped =
        read(DEPLOY.resolve("operator.yaml")).stream()
            .filter(Deployment.class::isInstance)
            .flatMap(
                d ->
                    ((Deployment) d)
                        .getSpec().getTemplate().getSpec().getContainers().stream()
                            .flatMap(c -> c.getEnv().stream()))
            .filter(e -> e.getName().equals("STOWAGE_ENGINE_IMAGE"))
            .map(e -> e.getValue())
            .findFirst()
            .orElseThrow();
    String repository = shipped.replaceAll("(@.*|:[^:/]*)$", "");
    assertThat(param).as("engineImage of deploy/admission/policy.yaml").isEqualTo(repository);
  }
}
