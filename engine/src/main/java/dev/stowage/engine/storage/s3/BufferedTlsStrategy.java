package dev.stowage.engine.storage.s3;

import java.io.IOException;
import java.net.Socket;
import java.security.GeneralSecurityException;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import org.apache.hc.client5.http.ssl.DefaultClientTlsStrategy;
import org.apache.hc.client5.http.ssl.DefaultHostnameVerifier;
import org.apache.hc.client5.http.ssl.HostnameVerificationPolicy;
import org.apache.hc.core5.http.protocol.HttpContext;
import software.amazon.awssdk.http.SystemPropertyTlsKeyManagersProvider;

/**
 * TLS for the S3 client as the SDK sets it up by default (an {@code SSLContext} with the client
 * certificate of the {@code javax.net.ssl.keyStore} system properties, if any, and the given trust
 * managers, the JDK's when null; the host name checked against the certificate by the HTTP client's
 * verifier), layered over a {@link BufferedReadSocket} so that reading records costs fewer system
 * calls, and written through a {@link BufferedWriteSslSocket} so that uploads go out in full
 * records.
 */
final class BufferedTlsStrategy extends DefaultClientTlsStrategy {
  private BufferedTlsStrategy(SSLContext context) {
    super(context, HostnameVerificationPolicy.CLIENT, new DefaultHostnameVerifier());
  }

  /** With {@code trustManagers} (a custom CA bundle), or the JDK's default trust when null. */
  static BufferedTlsStrategy of(TrustManager[] trustManagers) {
    try {
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(
          SystemPropertyTlsKeyManagersProvider.create().keyManagers(), trustManagers, null);
      return new BufferedTlsStrategy(context);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("the JDK cannot set up TLS: " + e.getMessage(), e);
    }
  }

  @Override
  public SSLSocket upgrade(
      Socket socket, String target, int port, Object attachment, HttpContext context)
      throws IOException {
    return new BufferedWriteSslSocket(
        super.upgrade(new BufferedReadSocket(socket), target, port, attachment, context));
  }
}
