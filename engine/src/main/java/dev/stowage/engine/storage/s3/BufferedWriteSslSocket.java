package dev.stowage.engine.storage.s3;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.SocketException;
import java.net.SocketOption;
import java.nio.channels.SocketChannel;
import java.util.List;
import java.util.Set;
import java.util.function.BiFunction;
import javax.net.ssl.HandshakeCompletedListener;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;

/**
 * A TLS socket whose output is written through a buffer (see {@link BufferedTlsStrategy});
 * everything else goes to the socket it wraps. The JDK's TLS makes one record, one encryption call
 * and one system call of every write it is given, up to 16 KiB; the HTTP client writes a request
 * body in 8 KiB pieces (its session buffer, filled 4 KiB at a time), so an upload went out as 8 KiB
 * records (strace: 4,234 writes of 8 KiB against 420 of 16 KiB for a 46 MiB backup). Through the
 * buffer the TLS layer gets {@link #BUFFER} bytes at a time and cuts them into full records. The
 * HTTP client flushes at the end of every request head and body, and a flush goes through.
 */
final class BufferedWriteSslSocket extends SSLSocket {
  /** Bytes handed to the TLS layer at once: four full records. */
  static final int BUFFER = 64 * 1024;

  private final SSLSocket ssl;
  private OutputStream out;

  BufferedWriteSslSocket(SSLSocket ssl) {
    this.ssl = ssl;
  }

  @Override
  public InputStream getInputStream() throws IOException {
    return ssl.getInputStream();
  }

  /** The same buffered stream on every call, so no bytes wait in a buffer nobody flushes. */
  @Override
  public synchronized OutputStream getOutputStream() throws IOException {
    if (out == null) {
      out = new BufferedOutputStream(ssl.getOutputStream(), BUFFER);
    }
    return out;
  }

  @Override
  public void connect(SocketAddress endpoint) throws IOException {
    ssl.connect(endpoint);
  }

  @Override
  public void connect(SocketAddress endpoint, int timeout) throws IOException {
    ssl.connect(endpoint, timeout);
  }

  @Override
  public void bind(SocketAddress bindpoint) throws IOException {
    ssl.bind(bindpoint);
  }

  @Override
  public InetAddress getInetAddress() {
    return ssl.getInetAddress();
  }

  @Override
  public InetAddress getLocalAddress() {
    return ssl.getLocalAddress();
  }

  @Override
  public int getPort() {
    return ssl.getPort();
  }

  @Override
  public int getLocalPort() {
    return ssl.getLocalPort();
  }

  @Override
  public SocketAddress getRemoteSocketAddress() {
    return ssl.getRemoteSocketAddress();
  }

  @Override
  public SocketAddress getLocalSocketAddress() {
    return ssl.getLocalSocketAddress();
  }

  /** None: writing to a channel of the wrapped socket would bypass the buffer. */
  @Override
  public SocketChannel getChannel() {
    return null;
  }

  @Override
  public void setTcpNoDelay(boolean on) throws SocketException {
    ssl.setTcpNoDelay(on);
  }

  @Override
  public boolean getTcpNoDelay() throws SocketException {
    return ssl.getTcpNoDelay();
  }

  @Override
  public void setSoLinger(boolean on, int linger) throws SocketException {
    ssl.setSoLinger(on, linger);
  }

  @Override
  public int getSoLinger() throws SocketException {
    return ssl.getSoLinger();
  }

  @Override
  public void sendUrgentData(int data) throws IOException {
    ssl.sendUrgentData(data);
  }

  @Override
  public void setOOBInline(boolean on) throws SocketException {
    ssl.setOOBInline(on);
  }

  @Override
  public boolean getOOBInline() throws SocketException {
    return ssl.getOOBInline();
  }

  @Override
  public void setSoTimeout(int timeout) throws SocketException {
    ssl.setSoTimeout(timeout);
  }

  @Override
  public int getSoTimeout() throws SocketException {
    return ssl.getSoTimeout();
  }

  @Override
  public void setSendBufferSize(int size) throws SocketException {
    ssl.setSendBufferSize(size);
  }

  @Override
  public int getSendBufferSize() throws SocketException {
    return ssl.getSendBufferSize();
  }

  @Override
  public void setReceiveBufferSize(int size) throws SocketException {
    ssl.setReceiveBufferSize(size);
  }

  @Override
  public int getReceiveBufferSize() throws SocketException {
    return ssl.getReceiveBufferSize();
  }

  @Override
  public void setKeepAlive(boolean on) throws SocketException {
    ssl.setKeepAlive(on);
  }

  @Override
  public boolean getKeepAlive() throws SocketException {
    return ssl.getKeepAlive();
  }

  @Override
  public void setTrafficClass(int tc) throws SocketException {
    ssl.setTrafficClass(tc);
  }

  @Override
  public int getTrafficClass() throws SocketException {
    return ssl.getTrafficClass();
  }

