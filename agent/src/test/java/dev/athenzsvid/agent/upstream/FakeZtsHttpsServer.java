package dev.athenzsvid.agent.upstream;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsExchange;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import dev.athenzsvid.client.tls.LocalCa;
import dev.athenzsvid.client.tls.Pem;
import dev.athenzsvid.client.tls.TlsContexts;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.security.auth.x500.X500Principal;

/**
 * A ZTS stand-in over real HTTPS on 127.0.0.1 that requires a client certificate issued by
 * the test CA and records the subject CN of each request's client. Answers {@code POST
 * /zts/v1/instance} and {@code GET /zts/v1/oauth2/keys} as {@link #answer} says. Every
 * response closes its connection, so each request makes a new TLS handshake. Thread-safe.
 */
final class FakeZtsHttpsServer implements AutoCloseable {
  /** How the next requests are answered. */
  enum Answer {
    ISSUE,
    REFUSE,
    /** Hold the request until {@link #close()}. */
    STALL
  }

  static final String TOKEN = "header.payload.signature";
  static final String JWKS = "{\"keys\":[]}";
  static final String REFUSAL = "principal not authorized";

  private final HttpsServer server;
  private final ExecutorService executor = Executors.newFixedThreadPool(2);
  private final List<String> clientNames = new CopyOnWriteArrayList<>();
  private final CountDownLatch stalled = new CountDownLatch(1);
  private volatile Answer answer = Answer.ISSUE;

  FakeZtsHttpsServer(LocalCa ca, Path dir) throws IOException, GeneralSecurityException {
    LocalCa.Issued identity = ca.issue("zts.test", List.of("127.0.0.1"), Duration.ofDays(1));
    KeyStore keys = Pem.keyStore(identity.key(), List.of(identity.certificate()));
    KeyManagerFactory factory = KeyManagerFactory.getInstance("SunX509");
    factory.init(keys, new char[0]);
    Path caFile = dir.resolve("server-ca.crt");
    ca.writeCertificate(caFile);
    SSLContext tls = SSLContext.getInstance("TLS");
    tls.init(factory.getKeyManagers(), TlsContexts.trustManagers(caFile), null);
    server = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.setHttpsConfigurator(new HttpsConfigurator(tls) {
      @Override
      public void configure(HttpsParameters params) {
        SSLParameters parameters = tls.getDefaultSSLParameters();
        parameters.setNeedClientAuth(true);
        params.setSSLParameters(parameters);
      }
    });
    server.createContext("/zts/v1/", this::handle);
    server.setExecutor(executor);
    server.start();
  }

  URI baseUrl() {
    return URI.create("https://127.0.0.1:" + server.getAddress().getPort() + "/zts/v1");
  }

  void answer(Answer value) {
    this.answer = value;
  }

  /** The client certificate CN of every request so far, in order. */
  List<String> clientNames() {
    return List.copyOf(clientNames);
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      X509Certificate client =
          (X509Certificate) ((HttpsExchange) exchange).getSSLSession().getPeerCertificates()[0];
      clientNames.add(commonName(client.getSubjectX500Principal()));
      exchange.getRequestBody().readAllBytes();
      exchange.getResponseHeaders().set("Connection", "close");
      exchange.getResponseHeaders().set("Content-Type", "application/json");
      if (answer == Answer.STALL) {
        stalled.await(10, TimeUnit.SECONDS);
        return;
      }
      String path = exchange.getRequestURI().getPath();
      if (path.endsWith("/oauth2/keys")) {
        send(exchange, 200, JWKS);
      } else if (answer == Answer.REFUSE) {
        send(exchange, 403, "{\"code\":403,\"message\":\"" + REFUSAL + "\"}");
      } else {
        send(exchange, 201, "{\"provider\":\"sys.auth.rbac\",\"name\":\"athenz.demo.api\","
            + "\"instanceId\":\"host-1\",\"serviceToken\":\"" + TOKEN + "\"}");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void send(HttpExchange exchange, int status, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  private static String commonName(X500Principal principal) {
    for (String part : principal.getName(X500Principal.RFC2253).split(",")) {
      if (part.startsWith("CN=")) {
        return part.substring(3);
      }
    }
    return "";
  }

  @Override
  public void close() {
    stalled.countDown();
    server.stop(0);
    executor.shutdownNow();
  }
}
