package dev.stowage.engine.backup;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stowage.engine.EngineFixture;
import dev.stowage.engine.storage.file.FileStorage;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 10, case 13: the Vitess format has no hard links, so hard-linked files come back as
 * separate copies; the backup says which files that concerns.
 */
class HardLinkWarningTest {
  @TempDir Path tmp;

  private String backupLog(Path data) throws Exception {
    Files.createDirectories(tmp.resolve("backups"));
    PrintStream err = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try {
      EngineFixture.backup(new FileStorage(tmp.resolve("backups")), data, "b1");
    } finally {
      System.setErr(err);
    }
    return captured.toString(StandardCharsets.UTF_8);
  }

  @Test
  void hardLinkedFilesAreNamedInAWarning() throws Exception {
    Path data = Files.createDirectories(tmp.resolve("data/shop"));
    Files.writeString(data.resolve("t.ibd"), "table");
    Files.createLink(data.resolve("t-copy.ibd"), data.resolve("t.ibd"));
    Files.writeString(data.resolve("alone.ibd"), "single");
    String log = backupLog(tmp.resolve("data"));
    assertThat(log)
        .contains("hard links")
        .contains("separate copy")
        .contains("shop/t.ibd")
        .contains("shop/t-copy.ibd")
        .doesNotContain("shop/alone.ibd");
  }

  @Test
  void noWarningWithoutHardLinks() throws Exception {
    Path data = Files.createDirectories(tmp.resolve("data/shop"));
    Files.writeString(data.resolve("t.ibd"), "table");
    assertThat(backupLog(tmp.resolve("data"))).doesNotContain("hard links");
  }
}
