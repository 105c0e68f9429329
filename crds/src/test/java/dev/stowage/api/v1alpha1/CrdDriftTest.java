package dev.stowage.api.v1alpha1;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Fails the build when the CRDs generated from the Java classes differ from the copies committed
 * under deploy/crds, which is what users and the operator's kustomize base install.
 */
class CrdDriftTest {
  static final String HOW_TO_UPDATE =
      "Regenerate the committed copies with `make crds` (that is:"
          + " mvn -B -ntp -f crds/pom.xml -Pupdate-crds process-classes) and commit deploy/crds.";

  @Test
  void committedCrdsMatchTheGeneratedOnes() throws IOException {
    Path generated = CrdFiles.generatedDir();
    Path committed = CrdFiles.committedDir();

    assertThat(names(generated))
        .as(
            "CRDs generated into %s versus those committed in %s. %s",
            generated, committed, HOW_TO_UPDATE)
        .containsExactlyInAnyOrderElementsOf(names(committed))
        .contains(CrdFiles.BACKUP, CrdFiles.RESTORE, CrdFiles.SCHEDULE);
    for (String name : names(generated)) {
      List<String> want = Files.readAllLines(generated.resolve(name));
      List<String> have = Files.readAllLines(committed.resolve(name));
      assertThat(firstDifference(want, have))
          .as("deploy/crds/%s is out of date with the Java API classes. %s", name, HOW_TO_UPDATE)
          .isEmpty();
    }
  }

  /** The first line that differs, as a short message, or "" when the files are equal. */
  static String firstDifference(List<String> generated, List<String> committed) {
    int n = Math.min(generated.size(), committed.size());
    for (int i = 0; i < n; i++) {
      if (!generated.get(i).equals(committed.get(i))) {
        return "line "
            + (i + 1)
            + ": generated \""
            + generated.get(i).strip()
            + "\" but committed \""
            + committed.get(i).strip()
            + "\"";
      }
    }
    if (generated.size() != committed.size()) {
      return "generated has " + generated.size() + " lines, committed " + committed.size();
    }
    return "";
  }

  @Test
  void aChangedLineIsReportedWithItsNumber() {
    assertThat(firstDifference(List.of("a", "b: 1"), List.of("a", "b: 2")))
        .isEqualTo("line 2: generated \"b: 1\" but committed \"b: 2\"");
    assertThat(firstDifference(List.of("a", "b"), List.of("a"))).contains("2 lines, committed 1");
    assertThat(firstDifference(List.of("a"), List.of("a"))).isEmpty();
  }

  private static List<String> names(Path dir) throws IOException {
    assertThat(dir).as("%s must exist. %s", dir, HOW_TO_UPDATE).isDirectory();
    try (Stream<Path> files = Files.list(dir)) {
      return files
          .map(p -> p.getFileName().toString())
          .filter(n -> n.endsWith(".yml"))
          .sorted()
          .toList();
    }
  }
}
