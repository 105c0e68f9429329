package dev.stowage.engine.crypto;

import com.amazon.corretto.crypto.provider.AmazonCorrettoCryptoProvider;
import com.amazon.corretto.crypto.provider.SelfTestStatus;
import dev.stowage.engine.error.EngineException;
import java.security.GeneralSecurityException;
import java.util.Locale;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where the engine's AES-GCM, SHA-2 and HMAC come from: AWS-LC through the Amazon Corretto Crypto
 * Provider (ACCP, native code with AES-NI/VAES) put first in the JDK's provider list, else the
 * JDK's own providers. The JDK's GCM runs interpreted until the JIT has compiled it, which in a
 * process that lives seconds to minutes is a large part of its work (engine/README, "Where the CPU
 * of encryption goes"); the JDK's TLS uses the same {@code Cipher}, so S3 over https gains too.
 *
 * <p>Loading ACCP costs about 0.1 to 0.3 CPU-seconds (it links its library, unpacked from the jar
 * unless the engine image's native.options points it at a copy, and loads its classes), so only
 * runs that encrypt or talk to S3 ask for it. {@code STOWAGE_CRYPTO=jdk} keeps the JDK's providers
 * (for a comparison, or on a platform ACCP does not ship for); a platform without ACCP's library
 * falls back to them by itself and says so in the log. Either way the bytes written are the same:
 * AES-GCM and HMAC-SHA256 are fully specified, and backups made with one are read with the other.
 */
public final class CryptoProviders {
  /** Environment variable: {@code native} (default) or {@code jdk}. */
  public static final String ENV = "STOWAGE_CRYPTO";

  private static volatile String inUse;
  private static volatile boolean loaded; // ACCP loaded without an error (by either path)

  /**
   * The logger, made at the first log line: {@link #startLoading()} runs on the command's thread
   * before anything has logged, and making the logger there bound SLF4J on that thread (about 30 ms
   * of an encrypted or S3 run's start, async-profiler's wall clock) instead of on the warm-up
   * thread, where it overlaps picocli's work.
   */
  private static final class Log {
    static final Logger LOG = LoggerFactory.getLogger("stowage");
  }

  private CryptoProviders() {}

  /**
   * Starts loading ACCP on a background thread (linking its library, its self-tests), so that it
   * overlaps the JVM's own start-up instead of adding to it: a hint from a command line that will
   * encrypt or reach S3. {@link #preferNative()} still decides; it waits for a load in progress
   * (the JVM's class initialisation lock), never uses a half-loaded one.
   */
  public static void startLoading() {
    try {
      if (inUse != null || jdkAsked(System.getenv(ENV))) {
        return;
      }
    } catch (EngineException e) {
      return; // a bad setting: preferNative() refuses it with exit 2 when the command asks
    }
    Thread t =
        new Thread(
            () -> {
              try {
                AmazonCorrettoCryptoProvider p = AmazonCorrettoCryptoProvider.INSTANCE;
                if (p.getLoadingError() == null) {
                  warm(
                      p::getSelfTestStatus,
                      SELF_TEST_WAIT_NANOS,
                      () -> {
                        javax.crypto.Cipher.getInstance("AES/GCM/NoPadding", p);
                        javax.crypto.Mac.getInstance("HmacSHA256", p);
                      });
                  loaded = true;
                }
              } catch (Throwable e) {
                // preferNative() sees the same failure and reports it
              }
            },
            "stowage-crypto-load");
    t.setDaemon(true);
    t.start();
  }

  /**
   * How long the background load waits for ACCP's own self-tests before asking for a cipher: about
   * ten times what the suite takes on 2 busy cores. Were the common pool unable to run them (a
   * {@code ForkJoinPool.common.parallelism} of 0, which the engine's JVM flags do not set), the
   * load runs them itself after this, as it did before the wait.
   */
  static final long SELF_TEST_WAIT_NANOS = 500_000_000L;

  /** A step that asks ACCP for its first ciphers. */
  interface CipherRequests {
    void run() throws GeneralSecurityException;
  }

  /**
   * The background load once ACCP's class is initialised: wait for its self-tests ({@link
   * #awaitSelfTests}), then ask for the ciphers, whose check finds the results cached.
   */
  static void warm(Supplier<SelfTestStatus> status, long maxNanos, CipherRequests ciphers)
      throws GeneralSecurityException {
    awaitSelfTests(status, maxNanos);
    ciphers.run();
  }

  /**
   * Waits until ACCP's self-tests, which its constructor starts in the common fork-join pool, have
   * a result, or until {@code maxNanos} pass. A {@code getInstance} before then runs the whole
   * suite again on the calling thread, since ACCP does not make a second caller wait for the first:
   * async-profiler showed both threads in the same HMAC test, about 35 ms of CPU each, on every
   * encrypted or S3 run. With the wait, the ciphers find the results cached.
   *
   * @return whether the tests had a result in time
   */
  static boolean awaitSelfTests(Supplier<SelfTestStatus> status, long maxNanos) {
    long deadline = System.nanoTime() + maxNanos;
    while (status.get() == SelfTestStatus.NOT_RUN) {
      if (System.nanoTime() - deadline >= 0) {
        return false; // the cipher's own check runs them, as before
      }
      LockSupport.parkNanos(1_000_000L);
    }
    return true;
  }

  /**
   * Puts ACCP first unless told not to or unable to; once per process, later calls return at once.
   * Called before a run's first object cipher, passphrase stretch or TLS connection; a key file's
   * HKDF and MANIFEST HMAC may run on the JDK's providers before it (the same bytes).
   *
   * @return what is in use, as logged
   */
  public static String preferNative() {
    String known = inUse;
    return known != null ? known : choose(System.getenv(ENV));
  }

  /**
   * Puts ACCP first if its background load ({@link #startLoading()}) has already finished, and
   * never waits for it: for work that runs as well on the JDK's providers and comes before the
   * first object cipher, such as a restore's MANIFEST HMAC and SHA-256 (the JDK's SHA-256 runs as
   * C1-compiled Java: about 30 ms of the 5,000-file restore's MANIFEST, on the command's thread).
   *
   * @return what is in use, or null when nothing is chosen yet
   */
  public static String preferNativeIfLoaded() {
    String known = inUse;
    return installNow(known, loaded) ? preferNative() : known;
  }

  /** Whether {@link #preferNativeIfLoaded()} installs now: nothing chosen yet, and ACCP loaded. */
  static boolean installNow(String inUse, boolean loaded) {
    return inUse == null && loaded;
  }

  /** Whether ACCP has loaded (startLoading's thread, or a run that chose it); for tests. */
  static boolean loaded() {
    return loaded;
  }

  static synchronized String choose(String setting) {
    boolean jdk = jdkAsked(setting);
    if (inUse != null) {
      return inUse;
    }
    String chosen = jdk ? "the JDK's providers (" + ENV + "=jdk)" : installAccp();
    Log.LOG.info("cryptography: {}", chosen);
    inUse = chosen;
    return chosen;
  }

  /** Refuses a {@code STOWAGE_CRYPTO} that is neither choice (exit 2) without loading anything. */
  public static void checkSetting() {
    jdkAsked(System.getenv(ENV));
  }

  /** Whether {@code setting} asks for the JDK's providers; exit 2 on anything but the two. */
  static boolean jdkAsked(String setting) {
    String s = setting == null ? "" : setting.trim().toLowerCase(Locale.ROOT);
    return switch (s) {
      case "", "native" -> false;
      case "jdk" -> true;
      default ->
          throw EngineException.invalid(
              ENV + "=" + setting + " is not a choice: use native (the default) or jdk");
    };
  }

  private static String installAccp() {
    Throwable loading;
    try {
      loading = AmazonCorrettoCryptoProvider.INSTANCE.getLoadingError();
    } catch (LinkageError e) {
      loading = e;
    }
    if (loading != null) {
      return "the JDK's providers (AWS-LC could not be loaded on this platform: " + loading + ")";
    }
    AmazonCorrettoCryptoProvider.install();
    loaded = true;
    AmazonCorrettoCryptoProvider p = AmazonCorrettoCryptoProvider.INSTANCE;
    return p.getAwsLcVersionStr() + " through ACCP " + p.getVersionStr();
  }
}
