package dev.stowage.engine.testing.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stowage.engine.storage.s3.S3Options;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.retries.api.BackoffStrategy;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

/**
 * The S3 test infrastructure works: VersityGW starts and serves the AWS SDK, the {@link FaultProxy}
 * passes every request shape the SDK sends, and each injected fault reaches the client the way the
 * real failure would.
 */
class VersityGwIT {

  private static final String BUCKET = "stowage-it";
  private static final Duration READ_TIMEOUT = Duration.ofSeconds(1);

  private static VersityGw s3;
  private static FaultProxy proxy;
  private final List<S3Client> clients = new ArrayList<>();

  @BeforeAll
  static void startServer() {
    s3 = VersityGw.start();
    s3.createBucket(BUCKET);
    proxy = FaultProxy.start(s3.endpoint());
  }

  @AfterAll
  static void stopServer() {
    if (proxy != null) {
      proxy.close();
    }
    if (s3 != null) {
      s3.close();
      assertThat(s3.isRunning()).isFalse();
      assertThat(s3.dataDir()).doesNotExist();
    }
  }

  @AfterEach
  void clear() {
    clients.forEach(S3Client::close);
    proxy.clearRules();
  }

  @Test
  void theServerStartsOnLoopbackAndCreatesARealBucket() {
    assertThat(s3.endpoint().toString()).matches("http://127\\.0\\.0\\.1:\\d+");
    assertThat(s3.isRunning()).isTrue();
    S3Client client = client(s3.endpoint(), 1);
    assertThat(client.listBuckets().buckets()).anyMatch(b -> b.name().equals(BUCKET));
    assertThat(s3.dataDir().resolve(BUCKET)).isDirectory();
    assertThatThrownBy(() -> client.headBucket(b -> b.bucket("no-such-bucket")))
        .isInstanceOfSatisfying(S3Exception.class, e -> assertThat(e.statusCode()).isEqualTo(404));
  }

  @Test
  void theStorageUrlNamesThisServerTheWayTheEngineParsesIt() {
    S3Options options = S3Options.parse(s3.storageUrl(proxy.endpoint(), BUCKET, "nightly/db1"));
    assertThat(options.bucket()).isEqualTo(BUCKET);
    assertThat(options.prefix()).isEqualTo("nightly/db1");
    assertThat(options.endpoint()).isEqualTo(proxy.endpoint());
    assertThat(options.region()).isEqualTo("us-east-1");
    assertThat(options.pathStyle()).isTrue();
    assertThat(s3.sdkEnvironment())
        .containsEntry("AWS_ACCESS_KEY_ID", s3.accessKey())
        .containsEntry("AWS_SECRET_ACCESS_KEY", s3.secretKey());
  }

