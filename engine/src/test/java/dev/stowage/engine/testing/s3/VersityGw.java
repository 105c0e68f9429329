package dev.stowage.engine.testing.s3;

import dev.stowage.engine.testing.ProcessRunner;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;

/**
 * A throwaway VersityGW S3 server (posix backend) on a free 127.0.0.1 port and a temporary
 * directory, with freshly generated root credentials.
 *
 * <p>The binary is built on first use by {@code scripts/ensure-versitygw.sh} (a cached {@code go
 * install} of a pinned tag). A build or start failure is an error, never a skip. Typical use:
 *
 * <pre>{@code
 * try (VersityGw s3 = VersityGw.start()) {
 *   s3.createBucket("backups");
 *   try (S3Client client = s3.clientBuilder().build()) { ... }
 * }
 * }</pre>
 */
public final class VersityGw implements AutoCloseable {

  /** The region the server is started with, and the one clients must sign for. */
  public static final String REGION = "us-east-1";

  /** Overrides the binary (skips the build), for example a versitygw already on the machine. */
  public static final String BINARY_ENV = "STOWAGE_VERSITYGW";

  private static final Duration BUILD_TIMEOUT = Duration.ofMinutes(30);
  private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
  private static final Duration STOP_TIMEOUT = Duration.ofSeconds(20);
  private static final int START_ATTEMPTS = 3;

  private static Path binary;

  private final Path workDir;
  private final Path dataDir;
  private final Path log;
  private final String accessKey;
  private final String secretKey;
  private final boolean sidecar;
  private final Path tlsCa;
  private boolean jvmCredentials;
  private final int port;
  private final Process process;
  private final Thread shutdownHook;

  private VersityGw(
      Path workDir,
      Path dataDir,
      Path log,
      String accessKey,
      String secretKey,
      boolean sidecar,
      Path tlsCa,
      int port,
      Process process) {
    this.workDir = workDir;
    this.tlsCa = tlsCa;
    this.dataDir = dataDir;
    this.log = log;
    this.accessKey = accessKey;
    this.secretKey = secretKey;
    this.sidecar = sidecar;
    this.port = port;
    this.process = process;
    this.shutdownHook = new Thread(this::stopProcess, "versitygw-shutdown-" + port);
    Runtime.getRuntime().addShutdownHook(shutdownHook);
  }

  /** Builds the binary if needed and starts a server on a new temporary directory. */
  public static VersityGw start() {
    return start(false);
  }

  /**
   * A server that speaks https only, with a self-signed certificate for 127.0.0.1 made by {@code
   * openssl}: {@link #endpoint()} is https, {@link #storageUrl} names {@link #caCertificate()} as
   * the {@code caBundle}, and {@link #clientBuilder()} trusts it.
   */
  public static VersityGw startTls() {
    return start(true);
  }

  private static VersityGw start(boolean tls) {
    Path bin = ensureBinary();
    Path workDir;
    try {
      workDir = Files.createTempDirectory("stowage-versitygw-");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create a temporary directory for versitygw", e);
    }
    try {
      return launch(bin, workDir, tls ? selfSignedCertificate(workDir) : null);
    } catch (RuntimeException | Error e) {
      deleteTree(workDir);
      throw e;
    }
  }

  /**
   * Writes {@code tls.crt} and {@code tls.key} for 127.0.0.1 into {@code dir}; returns the cert.
   */
  private static Path selfSignedCertificate(Path dir) {
    Path crt = dir.resolve("tls.crt");
    Path key = dir.resolve("tls.key");
    ProcessRunner.Result r =
        ProcessRunner.run(
            Duration.ofMinutes(1),
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
            "-keyout",
            key.toString(),
            "-out",
            crt.toString());
    if (r.exitCode() != 0) {
      throw new IllegalStateException("openssl could not make a test certificate: " + r);
    }
    return crt;
  }

