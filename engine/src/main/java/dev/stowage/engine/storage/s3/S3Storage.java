package dev.stowage.engine.storage.s3;

import dev.stowage.engine.core.MemoryBudget;
import dev.stowage.engine.core.Retrier;
import dev.stowage.engine.core.Sizes;
import dev.stowage.engine.crypto.CryptoProviders;
import dev.stowage.engine.error.EngineException;
import dev.stowage.engine.error.StorageException;
import dev.stowage.engine.error.StorageException.Kind;
import dev.stowage.engine.storage.BackupLocation;
import dev.stowage.engine.storage.BackupStorage;
import dev.stowage.engine.storage.ObjectWriter;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.nio.file.Files;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.retry.RetryMode;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.core.sync.ResponseTransformer;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.regions.providers.DefaultAwsRegionProviderChain;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CommonPrefix;
import software.amazon.awssdk.services.s3.model.CompletedMultipartUpload;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.CreateMultipartUploadResponse;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.PutObjectResponse;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * Backups in an S3-compatible object store. Objects of unknown length stream through one pooled
 * part buffer each: small ones become a single PUT, larger ones a multipart upload that is aborted
 * if the object fails. Objects larger than the ranged-GET threshold are read as parallel ranged
 * GETs ({@link RangedObjectChannel}) within a fixed buffer budget. Credentials come only from the
 * SDK's default provider chain.
 */
public final class S3Storage implements BackupStorage {
  private static final int SDK_ATTEMPTS = 5;
  private static final Logger LOG = LoggerFactory.getLogger(S3Storage.class);
  private final S3Options options;
  private final S3Encryption sse;
  private final S3Client client;
  private final BlockingQueue<byte[]> parts;
  private final RangedGets ranged;
  private final RangeBuffers rangeBuffers;
  // Set once before the run's reads when not even two range buffers fit in the heap.
  private volatile boolean rangedOff;
  private final Retrier rangeRetrier = Retrier.defaults();
  private ExecutorService rangeFetchers;

  /** {@code bufferedParts}: part buffers shared by all writers, which bounds upload memory. */
  public S3Storage(S3Options options, int bufferedParts) {
    this(options, bufferedParts, RangedGets.DEFAULTS, List.of());
  }

  /** {@code ranged}: whether and how large objects are read with parallel ranged GETs. */
  public S3Storage(S3Options options, int bufferedParts, RangedGets ranged) {
    this(options, bufferedParts, ranged, List.of());
  }

  /** With extra SDK interceptors: tests inspect the requests the engine builds. */
  S3Storage(S3Options options, int bufferedParts, List<ExecutionInterceptor> interceptors) {
    this(options, bufferedParts, RangedGets.DEFAULTS, interceptors);
  }

  private S3Storage(
      S3Options options,
      int bufferedParts,
      RangedGets ranged,
      List<ExecutionInterceptor> interceptors) {
    CryptoProviders.preferNative(); // before the client's first TLS connection
    this.options = options;
    this.sse = options.encryption();
    this.ranged = ranged;
    this.client =
        buildClient(
            options,
            Math.max(16, bufferedParts * 2) + (ranged.enabled() ? ranged.inFlight() : 0),
            interceptors);
    this.parts = new ArrayBlockingQueue<>(bufferedParts);
    this.rangeBuffers = new RangeBuffers(ranged.inFlight(), ranged.rangeSize());
  }

