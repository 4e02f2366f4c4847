package dev.athenzsvid.server.http;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.type.LogicalType;
import dev.athenzsvid.proto.zts.InstanceRegisterInformation;
import dev.athenzsvid.proto.zts.ResourceError;
import dev.athenzsvid.server.instance.InstanceService;
import dev.athenzsvid.server.instance.RequestException;
import dev.athenzsvid.server.signing.KeySet;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The REST endpoints of the token server, on Jetty's core API:
 *
 * <ul>
 *   <li>{@code POST /zts/v1/instance}: 201 with {@code Location} and an InstanceIdentity
 *   <li>{@code GET /zts/v1/oauth2/keys[?rfc=true]}: the JWK Set of the signing keys
 *   <li>{@code GET /zts/v1/.well-known/openid-configuration}: issuer, jwks_uri, algorithms
 *   <li>{@code GET /zts/v1/status}: 200 when ready, 503 otherwise
 *   <li>{@code GET /metrics}: Prometheus text format
 * </ul>
 *
 * <p>Every error is an Athenz {@code {"code": N, "message": "..."}} body; no stack trace ever
 * leaves the server. Thread-safe; handlers run on Jetty's pool and may block.
 */
public final class ApiHandler extends Handler.Abstract {
  static final String INSTANCE = "/zts/v1/instance";
  static final String KEYS = "/zts/v1/oauth2/keys";
  static final String OPENID = "/zts/v1/.well-known/openid-configuration";
  static final String STATUS = "/zts/v1/status";
  static final String METRICS = "/metrics";

  public static final String NOT_FOUND = "not found";
  public static final String METHOD_NOT_ALLOWED = "method not allowed";
  public static final String BAD_JSON = "request body is not a valid InstanceRegisterInformation";
  public static final String TOO_LARGE = "request body too large";
  public static final String BODY_TIMEOUT = "request body not received in time";
  public static final String BODY_INCOMPLETE = "request body incomplete";
  public static final String NOT_JSON_TYPE = "request Content-Type must be application/json";
  public static final String ENCODED_BODY = "request Content-Encoding not supported";
  public static final String NOT_READY = "not ready";
  public static final String INTERNAL = "internal server error";
  public static final String BAD_QUERY = "query string is not valid URL encoding";

  private static final String WRONG_TYPE = ": wrong type for ";
  private static final int MAX_BODY = 64 * 1024;
  static final String JSON_TYPE = "application/json";
  private static final Logger log = LoggerFactory.getLogger(ApiHandler.class);
  private static final ObjectMapper JSON = requestMapper();

  private final InstanceService instances;
  private final Supplier<KeySet> keys;
  private final String issuer;
  private final ServerMetrics metrics;
  private final BooleanSupplier ready;
  private final Clock clock;

  public ApiHandler(InstanceService instances, Supplier<KeySet> keys, String issuer,
      ServerMetrics metrics, BooleanSupplier ready, Clock clock) {
    this.instances = requireNonNull(instances, "instances");
    this.keys = requireNonNull(keys, "keys");
    this.issuer = requireNonNull(issuer, "issuer");
    this.metrics = requireNonNull(metrics, "metrics");
    this.ready = requireNonNull(ready, "ready");
    this.clock = requireNonNull(clock, "clock");
  }

  /** Answers the errors Jetty raises itself (malformed HTTP and the like) in the same form. */
  public static Request.Handler errorHandler() {
    return new JsonErrorHandler();
  }

