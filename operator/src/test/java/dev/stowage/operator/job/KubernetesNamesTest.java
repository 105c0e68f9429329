package dev.stowage.operator.job;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class KubernetesNamesTest {
  @Test
  void shortNamesAreKeptAsTheyAre() {
    assertThat(KubernetesNames.jobName("orders", "backup")).isEqualTo("orders-backup");
    String exactly63 = "a".repeat(56) + "-backup";
    assertThat(KubernetesNames.jobName("a".repeat(56), "backup")).isEqualTo(exactly63);
  }

  @Test
  void longNamesKeepAPrefixAHashAndTheSuffix() {
    String name = KubernetesNames.jobName("a".repeat(57), "backup");
    assertThat(name).hasSize(63).startsWith("aaaa").endsWith("-backup");
    assertThat(name).matches("a+-[0-9a-f]{16}-backup");
  }

  @Test
  void longNamesWithACommonPrefixDoNotCollide() {
    String common = "x".repeat(100);
    assertThat(KubernetesNames.jobName(common + "-one", "restore"))
        .isNotEqualTo(KubernetesNames.jobName(common + "-two", "restore"));
  }

  @Test
  void aCutPrefixNeverEndsWithADashOrDot() {
    // 63 - "-rm" - "-" - 16 hash characters leaves 43: the cut falls right after ".-", which is
    // dropped rather than followed by another dash.
    String name = KubernetesNames.jobName("b".repeat(41) + ".-" + "c".repeat(40), "rm");
    assertThat(name).matches("b{41}-[0-9a-f]{16}-rm");
  }

  /** Issue 15, finding 11: 64 bits of hash, so names that share a prefix do not meet by chance. */
  @Test
  void theHashIs64Bits() {
    assertThat(KubernetesNames.jobName("e".repeat(100), "backup"))
        .matches("e+-[0-9a-f]{16}-backup");
    assertThat(
            KubernetesNames.fit("e".repeat(100), "backup", 63, KubernetesNames.LEGACY_HASH_CHARS))
        .matches("e+-[0-9a-f]{8}-backup");
  }

  @Test
  void labelValuesFit63Characters() {
    assertThat(KubernetesNames.labelValue("short")).isEqualTo("short");
    assertThat(KubernetesNames.labelValue("d".repeat(253))).hasSize(63).matches("d+-[0-9a-f]{16}");
  }
}