  private static S3Client buildClient(
      S3Options o, int maxConnections, List<ExecutionInterceptor> interceptors) {
    Apache5HttpClient.Builder http =
        Apache5HttpClient.builder()
            .maxConnections(maxConnections)
            .connectionTimeout(Duration.ofSeconds(10))
            .socketTimeout(o.readTimeout());
    // TLS read through a buffer (BufferedTlsStrategy), trusting the CA bundle when one is given.
    http.tlsSocketStrategy(BufferedTlsStrategy.of(o.caBundle() == null ? null : trustManagers(o)));
    var b =
        S3Client.builder()
            .httpClientBuilder(http)
            .credentialsProvider(
                CredentialFiles.fromEnvironment(System.getenv())
                    .<software.amazon.awssdk.auth.credentials.AwsCredentialsProvider>map(c -> c)
                    .orElseGet(() -> DefaultCredentialsProvider.builder().build()))
            .forcePathStyle(o.pathStyle())
            // Throttling, 5xx, resets and timeouts are retried here with backoff, and again per
            // object
            // by the engine.
            .overrideConfiguration(
                c ->
                    c.retryStrategy(RetryMode.STANDARD)
                        .retryStrategy(r -> r.maxAttempts(SDK_ATTEMPTS))
                        .executionInterceptors(withOwn(interceptors)))
            // Many S3-compatible stores reject the SDK's newer default checksum headers.
            .requestChecksumCalculation(
                o.checksumsWhenSupported()
                    ? RequestChecksumCalculation.WHEN_SUPPORTED
                    : RequestChecksumCalculation.WHEN_REQUIRED)
            .responseChecksumValidation(
                o.checksumsWhenSupported()
                    ? ResponseChecksumValidation.WHEN_SUPPORTED
                    : ResponseChecksumValidation.WHEN_REQUIRED);
    if (o.endpoint() != null) {
      b.endpointOverride(o.endpoint());
    }
    b.region(Region.of(region(o)));
    return b.build();
  }

  /**
   * The engine's own interceptors, then a test's. The SDK runs request hooks in this order and
   * response hooks in reverse, so a test's {@code modifyHttpResponse} sees a response as it
   * arrived, and its {@code afterUnmarshalling} what the engine's own left of it.
   */
  private static List<ExecutionInterceptor> withOwn(List<ExecutionInterceptor> extra) {
    List<ExecutionInterceptor> all = new ArrayList<>();
    all.add(new UnreadResponseHeaders());
    all.addAll(extra);
    return all;
  }

  private static String region(S3Options o) {
    if (o.region() != null) {
      return o.region();
    }
    try {
      return new DefaultAwsRegionProviderChain().getRegion().id();
    } catch (SdkException e) {
      if (o.endpoint() != null) {
        return "us-east-1"; // S3-compatible stores mostly ignore the region
      }
      throw EngineException.invalid(
          "--storage: no region; add region=... to the URL or set AWS_REGION");
    }
  }

