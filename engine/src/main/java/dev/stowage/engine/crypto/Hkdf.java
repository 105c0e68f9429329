package dev.stowage.engine.crypto;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/** HKDF-SHA256 (RFC 5869) on the JDK's HmacSHA256: derives sub-keys from the one secret. */
final class Hkdf {
  private static final String HMAC = "HmacSHA256";
  private static final int HASH_LEN = 32;

  private Hkdf() {}

  /** Extract then expand: {@code length} bytes of key for {@code info}. */
  static byte[] derive(byte[] secret, byte[] salt, String info, int length) {
    try {
      Mac mac = Mac.getInstance(HMAC);
      mac.init(
          new SecretKeySpec(salt == null || salt.length == 0 ? new byte[HASH_LEN] : salt, HMAC));
      byte[] prk = mac.doFinal(secret);
      mac.init(new SecretKeySpec(prk, HMAC));
      byte[] out = new byte[length];
      byte[] t = new byte[0];
      byte[] infoBytes = info.getBytes(StandardCharsets.UTF_8);
      int done = 0;
      for (int i = 1; done < length; i++) {
        mac.update(t);
        mac.update(infoBytes);
        mac.update((byte) i);
        t = mac.doFinal();
        int n = Math.min(t.length, length - done);
        System.arraycopy(t, 0, out, done, n);
        done += n;
      }
      java.util.Arrays.fill(prk, (byte) 0);
      return out;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("the JDK lacks HmacSHA256", e);
    }
  }
}
