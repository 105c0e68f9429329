package dev.stowage.engine.storage.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stowage.engine.error.EngineException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class S3OptionsTest {
  @Test
  void parsesBucketPrefixAndOptions() {
    S3Options o =
        S3Options.parse(
            "s3://backups/prod/mysql/?endpoint=https%3A%2F%2Fminio.local%3A9000"
                + "&region=eu-west-1&pathStyle=false&caBundle=/etc/ca.pem&checksums=when_supported&partSize=16Mi&readTimeout=5s");
    assertThat(o.bucket()).isEqualTo("backups");
    assertThat(o.prefix()).isEqualTo("prod/mysql");
    assertThat(o.endpoint()).isEqualTo(URI.create("https://minio.local:9000"));
    assertThat(o.region()).isEqualTo("eu-west-1");
    assertThat(o.pathStyle()).isFalse();
    assertThat(o.caBundle()).isEqualTo(Path.of("/etc/ca.pem"));
    assertThat(o.checksumsWhenSupported()).isTrue();
    assertThat(o.partSize()).isEqualTo(16L << 20);
    assertThat(o.readTimeout()).isEqualTo(Duration.ofSeconds(5));
    assertThat(o.key("ns/db", "b1", "3-0")).isEqualTo("prod/mysql/ns/db/b1/3-0");
    assertThat(o.describe("prod/x")).isEqualTo("s3://backups/prod/x");
  }

  @Test
  void defaultsSuitS3CompatibleStores() {
    S3Options o = S3Options.parse("s3://b?endpoint=http://127.0.0.1:7070");
    assertThat(o.prefix()).isEmpty();
    assertThat(o.pathStyle()).as("path style by default with a custom endpoint").isTrue();
    assertThat(o.checksumsWhenSupported()).as("only the checksums every store accepts").isFalse();
    assertThat(o.key("ns/db", "b1")).isEqualTo("ns/db/b1");
    assertThat(S3Options.parse("s3://b/p").pathStyle()).isFalse();
  }

  @Test
  void badOptionsAreInvalidArguments() {
    assertThatThrownBy(() -> S3Options.parse("s3:///nobucket"))
        .isInstanceOf(EngineException.class)
        .hasMessageContaining("bucket");
    assertThatThrownBy(() -> S3Options.parse("s3://b?endpont=x")).hasMessageContaining("endpont");
    assertThatThrownBy(() -> S3Options.parse("s3://b?endpoint=ftp://x"))
        .hasMessageContaining("http");
    assertThatThrownBy(() -> S3Options.parse("s3://b?checksums=always"))
        .hasMessageContaining("when_required");
    assertThatThrownBy(() -> S3Options.parse("s3://b?partSize=1Mi")).hasMessageContaining("5Mi");
    assertThatThrownBy(() -> S3Options.parse("s3://b?pathStyle=yes"))
        .hasMessageContaining("true or false");
  }
}