  private static VersityGw launch(Path bin, Path workDir, Path tlsCa) {
    Path dataDir = workDir.resolve("data");
    Path metaDir = workDir.resolve("meta");
    Path log = workDir.resolve("versitygw.log");
    try {
      Files.createDirectories(dataDir);
      Files.createDirectories(metaDir);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    // The posix backend keeps object metadata (ETag, checksums, content type) in user xattrs; on
    // a file system without them (tmpfs before Linux 6.6, some overlays) it needs a sidecar dir.
    boolean sidecar = !supportsUserXattrs(dataDir);
    String accessKey = "stowage-" + randomHex(6);
    String secretKey = randomHex(20);

    String lastFailure = "";
    for (int attempt = 1; attempt <= START_ATTEMPTS; attempt++) {
      // The port is free when picked but could be taken before versitygw binds it: retry then.
      int port = freeLoopbackPort();
      List<String> cmd = new ArrayList<>();
      cmd.add(bin.toString());
      // --keep-alive: versitygw closes every connection after one request unless told otherwise;
      // real S3 keeps them open, and the engine's connection pool should be measured that way.
      cmd.addAll(
          List.of("--port", "127.0.0.1:" + port, "--region", REGION, "--quiet", "--keep-alive"));
      if (tlsCa != null) {
        cmd.addAll(
            List.of("--cert", tlsCa.toString(), "--key", workDir.resolve("tls.key").toString()));
      }
      cmd.add("posix");
      if (sidecar) {
        cmd.addAll(List.of("--sidecar", metaDir.toString()));
      }
      cmd.add(dataDir.toString());
      ProcessBuilder pb =
          new ProcessBuilder(cmd)
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
              .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
      // Through the environment rather than flags, so they never show in a process listing.
      Map<String, String> env = pb.environment();
      env.put("ROOT_ACCESS_KEY_ID", accessKey);
      env.put("ROOT_SECRET_ACCESS_KEY", secretKey);
      Process process;
      try {
        process = pb.start();
      } catch (IOException e) {
        throw new UncheckedIOException("cannot start versitygw: " + cmd, e);
      }
      VersityGw server =
          new VersityGw(workDir, dataDir, log, accessKey, secretKey, sidecar, tlsCa, port, process);
      try {
        if (server.awaitReady()) {
          return server;
        }
        lastFailure = "versitygw exited with " + process.exitValue() + " while starting";
      } catch (RuntimeException | Error e) {
        server.discard();
        throw e;
      }
      server.discard();
    }
    throw new IllegalStateException(
        lastFailure + " (" + START_ATTEMPTS + " attempts) on " + dataDir + "\n" + tail(log));
  }

  /**
   * Waits until the server answers HTTP. Returns false if the process exited (a port race worth
   * retrying); throws if it is alive but silent past the timeout.
   */
  private boolean awaitReady() {
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        return false;
      }
      if (answersHttp()) {
        return true;
      }
      sleep(50);
    }
    discard();
    throw new IllegalStateException(
        "versitygw on 127.0.0.1:"
            + port
            + " not answering after "
            + START_TIMEOUT
            + "\n"
            + tail(log));
  }

  /** Any HTTP status line counts: an anonymous request is refused with 403, which is an answer. */
  private boolean answersHttp() {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1000);
      if (tlsCa != null) {
        return true; // a TLS listener does not answer plain HTTP; accepting is enough
      }
      s.setSoTimeout(2000);
      OutputStream out = s.getOutputStream();
      out.write(
          ("GET / HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nConnection: close\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      byte[] head = new byte[8];
      InputStream in = s.getInputStream();
      int n = in.readNBytes(head, 0, head.length);
      return n == head.length && new String(head, StandardCharsets.US_ASCII).startsWith("HTTP/1.");
    } catch (IOException e) {
      return false;
    }
  }

  /** The base URL clients use: {@code http://127.0.0.1:PORT} ({@code https} for TLS). */
  public URI endpoint() {
    return URI.create((tlsCa != null ? "https" : "http") + "://127.0.0.1:" + port);
  }

  /** The self-signed certificate (PEM) of a {@link #startTls()} server, else null. */
  public Path caCertificate() {
    return tlsCa;
  }

  public int port() {
    return port;
  }

  public String accessKey() {
    return accessKey;
  }

  public String secretKey() {
    return secretKey;
  }

  public String region() {
    return REGION;
  }

  /**
   * The posix backend's root: bucket {@code b} is directory {@code dataDir().resolve("b")} and
   * object {@code p/q} is the file {@code b/p/q}, so tests can inspect or damage stored objects.
   */
  public Path dataDir() {
    return dataDir;
  }

  /** Whether object metadata goes to a sidecar directory because the file system lacks xattrs. */
  public boolean usesSidecarMetadata() {
    return sidecar;
  }

  /** The server's own output (errors only: request logging is off), for failure messages. */
  public String logTail() {
    return tail(log);
  }

  /**
   * Environment variables that point the AWS SDK's default credential and region providers at this
   * server, for an engine started as a separate process.
   */
  public Map<String, String> sdkEnvironment() {
    return Map.of(
        "AWS_ACCESS_KEY_ID", accessKey,
        "AWS_SECRET_ACCESS_KEY", secretKey,
        "AWS_REGION", REGION);
  }

  /**
   * The engine's {@code --storage} URL for {@code bucket/prefix} on this server: {@code
   * s3://BUCKET/PREFIX?endpoint=..&region=us-east-1&pathStyle=true}. Credentials are not in it:
   * give the engine {@link #sdkEnvironment()}.
   */
  public String storageUrl(String bucket, String prefix) {
    return storageUrl(endpoint(), bucket, prefix);
  }

  /** {@link #storageUrl(String, String)} through another endpoint, such as a {@link FaultProxy}. */
  public String storageUrl(URI endpoint, String bucket, String prefix) {
    String path = prefix == null || prefix.isEmpty() ? "" : "/" + prefix;
    return "s3://"
        + bucket
        + path
        + "?endpoint="
        + URLEncoder.encode(endpoint.toString(), StandardCharsets.UTF_8)
        + "&region="
        + REGION
        + "&pathStyle=true"
        + (tlsCa == null
            ? ""
            : "&caBundle=" + URLEncoder.encode(tlsCa.toString(), StandardCharsets.UTF_8));
  }

  /** A client builder for this server: path-style, static credentials, default HTTP timeouts. */
  public S3ClientBuilder clientBuilder() {
    return clientBuilder(endpoint());
  }

  /**
   * A client builder for this server's credentials at another endpoint, for example a {@link
   * FaultProxy} in front of it. Checksums are only computed where an operation requires them, the
   * setting that works with every S3-compatible store; a test can override any of it.
   */
  public S3ClientBuilder clientBuilder(URI endpoint) {
    Apache5HttpClient.Builder http = Apache5HttpClient.builder();
    if (tlsCa != null) {
      TrustManager[] trust = trustManagers(tlsCa);
      http.tlsTrustManagersProvider(() -> trust);
    }
    return S3Client.builder()
        .endpointOverride(endpoint)
        .region(Region.of(REGION))
        .forcePathStyle(true)
        .credentialsProvider(
            StaticCredentialsProvider.create(AwsBasicCredentials.create(accessKey, secretKey)))
        .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
        .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
        .httpClientBuilder(http);
  }

  private static TrustManager[] trustManagers(Path pem) {
    try (InputStream in = Files.newInputStream(pem)) {
      KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
      ks.load(null, null);
      ks.setCertificateEntry(
          "versitygw", CertificateFactory.getInstance("X.509").generateCertificate(in));
      TrustManagerFactory tmf =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(ks);
      return tmf.getTrustManagers();
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalStateException("cannot load the test certificate " + pem, e);
    }
  }

  /** Creates a bucket with a real CreateBucket call; fails if the server refuses it. */
  public void createBucket(String name) {
    try (S3Client client = clientBuilder().build()) {
      client.createBucket(b -> b.bucket(name));
    } catch (RuntimeException e) {
      throw new IllegalStateException(
          "cannot create bucket " + name + " on versitygw at " + endpoint() + "\n" + tail(log), e);
    }
  }

  public boolean isRunning() {
    return process.isAlive();
  }

  /**
   * Makes this server's credentials the SDK's in this JVM (the {@code aws.accessKeyId} and {@code
   * aws.secretAccessKey} system properties its default chain reads), for an in-process S3Storage;
   * {@link #close} clears them.
   */
  public void useAsJvmCredentials() {
    System.setProperty("aws.accessKeyId", accessKey());
    System.setProperty("aws.secretAccessKey", secretKey());
    jvmCredentials = true;
  }

  /** Stops the server (and anything it started) and deletes its directory. */
  @Override
  public void close() {
    if (jvmCredentials) {
      System.clearProperty("aws.accessKeyId");
      System.clearProperty("aws.secretAccessKey");
      jvmCredentials = false;
    }
    try {
      stopProcess();
      try {
        Runtime.getRuntime().removeShutdownHook(shutdownHook);
      } catch (IllegalStateException ignored) {
        // The JVM is already shutting down; the hook runs or has run.
      }
    } finally {
      deleteTree(workDir);
    }
  }

  /** Stops a server that never became ready, leaving its directory for the next attempt. */
  private void discard() {
    stopProcess();
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException ignored) {
      // The JVM is already shutting down.
    }
  }

  private void stopProcess() {
    List<ProcessHandle> children = process.descendants().toList();
    process.destroy();
    children.forEach(ProcessHandle::destroy);
    try {
      if (!process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
        process.destroyForcibly();
        process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
    children.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
  }

  /**
   * The versitygw binary: {@value #BINARY_ENV} if set, else the one {@code
   * scripts/ensure-versitygw.sh} builds (once per machine) and prints.
   */
  public static synchronized Path ensureBinary() {
    if (binary != null) {
      return binary;
    }
    String override = System.getenv(BINARY_ENV);
    if (override != null && !override.isBlank()) {
      Path p = Path.of(override);
      if (!Files.isExecutable(p)) {
        throw new IllegalStateException(BINARY_ENV + "=" + override + " is not an executable file");
      }
      binary = p;
      return binary;
    }
    Path script = repoRoot().resolve("scripts/ensure-versitygw.sh");
    System.err.println("[VersityGw] " + script + " (builds versitygw on first use)");
    ProcessRunner.Result r = ProcessRunner.run(BUILD_TIMEOUT, "bash", script.toString());
    String[] lines = r.stdout().strip().split("\n");
    Path p = Path.of(lines[lines.length - 1].strip());
    if (r.exitCode() != 0 || !p.isAbsolute() || !Files.isExecutable(p)) {
      throw new IllegalStateException(
          "cannot build the versitygw S3 server the S3 integration tests need. It is built with"
              + " `go install` from the Go module proxy: check that Go (>= 1.25) is installed and"
              + " the proxy is reachable, then run scripts/ensure-versitygw.sh by hand.\n"
              + r);
    }
    binary = p;
    return binary;
  }

  /** The repository root, found upward from the engine module's basedir (or the working dir). */
  static Path repoRoot() {
    String basedir = System.getProperty("basedir", System.getProperty("user.dir"));
    for (Path p = Path.of(basedir).toAbsolutePath(); p != null; p = p.getParent()) {
      if (Files.isRegularFile(p.resolve("scripts/ensure-versitygw.sh"))) {
        return p;
      }
    }
    throw new IllegalStateException(
        "scripts/ensure-versitygw.sh not found in " + basedir + " or any parent directory");
  }

  private static boolean supportsUserXattrs(Path dir) {
    Path probe = dir.resolve(".stowage-xattr-probe");
    try {
      Files.createFile(probe);
      UserDefinedFileAttributeView view =
          Files.getFileAttributeView(probe, UserDefinedFileAttributeView.class);
      if (view == null) {
        return false;
      }
      view.write("stowage.probe", ByteBuffer.wrap(new byte[] {1}));
      return view.list().contains("stowage.probe");
    } catch (FileSystemException | UnsupportedOperationException e) {
      return false;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      try {
        Files.deleteIfExists(probe);
      } catch (IOException ignored) {
        // A leftover probe file in the server root would look like a bucket-less file; harmless.
      }
    }
  }

  private static int freeLoopbackPort() {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String randomHex(int bytes) {
    byte[] b = new byte[bytes];
    new SecureRandom().nextBytes(b);
    return HexFormat.of().formatHex(b);
  }

  private static String tail(Path log) {
    try {
      if (!Files.exists(log)) {
        return "(no versitygw log at " + log + ")";
      }
      List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
      return "--- "
          + log
          + " (tail) ---\n"
          + String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    } catch (IOException e) {
      return "(cannot read " + log + ": " + e + ")";
    }
  }

  private static void deleteTree(Path root) {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete versitygw directory " + root, e);
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for versitygw", e);
    }
  }
}