  @Test
  void anObjectRoundTripsDirectlyAndLandsAsAFile() throws IOException {
    byte[] data = random(1 << 20, 1);
    S3Client client = client(s3.endpoint(), 1);
    client.putObject(b -> b.bucket(BUCKET).key("direct/obj"), RequestBody.fromBytes(data));
    assertThat(client.getObjectAsBytes(b -> b.bucket(BUCKET).key("direct/obj")).asByteArray())
        .isEqualTo(data);
    assertThat(Files.readAllBytes(s3.dataDir().resolve(BUCKET).resolve("direct/obj")))
        .isEqualTo(data);

    // The server keeps connections open, as S3 does.
    try (Socket socket = new Socket("127.0.0.1", s3.port())) {
      socket.setSoTimeout(5000);
      byte[] twoRequests =
          "GET / HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
              .getBytes(StandardCharsets.US_ASCII);
      socket.getOutputStream().write(twoRequests);
      String answers =
          new String(socket.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
      assertThat(answers.split("HTTP/1.1 403", -1)).as(answers).hasSize(3);
    }
  }

  @Test
  void everyRequestShapeTheSdkSendsPassesThroughTheProxy() {
    S3Client client = client(proxy.endpoint(), 1);
    int before = proxy.requests();

    // Content-Length body; PutObject also sends Expect: 100-continue.
    byte[] small = random(300_000, 2);
    client.putObject(b -> b.bucket(BUCKET).key("proxy/length"), RequestBody.fromBytes(small));
    assertThat(get(client, "proxy/length")).isEqualTo(small);

    // Unknown length: the SDK sends a chunked body.
    byte[] streamed = random(700_000, 3);
    client.putObject(
        b -> b.bucket(BUCKET).key("proxy/chunked"),
        RequestBody.fromContentProvider(
            ContentStreamProvider.fromByteArray(streamed), "application/octet-stream"));
    assertThat(get(client, "proxy/chunked")).isEqualTo(streamed);

    // Multipart upload, the engine's path for compressed streams of unknown length.
    byte[] part1 = random(5 << 20, 4);
    byte[] part2 = random(1000, 5);
    String key = "proxy/multipart";
    String uploadId = client.createMultipartUpload(b -> b.bucket(BUCKET).key(key)).uploadId();
    String etag1 =
        client
            .uploadPart(
                b -> b.bucket(BUCKET).key(key).uploadId(uploadId).partNumber(1),
                RequestBody.fromBytes(part1))
            .eTag();
    String etag2 =
        client
            .uploadPart(
                b -> b.bucket(BUCKET).key(key).uploadId(uploadId).partNumber(2),
                RequestBody.fromBytes(part2))
            .eTag();
    client.completeMultipartUpload(
        b ->
            b.bucket(BUCKET)
                .key(key)
                .uploadId(uploadId)
                .multipartUpload(
                    m ->
                        m.parts(
                            CompletedPart.builder().partNumber(1).eTag(etag1).build(),
                            CompletedPart.builder().partNumber(2).eTag(etag2).build())));
    byte[] whole = get(client, key);
    assertThat(whole).hasSize(part1.length + part2.length);
    assertThat(Arrays.copyOfRange(whole, part1.length, whole.length)).isEqualTo(part2);
    assertThat(Arrays.copyOf(whole, part1.length)).isEqualTo(part1);

    assertThat(client.listObjectsV2(b -> b.bucket(BUCKET).prefix("proxy/")).contents())
        .extracting(o -> o.key())
        .contains("proxy/length", "proxy/chunked", "proxy/multipart");
    assertThat(proxy.requests() - before).isGreaterThanOrEqualTo(10);
    assertThat(proxy.events()).anyMatch(e -> e.startsWith("POST /stowage-it/proxy/multipart?"));
  }

  @Test
  void aChunkedRequestBodyReachesTheServerAndItsEarlyRefusalReachesTheClient() throws Exception {
    // The SDK always sends a Content-Length (it buffers a stream of unknown length), so a
    // presigned PUT from a client that streams with Transfer-Encoding: chunked covers that
    // framing. S3 and VersityGW refuse a PutObject without a length, answering before the body
    // is read: the proxy must relay that answer, not reset the client.
    byte[] data = random(3 << 20, 11);
    String key = "proxy/te-chunked";
    URI url;
    try (S3Presigner presigner =
        S3Presigner.builder()
            .endpointOverride(proxy.endpoint())
            .region(Region.of(s3.region()))
            .credentialsProvider(
                StaticCredentialsProvider.create(
                    AwsBasicCredentials.create(s3.accessKey(), s3.secretKey())))
            .serviceConfiguration(S3Configuration.builder().pathStyleAccessEnabled(true).build())
            .build()) {
      url =
          presigner
              .presignPutObject(
                  p ->
                      p.signatureDuration(Duration.ofMinutes(5))
                          .putObjectRequest(r -> r.bucket(BUCKET).key(key)))
              .url()
              .toURI();
    }
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    HttpResponse<String> response =
        http.send(
            HttpRequest.newBuilder(url)
                .PUT(BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(data)))
                .build(),
            BodyHandlers.ofString());
    assertThat(response.statusCode()).as(response.body()).isEqualTo(411);
    assertThat(response.body()).contains("<Code>MissingContentLength</Code>");
    assertThat(proxy.events())
        .anyMatch(
            e -> e.startsWith("PUT /stowage-it/" + key + "?") && e.contains("{chunked} -> 411"));
  }

