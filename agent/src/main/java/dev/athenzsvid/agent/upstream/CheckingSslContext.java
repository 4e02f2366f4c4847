package dev.athenzsvid.agent.upstream;

import java.security.SecureRandom;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLContextSpi;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocketFactory;
import javax.net.ssl.SSLSessionContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;

/**
 * An initialised TLS context that runs a check before each new engine, that is before each
 * new connection of an engine-based client such as the JDK HTTP client. A resumed TLS session
 * never consults the key manager, so a rotation noticed only inside the key manager would go
 * unseen for as long as sessions resume; this hook lets {@link ReloadingKeyManager} look at
 * its files first. Socket factories are passed through unchecked. Thread-safe.
 */
final class CheckingSslContext extends SSLContext {
  CheckingSslContext(SSLContext initialised, Runnable beforeEngine) {
    super(new Spi(initialised, beforeEngine), initialised.getProvider(),
        initialised.getProtocol());
  }

  private static final class Spi extends SSLContextSpi {
    private final SSLContext context;
    private final Runnable beforeEngine;

    Spi(SSLContext context, Runnable beforeEngine) {
      this.context = context;
      this.beforeEngine = beforeEngine;
    }

    @Override
    protected void engineInit(KeyManager[] keys, TrustManager[] trust, SecureRandom random) {
      throw new IllegalStateException("already initialised");
    }

    @Override
    protected SSLEngine engineCreateSSLEngine() {
      beforeEngine.run();
      return context.createSSLEngine();
    }

    @Override
    protected SSLEngine engineCreateSSLEngine(String host, int port) {
      beforeEngine.run();
      return context.createSSLEngine(host, port);
    }

    @Override
    protected SSLSocketFactory engineGetSocketFactory() {
      return context.getSocketFactory();
    }

    @Override
    protected SSLServerSocketFactory engineGetServerSocketFactory() {
      return context.getServerSocketFactory();
    }

    @Override
    protected SSLSessionContext engineGetServerSessionContext() {
      return context.getServerSessionContext();
    }

    @Override
    protected SSLSessionContext engineGetClientSessionContext() {
      return context.getClientSessionContext();
    }

    @Override
    protected SSLParameters engineGetDefaultSSLParameters() {
      return context.getDefaultSSLParameters();
    }

    @Override
    protected SSLParameters engineGetSupportedSSLParameters() {
      return context.getSupportedSSLParameters();
    }
  }
}
