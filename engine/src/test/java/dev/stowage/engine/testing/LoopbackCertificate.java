package dev.stowage.engine.testing;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * A self-signed certificate for 127.0.0.1 made by the JDK's keytool, for TLS servers a test runs in
 * its own JVM: the key store, a TLS context serving it, trust in it, and its PEM for a {@code
 * caBundle}.
 */
public final class LoopbackCertificate {
  private static final String PASSWORD = "changeit";
  private static final String ALIAS = "loopback";

  private final Path p12;
  private final KeyStore keyStore;

  private LoopbackCertificate(Path p12, KeyStore keyStore) {
    this.p12 = p12;
    this.keyStore = keyStore;
  }

  /** Makes {@code loopback.p12} in {@code dir}: an EC key, valid for two days, SAN IP 127.0.0.1. */
  public static LoopbackCertificate create(Path dir) throws Exception {
    Path p12 = dir.resolve("loopback.p12");
    keytool(
        "-genkeypair",
        "-alias",
        ALIAS,
        "-keyalg",
        "EC",
        "-groupname",
        "secp256r1",
        "-dname",
        "CN=127.0.0.1",
        "-ext",
        "san=ip:127.0.0.1",
        "-validity",
        "2",
        "-storetype",
        "PKCS12",
        "-keystore",
        p12.toString(),
        "-storepass",
        PASSWORD,
        "-keypass",
        PASSWORD);
    KeyStore ks = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(p12)) {
      ks.load(in, PASSWORD.toCharArray());
    }
    return new LoopbackCertificate(p12, ks);
  }

  /** A TLS context that serves the certificate. */
  public SSLContext serverContext() throws Exception {
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(keyStore, PASSWORD.toCharArray());
    SSLContext ssl = SSLContext.getInstance("TLS");
    ssl.init(kmf.getKeyManagers(), null, null);
    return ssl;
  }

  /** Trust in this certificate alone. */
  public TrustManagerFactory trust() throws Exception {
    TrustManagerFactory tmf =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(keyStore);
    return tmf;
  }

  /** Writes the certificate as PEM to {@code pem} (a {@code caBundle}); returns it. */
  public Path exportPem(Path pem) {
    keytool(
        "-exportcert",
        "-rfc",
        "-alias",
        ALIAS,
        "-keystore",
        p12.toString(),
        "-storepass",
        PASSWORD,
        "-file",
        pem.toString());
    return pem;
  }

  private static void keytool(String... args) {
    String[] cmd = new String[args.length + 1];
    cmd[0] = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
    System.arraycopy(args, 0, cmd, 1, args.length);
    ProcessRunner.Result r = ProcessRunner.run(Duration.ofMinutes(1), cmd);
    if (r.exitCode() != 0) {
      throw new IllegalStateException("keytool failed: " + r);
    }
  }
}
