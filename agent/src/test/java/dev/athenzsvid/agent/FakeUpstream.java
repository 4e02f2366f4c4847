package dev.athenzsvid.agent;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.athenzsvid.agent.upstream.TokenRequest;
import dev.athenzsvid.agent.upstream.Upstream;
import dev.athenzsvid.agent.upstream.UpstreamException;
import java.time.Clock;
import java.time.Duration;
import java.util.Date;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A token server in memory: mints real ES256 JWT-SVIDs as the real server does, serves an
 * Athenz-style JWKS, and can be made to fail, refuse, stall, hold requests at a gate or drop
 * audiences. Thread-safe.
 */
public final class FakeUpstream implements Upstream {
  /** What the next calls do. */
  public enum Mode {
    OK,
    DOWN,
    REFUSE,
    /** Calls wait until the mode changes, then behave as the new mode says. */
    STALL
  }

  public static final Duration LIFETIME = Duration.ofHours(1);

  private final Clock clock;
  private volatile ECKey key;
  private volatile Mode mode = Mode.OK;
  private volatile boolean firstAudienceOnly;
  private volatile CountDownLatch stall = new CountDownLatch(1);
  private final AtomicInteger tokenCalls = new AtomicInteger();
  private final AtomicInteger jwksCalls = new AtomicInteger();
  private final List<TokenRequest> requests = new CopyOnWriteArrayList<>();
  private volatile Gate tokenGate;
  private volatile Gate jwksGate;

  /**
   * Holds token requests at a gate: {@link #entered} opens when the first one arrives, and
   * every held request carries on after {@link #release}.
   */
  public static final class Gate {
    public final CountDownLatch entered = new CountDownLatch(1);
    private final CountDownLatch released = new CountDownLatch(1);

    public void release() {
      released.countDown();
    }

    void pass() {
      entered.countDown();
      try {
        released.await(30, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  public FakeUpstream(Clock clock) {
    this.clock = clock;
    this.key = newKey("key-1");
  }

  public static ECKey newKey(String kid) {
    try {
      return new ECKeyGenerator(Curve.P_256).keyID(kid).generate();
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }

  public void mode(Mode value) {
    if (value == Mode.STALL) {
      stall = new CountDownLatch(1);
      this.mode = value;
    } else {
      this.mode = value;
      stall.countDown();
    }
  }

  /** Holds every later token request until the returned gate is released. */
  public Gate holdTokens() {
    Gate gate = new Gate();
    tokenGate = gate;
    return gate;
  }

  /** Holds every later JWKS request until the returned gate is released. */
  public Gate holdJwks() {
    Gate gate = new Gate();
    jwksGate = gate;
    return gate;
  }

  public void firstAudienceOnly(boolean value) {
    this.firstAudienceOnly = value;
  }

  public void rotateKey(String kid) {
    this.key = newKey(kid);
  }

  public ECKey key() {
    return key;
  }

  public int tokenCalls() {
    return tokenCalls.get();
  }

  public int jwksCalls() {
    return jwksCalls.get();
  }

  public List<TokenRequest> requests() {
    return List.copyOf(requests);
  }

  @Override
  public String fetchToken(TokenRequest request) throws UpstreamException {
    tokenCalls.incrementAndGet();
    requests.add(request);
    Gate gate = tokenGate;
    if (gate != null) {
      gate.pass();
    }
    failIfAsked();
    List<String> audiences = firstAudienceOnly
        ? request.audiences().subList(0, 1) : request.audiences();
    return sign(key, request.spiffeId(), audiences, clock.instant().toEpochMilli(), LIFETIME);
  }

  @Override
  public String fetchJwks() throws UpstreamException {
    jwksCalls.incrementAndGet();
    Gate gate = jwksGate;
    if (gate != null) {
      gate.pass();
    }
    failIfAsked();
    String publicJson = key.toPublicJWK().toJSONString();
    String athenzStyle = publicJson.substring(0, publicJson.length() - 1)
        + ",\"use\":\"sig\",\"alg\":\"ES256\"}";
    return "{\"keys\":[" + athenzStyle + "]}";
  }

  private void failIfAsked() throws UpstreamException {
    switch (mode) {
      case DOWN -> throw new UpstreamException("connection refused", null);
      case REFUSE -> throw new UpstreamException(403, "forbidden by policy");
      case STALL -> {
        try {
          stall.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        if (mode != Mode.OK) {
          throw new UpstreamException("timed out", null);
        }
      }
      default -> { }
    }
  }

  /** A signed ES256 token like the server's. */
  public static String sign(ECKey key, String subject, List<String> audiences, long issuedMillis,
      Duration lifetime) {
    JWTClaimsSet claims = new JWTClaimsSet.Builder()
        .subject(subject)
        .audience(audiences)
        .issuer("https://zts.example/zts/v1")
        .issueTime(new Date(issuedMillis / 1000 * 1000))
        .expirationTime(new Date(issuedMillis / 1000 * 1000 + lifetime.toMillis()))
        .claim("ver", 1)
        .build();
    JWSHeader header = new JWSHeader.Builder(JWSAlgorithm.ES256).keyID(key.getKeyID())
        .type(JOSEObjectType.JWT).build();
    SignedJWT jwt = new SignedJWT(header, claims);
    try {
      jwt.sign(new ECDSASigner(key));
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
    return jwt.serialize();
  }
}
