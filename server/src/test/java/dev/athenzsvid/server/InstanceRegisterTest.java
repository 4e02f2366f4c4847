package dev.athenzsvid.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.athenzsvid.client.tls.LocalCa;
import dev.athenzsvid.client.zts.ZtsClient;
import dev.athenzsvid.client.zts.ZtsException;
import dev.athenzsvid.proto.zts.InstanceIdentity;
import dev.athenzsvid.proto.zts.InstanceRegisterInformation;
import dev.athenzsvid.server.config.ServerConfig;
import dev.athenzsvid.server.http.ApiHandler;
import dev.athenzsvid.server.instance.InstanceService;
import dev.athenzsvid.server.provider.InstanceAthenzRBACProvider;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.function.UnaryOperator;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/** {@code POST /zts/v1/instance} over real HTTPS with real client certificates. */
class InstanceRegisterTest {
  static final String AGENT = "athenz.demo.agent";
  static final String SPIFFE = "spiffe://athenz.io/ns/default/sa/athenz.demo.api";
  static final ObjectMapper JSON = new ObjectMapper();

  @TempDir static Path dir;
  static ServerFixture fixture;
  static TokenServer server;
  static ZtsClient agent;

  @BeforeAll
  static void start() throws Exception {
    fixture = ServerFixture.create(dir);
    Files.writeString(fixture.domainsDir.resolve("athenz.nolaunch.json"), """
        {"domain": {"name": "athenz.nolaunch",
          "services": [{"name": "athenz.nolaunch.api"}],
          "roles": [{"name": "athenz.nolaunch:role.launchers",
                     "roleMembers": [{"memberName": "athenz.demo.agent"}]}],
          "policies": {"contents": {"domain": "athenz.nolaunch", "policies": [
            {"name": "athenz.nolaunch:policy.launchers", "assertions": [
              {"role": "athenz.nolaunch:role.launchers", "action": "zts.assume_service",
               "resource": "athenz.nolaunch:service.api", "effect": "ALLOW"}]}]}}}}
        """);
    server = TokenServer.start(ServerConfig.load(fixture.configFile));
    agent = fixture.client(server, AGENT);
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.close();
    }
  }

  static InstanceRegisterInformation.Builder agentRequest() {
    return InstanceRegisterInformation.jwtSvid("sys.auth.rbac", "athenz.demo", "api")
        .instanceId("host-1")
        .audiences(List.of("https://api.example.com"))
        .nonce("0123456789abcdef")
        .spiffeUri(SPIFFE)
        .spiffeSubject(true);
  }

  @Test
  void register_agentRequest_returns201WithSignedSvid() throws Exception {
    InstanceIdentity identity = agent.postInstanceRegisterInformation(agentRequest().build());

    assertEquals("sys.auth.rbac", identity.provider());
    assertEquals("athenz.demo.api", identity.name());
    assertEquals("host-1", identity.instanceId());
    SignedJWT jwt = SignedJWT.parse(identity.serviceToken());
    assertEquals(Set.of("alg", "kid", "typ"), jwt.getHeader().toJSONObject().keySet());
    assertEquals("ES256", jwt.getHeader().getAlgorithm().getName());
    assertEquals("JWT", jwt.getHeader().getType().getType());
    JWKSet keys = JWKSet.parse(agent.getJwks(true));
    ECKey key = (ECKey) keys.getKeyByKeyId(jwt.getHeader().getKeyID());
    assertTrue(jwt.verify(new ECDSAVerifier(key)));
    JWTClaimsSet claims = jwt.getJWTClaimsSet();
    assertEquals(SPIFFE, claims.getSubject());
    assertEquals(List.of("https://api.example.com"), claims.getAudience());
    assertEquals("https://localhost:4443/zts/v1", claims.getIssuer());
    assertEquals("0123456789abcdef", claims.getStringClaim("nonce"));
    assertEquals(1L, claims.getLongClaim("ver"));
    assertEquals(claims.getIssueTime().getTime() / 1000, claims.getLongClaim("auth_time"));
    assertEquals(3600, (claims.getExpirationTime().getTime() - claims.getIssueTime().getTime())
        / 1000);
    assertNull(claims.getClaim("spiffe"));
    assertEquals(Set.of("sub", "aud", "exp", "iat", "iss", "nonce", "auth_time", "ver"),
        claims.getClaims().keySet());
  }

  @Test
  void register_rawHttp_answers201WithLocation() throws Exception {
    HttpResponse<String> response = post(fixture.clientTls(fixture.ca, AGENT),
        JSON.writeValueAsString(agentRequest().build()));

    assertEquals(201, response.statusCode());
    assertEquals("/zts/v1/instance/sys.auth.rbac/athenz.demo/api/host-1",
        response.headers().firstValue("Location").orElseThrow());
  }

  @Test
  void register_severalAudiences_tokenCarriesAll() throws Exception {
    List<String> audiences = List.of("aud-a", "aud-b", "aud-c");
    InstanceIdentity identity = agent.postInstanceRegisterInformation(
        agentRequest().audiences(audiences).build());

    assertEquals(audiences, SignedJWT.parse(identity.serviceToken()).getJWTClaimsSet()
        .getAudience());
  }

  @Test
  void register_notSpiffeSubject_subjectIsServiceWithSpiffeClaim() throws Exception {
    InstanceIdentity identity = agent.postInstanceRegisterInformation(
        agentRequest().spiffeSubject(false).spiffeUri("spiffe://athenz.demo/sa/api").build());

    JWTClaimsSet claims = SignedJWT.parse(identity.serviceToken()).getJWTClaimsSet();
    assertEquals("athenz.demo.api", claims.getSubject());
    assertEquals("spiffe://athenz.demo/sa/api", claims.getStringClaim("spiffe"));
  }

  @Test
  void register_upperCaseNames_areLowerCased() throws Exception {
    InstanceIdentity identity = agent.postInstanceRegisterInformation(
        InstanceRegisterInformation.jwtSvid("SYS.AUTH.RBAC", "Athenz.Demo", "API")
            .instanceId("host-1").audiences(List.of("aud")).build());

    assertEquals("athenz.demo.api", identity.name());
    assertEquals("sys.auth.rbac", identity.provider());
  }

  @Test
  void register_expiryAboveCap_isCappedToMaxExpiry() throws Exception {
    InstanceIdentity identity = agent.postInstanceRegisterInformation(
        agentRequest().expiryTime(100_000).build());

    JWTClaimsSet claims = SignedJWT.parse(identity.serviceToken()).getJWTClaimsSet();
    assertEquals(43_200, (claims.getExpirationTime().getTime()
        - claims.getIssueTime().getTime()) / 1000);
  }

  @Test
  void register_shortExpiry_isHonoured() throws Exception {
    InstanceIdentity identity = agent.postInstanceRegisterInformation(
        agentRequest().expiryTime(120).build());

    JWTClaimsSet claims = SignedJWT.parse(identity.serviceToken()).getJWTClaimsSet();
    assertEquals(120, (claims.getExpirationTime().getTime()
        - claims.getIssueTime().getTime()) / 1000);
  }

  static Stream<Arguments> refusals() {
    return Stream.of(
        row("unknown provider", AGENT, b -> b, "nope.provider", "athenz.demo", "api",
            400, InstanceService.UNKNOWN_PROVIDER + "nope.provider"),
        row("provider of type X509", AGENT, b -> b, "fake.x509", "athenz.demo", "api",
            400, InstanceService.NOT_JWT_PROVIDER + "fake.x509"),
        row("unknown domain", AGENT, b -> b.spiffeUri(null).spiffeSubject(false),
            "sys.auth.rbac", "no.such", "api", 404, InstanceService.UNKNOWN_DOMAIN + "no.such"),
        row("service not registered", AGENT, b -> b.spiffeUri(null).spiffeSubject(false),
            "sys.auth.rbac", "athenz.demo", "web", 403,
            InstanceService.UNKNOWN_SERVICE + "athenz.demo.web"),
        row("invalid domain name", AGENT, b -> b, "sys.auth.rbac", "bad domain", "api",
            400, InstanceService.INVALID_FIELD + "domain"),
        row("dotted service name", AGENT, b -> b, "sys.auth.rbac", "athenz", "demo.api",
            400, InstanceService.INVALID_FIELD + "service"),
        row("missing service", AGENT, b -> b, "sys.auth.rbac", "athenz.demo", null,
            400, InstanceService.FIELD_REQUIRED + "service"),
        row("missing provider", AGENT, b -> b, null, "athenz.demo", "api",
            400, InstanceService.FIELD_REQUIRED + "provider"),
        row("missing audience", AGENT, b -> b.audiences(List.of()), "sys.auth.rbac",
            "athenz.demo", "api", 400, InstanceService.AUDIENCE_REQUIRED),
        row("blank audience", AGENT, b -> b.audiences(List.of(" ")), "sys.auth.rbac",
            "athenz.demo", "api", 400, InstanceService.AUDIENCE_REQUIRED),
        row("duplicate audiences", AGENT, b -> b.audiences(List.of("a", "a")),
            "sys.auth.rbac", "athenz.demo", "api", 400, InstanceService.AUDIENCES_MISMATCH),
        row("missing instance id", AGENT, b -> b.instanceId(null), "sys.auth.rbac",
            "athenz.demo", "api", 400, InstanceService.FIELD_REQUIRED + "jwtSVIDInstanceId"),
        row("instance id with slash", AGENT, b -> b.instanceId("a/b"), "sys.auth.rbac",
            "athenz.demo", "api", 400, InstanceService.INVALID_FIELD + "jwtSVIDInstanceId"),
        row("nonce with space", AGENT, b -> b.nonce("bad nonce"), "sys.auth.rbac",
            "athenz.demo", "api", 400, InstanceService.INVALID_FIELD + "jwtSVIDNonce"),
        row("spiffe subject without uri", AGENT, b -> b.spiffeUri(null), "sys.auth.rbac",
            "athenz.demo", "api", 400, InstanceService.SPIFFE_REQUIRED),
        row("spiffe uri of another service", AGENT,
            b -> b.spiffeUri("spiffe://athenz.io/ns/default/sa/athenz.demo.web"),
            "sys.auth.rbac", "athenz.demo", "api", 400, InstanceService.SPIFFE_MISMATCH
                + "spiffe://athenz.io/ns/default/sa/athenz.demo.web is not a SPIFFE ID of "
                + "athenz.demo.api"),
        row("spiffe uri of another trust domain", AGENT,
            b -> b.spiffeUri("spiffe://example.org/ns/default/sa/athenz.demo.api"),
            "sys.auth.rbac", "athenz.demo", "api", 400, InstanceService.SPIFFE_MISMATCH
                + "spiffe://example.org/ns/default/sa/athenz.demo.api is not a SPIFFE ID of "
                + "athenz.demo.api"),
        row("spiffe uri with empty namespace", AGENT,
            b -> b.spiffeUri("spiffe://athenz.io/ns//sa/athenz.demo.api"),
            "sys.auth.rbac", "athenz.demo", "api", 400, InstanceService.SPIFFE_MISMATCH
                + "spiffe://athenz.io/ns//sa/athenz.demo.api is not a SPIFFE ID of "
                + "athenz.demo.api"),
        row("spiffe namespace not the requested one", AGENT, b -> b.namespace("prod"),
            "sys.auth.rbac", "athenz.demo", "api", 400, InstanceService.SPIFFE_MISMATCH
                + SPIFFE + " is not a SPIFFE ID of athenz.demo.api"),
        row("spiffe uri with dot namespace", AGENT,
            b -> b.spiffeUri("spiffe://athenz.io/ns/../sa/athenz.demo.api"),
            "sys.auth.rbac", "athenz.demo", "api", 400, InstanceService.SPIFFE_MISMATCH
                + "spiffe://athenz.io/ns/../sa/athenz.demo.api is not a SPIFFE ID of "
                + "athenz.demo.api"),
        row("spiffe uri too long", AGENT,
            b -> b.spiffeUri("spiffe://athenz.io/ns/" + "n".repeat(2100)
                + "/sa/athenz.demo.api"),
            "sys.auth.rbac", "athenz.demo", "api", 400,
            "jwtSVIDSpiffe" + InstanceService.TOO_LONG + "2048 characters"),
        row("instance id too long", AGENT, b -> b.instanceId("i".repeat(20_000)),
            "sys.auth.rbac", "athenz.demo", "api", 400,
            "jwtSVIDInstanceId" + InstanceService.TOO_LONG + "512 characters"),
        row("nonce too long", AGENT, b -> b.nonce("n".repeat(257)), "sys.auth.rbac",
            "athenz.demo", "api", 400, "jwtSVIDNonce" + InstanceService.TOO_LONG
                + "256 characters"),
        row("audience too long", AGENT, b -> b.audiences(List.of("a".repeat(1025))),
            "sys.auth.rbac", "athenz.demo", "api", 400,
            "jwtSVIDAudience" + InstanceService.TOO_LONG + "1024 characters"),
        row("too many audiences", AGENT,
            b -> b.audiences(IntStream.range(0, 17).mapToObj(i -> "a" + i).toList()),
            "sys.auth.rbac", "athenz.demo", "api", 400,
            "jwtSVIDAudiences has more than 16 entries"),
        row("unknown key type", AGENT, b -> b.keyType("DSA"), "sys.auth.rbac",
            "athenz.demo", "api", 400, InstanceService.BAD_KEY_TYPE),
        row("zero expiry", AGENT, b -> b.expiryTime(0), "sys.auth.rbac", "athenz.demo",
            "api", 400, InstanceService.EXPIRY_NOT_POSITIVE),
        row("negative expiry", AGENT, b -> b.expiryTime(-60), "sys.auth.rbac",
            "athenz.demo", "api", 400, InstanceService.EXPIRY_NOT_POSITIVE),
        row("provider not allowed to launch", AGENT, b -> b, "other.rbac", "athenz.demo",
            "api", 403, InstanceService.PROVIDER_NOT_AUTHORIZED + "other.rbac"),
        row("domain does not authorize provider", AGENT,
            b -> b.spiffeUri("spiffe://athenz.nolaunch/sa/api"), "sys.auth.rbac",
            "athenz.nolaunch", "api", 403, InstanceService.PROVIDER_NOT_AUTHORIZED_BY_DOMAIN
                + "sys.auth.rbac on athenz.nolaunch:service.api"),
        row("caller not in role", "athenz.demo.intruder", b -> b, "sys.auth.rbac",
            "athenz.demo", "api", 403, InstanceService.ATTESTATION_FAILED
                + InstanceAthenzRBACProvider.NOT_AUTHORIZED
                + ": athenz.demo.intruder on athenz.demo:service.api"),
        row("caller of another domain", "other.agent", b -> b, "sys.auth.rbac",
            "athenz.demo", "api", 403, InstanceService.ATTESTATION_FAILED
                + InstanceAthenzRBACProvider.NOT_AUTHORIZED
                + ": other.agent on athenz.demo:service.api"),
        row("caller CN without a dot", "agent", b -> b, "sys.auth.rbac", "athenz.demo",
            "api", 403, InstanceService.ATTESTATION_FAILED
                + InstanceAthenzRBACProvider.BAD_COMMON_NAME),
        row("caller CN not a service name", "athenz.demo.bad name", b -> b, "sys.auth.rbac",
            "athenz.demo", "api", 403, InstanceService.ATTESTATION_FAILED
                + InstanceAthenzRBACProvider.BAD_COMMON_NAME));
  }

  static Arguments row(String name, String caller,
      UnaryOperator<InstanceRegisterInformation.Builder> change, String provider,
      String domain, String service, int status, String message) {
    return Arguments.of(name, caller, change, provider, domain, service, status, message);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("refusals")
  void register_badRequest_refusedWithStatusAndMessage(String name, String caller,
      UnaryOperator<InstanceRegisterInformation.Builder> change, String provider,
      String domain, String service, int status, String message) throws Exception {
    InstanceRegisterInformation.Builder builder =
        InstanceRegisterInformation.jwtSvid(provider, domain, service)
            .instanceId("host-1").audiences(List.of("aud")).nonce("n0nce")
            .spiffeUri("spiffe://athenz.io/ns/default/sa/" + domain + "." + service)
            .spiffeSubject(true);
    ZtsClient client = caller.equals(AGENT) ? agent : fixture.client(server, caller);

    ZtsException e = assertThrows(ZtsException.class,
        () -> client.postInstanceRegisterInformation(change.apply(builder).build()));

    assertEquals(status, e.code());
    assertEquals(message, e.getMessage());
  }

  @Test
  void register_audiencesNotStartingWithAudience_400() throws Exception {
    InstanceRegisterInformation good = agentRequest().audiences(List.of("a", "b")).build();
    InstanceRegisterInformation bad = new InstanceRegisterInformation(good.provider(),
        good.domain(), good.service(), null, null, null, null, null, null,
        good.jwtSVIDInstanceId(), "b", List.of("a", "b"), good.jwtSVIDNonce(),
        good.jwtSVIDSpiffe(), true, null);

    ZtsException e = assertThrows(ZtsException.class,
        () -> agent.postInstanceRegisterInformation(bad));

    assertEquals(400, e.code());
    assertEquals(InstanceService.AUDIENCES_MISMATCH, e.getMessage());
  }

  @Test
  void register_withCsr_400() throws Exception {
    InstanceRegisterInformation good = agentRequest().build();
    InstanceRegisterInformation withCsr = new InstanceRegisterInformation(good.provider(),
        good.domain(), good.service(), null, "-----BEGIN CERTIFICATE REQUEST-----", null,
        null, null, null, good.jwtSVIDInstanceId(), good.jwtSVIDAudience(), null, null,
        good.jwtSVIDSpiffe(), true, null);

    ZtsException e = assertThrows(ZtsException.class,
        () -> agent.postInstanceRegisterInformation(withCsr));

    assertEquals(400, e.code());
    assertEquals(InstanceService.CSR_NOT_SUPPORTED, e.getMessage());
  }

  @Test
  void register_noClientCertificate_403() throws Exception {
    HttpResponse<String> response = post(fixture.anonymousTls(),
        JSON.writeValueAsString(agentRequest().build()));

    assertEquals(403, response.statusCode());
    assertError(response, 403, InstanceService.ATTESTATION_FAILED
        + InstanceAthenzRBACProvider.NO_CERTIFICATE);
  }

  @Test
  void register_certificateFromUntrustedCa_treatedAsNoCertificate403() throws Exception {
    // The server names its trusted CAs in the handshake; a client whose certificate comes
    // from another CA sends none, so the provider sees an anonymous caller.
    LocalCa stranger = LocalCa.create("Stranger CA", ServerFixture.VALIDITY);
    ZtsClient client = new ZtsClient(server.uri(), fixture.clientTls(stranger, AGENT),
        Duration.ofSeconds(10));

    ZtsException e = assertThrows(ZtsException.class,
        () -> client.postInstanceRegisterInformation(agentRequest().build()));

    assertEquals(403, e.code());
    assertEquals(InstanceService.ATTESTATION_FAILED + InstanceAthenzRBACProvider.NO_CERTIFICATE,
        e.getMessage());
  }

  @Test
  void register_malformedJson_400() throws Exception {
    HttpResponse<String> response = post(fixture.clientTls(fixture.ca, AGENT), "{not json");

    assertError(response, 400, ApiHandler.BAD_JSON);
  }

  @Test
  void register_wrongJsonType_400() throws Exception {
    HttpResponse<String> response = post(fixture.clientTls(fixture.ca, AGENT),
        "{\"expiryTime\": \"soon\"}");

    assertError(response, 400, ApiHandler.BAD_JSON + ": wrong type for expiryTime");
  }

  @Test
  void register_wrongTypeInList_400NamesEntry() throws Exception {
    HttpResponse<String> response = post(fixture.clientTls(fixture.ca, AGENT),
        "{\"jwtSVIDAudiences\": [\"a\", {}]}");

    assertError(response, 400, ApiHandler.BAD_JSON + ": wrong type for jwtSVIDAudiences[1]");
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "number for a name          | {\"provider\": 5}               | : wrong type for provider",
      "boolean for a name         | {\"domain\": true}              | : wrong type for domain",
      "number in the audience list | {\"jwtSVIDAudiences\": [\"a\", 7]} "
          + "| : wrong type for jwtSVIDAudiences[1]",
      "string for a number        | {\"expiryTime\": \"60\"}        | : wrong type for expiryTime",
      "fraction for a number      | {\"expiryTime\": 1.5}           | : wrong type for expiryTime",
      "number too large           | {\"expiryTime\": 99999999999}   | : wrong type for expiryTime",
      "string for a boolean       | {\"jwtSVIDSpiffeSubject\": \"true\"} "
          + "| : wrong type for jwtSVIDSpiffeSubject",
      "number for a boolean       | {\"jwtSVIDSpiffeSubject\": 1}   "
          + "| : wrong type for jwtSVIDSpiffeSubject",
      "field given twice          | {\"provider\": \"a\", \"provider\": \"b\"} | ''",
      "content after the object   | {\"provider\": \"a\"} {}         | ''",
      "array instead of an object | [1, 2]                          | ''"})
  void register_wrongJsonShape_400NamingTheField(String name, String body, String detail)
      throws Exception {
    HttpResponse<String> response = post(fixture.clientTls(fixture.ca, AGENT), body);

    assertError(response, 400, ApiHandler.BAD_JSON + detail);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(nullValues = "none", value = {"text/plain", "application/x-www-form-urlencoded",
      "none"})
  void register_notJsonContentType_415(String type) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(server.uri() + "/instance"))
        .POST(HttpRequest.BodyPublishers.ofString("{}"));
    if (type != null) {
      request.header("Content-Type", type);
    }
    HttpResponse<String> response = HttpClient.newBuilder()
        .sslContext(fixture.clientTls(fixture.ca, AGENT)).build()
        .send(request.build(), HttpResponse.BodyHandlers.ofString());

    assertError(response, 415, ApiHandler.NOT_JSON_TYPE);
  }

  @Test
  void register_compressedBody_415() throws Exception {
    HttpResponse<String> response = HttpClient.newBuilder()
        .sslContext(fixture.clientTls(fixture.ca, AGENT)).build()
        .send(HttpRequest.newBuilder(URI.create(server.uri() + "/instance"))
            .header("Content-Type", "application/json").header("Content-Encoding", "gzip")
            .POST(HttpRequest.BodyPublishers.ofString("{}")).build(),
            HttpResponse.BodyHandlers.ofString());

    assertError(response, 415, ApiHandler.ENCODED_BODY);
  }

  @Test
  void register_jsonContentTypeWithCharset_accepted() throws Exception {
    HttpResponse<String> response = HttpClient.newBuilder()
        .sslContext(fixture.clientTls(fixture.ca, AGENT)).build()
        .send(HttpRequest.newBuilder(URI.create(server.uri() + "/instance"))
            .header("Content-Type", "application/json; charset=utf-8")
            .POST(HttpRequest.BodyPublishers.ofString("{}")).build(),
            HttpResponse.BodyHandlers.ofString());

    assertError(response, 400, InstanceService.FIELD_REQUIRED + "provider");
  }

  @Test
  void register_emptyBody_400() throws Exception {
    HttpResponse<String> response = post(fixture.clientTls(fixture.ca, AGENT), "");

    assertError(response, 400, ApiHandler.BAD_JSON);
  }

  static HttpResponse<String> post(SSLContext tls, String body)
      throws Exception {
    HttpClient http = HttpClient.newBuilder().sslContext(tls)
        .version(HttpClient.Version.HTTP_1_1).build();
    return http.send(HttpRequest.newBuilder(URI.create(server.uri() + "/instance"))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  static void assertError(HttpResponse<String> response, int code, String message)
      throws Exception {
    assertEquals(code, response.statusCode());
    JsonNode body = JSON.readTree(response.body());
    assertEquals(code, body.get("code").asInt());
    assertEquals(message, body.get("message").asText());
  }
}
