package dev.stowage.engine.storage.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stowage.engine.storage.BackupLocation;
import dev.stowage.engine.storage.ObjectWriter;
import dev.stowage.engine.testing.s3.VersityGw;
import java.io.InputStream;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ReadableByteChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLPeerUnverifiedException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.SdkResponse;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.http.SdkHttpResponse;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;

/**
 * S3 over TLS through {@link BufferedTlsStrategy}, against VersityGW with a certificate for
 * 127.0.0.1 (which sends 4 KiB of body per TLS record): objects come back byte for byte, and the
 * checks the SDK's own TLS set-up makes still hold: the CA bundle is what is trusted, and the
 * certificate must name the host that was asked for. GetObject responses arrive with a {@code
 * Last-Modified} date and are unmarshalled without it ({@link UnreadResponseHeaders}).
 */
class S3TlsIT {
  private static final String BUCKET = "stowage-tls-it";
  private static final BackupLocation LOC = new BackupLocation("ns/db", "b1");
  static VersityGw s3;

  @BeforeAll
  static void start() {
    s3 = VersityGw.startTls();
    s3.createBucket(BUCKET);
    s3.useAsJvmCredentials();
  }

  @AfterAll
  static void stop() {
    if (s3 != null) {
      s3.close();
    }
  }

  private static S3Storage storage(String url) {
    return new S3Storage(S3Options.parse(url), 2, List.of());
  }

  @Test
  void anObjectOfManyRecordsComesBackByteForByte() throws Exception {
    byte[] object = new byte[(7 << 20) + 4321];
    new Random(12).nextBytes(object);
    try (S3Storage storage = storage(s3.storageUrl(BUCKET, "round-trip"))) {
      try (ObjectWriter w = storage.create(LOC, "0", false)) {
        w.write(ByteBuffer.wrap(object));
        w.commit();
      }
      for (int i = 0; i < 3; i++) { // the pooled connection, read again
        try (ReadableByteChannel ch = storage.open(LOC, "0");
            InputStream in = Channels.newInputStream(ch)) {
          assertThat(in.readAllBytes()).isEqualTo(object);
        }
      }
      assertThat(storage.size(LOC, "0")).isEqualTo(object.length);
    }
  }

  @Test
  void aServerWhoseCertificateNamesAnotherHostIsRefused() {
    // The certificate is for IP 127.0.0.1 only; "localhost" reaches the same server.
    URI byName = URI.create("https://localhost:" + s3.port());
    try (S3Storage storage = storage(s3.storageUrl(byName, BUCKET, "by-name"))) {
      assertThatThrownBy(() -> storage.size(LOC, "0"))
          .satisfies(
              e -> assertThat(causes(e)).anyMatch(SSLPeerUnverifiedException.class::isInstance))
          .hasStackTraceContaining("localhost");
    }
  }

  @Test
  void withoutTheCaBundleTheServerIsNotTrusted() {
    String url = s3.storageUrl(BUCKET, "untrusted").replaceAll("&caBundle=[^&]*", "");
    assertThat(url).doesNotContain("caBundle");
    try (S3Storage storage = storage(url)) {
      assertThatThrownBy(() -> storage.size(LOC, "0"))
          .satisfies(e -> assertThat(causes(e)).anyMatch(SSLHandshakeException.class::isInstance));
    }
  }

  private static List<Throwable> causes(Throwable e) {
    List<Throwable> all = new ArrayList<>();
    for (Throwable t = e; t != null && !all.contains(t); t = t.getCause()) {
      all.add(t);
    }
    return all;
  }

  /**
   * GetObject responses as they arrived (the SDK runs response hooks in reverse order, so this
   * one's {@code modifyHttpResponse} comes before the engine's) and every response as unmarshalled.
   */
  static final class Unmarshalled implements ExecutionInterceptor {
    final List<SdkResponse> seen = new ArrayList<>();
    final List<Boolean> arrivedWithDate = new ArrayList<>();

    @Override
    public synchronized SdkHttpResponse modifyHttpResponse(
        Context.ModifyHttpResponse context, ExecutionAttributes attributes) {
      if (context.request() instanceof GetObjectRequest) {
        arrivedWithDate.add(
            context.httpResponse().firstMatchingHeader("Last-Modified").isPresent());
      }
      return context.httpResponse();
    }

    @Override
    public synchronized void afterUnmarshalling(
        Context.AfterUnmarshalling context, ExecutionAttributes attributes) {
      seen.add(context.response());
    }
  }

  @Test
  void aGetArrivesWithoutItsUnreadDateAndWithEveryByte() throws Exception {
    byte[] data = new byte[300_000];
    new Random(3).nextBytes(data);
    Unmarshalled after = new Unmarshalled();
    try (S3Storage storage =
        new S3Storage(
            S3Options.parse(s3.storageUrl(BUCKET, "response-headers")), 2, List.of(after))) {
      try (ObjectWriter w = storage.create(LOC, "0", false)) {
        w.write(ByteBuffer.wrap(data));
        w.commit();
      }
      try (ReadableByteChannel ch = storage.open(LOC, "0");
          InputStream in = Channels.newInputStream(ch)) {
        assertThat(in.readAllBytes()).isEqualTo(data);
      }
      assertThat(storage.size(LOC, "0")).isEqualTo(data.length);
    }
    List<GetObjectResponse> gets =
        after.seen.stream()
            .filter(GetObjectResponse.class::isInstance)
            .map(GetObjectResponse.class::cast)
            .toList();
    assertThat(gets).isNotEmpty();
    // VersityGW does send the date: without the engine's interceptor the SDK would parse it.
    assertThat(after.arrivedWithDate).hasSameSizeAs(gets).containsOnly(true);
    assertThat(gets)
        .allSatisfy(
            g -> {
              assertThat(g.lastModified()).isNull();
              assertThat(g.eTag()).isNotBlank();
              assertThat(g.contentLength()).isEqualTo(data.length);
            });
    assertThat(after.seen)
        .filteredOn(HeadObjectResponse.class::isInstance)
        .isNotEmpty()
        .allSatisfy(h -> assertThat(((HeadObjectResponse) h).lastModified()).isNotNull());
  }
}
