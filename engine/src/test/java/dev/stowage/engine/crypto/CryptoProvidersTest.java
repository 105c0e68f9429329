package dev.stowage.engine.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.amazon.corretto.crypto.provider.AmazonCorrettoCryptoProvider;
import com.amazon.corretto.crypto.provider.SelfTestStatus;
import dev.stowage.engine.error.EngineException;
import dev.stowage.engine.error.ExitCode;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.security.Provider;
import java.security.Security;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * AWS-LC (through ACCP) is what this machine's engine uses, and it writes exactly the bytes the
 * JDK's GCM writes: a backup sealed with either opens with the other.
 */
class CryptoProvidersTest {
  private static final Provider JDK = Security.getProvider("SunJCE");
  private static final BackupEncryption ENC =
      BackupEncryption.forNewBackup(KeyRing.of(key()).primary(), null);

  private static byte[] key() {
    byte[] k = new byte[32];
    new Random(11).nextBytes(k);
    return k;
  }

  private static Provider awsLc() {
    CryptoProviders.preferNative();
    return Security.getProvider("AmazonCorrettoCryptoProvider");
  }

  @Test
  void awsLcIsFirstForGcmAndHmacOnLinuxX86() throws Exception {
    // CI runs on linux-x86_64, the platform whose library the engine ships: a fallback here
    // would silently lose the speed, so it fails instead.
    assertThat(CryptoProviders.preferNative()).contains("AWS-LC").contains("ACCP");
    assertThat(Cipher.getInstance("AES/GCM/NoPadding").getProvider().getName())
        .isEqualTo("AmazonCorrettoCryptoProvider");
    assertThat(Mac.getInstance("HmacSHA256").getProvider().getName())
        .isEqualTo("AmazonCorrettoCryptoProvider");
  }

  @Test
  void anObjectSealedByTheJdkOpensWithAwsLcAndBack() throws Exception {
    Provider awsLc = awsLc();
    assertThat(awsLc).isNotNull();
    assertThat(JDK).isNotNull();
    int seg = ENC.info().segmentSize;
    ObjectPlace place = new ObjectPlace("b1", "Data", "db/t.ibd", "0-2", 0, 3L * seg);
    for (int size : new int[] {0, 1, seg - 1, seg, seg + 1, 3 * seg + 17}) {
      byte[] plain = new byte[size];
      new Random(size).nextBytes(plain);
      byte[] byJdk = seal(ENC.newCipher(JDK), plain, place);
      byte[] byAwsLc = seal(ENC.newCipher(awsLc), plain, place);
      assertThat(byAwsLc).as("stored size at %d bytes", size).hasSameSizeAs(byJdk);
      assertThat(open(ENC.newCipher(awsLc), byJdk, place)).as("JDK to AWS-LC").isEqualTo(plain);
      assertThat(open(ENC.newCipher(JDK), byAwsLc, place)).as("AWS-LC to JDK").isEqualTo(plain);
    }
  }

  @Test
  void aFlippedByteSealedByTheJdkFailsUnderAwsLc() throws Exception {
    int seg = ENC.info().segmentSize;
    ObjectPlace place = new ObjectPlace("b1", "Data", "db/t.ibd", "0-1", 0, 2L * seg);
    byte[] plain = new byte[2 * seg];
    new Random(5).nextBytes(plain);
    byte[] sealed = seal(ENC.newCipher(JDK), plain, place);
    sealed[sealed.length - 40] ^= 1;
    assertThatThrownBy(() -> open(ENC.newCipher(awsLc()), sealed, place))
        .isInstanceOf(ObjectAuthenticationException.class);
  }

  @Test
  void theBackgroundLoadFinishesAndIsThenUsedWithoutWaiting() throws Exception {
    CryptoProviders.startLoading();
    long deadline = System.nanoTime() + 30_000_000_000L;
    while (!CryptoProviders.loaded() && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }

    assertThat(CryptoProviders.loaded()).as("AWS-LC loaded by the background thread").isTrue();
    assertThat(CryptoProviders.preferNativeIfLoaded()).contains("AWS-LC");
    assertThat(java.security.MessageDigest.getInstance("SHA-256").getProvider().getName())
        .isEqualTo("AmazonCorrettoCryptoProvider");
  }

