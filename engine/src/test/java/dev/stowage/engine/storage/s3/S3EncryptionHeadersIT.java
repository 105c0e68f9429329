package dev.stowage.engine.storage.s3;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stowage.engine.storage.BackupLocation;
import dev.stowage.engine.storage.ObjectWriter;
import dev.stowage.engine.testing.s3.VersityGw;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ReadableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.interceptor.SdkExecutionAttribute;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.SdkHttpResponse;

/**
 * Issue 15, finding 7: the SSE headers the engine's S3 requests carry, mode by mode, captured with
 * an SDK {@link ExecutionInterceptor} on the requests S3Storage really sends to a real VersityGW
 * (over https). This inspects our own requests; it is not a test that anything is encrypted:
 * VersityGW implements no SSE and stores what it is sent.
 *
 * <p>VersityGW also answers without the headers that confirm the encryption, which the engine
 * requires (see {@link S3EncryptionIT}); so that the whole write path (multipart parts and the
 * completion) can be observed, the interceptor adds to VersityGW's answers exactly the confirming
 * headers AWS S3 sends back: the mode asked for, or the SSE-C algorithm and key MD5 of the request.
 * The stored bytes are then compared with what was written: SSE changes headers, never the data or
 * the format.
 */
class S3EncryptionHeadersIT {
  private static final String BUCKET = "stowage-sse-headers";
  private static final String SSE = "x-amz-server-side-encryption";
  private static final String KMS_KEY = "x-amz-server-side-encryption-aws-kms-key-id";
  private static final String C_ALG = "x-amz-server-side-encryption-customer-algorithm";
  private static final String C_KEY = "x-amz-server-side-encryption-customer-key";
  private static final String C_MD5 = "x-amz-server-side-encryption-customer-key-md5";
  private static final BackupLocation LOC = new BackupLocation("ns/db", "b1");

  static VersityGw s3;

  @TempDir Path tmp;

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

  /** One request as sent: the SDK operation and its headers (names in lower case). */
  record Sent(String operation, Map<String, String> headers) {
    Set<String> sseHeaders() {
      return headers.keySet().stream()
          .filter(h -> h.startsWith("x-amz-server-side-encryption"))
          .collect(Collectors.toCollection(TreeSet::new));
    }
  }

  /** Records each request; adds the confirmation AWS S3 would send to VersityGW's answers. */
  static final class Capture implements ExecutionInterceptor {
    final List<Sent> sent = new ArrayList<>();

    @Override
    public synchronized void beforeTransmission(
        Context.BeforeTransmission context, ExecutionAttributes attributes) {
      SdkHttpRequest r = context.httpRequest();
      Map<String, String> h = new java.util.TreeMap<>();
      r.headers().forEach((k, v) -> h.put(k.toLowerCase(java.util.Locale.ROOT), v.get(0)));
      sent.add(new Sent(attributes.getAttribute(SdkExecutionAttribute.OPERATION_NAME), h));
    }

    @Override
    public SdkHttpResponse modifyHttpResponse(
        Context.ModifyHttpResponse context, ExecutionAttributes attributes) {
      SdkHttpRequest req = context.httpRequest();
      SdkHttpResponse.Builder b = context.httpResponse().toBuilder();
      req.firstMatchingHeader(SSE).ifPresent(v -> b.putHeader(SSE, v));
      req.firstMatchingHeader(C_ALG).ifPresent(v -> b.putHeader(C_ALG, v));
      req.firstMatchingHeader(C_MD5).ifPresent(v -> b.putHeader(C_MD5, v));
      return b.build();
    }

    synchronized List<Sent> of(String operation) {
      return sent.stream().filter(s -> s.operation().equals(operation)).toList();
    }
  }

  private static byte[] random(int n, long seed) {
    byte[] b = new byte[n];
    new Random(seed).nextBytes(b);
    return b;
  }

  /**
   * Every kind of request S3Storage makes that touches an object's content: an exclusive create
   * (HEAD, PUT, GET), a replace (PUT), a streamed multipart object (create, 3 parts, complete), a
   * streamed whole object (HEAD, PUT), reads (GET, HEAD), a listing and a delete. Returns what was
   * sent; checks every object reads back and is stored byte for byte as written.
   */
  private Capture exercise(String prefix, S3Encryption sse) throws Exception {
    Capture capture = new Capture();
    S3Options o =
        S3Options.parse(s3.storageUrl(BUCKET, prefix) + "&partSize=5Mi").withEncryption(sse);
    byte[] lock = "{\"runId\":\"r1\"}".getBytes(java.nio.charset.StandardCharsets.UTF_8);
    byte[] small = random(1000, 1);
    byte[] big = random((12 << 20) + 17, 2);
    try (S3Storage storage = new S3Storage(o, 2, List.of(capture))) {
      assertThat(storage.createExclusive(LOC, ".stowage-lock", lock)).isTrue();
      storage.replaceSmall(LOC, ".stowage-lock", lock);
      try (ObjectWriter w = storage.create(LOC, "0", false)) {
        w.write(ByteBuffer.wrap(big));
        w.commit();
      }
      try (ObjectWriter w = storage.create(LOC, "MANIFEST", false)) {
        w.write(ByteBuffer.wrap(small));
        w.commit();
      }
      assertThat(storage.readSmall(LOC, "MANIFEST")).isEqualTo(small);
      try (ReadableByteChannel ch = storage.open(LOC, "0");
          InputStream in = Channels.newInputStream(ch)) {
        assertThat(in.readAllBytes()).isEqualTo(big);
      }
      assertThat(storage.size(LOC, "0")).isEqualTo(big.length);
      assertThat(storage.listObjects(LOC)).contains("0", "MANIFEST", ".stowage-lock");
      storage.delete(LOC, ".stowage-lock");
    }
    // VersityGW's posix backend keeps an object as a file: the stored bytes are the written ones.
    Path stored = s3.dataDir().resolve(BUCKET).resolve(prefix).resolve("ns/db/b1");
    assertThat(Files.readAllBytes(stored.resolve("0"))).isEqualTo(big);
    assertThat(Files.readAllBytes(stored.resolve("MANIFEST"))).isEqualTo(small);
    assertThat(capture.of("UploadPart")).hasSize(3);
    return capture;
  }