  @Override
  public boolean handle(Request request, Response response, Callback callback) {
    String path = Request.getPathInContext(request);
    String method = request.getMethod();
    String endpoint = endpoint(path);
    Reply reply;
    try {
      reply = route(endpoint, method, request);
    } catch (RequestException e) {
      reply = Reply.error(e.status(), e.getMessage());
    } catch (RuntimeException | IOException e) {
      log.error("request failed method={} path={}", method, path, e);
      reply = Reply.error(500, INTERNAL);
    }
    metrics.request(endpoint, reply.status);
    log.debug("request method={} path={} status={}", method, path, reply.status);
    response.setStatus(reply.status);
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, reply.contentType);
    response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
    if (reply.location != null) {
      response.getHeaders().put(HttpHeader.LOCATION, reply.location);
    }
    if (reply.status == 405) {
      // RFC 9110 section 15.5.6: a 405 response must list the methods the resource allows.
      response.getHeaders().put(HttpHeader.ALLOW, allowedMethod(endpoint));
    }
    response.write(true, ByteBuffer.wrap(reply.body), callback);
    return true;
  }

  private Reply route(String endpoint, String method, Request request)
      throws RequestException, IOException {
    if (endpoint.equals("other")) {
      throw new RequestException(404, NOT_FOUND);
    }
    if (!method.equals(allowedMethod(endpoint))) {
      throw new RequestException(405, METHOD_NOT_ALLOWED);
    }
    return switch (endpoint) {
      case INSTANCE -> register(request);
      case KEYS -> json(200,
          Map.of("keys", keys.get().jwks(rfc(request), clock.instant())));
      case OPENID -> json(200, openIdConfiguration());
      case STATUS -> {
        if (!ready.getAsBoolean()) {
          throw new RequestException(503, NOT_READY);
        }
        yield json(200, new ResourceError(200, "OK"));
      }
      default -> new Reply(200, ServerMetrics.CONTENT_TYPE, metrics.scrape(), null);
    };
  }

  private Reply register(Request request) throws RequestException, IOException {
    // As ZTS, which consumes only JSON: a form post or a typo'd type is not guessed at.
    String type = request.getHeaders().get(HttpHeader.CONTENT_TYPE);
    if (type == null || !type.split(";", 2)[0].strip().equalsIgnoreCase(JSON_TYPE)) {
      throw new RequestException(415, NOT_JSON_TYPE);
    }
    // Bodies are read as sent; a compressed one would only fail as malformed JSON.
    String encoding = request.getHeaders().get(HttpHeader.CONTENT_ENCODING);
    if (encoding != null && !encoding.strip().equalsIgnoreCase("identity")) {
      throw new RequestException(415, ENCODED_BODY);
    }
    // A declared length is refused before reading, so a client cannot hold a thread with it.
    if (request.getLength() > MAX_BODY) {
      throw new RequestException(413, TOO_LARGE);
    }
    byte[] body;
    try (InputStream in = Content.Source.asInputStream(request)) {
      body = in.readNBytes(MAX_BODY + 1);
    } catch (IOException e) {
      // The client stopped sending or went away: its failure, not ours.
      log.debug("request body not read problem=\"{}\"", e.toString());
      boolean timedOut = e.getCause() instanceof TimeoutException
          || e instanceof InterruptedIOException;
      throw timedOut ? new RequestException(408, BODY_TIMEOUT)
          : new RequestException(400, BODY_INCOMPLETE);
    }
    if (body.length > MAX_BODY) {
      throw new RequestException(413, TOO_LARGE);
    }
    InstanceRegisterInformation info;
    try {
      info = JSON.readValue(body, InstanceRegisterInformation.class);
    } catch (JsonMappingException e) {
      // A value that does not fit its field: of another type, or a number out of range.
      throw new RequestException(400, BAD_JSON + field(e));
    } catch (IOException e) {
      throw new RequestException(400, BAD_JSON);
    }
    long start = System.nanoTime();
    try {
      InstanceService.Registration registration =
          instances.register(info, clientCertificates(request));
      metrics.issuance(true, System.nanoTime() - start);
      Reply reply = json(201, registration.identity());
      return new Reply(reply.status, reply.contentType, reply.body, registration.location());
    } catch (RequestException e) {
      metrics.issuance(false, System.nanoTime() - start);
      throw e;
    }
  }

  /** Names the field a value of the wrong type was given for, as {@code ": field x"}. */
  private static String field(JsonMappingException e) {
    String path = e.getPath().stream()
        .map(ref -> ref.getFieldName() != null ? ref.getFieldName() : "[" + ref.getIndex() + "]")
        .reduce((a, b) -> b.startsWith("[") ? a + b : a + "." + b).orElse("");
    return path.isEmpty() ? "" : WRONG_TYPE + path;
  }

  private Map<String, Object> openIdConfiguration() {
    Map<String, Object> config = new LinkedHashMap<>();
    config.put("issuer", issuer);
    config.put("jwks_uri", issuer + "/oauth2/keys?rfc=true");
    config.put("response_types_supported", List.of("id_token"));
    config.put("subject_types_supported", List.of("public"));
    config.put("id_token_signing_alg_values_supported",
        keys.get().algorithms(clock.instant()));
    return config;
  }

  private static List<X509Certificate> clientCertificates(Request request) {
    Object data = request.getAttribute(EndPoint.SslSessionData.ATTRIBUTE);
    if (data instanceof EndPoint.SslSessionData ssl && ssl.peerCertificates() != null) {
      return List.of(ssl.peerCertificates());
    }
    return List.of();
  }

  private static boolean rfc(Request request) throws RequestException {
    String value;
    try {
      value = Request.extractQueryParameters(request).getValue("rfc");
    } catch (IllegalArgumentException e) {
      throw new RequestException(400, BAD_QUERY);
    }
    return "true".equalsIgnoreCase(value);
  }

  /** The one method each endpoint answers; also the {@code Allow} header of a 405. */
  static String allowedMethod(String endpoint) {
    return endpoint.equals(INSTANCE) ? "POST" : "GET";
  }

  private static String endpoint(String path) {
    return switch (path) {
      case INSTANCE, KEYS, OPENID, STATUS, METRICS -> path;
      default -> "other";
    };
  }

  /**
   * Reads request bodies strictly: a value of the wrong JSON type (a number for a name, a
   * string for a number or a boolean, a fraction for a whole number), a field given twice or
   * content after the object is refused rather than guessed at. Unknown fields are ignored,
   * as newer Athenz clients send fields this server has no use for.
   */
  private static ObjectMapper requestMapper() {
    ObjectMapper mapper = JsonMapper.builder()
        .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
        .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
        .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
        .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
        .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
        .build();
    mapper.coercionConfigFor(LogicalType.Textual)
        .setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
        .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
        .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail);
    return mapper;
  }

  private static Reply json(int status, Object value) throws JsonProcessingException {
    return new Reply(status, JSON_TYPE, JSON.writeValueAsBytes(value), null);
  }

  private record Reply(int status, String contentType, byte[] body, String location) {
    static Reply error(int status, String message) {
      try {
        return json(status, new ResourceError(status, message));
      } catch (JsonProcessingException e) {
        throw new IllegalStateException("cannot encode an error body", e);
      }
    }
  }
}