  @Test
  void onlyALoadThatFinishedIsInstalledWithoutWaitingAndAChoiceMadeStands() {
    assertThat(CryptoProviders.installNow(null, false)).as("load not finished: no wait").isFalse();
    assertThat(CryptoProviders.installNow(null, true)).isTrue();
    assertThat(CryptoProviders.installNow("the JDK's providers (STOWAGE_CRYPTO=jdk)", true))
        .isFalse();
  }

  @Test
  @Timeout(10)
  void theLoadAsksForCiphersOnlyOnceAccpsOwnSelfTestsHaveAResult() throws Exception {
    Iterator<SelfTestStatus> seen =
        List.of(SelfTestStatus.NOT_RUN, SelfTestStatus.NOT_RUN, SelfTestStatus.PASSED).iterator();
    List<SelfTestStatus> answered = new ArrayList<>();
    Supplier<SelfTestStatus> status =
        () -> {
          SelfTestStatus s = seen.next();
          answered.add(s);
          return s;
        };
    List<SelfTestStatus> whenCiphersAsked = new ArrayList<>();
    CryptoProviders.warm(status, 5_000_000_000L, () -> whenCiphersAsked.addAll(answered));
    assertThat(whenCiphersAsked)
        .as("the statuses seen before the ciphers were asked for")
        .containsExactly(SelfTestStatus.NOT_RUN, SelfTestStatus.NOT_RUN, SelfTestStatus.PASSED);
  }

  @Test
  @Timeout(10)
  void aFailureEndsTheWaitAndTestsThatNeverFinishHoldItOnlyUntilTheBound() throws Exception {
    // A failure is a result: the cipher's own check then reports it, as it always did.
    assertThat(CryptoProviders.awaitSelfTests(() -> SelfTestStatus.FAILED, 0)).isTrue();
    long start = System.nanoTime();
    AtomicInteger asked = new AtomicInteger();
    CryptoProviders.warm(() -> SelfTestStatus.NOT_RUN, 20_000_000L, asked::incrementAndGet);
    long took = System.nanoTime() - start;
    assertThat(asked).as("ciphers asked for after the bound").hasValue(1);
    assertThat(took).isBetween(20_000_000L, 2_000_000_000L);
  }

  @Test
  void theRealSelfTestsPassOnThisMachineWithinTheLoadsBound() throws Exception {
    AmazonCorrettoCryptoProvider p = AmazonCorrettoCryptoProvider.INSTANCE;
    assertThat(p.getLoadingError()).isNull();
    // Whether this JVM's earlier tests already ran them or not, they have a result in time.
    assertThat(
            CryptoProviders.awaitSelfTests(
                p::getSelfTestStatus, CryptoProviders.SELF_TEST_WAIT_NANOS))
        .isTrue();
    assertThat(p.getSelfTestStatus()).isEqualTo(SelfTestStatus.PASSED);
  }

  @Test
  void anUnknownSettingIsRefusedNamingTheVariable() {
    assertThatThrownBy(() -> CryptoProviders.jdkAsked("openssl"))
        .isInstanceOf(EngineException.class)
        .hasMessageContaining("STOWAGE_CRYPTO=openssl")
        .hasMessageContaining("native")
        .satisfies(
            e ->
                assertThat(((EngineException) e).exitCode()).isEqualTo(ExitCode.INVALID_ARGUMENTS));
    assertThat(CryptoProviders.jdkAsked(null)).isFalse();
    assertThat(CryptoProviders.jdkAsked(" Native ")).isFalse();
    assertThat(CryptoProviders.jdkAsked("JDK")).isTrue();
  }

  private static byte[] seal(ObjectCipher c, byte[] plain, ObjectPlace place) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ObjectCipher.Sealing s = c.sealing(Channels.newChannel(out), place);
    s.write(ByteBuffer.wrap(plain));
    s.finish();
    return out.toByteArray();
  }

  private static byte[] open(ObjectCipher c, byte[] sealed, ObjectPlace place) throws Exception {
    ObjectCipher.Opening o =
        c.opening(Channels.newChannel(new ByteArrayInputStream(sealed)), place, false);
    ByteArrayOutputStream got = new ByteArrayOutputStream();
    ByteBuffer b = ByteBuffer.allocate(1000);
    while (o.read(b.clear()) >= 0) {
      got.write(b.array(), 0, b.position());
    }
    o.finish();
    return got.toByteArray();
  }
}
