package dev.stowage.operator.job;

import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Golden files under {@code src/test/resources/golden}: an output is compared with its file and a
 * difference fails with a line diff. To accept new output after reviewing it, run
 *
 * <pre>mvn -B -ntp -f operator/pom.xml test -Dgolden.update=true</pre>
 *
 * and read the change with {@code git diff operator/src/test/resources/golden} before committing.
 */
final class GoldenFiles {
  private GoldenFiles() {}

  static Path dir() {
    String dir = System.getProperty("golden.dir");
    if (dir == null) {
      throw new IllegalStateException(
          "system property golden.dir is not set: run the tests through Maven (operator/pom.xml)");
    }
    return Path.of(dir);
  }

  static String read(String file) {
    try {
      return Files.readString(dir().resolve(file), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read golden file " + dir().resolve(file), e);
    }
  }

  /** Fails with a diff when {@code actual} differs from the file; rewrites it in update mode. */
  static void assertMatches(String file, String actual) {
    Path path = dir().resolve(file);
    if (Boolean.getBoolean("golden.update")) {
      try {
        Files.writeString(path, actual, StandardCharsets.UTF_8);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      return;
    }
    if (!Files.exists(path)) {
      fail(
          "golden file %s does not exist; review this output and create it with"
              + " -Dgolden.update=true:%n%s",
          path, actual);
    }
    String expected = read(file);
    if (!expected.equals(actual)) {
      fail(
          "%s differs from the generated output (- expected, + actual). If the change is intended,"
              + " rerun with -Dgolden.update=true and review git diff.%n%s",
          path, diff(expected, actual));
    }
  }

  /** A line diff (longest common subsequence), with two lines of context around each change. */
  static String diff(String expected, String actual) {
    List<String> a = expected.lines().toList();
    List<String> b = actual.lines().toList();
    int[][] lcs = new int[a.size() + 1][b.size() + 1];
    for (int i = a.size() - 1; i >= 0; i--) {
      for (int j = b.size() - 1; j >= 0; j--) {
        lcs[i][j] =
            a.get(i).equals(b.get(j))
                ? lcs[i + 1][j + 1] + 1
                : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
      }
    }
    List<String> ops = new ArrayList<>();
    int i = 0;
    int j = 0;
    while (i < a.size() || j < b.size()) {
      if (i < a.size() && j < b.size() && a.get(i).equals(b.get(j))) {
        ops.add(String.format("  %4d %s", i + 1, a.get(i)));
        i++;
        j++;
      } else if (i < a.size() && (j == b.size() || lcs[i + 1][j] >= lcs[i][j + 1])) {
        ops.add(String.format("- %4d %s", i + 1, a.get(i)));
        i++;
      } else {
        ops.add(String.format("+ %4d %s", j + 1, b.get(j)));
        j++;
      }
    }
    StringBuilder out = new StringBuilder();
    int lastShown = -1;
    for (int k = 0; k < ops.size(); k++) {
      boolean near = false;
      for (int d = -2; d <= 2 && !near; d++) {
        int n = k + d;
        near = n >= 0 && n < ops.size() && !ops.get(n).startsWith(" ");
      }
      if (near) {
        if (lastShown >= 0 && k > lastShown + 1) {
          out.append("  ...\n");
        }
        out.append(ops.get(k)).append('\n');
        lastShown = k;
      }
    }
    return out.toString();
  }
}
