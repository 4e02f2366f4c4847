package dev.athenzsvid.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jwt.SignedJWT;
import dev.athenzsvid.client.zts.ZtsClient;
import dev.athenzsvid.client.zts.ZtsException;
import dev.athenzsvid.proto.zts.InstanceRegisterInformation;
import dev.athenzsvid.server.config.ServerConfig;
import dev.athenzsvid.server.instance.InstanceService;
import dev.athenzsvid.server.signing.KeyRing;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Signing key rotation without a restart, seen as a client sees it: the JWK Set and the kid
 * of issued tokens over real HTTPS, with a fake clock for the passing hours.
 */
class KeyRotationTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final Duration MAX_EXPIRY = Duration.ofHours(12);

  @TempDir Path dir;
  ServerFixture fixture;
  FakeClock clock;
  TokenServer server;
  ZtsClient agent;

  @BeforeEach
  void setUp() throws Exception {
    fixture = ServerFixture.create(dir);
    KeyMaterial.ec(dir.resolve("ec-a.pem"), "secp256r1");
    KeyMaterial.ec(dir.resolve("ec-b.pem"), "secp256r1");
    clock = new FakeClock(Instant.now().truncatedTo(ChronoUnit.SECONDS));
  }

  @AfterEach
  void tearDown() {
    if (server != null) {
      server.close();
    }
  }

  void start(String keys) throws Exception {
    writeKeys(keys);
    server = TokenServer.start(ServerConfig.load(fixture.configFile), clock,
        () -> ServerConfig.load(fixture.configFile).signing());
    agent = fixture.client(server, "athenz.demo.agent");
  }

  void writeKeys(String keys) throws Exception {
    fixture.writeConfig("signing:\n  keys:\n" + keys);
  }

  static String key(String kid, boolean active) {
    return "    - {file: " + kid + ".pem, kid: " + kid + ", active: " + active + "}\n";
  }

  /** A token asking for the longest lifetime, so it lives as long as any token can. */
  SignedJWT issue() throws Exception {
    InstanceRegisterInformation request = InstanceRegisterInformation
        .jwtSvid("sys.auth.rbac", "athenz.demo", "api").instanceId("host-1")
        .audiences(List.of("aud")).expiryTime((int) MAX_EXPIRY.toSeconds()).build();
    return SignedJWT.parse(agent.postInstanceRegisterInformation(request).serviceToken());
  }

  Set<String> publishedKids() throws Exception {
    Set<String> kids = new TreeSet<>();
    for (JsonNode key : JSON.readTree(agent.getJwks(true)).get("keys")) {
      assertFalse(key.has("d"), "private parameter published");
      kids.add(key.get("kid").asText());
    }
    return kids;
  }

  /** True when the token verifies against the key of its kid in the published JWK Set. */
  boolean verifiesAgainstJwks(SignedJWT token) throws Exception {
    ECKey key = (ECKey) JWKSet.parse(agent.getJwks(true)).getKeyByKeyId(
        token.getHeader().getKeyID());
    return key != null && token.verify(new ECDSAVerifier(key));
  }

  Instant expiry(SignedJWT token) throws Exception {
    return token.getJWTClaimsSet().getExpirationTime().toInstant();
  }

  @Test
  void reloadKeys_addInactiveActivateThenRemove_rotatesWithoutRestart() throws Exception {
    start(key("ec-a", true));
    assertEquals(Set.of("ec-a"), publishedKids());

    writeKeys(key("ec-a", true) + key("ec-b", false));
    assertEquals(new KeyRing.ReloadResult(true, null), server.reloadKeys());
    assertEquals(Set.of("ec-a", "ec-b"), publishedKids());
    assertEquals("ec-a", issue().getHeader().getKeyID());

    clock.advance(Duration.ofHours(1));
    SignedJWT lastOfA = issue();
    writeKeys(key("ec-a", false) + key("ec-b", true));
    assertTrue(server.reloadKeys().changed());
    assertEquals("ec-b", issue().getHeader().getKeyID());
    assertEquals(Set.of("ec-a", "ec-b"), publishedKids());

    clock.advance(Duration.ofHours(1));
    writeKeys(key("ec-b", true));
    assertTrue(server.reloadKeys().changed());
    assertEquals(Set.of("ec-a", "ec-b"), publishedKids(), "removed key retired too early");

    // ec-a stopped signing when it was made inactive; its last token lives MAX_EXPIRY more.
    assertEquals("ec-a", lastOfA.getHeader().getKeyID());
    clock.set(expiry(lastOfA).minusSeconds(1));
    assertTrue(verifiesAgainstJwks(lastOfA));
    clock.set(expiry(lastOfA));
    assertEquals(Set.of("ec-b"), publishedKids());
  }

  @Test
  void reloadKeys_activeKeyRemovedAtOnce_publishedUntilItsLastTokenExpires() throws Exception {
    start(key("ec-a", true));
    clock.advance(Duration.ofMinutes(5));
    SignedJWT last = issue();

    writeKeys(key("ec-b", true));
    server.reloadKeys();

    assertEquals("ec-b", issue().getHeader().getKeyID());
    assertEquals(clock.instant().plus(MAX_EXPIRY), expiry(last));
    clock.set(expiry(last).minusSeconds(1));
    assertTrue(verifiesAgainstJwks(last));
    clock.set(expiry(last));
    assertEquals(Set.of("ec-b"), publishedKids());
  }

  @Test
  void register_keyWithNotAfter_tokenExpiryNeverOutlivesPublication() throws Exception {
    Instant notAfter = clock.instant().plus(Duration.ofHours(2));
    start("    - {file: ec-a.pem, kid: ec-a, notAfter: " + notAfter + "}\n" + key("ec-b", false));

    SignedJWT token = issue();

    assertEquals(notAfter, expiry(token));
    clock.set(notAfter.minusSeconds(1));
    assertTrue(verifiesAgainstJwks(token));
    clock.set(notAfter);
    assertEquals(Set.of("ec-b"), publishedKids());
  }

  @Test
  void register_keyInItsLastSecond_refusedRatherThanAnExpiredToken() throws Exception {
    Instant notAfter = clock.instant().plus(Duration.ofHours(2));
    start("    - {file: ec-a.pem, kid: ec-a, notAfter: " + notAfter + "}\n");

    clock.set(notAfter.minusSeconds(2));
    SignedJWT last = issue();
    clock.set(notAfter.minusMillis(1000));
    ZtsException e = assertThrows(ZtsException.class, this::issue);

    assertEquals(notAfter, expiry(last));
    assertTrue(expiry(last).isAfter(last.getJWTClaimsSet().getIssueTime().toInstant()));
    assertEquals(500, e.code());
    assertEquals(InstanceService.NO_SIGNING_KEY, e.getMessage());
  }

  @Test
  void reloadKeys_unchangedFiles_nothingChanges() throws Exception {
    start(key("ec-a", true));

    assertEquals(new KeyRing.ReloadResult(false, null), server.reloadKeys());
  }

  @Test
  void reloadKeys_brokenKeyFile_lastGoodKeysStay() throws Exception {
    start(key("ec-a", true));
    Files.writeString(dir.resolve("ec-b.pem"), "not a key");
    writeKeys(key("ec-a", false) + key("ec-b", true));

    KeyRing.ReloadResult result = server.reloadKeys();

    assertTrue(result.failed());
    assertTrue(result.error().startsWith("signing.keys[1].file: "), result.error());
    assertEquals(Set.of("ec-a"), publishedKids());
    assertEquals("ec-a", issue().getHeader().getKeyID());
  }

  @Test
  void reloadKeys_noActiveKey_refusedAndLastGoodKeysStay() throws Exception {
    start(key("ec-a", true));
    writeKeys(key("ec-a", false));

    KeyRing.ReloadResult result = server.reloadKeys();

    assertEquals("signing.keys: no key is active", result.error());
    assertEquals("ec-a", issue().getHeader().getKeyID());
  }

  @Test
  void reloadKeys_kidGivenNewKeyMaterial_refusedWhileOldKeyPublished() throws Exception {
    start(key("ec-a", true));
    String before = agent.getJwks(true);
    KeyMaterial.ec(dir.resolve("ec-a.pem"), "secp256r1");

    KeyRing.ReloadResult result = server.reloadKeys();

    assertEquals("signing.keys: kid ec-a " + KeyRing.KID_REUSED, result.error());
    assertEquals(before, agent.getJwks(true));
  }

  @Test
  void refresh_signingSectionChanged_pickedUpByThePeriodicRefresh() throws Exception {
    writeKeys(key("ec-a", true));
    ServerConfig config = ServerConfig.load(fixture.configFile,
        Map.of("domains.refreshInterval", "50ms"));
    CountDownLatch rotated = LogLatch.on(KeyRing.class,
        "signing keys loaded active=[ec-b] inactive=[ec-a]");
    server = TokenServer.start(config, clock,
        () -> ServerConfig.load(fixture.configFile).signing());
    agent = fixture.client(server, "athenz.demo.agent");

    writeKeys(key("ec-a", false) + key("ec-b", true));

    assertTrue(rotated.await(10, TimeUnit.SECONDS), "refresh never picked up the change");
    assertEquals("ec-b", issue().getHeader().getKeyID());
  }
}