  @Override
  public void setReuseAddress(boolean on) throws SocketException {
    ssl.setReuseAddress(on);
  }

  @Override
  public boolean getReuseAddress() throws SocketException {
    return ssl.getReuseAddress();
  }

  /** What is still buffered is sent first, if the connection takes it. */
  @Override
  public void close() throws IOException {
    flushQuietly();
    ssl.close();
  }

  @Override
  public void shutdownInput() throws IOException {
    ssl.shutdownInput();
  }

  @Override
  public void shutdownOutput() throws IOException {
    flushQuietly();
    ssl.shutdownOutput();
  }

  private void flushQuietly() {
    OutputStream o;
    synchronized (this) {
      o = out;
    }
    if (o != null && !ssl.isClosed()) {
      try {
        o.flush();
      } catch (IOException e) {
        // closing anyway: the HTTP client flushes every request itself and sees its failures
      }
    }
  }

  @Override
  public String toString() {
    return ssl.toString();
  }

  @Override
  public boolean isConnected() {
    return ssl.isConnected();
  }

  @Override
  public boolean isBound() {
    return ssl.isBound();
  }

  @Override
  public boolean isClosed() {
    return ssl.isClosed();
  }

  @Override
  public boolean isInputShutdown() {
    return ssl.isInputShutdown();
  }

  @Override
  public boolean isOutputShutdown() {
    return ssl.isOutputShutdown();
  }

  @Override
  public void setPerformancePreferences(int connectionTime, int latency, int bandwidth) {
    ssl.setPerformancePreferences(connectionTime, latency, bandwidth);
  }

  @Override
  public <T> Socket setOption(SocketOption<T> name, T value) throws IOException {
    ssl.setOption(name, value);
    return this;
  }

  @Override
  public <T> T getOption(SocketOption<T> name) throws IOException {
    return ssl.getOption(name);
  }

  @Override
  public Set<SocketOption<?>> supportedOptions() {
    return ssl.supportedOptions();
  }

  @Override
  public String[] getSupportedCipherSuites() {
    return ssl.getSupportedCipherSuites();
  }

  @Override
  public String[] getEnabledCipherSuites() {
    return ssl.getEnabledCipherSuites();
  }

  @Override
  public void setEnabledCipherSuites(String[] suites) {
    ssl.setEnabledCipherSuites(suites);
  }

  @Override
  public String[] getSupportedProtocols() {
    return ssl.getSupportedProtocols();
  }

  @Override
  public String[] getEnabledProtocols() {
    return ssl.getEnabledProtocols();
  }

  @Override
  public void setEnabledProtocols(String[] protocols) {
    ssl.setEnabledProtocols(protocols);
  }

  @Override
  public SSLSession getSession() {
    return ssl.getSession();
  }

  @Override
  public SSLSession getHandshakeSession() {
    return ssl.getHandshakeSession();
  }

  @Override
  public void addHandshakeCompletedListener(HandshakeCompletedListener listener) {
    ssl.addHandshakeCompletedListener(listener);
  }

  @Override
  public void removeHandshakeCompletedListener(HandshakeCompletedListener listener) {
    ssl.removeHandshakeCompletedListener(listener);
  }

  @Override
  public void startHandshake() throws IOException {
    ssl.startHandshake();
  }

  @Override
  public void setUseClientMode(boolean mode) {
    ssl.setUseClientMode(mode);
  }

  @Override
  public boolean getUseClientMode() {
    return ssl.getUseClientMode();
  }

  @Override
  public void setNeedClientAuth(boolean need) {
    ssl.setNeedClientAuth(need);
  }

  @Override
  public boolean getNeedClientAuth() {
    return ssl.getNeedClientAuth();
  }

  @Override
  public void setWantClientAuth(boolean want) {
    ssl.setWantClientAuth(want);
  }

  @Override
  public boolean getWantClientAuth() {
    return ssl.getWantClientAuth();
  }

  @Override
  public void setEnableSessionCreation(boolean flag) {
    ssl.setEnableSessionCreation(flag);
  }

  @Override
  public boolean getEnableSessionCreation() {
    return ssl.getEnableSessionCreation();
  }

  @Override
  public SSLParameters getSSLParameters() {
    return ssl.getSSLParameters();
  }

  @Override
  public void setSSLParameters(SSLParameters params) {
    ssl.setSSLParameters(params);
  }

  @Override
  public String getApplicationProtocol() {
    return ssl.getApplicationProtocol();
  }

  @Override
  public String getHandshakeApplicationProtocol() {
    return ssl.getHandshakeApplicationProtocol();
  }

  @Override
  public void setHandshakeApplicationProtocolSelector(
      BiFunction<SSLSocket, List<String>, String> selector) {
    ssl.setHandshakeApplicationProtocolSelector(selector);
  }

  @Override
  public BiFunction<SSLSocket, List<String>, String> getHandshakeApplicationProtocolSelector() {
    return ssl.getHandshakeApplicationProtocolSelector();
  }
}
