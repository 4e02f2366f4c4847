package dev.athenzsvid.client.zts;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.athenzsvid.proto.zts.InstanceIdentity;
import dev.athenzsvid.proto.zts.InstanceRegisterInformation;
import dev.athenzsvid.proto.zts.ResourceError;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertPathBuilderException;
import java.security.cert.CertPathValidatorException;
import java.time.Duration;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;

/**
 * A client of the Athenz ZTS REST API over HTTPS with a client certificate. Thread-safe;
 * connections are kept alive and shared by all calls. Every call has a deadline.
 */
public final class ZtsClient {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final URI base;
  private final HttpClient http;
  private final Duration timeout;

  /**
   * @param base the ZTS URL up to and including {@code /zts/v1}, for example
   *     {@code https://zts.example.com:4443/zts/v1}
   * @param tls the context that holds the client's key and the trusted CAs
   * @param timeout the deadline of each call, connection included
   */
  public ZtsClient(URI base, SSLContext tls, Duration timeout) {
    String text = requireNonNull(base, "base").toString();
    this.base = URI.create(text.endsWith("/") ? text : text + "/");
    this.timeout = requireNonNull(timeout, "timeout");
    this.http = HttpClient.newBuilder()
        .sslContext(requireNonNull(tls, "tls"))
        .connectTimeout(timeout)
        .version(HttpClient.Version.HTTP_1_1)
        .build();
  }

  /** {@code POST /instance}: registers an instance and returns its identity (201). */
  public InstanceIdentity postInstanceRegisterInformation(InstanceRegisterInformation info)
      throws ZtsException {
    byte[] body;
    try {
      body = JSON.writeValueAsBytes(requireNonNull(info, "info"));
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("cannot encode request", e);
    }
    HttpRequest request = HttpRequest.newBuilder(base.resolve("instance"))
        .timeout(timeout)
        .header("Content-Type", "application/json")
        .header("Accept", "application/json")
        .POST(HttpRequest.BodyPublishers.ofByteArray(body))
        .build();
    HttpResponse<byte[]> response = send(request);
    if (response.statusCode() != 201 && response.statusCode() != 200) {
      throw error(response);
    }
    return decode(response, InstanceIdentity.class);
  }

  /** {@code GET /oauth2/keys}: the JWK Set of the token-signing keys, as JSON text. */
  public String getJwks(boolean rfc) throws ZtsException {
    HttpRequest request = HttpRequest.newBuilder(base.resolve("oauth2/keys?rfc=" + rfc))
        .timeout(timeout)
        .header("Accept", "application/json")
        .GET()
        .build();
    HttpResponse<byte[]> response = send(request);
    if (response.statusCode() != 200) {
      throw error(response);
    }
    return new String(response.body(), StandardCharsets.UTF_8);
  }

  private HttpResponse<byte[]> send(HttpRequest request) throws ZtsException {
    try {
      return http.send(request, HttpResponse.BodyHandlers.ofByteArray());
    } catch (HttpTimeoutException e) {
      throw new ZtsException("ZTS did not answer within " + timeout.toMillis() + " ms", e);
    } catch (IOException e) {
      throw new ZtsException("cannot reach ZTS at " + base + ": " + describe(e), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ZtsException("interrupted while calling ZTS", e);
    }
  }

  private static <T> T decode(HttpResponse<byte[]> response, Class<T> type)
      throws ZtsException {
    try {
      return JSON.readValue(response.body(), type);
    } catch (IOException e) {
      throw new ZtsException(response.statusCode(),
          "malformed " + type.getSimpleName() + " from ZTS: " + e.getMessage());
    }
  }

  private static ZtsException error(HttpResponse<byte[]> response) {
    int status = response.statusCode();
    try {
      ResourceError error = JSON.readValue(response.body(), ResourceError.class);
      if (error.message() != null) {
        return new ZtsException(status, error.message());
      }
    } catch (IOException e) {
      // Not an Athenz error body (a proxy's page, for example): report the status alone.
    }
    return new ZtsException(status, "ZTS answered HTTP " + status);
  }

  /** What went wrong on the way to the server, in words rather than exception names. */
  private static String describe(IOException e) {
    for (Throwable cause = e; cause != null; cause = cause.getCause()) {
      if (cause instanceof ConnectException) {
        return "connection refused";
      }
      if (cause instanceof UnknownHostException) {
        return "unknown host " + cause.getMessage();
      }
      if (cause instanceof CertPathValidatorException
          || cause instanceof CertPathBuilderException) {
        return "TLS handshake failed: the server's certificate is not signed by a trusted CA";
      }
      if (cause instanceof SSLHandshakeException && String.valueOf(cause.getMessage())
          .contains("handshake_failure")) {
        return "TLS handshake failed: the server refused the connection (is the client"
            + " certificate signed by a CA it trusts?)";
      }
    }
    String message = e.getMessage();
    return message == null || message.isEmpty() ? e.getClass().getSimpleName() : message;
  }
}