  private static TrustManager[] trustManagers(S3Options o) {
    try (InputStream in = Files.newInputStream(o.caBundle())) {
      KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
      ks.load(null, null);
      int i = 0;
      for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
        ks.setCertificateEntry("ca-" + i++, c);
      }
      if (i == 0) {
        throw EngineException.invalid(
            "--storage: caBundle " + o.caBundle() + " holds no certificate");
      }
      TrustManagerFactory tmf =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(ks);
      return tmf.getTrustManagers();
    } catch (IOException | java.security.GeneralSecurityException e) {
      throw EngineException.invalid(
          "--storage: cannot read caBundle " + o.caBundle() + ": " + e.getMessage());
    }
  }

  private String key(BackupLocation loc, String object) {
    return object == null
        ? options.key(loc.directory(), loc.name())
        : options.key(loc.directory(), loc.name(), object);
  }

  @Override
  public String describe(BackupLocation location, String object) {
    return options.describe(key(location, object));
  }

  @Override
  public List<String> listBackupNames(String directory) {
    BackupLocation.checkDirectory(directory);
    String prefix = options.key(directory) + "/";
    List<String> names = new ArrayList<>();
    try {
      for (ListObjectsV2Response page :
          client.listObjectsV2Paginator(
              ListObjectsV2Request.builder()
                  .bucket(options.bucket())
                  .prefix(prefix)
                  .delimiter("/")
                  .build())) {
        for (CommonPrefix p : page.commonPrefixes()) {
          String n = p.prefix().substring(prefix.length()).replaceAll("/$", "");
          if (!n.isEmpty()) {
            names.add(n);
          }
        }
      }
    } catch (SdkException e) {
      throw S3Errors.translate(e, options, options.describe(prefix), "list backups in");
    }
    names.sort(null);
    return names;
  }

  @Override
  public List<String> listObjects(BackupLocation location) {
    String prefix = key(location, null) + "/";
    List<String> names = new ArrayList<>();
    try {
      for (ListObjectsV2Response page :
          client.listObjectsV2Paginator(
              ListObjectsV2Request.builder().bucket(options.bucket()).prefix(prefix).build())) {
        for (S3Object o : page.contents()) {
          names.add(o.key().substring(prefix.length()));
        }
      }
    } catch (SdkException e) {
      throw S3Errors.translate(e, options, options.describe(prefix), "list objects of");
    }
    return names;
  }

  @Override
  public boolean exists(BackupLocation location, String object) {
    return head(location, object) != null;
  }

  private HeadObjectResponse head(BackupLocation location, String object) {
    String key = key(location, object);
    try {
      return client.headObject(
          r -> {
            r.bucket(options.bucket()).key(key);
            sse.apply(r);
          });
    } catch (NoSuchKeyException e) {
      return null;
    } catch (S3Exception e) {
      if (e.statusCode() == 404 && !"NoSuchBucket".equals(code(e))) {
        return null;
      }
      throw S3Errors.translate(withErrorCode(e, key), options, options.describe(key), "look up");
    } catch (SdkException e) {
      throw S3Errors.translate(e, options, options.describe(key), "look up");
    }
  }

  /**
   * A HEAD answer has no body, so a refused HEAD says only "403", not whether the key is unknown,
   * the secret wrong or the permission missing. A one-key listing of the same bucket gets the
   * server's error code for the message; if it tells nothing more, the HEAD's error stands.
   */
  private S3Exception withErrorCode(S3Exception head, String key) {
    String code = code(head);
    if (head.statusCode() == 400 && (code == null || code.isEmpty())) {
      // A bare 400 is what S3 answers a HEAD of an SSE-C object without its key; a one-byte GET
      // of the same object gets the reason in its body.
      try (ResponseInputStream<GetObjectResponse> in =
          client.getObject(
              r -> {
                r.bucket(options.bucket()).key(key).range("bytes=0-0");
                sse.apply(r);
              })) {
        in.abort();
      } catch (S3Exception get) {
        String reason = get.awsErrorDetails() == null ? null : get.awsErrorDetails().errorMessage();
        if (reason != null
            && reason.toLowerCase(java.util.Locale.ROOT).contains("server side encryption")) {
          return get; // only this reason replaces the HEAD's answer
        }
      } catch (SdkException | IOException ignored) {
        // Nothing better to say than the HEAD's answer.
      }
      return head;
    }
    if ((head.statusCode() != 403 && head.statusCode() != 401)
        || (code != null && !code.isEmpty())) {
      return head;
    }
    try {
      client.listObjectsV2(r -> r.bucket(options.bucket()).prefix(key).maxKeys(1));
    } catch (S3Exception list) {
      String listCode = code(list);
      if (listCode != null && !listCode.isEmpty()) {
        return list;
      }
    } catch (SdkException ignored) {
      // Nothing better to say than the HEAD's answer.
    }
    return head;
  }

  private static String code(S3Exception e) {
    return e.awsErrorDetails() == null ? null : e.awsErrorDetails().errorCode();
  }

  @Override
  public long size(BackupLocation location, String object) {
    HeadObjectResponse h = head(location, object);
    if (h == null) {
      throw new StorageException(
          Kind.NOT_FOUND,
          describe(location, object),
          describe(location, object) + " does not exist");
    }
    return h.contentLength();
  }

  @Override
  public ObjectWriter create(BackupLocation location, String object, boolean replace) {
    return new S3ObjectWriter(key(location, object), replace);
  }

  @Override
  public ReadableByteChannel open(BackupLocation location, String object) {
    String key = key(location, object);
    try {
      ResponseInputStream<GetObjectResponse> in =
          client.getObject(
              r -> {
                r.bucket(options.bucket()).key(key);
                sse.apply(r);
              },
              ResponseTransformer.toInputStream());
      GetObjectResponse r = in.response();
      if (r.contentLength() != null
          && !rangedOff
          && ranged.applies(r.contentLength())
          && r.eTag() != null) {
        RangedObjectChannel ch =
            new RangedObjectChannel(
                client, options, ranged, rangeBuffers, rangeFetchers(), rangeRetrier, key, in);
        LOG.info(
            "reading {} ({}) as {} ranged GETs of {}, at most {} in flight",
            options.describe(key),
            Sizes.human(r.contentLength()),
            ch.ranges(),
            Sizes.quantity(ranged.rangeSize()),
            rangeBuffers.count());
        return ch;
      }
      return new BodyChannel(new TranslatingInputStream(in, key));
    } catch (SdkException e) {
      throw S3Errors.translate(e, options, options.describe(key), "download");
    }
  }

  /** Turns SDK failures in the middle of a download into retryable storage errors. */
  private final class TranslatingInputStream extends java.io.FilterInputStream {
    private final String key;

    TranslatingInputStream(ResponseInputStream<GetObjectResponse> in, String key) {
      super(in);
      this.key = key;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      try {
        return super.read(b, off, len);
      } catch (SdkException e) {
        throw S3Errors.translate(e, options, options.describe(key), "download");
      }
    }

    @Override
    public void close() throws IOException {
      ((ResponseInputStream<?>) in).abort();
      super.close();
    }
  }

  @Override
  public boolean createExclusive(BackupLocation location, String object, byte[] content) {
    String key = key(location, object);
    if (head(location, object) != null) {
      return false;
    }
    try {
      confirmed(
          key,
          client.putObject(
              r -> {
                r.bucket(options.bucket())
                    .key(key)
                    .contentLength((long) content.length)
                    .ifNoneMatch("*");
                sse.apply(r);
              },
              RequestBody.fromBytes(content)));
    } catch (S3Exception e) {
      if (e.statusCode() == 412 || e.statusCode() == 409) {
        return false; // 409: a concurrent conditional write of the same key won
      }
      if (e.statusCode() == 501 || "NotImplemented".equals(code(e))) {
        confirmed(
            key,
            client.putObject(
                r -> {
                  r.bucket(options.bucket()).key(key).contentLength((long) content.length);
                  sse.apply(r);
                },
                RequestBody.fromBytes(content)));
      } else {
        throw S3Errors.translate(e, options, options.describe(key), "create");
      }
    } catch (SdkException e) {
      throw S3Errors.translate(e, options, options.describe(key), "create");
    }
    // Some stores ignore If-None-Match, and some (VersityGW's posix backend) check it and then
    // write, so racing creators can all be told 200. The last write wins on every store with
    // read-after-write consistency: read back once the racers' writes have landed, and only the
    // creator that finds its own bytes (unique per caller) holds the object.
    settle(options.describe(key));
    return java.util.Arrays.equals(readSmall(location, object), content);
  }

  /**
   * How long an exclusive create waits before its read-back: far longer than a small PUT takes
   * between a store's precondition check and its write, and short next to a backup.
   */
  static final Duration EXCLUSIVE_CREATE_SETTLE = Duration.ofSeconds(1);

  private static void settle(String what) {
    try {
      Thread.sleep(EXCLUSIVE_CREATE_SETTLE.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw EngineException.unsafe(what, "interrupted while creating " + what + " exclusively");
    }
  }

  @Override
  public void replaceSmall(BackupLocation location, String object, byte[] content) {
    String key = key(location, object);
    try {
      confirmed(
          key,
          client.putObject(
              r -> {
                r.bucket(options.bucket()).key(key).contentLength((long) content.length);
                sse.apply(r);
              },
              RequestBody.fromBytes(content)));
    } catch (SdkException e) {
      throw S3Errors.translate(e, options, options.describe(key), "upload");
    }
  }

  @Override
  public byte[] readSmall(BackupLocation location, String object) {
    String key = key(location, object);
    try {
      return client
          .getObjectAsBytes(
              r -> {
                r.bucket(options.bucket()).key(key);
                sse.apply(r);
              })
          .asByteArray();
    } catch (NoSuchKeyException e) {
      return null;
    } catch (S3Exception e) {
      if (e.statusCode() == 404 && !"NoSuchBucket".equals(code(e))) {
        return null;
      }
      throw S3Errors.translate(e, options, options.describe(key), "download");
    } catch (SdkException e) {
      throw S3Errors.translate(e, options, options.describe(key), "download");
    }
  }

  /**
   * Checks that a PUT's answer confirms the encryption asked for; if not, the object was stored
   * without it, so it is deleted (best effort) before the refusal is thrown.
   */
  private void confirmed(String key, PutObjectResponse put) {
    try {
      sse.confirm(
          options.describe(key),
          put.serverSideEncryption(),
          put.sseCustomerAlgorithm(),
          put.sseCustomerKeyMD5());
    } catch (StorageException refused) {
      try {
        client.deleteObject(r -> r.bucket(options.bucket()).key(key));
      } catch (SdkException ignored) {
        // The refusal says what matters; an object left behind is unencrypted test data at worst.
      }
      throw refused;
    }
  }

  @Override
  public java.util.Map<String, Long> objectSizes(BackupLocation location) {
    String prefix = key(location, null) + "/";
    java.util.Map<String, Long> sizes = new java.util.TreeMap<>();
    try {
      for (ListObjectsV2Response page :
          client.listObjectsV2Paginator(
              ListObjectsV2Request.builder().bucket(options.bucket()).prefix(prefix).build())) {
        for (S3Object o : page.contents()) {
          sizes.put(o.key().substring(prefix.length()), o.size());
        }
      }
    } catch (SdkException e) {
      throw S3Errors.translate(e, options, options.describe(prefix), "list objects of");
    }
    return sizes;
  }

  @Override
  public void delete(BackupLocation location, String object) {
    String key = key(location, object);
    try {
      client.deleteObject(r -> r.bucket(options.bucket()).key(key));
    } catch (SdkException e) {
      throw S3Errors.translate(e, options, options.describe(key), "delete");
    }
  }

  /**
   * One S3 connection gives roughly 80 MB/s: keep 8 GETs (restore) or 4+ PUTs (backup) in flight.
   */
  @Override
  public int defaultConcurrency(boolean restore) {
    int cores = Runtime.getRuntime().availableProcessors();
    return restore ? Math.max(8, 2 * cores) : Math.max(4, cores);
  }

  /**
   * A writer holds one upload part until it is sent and its connection's TLS write buffer; a reader
   * its body buffer and its connection's TLS buffers. Ranged GETs' buffers are bounded on their own
   * (--s3-ranged-get's settings).
   */
  @Override
  public MemoryBudget.Need workerBuffers(boolean writing) {
    // A part is one large array, which G1 gives whole regions: 1 MiB more covers that in the small
    // heaps this count matters for.
    long heap =
        writing
            ? options.partSize() + (1 << 20) + BufferedWriteSslSocket.BUFFER
            : BodyChannel.BUFFER + BufferedReadSocket.BUFFER + BufferedWriteSslSocket.BUFFER;
    return MemoryBudget.Need.perWorker(0, heap);
  }

  @Override
  public void fitSharedReadBuffers(long heapBytes, long largestObject) {
    if (!ranged.applies(largestObject) || rangedOff) {
      return; // no object is read with ranged GETs: their buffers are never made
    }
    int wanted = rangeBuffers.count();
    // A range is one large array: G1 gives it whole regions, 1 MiB more covers that in the small
    // heaps this matters for (as workerBuffers counts an upload part).
    long fit = Math.max(0, heapBytes) / ((long) ranged.rangeSize() + (1 << 20));
    if (fit >= wanted) {
      return;
    }
    if (fit < 2) {
      // One buffer would fetch each range only after the last was read: slower than one GET.
      rangedOff = true;
      LOG.warn(
          "--s3-ranged-get: not even two range buffers of {} fit in this JVM's heap beside the"
              + " workers ({} left for them, half the maximum heap less the workers' buffers):"
              + " large objects are read with one GET each. Raise the container's memory limit"
              + " (or -Xmx), or lower --s3-range-size",
          Sizes.quantity(ranged.rangeSize()),
          Sizes.human(Math.max(0, heapBytes)));
      return;
    }
    rangeBuffers.limit((int) fit);
    LOG.warn(
        "--s3-ranges-in-flight {}: only {} range buffers of {} fit in this JVM's heap beside the"
            + " workers ({} left for them, half the maximum heap less the workers' buffers): {}"
            + " ranges in flight, shared by every large object. Raise the container's memory"
            + " limit (or -Xmx) for more, or lower --s3-range-size",
        wanted,
        fit,
        Sizes.quantity(ranged.rangeSize()),
        Sizes.human(Math.max(0, heapBytes)),
        fit);
  }

  /** Range buffers allowed at once, or 0 when ranged GETs are off for this run (tests). */
  int rangeBuffersAllowed() {
    return rangedOff || !ranged.enabled() ? 0 : rangeBuffers.count();
  }

  @Override
  public void sync(BackupLocation location) {
    // A completed PUT is durable in S3: nothing to flush.
  }

  @Override
  public void close() {
    synchronized (this) {
      if (rangeFetchers != null) {
        rangeFetchers.shutdownNow();
      }
    }
    client.close();
  }

  /** Threads for range fetches, made on first use: one per range buffer, never more. */
  private synchronized ExecutorService rangeFetchers() {
    if (rangeFetchers == null) {
      AtomicInteger n = new AtomicInteger();
      rangeFetchers =
          Executors.newFixedThreadPool(
              ranged.inFlight(),
              task -> {
                Thread t = new Thread(task, "s3-range-" + n.incrementAndGet());
                t.setDaemon(true);
                return t;
              });
    }
    return rangeFetchers;
  }

  /** The most range buffers held at once, and how many were ever allocated (for tests). */
  int[] rangeBufferCounts() {
    return new int[] {rangeBuffers.maxInUse(), rangeBuffers.made()};
  }

  private byte[] takePart() {
    byte[] b = parts.poll();
    return b != null ? b : new byte[(int) options.partSize()];
  }

  private void givePart(byte[] b) {
    if (b != null) {
      parts.offer(b);
    }
  }

  /** Streams one object through a pooled part buffer. */
  private final class S3ObjectWriter implements ObjectWriter {
    private final String key;
    private final boolean replace;
    private byte[] part;
    private int filled;
    private String uploadId;
    private final List<CompletedPart> completed = new ArrayList<>();
    private boolean done;

    S3ObjectWriter(String key, boolean replace) {
      this.key = key;
      this.replace = replace;
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
      if (part == null) {
        part = takePart();
      }
      int n = src.remaining();
      while (src.hasRemaining()) {
        int k = Math.min(src.remaining(), part.length - filled);
        src.get(part, filled, k);
        filled += k;
        if (filled == part.length) {
          uploadPart();
        }
      }
      return n;
    }

    private RequestBody body() {
      byte[] b = part;
      int len = filled;
      ContentStreamProvider p = () -> new ByteArrayInputStream(b, 0, len);
      return RequestBody.fromContentProvider(p, len, "application/octet-stream");
    }

    private void uploadPart() {
      try {
        if (uploadId == null) {
          CreateMultipartUploadResponse created =
              client.createMultipartUpload(
                  r -> {
                    r.bucket(options.bucket()).key(key);
                    sse.apply(r);
                  });
          uploadId = created.uploadId();
          sse.confirm(
              options.describe(key),
              created.serverSideEncryption(),
              created.sseCustomerAlgorithm(),
              created.sseCustomerKeyMD5());
        }
        int number = completed.size() + 1;
        String etag =
            client
                .uploadPart(
                    r -> {
                      r.bucket(options.bucket())
                          .key(key)
                          .uploadId(uploadId)
                          .partNumber(number)
                          .contentLength((long) filled);
                      sse.apply(r);
                    },
                    body())
                .eTag();
        completed.add(CompletedPart.builder().partNumber(number).eTag(etag).build());
        filled = 0;
      } catch (SdkException e) {
        throw S3Errors.translate(e, options, options.describe(key), "upload");
      }
    }

    @Override
    public boolean isOpen() {
      return !done;
    }

    @Override
    public void commit() {
      try {
        if (uploadId == null) {
          if (part == null) {
            part = takePart();
          }
          putWhole();
        } else {
          if (filled > 0) {
            uploadPart();
          }
          client.completeMultipartUpload(
              r -> {
                r.bucket(options.bucket())
                    .key(key)
                    .uploadId(uploadId)
                    .multipartUpload(CompletedMultipartUpload.builder().parts(completed).build());
                sse.apply(r);
              });
        }
        done = true;
        givePart(part);
        part = null;
      } catch (SdkException e) {
        abort();
        throw S3Errors.translate(e, options, options.describe(key), "upload");
      } catch (RuntimeException e) {
        abort();
        throw e;
      }
    }

    private void putWhole() {
      if (replace) {
        confirmed(key, client.putObject(this::plainPut, body()));
        return;
      }
      // Never replace (the MANIFEST): refuse an existing object, and ask the store to refuse it
      // too.
      if (exists(key)) {
        throw new StorageException(
            Kind.OTHER,
            options.describe(key),
            options.describe(key) + " already exists; refusing to overwrite it");
      }
      try {
        confirmed(
            key,
            client.putObject(
                r -> {
                  plainPut(r);
                  r.ifNoneMatch("*");
                },
                body()));
      } catch (S3Exception e) {
        if (e.statusCode() == 412) {
          throw new StorageException(
              Kind.OTHER,
              options.describe(key),
              options.describe(key) + " already exists; refusing to overwrite it",
              e);
        }
        if (e.statusCode() == 501 || "NotImplemented".equals(code(e))) {
          confirmed(key, client.putObject(this::plainPut, body()));
          return;
        }
        throw e;
      }
    }

    private void plainPut(PutObjectRequest.Builder r) {
      r.bucket(options.bucket()).key(key).contentLength((long) filled);
      sse.apply(r);
    }

    private boolean exists(String k) {
      try {
        client.headObject(
            r -> {
              r.bucket(options.bucket()).key(k);
              sse.apply(r);
            });
        return true;
      } catch (NoSuchKeyException e) {
        return false;
      } catch (S3Exception e) {
        if (e.statusCode() == 404) {
          return false;
        }
        throw e;
      }
    }

    @Override
    public void abort() {
      if (done) {
        return;
      }
      done = true;
      if (uploadId != null) {
        try {
          client.abortMultipartUpload(r -> r.bucket(options.bucket()).key(key).uploadId(uploadId));
        } catch (SdkException ignored) {
          // the store's lifecycle rules clean up what could not be aborted
        }
      }
      givePart(part);
      part = null;
    }

    @Override
    public void close() {
      abort();
    }
  }
}
