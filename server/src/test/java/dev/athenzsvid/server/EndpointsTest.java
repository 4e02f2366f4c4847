package dev.athenzsvid.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.jwk.source.JWKSourceBuilder;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jose.util.DefaultResourceRetriever;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import dev.athenzsvid.client.zts.ZtsClient;
import dev.athenzsvid.proto.zts.InstanceIdentity;
import dev.athenzsvid.proto.zts.InstanceRegisterInformation;
import dev.athenzsvid.server.config.ServerConfig;
import dev.athenzsvid.server.http.ApiHandler;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Stream;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Keys, discovery, status and metrics over real HTTPS, with configured EC and RSA keys. */
class EndpointsTest {
  static final ObjectMapper JSON = new ObjectMapper();

  @TempDir static Path dir;
  static ServerFixture fixture;
  static TokenServer server;
  static ZtsClient agent;
  static Instant newKeyNotAfter;

  @BeforeAll
  static void start() throws Exception {
    fixture = ServerFixture.create(dir);
    KeyMaterial.ec(dir.resolve("ec-old.pem"), "secp256r1");
    KeyMaterial.ec(dir.resolve("ec-new.pem"), "secp256r1");
    KeyMaterial.ec(dir.resolve("ec-retired.pem"), "secp256r1");
    KeyMaterial.rsa(dir.resolve("rsa.pem"), 2048);
    Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    newKeyNotAfter = now.plus(30, ChronoUnit.MINUTES);
    fixture.writeConfig("signing:\n  keys:\n"
        + "    - {file: ec-retired.pem, kid: ec-retired, active: false, notAfter: "
        + now.minusSeconds(60) + "}\n"
        + "    - {file: ec-old.pem, kid: ec-old, active: false, notAfter: "
        + now.plus(12, ChronoUnit.HOURS) + "}\n"
        + "    - {file: ec-new.pem, kid: ec-new, active: true, notAfter: " + newKeyNotAfter
        + "}\n"
        + "    - {file: rsa.pem, kid: rsa-1}\n");
    server = TokenServer.start(ServerConfig.load(fixture.configFile));
    agent = fixture.client(server, "athenz.demo.agent");
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.close();
    }
  }

  static InstanceRegisterInformation.Builder request() {
    return InstanceRegisterInformation.jwtSvid("sys.auth.rbac", "athenz.demo", "api")
        .instanceId("host-1").audiences(List.of("aud"))
        .spiffeUri("spiffe://athenz.io/ns/default/sa/athenz.demo.api").spiffeSubject(true);
  }

  @Test
  void keys_rfc_publishesUnretiredPublicKeysWithRfcCurve() throws Exception {
    JsonNode keys = JSON.readTree(agent.getJwks(true)).get("keys");

    Set<String> kids = new HashSet<>();
    for (JsonNode key : keys) {
      kids.add(key.get("kid").asText());
      assertEquals("sig", key.get("use").asText());
      assertFalse(key.has("d"), "private parameter published");
      if (key.get("kty").asText().equals("EC")) {
        assertEquals("P-256", key.get("crv").asText());
        assertEquals("ES256", key.get("alg").asText());
      } else {
        assertEquals("RS256", key.get("alg").asText());
        assertFalse(key.has("p"), "private parameter published");
      }
    }
    assertEquals(Set.of("ec-old", "ec-new", "rsa-1"), kids);
  }

  @Test
  void keys_notRfc_namesCurveAsAthenzDoes() throws Exception {
    JsonNode keys = JSON.readTree(agent.getJwks(false)).get("keys");

    for (JsonNode key : keys) {
      if (key.get("kty").asText().equals("EC")) {
        assertEquals("prime256v1", key.get("crv").asText());
      }
    }
  }

  @Test
  void register_defaultKeyType_signsWithActiveEcKeyAndCapsExpiryAtItsRetirement()
      throws Exception {
    InstanceIdentity identity = agent.postInstanceRegisterInformation(request().build());

    SignedJWT jwt = SignedJWT.parse(identity.serviceToken());
    assertEquals("ec-new", jwt.getHeader().getKeyID());
    assertEquals(newKeyNotAfter, jwt.getJWTClaimsSet().getExpirationTime().toInstant());
  }

  @Test
  void register_keyTypeRsa_signsRs256() throws Exception {
    InstanceIdentity identity =
        agent.postInstanceRegisterInformation(request().keyType("RSA").build());

    SignedJWT jwt = SignedJWT.parse(identity.serviceToken());
    assertEquals("rsa-1", jwt.getHeader().getKeyID());
    assertEquals(JWSAlgorithm.RS256, jwt.getHeader().getAlgorithm());
  }

  @Test
  void discovery_nimbusRemoteJwkSource_verifiesEcAndRsaTokens() throws Exception {
    JsonNode discovery = JSON.readTree(get("/.well-known/openid-configuration").body());
    assertEquals("https://localhost:4443/zts/v1", discovery.get("issuer").asText());
    List<String> algorithms = new ArrayList<>();
    discovery.get("id_token_signing_alg_values_supported")
        .forEach(a -> algorithms.add(a.asText()));
    assertEquals(List.of("ES256", "RS256"), algorithms);
    assertEquals("https://localhost:4443/zts/v1/oauth2/keys?rfc=true",
        discovery.get("jwks_uri").asText());

    // The configured issuer names the public address; fetch keys from the test port.
    DefaultResourceRetriever retriever = new DefaultResourceRetriever(5000, 5000, 65536, true,
        fixture.clientTls(fixture.ca, "athenz.demo.agent").getSocketFactory());
    JWKSource<SecurityContext> source = JWKSourceBuilder.<SecurityContext>create(
        URI.create(server.uri() + "/oauth2/keys?rfc=true").toURL(), retriever).build();
    DefaultJWTProcessor<SecurityContext> processor = new DefaultJWTProcessor<>();
    processor.setJWSKeySelector(new JWSVerificationKeySelector<>(
        Set.of(JWSAlgorithm.ES256, JWSAlgorithm.RS256), source));
    processor.setJWTClaimsSetVerifier(new DefaultJWTClaimsVerifier<>("aud",
        new JWTClaimsSet.Builder().issuer("https://localhost:4443/zts/v1").build(),
        Set.of("sub", "exp", "iat")));

    for (String keyType : List.of("EC", "RSA")) {
      String token = agent.postInstanceRegisterInformation(request().keyType(keyType).build())
          .serviceToken();
      JWTClaimsSet claims = processor.process(token, null);
      assertEquals("spiffe://athenz.io/ns/default/sa/athenz.demo.api", claims.getSubject());
    }
  }

  @Test
  void status_ready_200Ok() throws Exception {
    HttpResponse<String> response = get("/status");

    assertEquals(200, response.statusCode());
    assertEquals("{\"code\":200,\"message\":\"OK\"}", response.body());
  }

  @Test
  void metrics_afterRequests_exposeCountersAndGauges() throws Exception {
    agent.postInstanceRegisterInformation(request().build());
    HttpResponse<String> response = getRaw("/metrics");

    assertEquals(200, response.statusCode());
    String text = response.body();
    assertTrue(text.contains("zts_requests_total{code=\"201\",endpoint=\"/zts/v1/instance\"}"),
        text);
    assertTrue(text.contains("zts_jwt_svid_issuance_seconds_count{outcome=\"issued\"}"), text);
    assertTrue(text.contains("zts_domains_loaded 2.0"), text);
    assertTrue(text.contains("zts_signing_keys_loaded 3.0"), text);
  }

  @Test
  void unknownPath_404JsonError() throws Exception {
    HttpResponse<String> response = get("/nothing-here");

    InstanceRegisterTest.assertError(response, 404, ApiHandler.NOT_FOUND);
  }

  @Test
  void keysWithPost_405JsonErrorAllowGet() throws Exception {
    HttpResponse<String> response = http().send(
        HttpRequest.newBuilder(URI.create(server.uri() + "/oauth2/keys"))
            .POST(HttpRequest.BodyPublishers.ofString("{}")).build(),
        HttpResponse.BodyHandlers.ofString());

    InstanceRegisterTest.assertError(response, 405, ApiHandler.METHOD_NOT_ALLOWED);
    assertEquals(List.of("GET"), response.headers().allValues("Allow"));
  }

  @Test
  void instanceWithGet_405AllowPost() throws Exception {
    HttpResponse<String> response = get("/instance");

    InstanceRegisterTest.assertError(response, 405, ApiHandler.METHOD_NOT_ALLOWED);
    assertEquals(List.of("POST"), response.headers().allValues("Allow"));
  }

  @Test
  void keysWithGet_200NoAllowHeader() throws Exception {
    HttpResponse<String> response = get("/oauth2/keys");

    assertEquals(200, response.statusCode());
    assertEquals(List.of(), response.headers().allValues("Allow"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("malformedRequests")
  void malformedHttp_jsonErrorWithoutStackTrace(String name, String request, int code)
      throws Exception {
    String reply = raw(request);

    assertTrue(reply.startsWith("HTTP/1.1 " + code + " "), reply);
    String body = reply.substring(reply.indexOf("\r\n\r\n") + 4);
    JsonNode error = JSON.readTree(body);
    assertEquals(code, error.get("code").asInt(), body);
    assertFalse(error.get("message").asText().isEmpty(), body);
    assertTrue(reply.toLowerCase(Locale.ROOT).contains("content-type: application/json"), reply);
    assertFalse(body.contains("Exception"), body);
  }

  @Test
  void register_declaredBodyTooLarge_413BeforeReadingIt() throws Exception {
    // Only a few bytes follow: the answer must not wait for the rest.
    String reply = raw("POST /zts/v1/instance HTTP/1.1\r\nHost: localhost\r\n"
        + "Content-Type: application/json\r\nContent-Length: 999999999\r\n\r\n{}");

    assertTrue(reply.startsWith("HTTP/1.1 413 "), reply);
    JsonNode error = JSON.readTree(reply.substring(reply.indexOf("\r\n\r\n") + 4));
    assertEquals(413, error.get("code").asInt());
    assertEquals(ApiHandler.TOO_LARGE, error.get("message").asText());
  }

  static Stream<Arguments> malformedRequests() {
    String host = "Host: localhost\r\n";
    return Stream.of(
        Arguments.of("header without colon",
            "GET /zts/v1/status HTTP/1.1\r\n" + host + "Broken header\r\n\r\n", 400),
        Arguments.of("header too large", "GET /zts/v1/status HTTP/1.1\r\n" + host
            + "X-Big: " + "a".repeat(16 * 1024) + "\r\n\r\n", 431),
        Arguments.of("no host", "GET /zts/v1/status HTTP/1.1\r\n\r\n", 400),
        Arguments.of("bad query encoding", "GET /zts/v1/oauth2/keys?rfc=%zz HTTP/1.1\r\n"
            + host + "Connection: close\r\n\r\n", 400));
  }

  /** Sends {@code request} as is over TLS and reads the reply until the server closes. */
  static String raw(String request) throws Exception {
    try (Socket socket = fixture.anonymousTls().getSocketFactory()
        .createSocket("localhost", server.port())) {
      socket.setSoTimeout(5000);
      socket.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
      socket.getOutputStream().flush();
      return new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  static HttpResponse<String> get(String path) throws Exception {
    return http().send(HttpRequest.newBuilder(URI.create(server.uri() + path)).GET().build(),
        HttpResponse.BodyHandlers.ofString());
  }

  static HttpResponse<String> getRaw(String path) throws Exception {
    URI uri = URI.create("https://localhost:" + server.port() + path);
    return http().send(HttpRequest.newBuilder(uri).GET().build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** Without a client certificate: these endpoints must not need one. */
  static HttpClient http() throws Exception {
    SSLContext tls = fixture.anonymousTls();
    return HttpClient.newBuilder().sslContext(tls).version(HttpClient.Version.HTTP_1_1).build();
  }
}