  @Test
  void theSdkDefaultChecksumsWorkThroughTheProxy() {
    // The SDK's default since 2.30: a CRC32 trailer in an aws-chunked body, validated on GET.
    S3Client client =
        track(
            s3.clientBuilder(proxy.endpoint())
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_SUPPORTED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_SUPPORTED)
                .build());
    byte[] data = random(2 << 20, 6);
    client.putObject(b -> b.bucket(BUCKET).key("proxy/checksummed"), RequestBody.fromBytes(data));
    assertThat(get(client, "proxy/checksummed")).isEqualTo(data);
  }

  @Test
  void internalErrorsAreRetriedAndSurfaceWhenTheyNeverStop() {
    S3Client client = client(proxy.endpoint(), 3);
    // Large enough that the SDK sends Expect: 100-continue, which the error answers.
    byte[] data = random(2 << 20, 7);

    FaultProxy.Rule twice = proxy.inject(FaultProxy.Fault.internalError(), "PUT", "/errors/3-1", 2);
    client.putObject(b -> b.bucket(BUCKET).key("errors/3-1"), RequestBody.fromBytes(data));
    assertThat(twice.injected()).isEqualTo(2);
    assertThat(twice.matched()).as("two faults, then the retry that passed").isEqualTo(3);
    assertThat(proxy.events())
        .anyMatch(e -> e.contains("100-continue} -> injected 500 InternalError"));

    FaultProxy.Rule always = proxy.injectAlways(FaultProxy.Fault.internalError(), "GET", "3-1");
    assertThatThrownBy(() -> get(client, "errors/3-1"))
        .isInstanceOfSatisfying(
            S3Exception.class,
            e -> {
              assertThat(e.statusCode()).isEqualTo(500);
              assertThat(e.awsErrorDetails().errorCode()).isEqualTo("InternalError");
              assertThat(e.requestId()).startsWith("FAULTPROXY");
            });
    assertThat(always.injected()).as("every attempt").isEqualTo(3);

    proxy.clearRules();
    assertThat(get(client, "errors/3-1")).isEqualTo(data);
  }

  @Test
  void slowDownIsThrottlingThatIsRetriedAndSurfacesWhenItNeverStops() {
    S3Client client = client(proxy.endpoint(), 2);
    byte[] data = random(10_000, 8);

    FaultProxy.Rule once = proxy.inject(FaultProxy.Fault.slowDown(), "PUT", "slow/3-1", 1);
    client.putObject(b -> b.bucket(BUCKET).key("slow/3-1"), RequestBody.fromBytes(data));
    assertThat(once.injected()).isEqualTo(1);
    assertThat(once.matched()).isEqualTo(2);

    FaultProxy.Rule always = proxy.injectAlways(FaultProxy.Fault.slowDown(), "GET", "slow/3-1");
    assertThatThrownBy(() -> get(client, "slow/3-1"))
        .isInstanceOfSatisfying(
            S3Exception.class,
            e -> {
              assertThat(e.statusCode()).isEqualTo(503);
              assertThat(e.awsErrorDetails().errorCode()).isEqualTo("SlowDown");
              assertThat(e.isThrottlingException()).isTrue();
            });
    assertThat(always.injected()).isEqualTo(2);
  }

  @Test
  void aResetInTheMiddleOfABodyIsAnIoErrorThatARetryRecoversFrom() throws IOException {
    byte[] data = random(1 << 20, 9);
    client(s3.endpoint(), 1)
        .putObject(b -> b.bucket(BUCKET).key("reset/3-1"), RequestBody.fromBytes(data));

    // Streaming read: the SDK has handed over the body, so the reset reaches the reader.
    S3Client noRetry = client(proxy.endpoint(), 1);
    FaultProxy.Rule streamed =
        proxy.injectAlways(FaultProxy.Fault.resetMidBody(), "GET", "reset/3-1");
    try (ResponseInputStream<GetObjectResponse> in =
        noRetry.getObject(b -> b.bucket(BUCKET).key("reset/3-1"))) {
      assertThat(in.response().contentLength()).isEqualTo(data.length);
      assertThatThrownBy(in::readAllBytes).isInstanceOf(IOException.class);
    }
    assertThat(streamed.injected()).isEqualTo(1);
    assertThat(proxy.events())
        .anyMatch(e -> e.contains("reset mid-body after " + data.length / 2 + " body bytes"));

    // Buffered read: the SDK sees the reset and, without retries, gives up.
    assertThatThrownBy(() -> get(noRetry, "reset/3-1"))
        .isInstanceOf(SdkClientException.class)
        .satisfies(e -> assertThat(causes(e)).anyMatch(c -> c instanceof IOException));
    proxy.clearRules();

    // With retries the SDK recovers from one reset on a GET and one on a PUT's response.
    S3Client retrying = client(proxy.endpoint(), 2);
    FaultProxy.Rule get = proxy.inject(FaultProxy.Fault.resetMidBody(), "GET", "reset/3-1", 1);
    assertThat(get(retrying, "reset/3-1")).isEqualTo(data);
    assertThat(get.injected()).isEqualTo(1);
    assertThat(get.matched()).isEqualTo(2);
    FaultProxy.Rule put = proxy.inject(FaultProxy.Fault.resetMidBody(), "PUT", "reset/3-2", 1);
    retrying.putObject(b -> b.bucket(BUCKET).key("reset/3-2"), RequestBody.fromBytes(data));
    assertThat(put.injected()).isEqualTo(1);
    assertThat(put.matched()).isEqualTo(2);
    assertThat(get(retrying, "reset/3-2")).isEqualTo(data);
  }

  @Test
  void aStallTripsTheClientReadTimeout() throws IOException {
    byte[] data = random(1 << 20, 10);
    client(s3.endpoint(), 1)
        .putObject(b -> b.bucket(BUCKET).key("stall/3-1"), RequestBody.fromBytes(data));
    S3Client noRetry = client(proxy.endpoint(), 1);
    Duration stall = Duration.ofSeconds(20);

    // A server that accepts the request and goes silent.
    FaultProxy.Rule silent = proxy.injectAlways(FaultProxy.Fault.stall(stall), "GET", "stall/3-1");
    long start = System.nanoTime();
    assertThatThrownBy(() -> get(noRetry, "stall/3-1"))
        .isInstanceOf(SdkClientException.class)
        .satisfies(e -> assertThat(causes(e)).anyMatch(c -> c instanceof SocketTimeoutException));
    assertThat(Duration.ofNanos(System.nanoTime() - start))
        .as("the read timeout, not the stall, ended the call")
        .isLessThan(stall.dividedBy(2));
    assertThat(silent.injected()).isEqualTo(1);
    proxy.clearRules();

    // A transfer that stops halfway: the reader's next read times out.
    proxy.injectAlways(FaultProxy.Fault.stallMidBody(stall), "GET", "stall/3-1");
    start = System.nanoTime();
    try (ResponseInputStream<GetObjectResponse> in =
        noRetry.getObject(b -> b.bucket(BUCKET).key("stall/3-1"))) {
      assertThatThrownBy(in::readAllBytes).isInstanceOf(SocketTimeoutException.class);
    }
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(stall.dividedBy(2));
    proxy.clearRules();

    // One stall, then a retry that passes.
    S3Client retrying = client(proxy.endpoint(), 2);
    FaultProxy.Rule once = proxy.inject(FaultProxy.Fault.stall(stall), "GET", "stall/3-1", 1);
    assertThat(get(retrying, "stall/3-1")).isEqualTo(data);
    assertThat(once.matched()).isEqualTo(2);
  }

  @Test
  void parallelRequestsThroughTheProxyAreEachCountedOnce() throws Exception {
    // The engine keeps 8 GETs in flight; faults and counts must hold under that.
    byte[] data = random(256 << 10, 12);
    client(s3.endpoint(), 1)
        .putObject(b -> b.bucket(BUCKET).key("parallel/3-1"), RequestBody.fromBytes(data));
    S3Client client = client(proxy.endpoint(), 5);
    FaultProxy.Rule rule = proxy.inject(FaultProxy.Fault.resetMidBody(), "GET", "parallel/3-1", 4);
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Future<byte[]>> gets = new ArrayList<>();
      for (int i = 0; i < 16; i++) {
        gets.add(pool.submit(() -> get(client, "parallel/3-1")));
      }
      for (Future<byte[]> f : gets) {
        assertThat(f.get(2, TimeUnit.MINUTES)).isEqualTo(data);
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(rule.injected()).isEqualTo(4);
    assertThat(rule.matched()).as("16 GETs and 4 retries").isEqualTo(20);
  }

  /** A client with a short read timeout and {@code attempts} tries, with little backoff. */
  private S3Client client(URI endpoint, int attempts) {
    return track(
        s3.clientBuilder(endpoint)
            .httpClientBuilder(Apache5HttpClient.builder().socketTimeout(READ_TIMEOUT))
            .overrideConfiguration(
                o ->
                    o.retryStrategy(
                        r ->
                            r.maxAttempts(attempts)
                                .backoffStrategy(BackoffStrategy.fixedDelay(Duration.ofMillis(20)))
                                .throttlingBackoffStrategy(
                                    BackoffStrategy.fixedDelay(Duration.ofMillis(20)))))
            .build());
  }

  private S3Client track(S3Client client) {
    clients.add(client);
    return client;
  }

  private static byte[] get(S3Client client, String key) {
    return client.getObjectAsBytes(b -> b.bucket(BUCKET).key(key)).asByteArray();
  }

  private static byte[] random(int size, long seed) {
    byte[] b = new byte[size];
    new Random(seed).nextBytes(b);
    return b;
  }

  private static List<Throwable> causes(Throwable t) {
    List<Throwable> chain = new ArrayList<>();
    for (Throwable c = t; c != null && !chain.contains(c); c = c.getCause()) {
      chain.add(c);
    }
    return chain;
  }
}