  private static final Set<String> CREATING = Set.of("PutObject", "CreateMultipartUpload");
  private static final Set<String> CUSTOMER_KEYED =
      Set.of(
          "PutObject",
          "CreateMultipartUpload",
          "UploadPart",
          "CompleteMultipartUpload",
          "GetObject",
          "HeadObject");

  @Test
  void withoutSseNoRequestCarriesAnSseHeader() throws Exception {
    Capture c = exercise("none", S3Encryption.NONE);

    assertThat(c.sent).allSatisfy(s -> assertThat(s.sseHeaders()).as(s.operation()).isEmpty());
  }

  @Test
  void sseS3NamesAes256OnEveryObjectCreationAndNowhereElse() throws Exception {
    Capture c = exercise("sse-s3", S3Encryption.of("AES256", null, null));

    assertThat(c.of("PutObject")).hasSizeGreaterThanOrEqualTo(3);
    for (Sent s : c.sent) {
      if (CREATING.contains(s.operation())) {
        assertThat(s.sseHeaders()).as(s.operation()).containsExactly(SSE);
        assertThat(s.headers().get(SSE)).isEqualTo("AES256");
      } else {
        assertThat(s.sseHeaders()).as(s.operation()).isEmpty();
      }
    }
  }

  @Test
  void sseKmsNamesAwsKmsAndTheKeyOnEveryObjectCreationAndNowhereElse() throws Exception {
    Capture c = exercise("sse-kms", S3Encryption.of("aws:kms", "alias/backups", null));

    for (Sent s : c.sent) {
      if (CREATING.contains(s.operation())) {
        assertThat(s.sseHeaders()).as(s.operation()).containsExactly(SSE, KMS_KEY);
        assertThat(s.headers().get(SSE)).isEqualTo("aws:kms");
        assertThat(s.headers().get(KMS_KEY)).isEqualTo("alias/backups");
      } else {
        assertThat(s.sseHeaders()).as(s.operation()).isEmpty();
      }
    }
    // Without a key id the bucket's default KMS key is used: no key header at all.
    Capture d = exercise("sse-kms-default", S3Encryption.of("aws:kms", null, null));
    assertThat(d.of("PutObject")).allSatisfy(s -> assertThat(s.sseHeaders()).containsExactly(SSE));
  }

  @Test
  void sseCSendsTheKeyOnEveryWriteAndReadOfAnObjectAndNowhereElse() throws Exception {
    byte[] key = random(32, 3);
    Path keyFile = tmp.resolve("key");
    Files.write(keyFile, Base64.getEncoder().encode(key));
    S3Encryption sse = S3Encryption.of(null, null, keyFile);
    Capture c = exercise("sse-c", sse);

    String b64 = Base64.getEncoder().encodeToString(key);
    String md5 =
        Base64.getEncoder()
            .encodeToString(java.security.MessageDigest.getInstance("MD5").digest(key));
    Set<String> seen = new HashSet<>();
    for (Sent s : c.sent) {
      seen.add(s.operation());
      if (CUSTOMER_KEYED.contains(s.operation())) {
        assertThat(s.sseHeaders()).as(s.operation()).containsExactly(C_ALG, C_KEY, C_MD5);
        assertThat(s.headers().get(C_ALG)).isEqualTo("AES256");
        assertThat(s.headers().get(C_KEY)).isEqualTo(b64);
        assertThat(s.headers().get(C_MD5)).isEqualTo(md5);
      } else {
        assertThat(s.sseHeaders()).as(s.operation()).isEmpty();
      }
    }
    assertThat(seen).containsAll(CUSTOMER_KEYED).contains("ListObjectsV2", "DeleteObject");
  }

  @Test
  void sseAddsOnlyItsOwnHeadersToARequest() throws Exception {
    Capture plain = exercise("cmp-none", S3Encryption.NONE);
    Capture kms = exercise("cmp-kms", S3Encryption.of("aws:kms", "k1", null));

    assertThat(kms.sent).hasSameSizeAs(plain.sent);
    for (int i = 0; i < plain.sent.size(); i++) {
      Sent p = plain.sent.get(i);
      Sent k = kms.sent.get(i);
      assertThat(k.operation()).isEqualTo(p.operation());
      Set<String> names = new TreeSet<>(k.headers().keySet());
      names.removeAll(k.sseHeaders());
      assertThat(names).as(p.operation()).isEqualTo(p.headers().keySet());
      assertThat(k.headers().get("content-length")).isEqualTo(p.headers().get("content-length"));
    }
  }
}
