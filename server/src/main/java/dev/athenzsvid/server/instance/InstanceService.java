package dev.athenzsvid.server.instance;

import static java.util.Objects.requireNonNull;

import com.nimbusds.jwt.JWTClaimsSet;
import dev.athenzsvid.proto.zts.InstanceIdentity;
import dev.athenzsvid.proto.zts.InstanceRegisterInformation;
import dev.athenzsvid.server.authz.Authorizer;
import dev.athenzsvid.server.config.ServerConfig;
import dev.athenzsvid.server.domain.AthenzNames;
import dev.athenzsvid.server.domain.Domain;
import dev.athenzsvid.server.domain.DomainStore;
import dev.athenzsvid.server.provider.InstanceAthenzRBACProvider;
import dev.athenzsvid.server.provider.InstanceConfirmation;
import dev.athenzsvid.server.provider.InstanceProvider;
import dev.athenzsvid.server.provider.ProviderException;
import dev.athenzsvid.server.provider.ProviderRegistry;
import dev.athenzsvid.server.provider.SvidType;
import dev.athenzsvid.server.signing.KeySet;
import dev.athenzsvid.server.signing.KeyType;
import dev.athenzsvid.server.signing.SigningKey;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The JWT path of {@code POST /zts/v1/instance}: checks the request as Athenz ZTS does, asks
 * the named provider to confirm the instance, and signs the JWT-SVID.
 *
 * <p>Checks, in order: required fields and name patterns (400); no CSR (400); a configured
 * provider (400) of type JWT (400); the domain (404) and the service in it (403); the JWT
 * fields (400); provider launch authorization on {@code sys.auth:instance} and on the service
 * (403); the provider's own confirmation (its status, 403 by default). Thread-safe: all state
 * is immutable or itself thread-safe.
 */
public final class InstanceService {
  public static final String LAUNCH = "launch";
  public static final String PROVIDER_RESOURCE = "sys.auth:instance";

  public static final String BODY_REQUIRED = "request body required";
  public static final String FIELD_REQUIRED = "required field missing: ";
  public static final String INVALID_FIELD = "invalid ";
  public static final String CSR_NOT_SUPPORTED =
      "X.509 certificates are not issued here; omit csr to request a JWT-SVID";
  public static final String UNKNOWN_PROVIDER = "unable to get instance for provider: ";
  public static final String NOT_JWT_PROVIDER = "provider does not issue JWT-SVIDs: ";
  public static final String UNKNOWN_DOMAIN = "domain not found: ";
  public static final String UNKNOWN_SERVICE = "service not registered in domain: ";
  public static final String AUDIENCE_REQUIRED = "jwtSVIDAudience required";
  public static final String AUDIENCES_MISMATCH =
      "jwtSVIDAudiences must be distinct non-empty values starting with jwtSVIDAudience";
  public static final String SPIFFE_REQUIRED =
      "SPIFFE URI is required when jwtSVIDSpiffeSubject is true";
  public static final String SPIFFE_MISMATCH = "SPIFFE URI validation failed: ";
  public static final String BAD_KEY_TYPE = "jwtSVIDKeyType must be EC or RSA";
  public static final String EXPIRY_NOT_POSITIVE = "expiryTime must be positive";
  public static final String PROVIDER_NOT_AUTHORIZED =
      "provider not authorized to launch instances: ";
  public static final String PROVIDER_NOT_AUTHORIZED_BY_DOMAIN =
      "provider not authorized by the domain to launch service: ";
  public static final String ATTESTATION_FAILED = "unable to verify attestation data: ";
  public static final String NO_SIGNING_KEY = "no signing key available";
  public static final String TOO_LONG = " is longer than ";

  /** Longest instance id: it goes into the {@code Location} header as well as the token. */
  public static final int MAX_INSTANCE_ID = 512;
  public static final int MAX_NONCE = 256;
  public static final int MAX_AUDIENCE = 1024;
  public static final int MAX_AUDIENCES = 16;
  /** Longest SPIFFE ID, in characters of its URI (the SPIFFE limit is 2048 bytes). */
  public static final int MAX_SPIFFE_ID = 2048;

  private static final Logger log = LoggerFactory.getLogger(InstanceService.class);
  private static final Pattern NAMESPACE = Pattern.compile("[a-zA-Z0-9._-]+");

  private final DomainStore domains;
  private final Authorizer authorizer;
  private final ProviderRegistry providers;
  private final Supplier<KeySet> keys;
  private final ServerConfig.Tokens tokens;
  private final AuditLog audit;
  private final Clock clock;

  /** A successful registration: the body and the {@code Location} of the new instance. */
  public record Registration(InstanceIdentity identity, String location) {}

  public InstanceService(DomainStore domains, Authorizer authorizer, ProviderRegistry providers,
      Supplier<KeySet> keys, ServerConfig.Tokens tokens, AuditLog audit, Clock clock) {
    this.domains = requireNonNull(domains, "domains");
    this.authorizer = requireNonNull(authorizer, "authorizer");
    this.providers = requireNonNull(providers, "providers");
    this.keys = requireNonNull(keys, "keys");
    this.tokens = requireNonNull(tokens, "tokens");
    this.audit = requireNonNull(audit, "audit");
    this.clock = requireNonNull(clock, "clock");
  }

  /**
   * Registers a JWT-SVID instance.
   *
   * @param clientCertificates the caller's TLS certificate chain, leaf first; may be empty
   * @throws RequestException with the status and message to answer
   */
  public Registration register(InstanceRegisterInformation info,
      List<X509Certificate> clientCertificates) throws RequestException {
    requireNonNull(clientCertificates, "clientCertificates");
    String caller = clientCertificates.isEmpty() ? "-"
        : Optional.ofNullable(
            InstanceAthenzRBACProvider.callerPrincipal(clientCertificates.get(0))).orElse("-");
    // What the request gave, for the audit line of a refusal; AuditLog writes "-" for gaps.
    String identity = null;
    List<String> audience = List.of();
    String instanceId = null;
    if (info != null) {
      identity = AuditLog.identity(info.domain(), info.service());
      audience = info.jwtSVIDAudiences() != null ? info.jwtSVIDAudiences()
          : info.jwtSVIDAudience() == null ? List.of() : List.of(info.jwtSVIDAudience());
      instanceId = info.jwtSVIDInstanceId();
    }
    try {
      return issue(info, clientCertificates, caller);
    } catch (RequestException e) {
      audit.refused(caller, identity, audience, instanceId, e.status(), e.getMessage());
      throw e;
    }
  }

  private Registration issue(InstanceRegisterInformation info,
      List<X509Certificate> clientCertificates, String caller) throws RequestException {
    if (info == null) {
      throw RequestException.badRequest(BODY_REQUIRED);
    }
    String providerName = name(info.provider(), "provider", true);
    String domainName = name(info.domain(), "domain", true);
    String serviceName = name(info.service(), "service", false);
    if (info.csr() != null && !info.csr().isEmpty()) {
      throw RequestException.badRequest(CSR_NOT_SUPPORTED);
    }
    InstanceProvider provider = providers.provider(providerName).orElseThrow(
        () -> RequestException.badRequest(UNKNOWN_PROVIDER + providerName));
    if (provider.getSVIDType() != SvidType.JWT) {
      throw RequestException.badRequest(NOT_JWT_PROVIDER + providerName);
    }
    Domain domain = domains.domain(domainName).orElseThrow(
        () -> RequestException.notFound(UNKNOWN_DOMAIN + domainName));
    if (!domain.hasService(serviceName)) {
      throw RequestException.forbidden(UNKNOWN_SERVICE + domainName + "." + serviceName);
    }
    List<String> audience = audience(info);
    String instanceId = info.jwtSVIDInstanceId();
    if (instanceId == null || instanceId.isEmpty()) {
      throw RequestException.badRequest(FIELD_REQUIRED + "jwtSVIDInstanceId");
    }
    checkLength(instanceId, "jwtSVIDInstanceId", MAX_INSTANCE_ID);
    if (!AthenzNames.isPathElement(instanceId)) {
      throw RequestException.badRequest(INVALID_FIELD + "jwtSVIDInstanceId");
    }
    String nonce = info.jwtSVIDNonce();
    if (nonce != null) {
      checkLength(nonce, "jwtSVIDNonce", MAX_NONCE);
    }
    if (nonce != null && !nonce.isEmpty() && !AthenzNames.isCompoundName(nonce)) {
      throw RequestException.badRequest(INVALID_FIELD + "jwtSVIDNonce");
    }
    boolean spiffeSubject = Boolean.TRUE.equals(info.jwtSVIDSpiffeSubject());
    String spiffe = info.jwtSVIDSpiffe();
    if (spiffe == null || spiffe.isEmpty()) {
      if (spiffeSubject) {
        throw RequestException.badRequest(SPIFFE_REQUIRED);
      }
      spiffe = null;
    } else {
      checkLength(spiffe, "jwtSVIDSpiffe", MAX_SPIFFE_ID);
      checkSpiffe(spiffe, domainName, serviceName, info.namespace());
    }
    KeyType keyType = keyType(info.jwtSVIDKeyType());
    Duration lifetime = lifetime(info.expiryTime());

    authorizeProvider(providerName, domainName, serviceName);
    try {
      provider.confirmInstance(new InstanceConfirmation(providerName, domainName, serviceName,
          info.attestationData(), clientCertificates));
    } catch (ProviderException e) {
      // A provider's own code is kept only when it is an error status; anything else is 403.
      int code = e.code() >= 400 && e.code() < 600 ? e.code() : 403;
      throw new RequestException(code, ATTESTATION_FAILED + e.getMessage());
    }

    Instant now = clock.instant();
    SigningKey key = keys.get().signingKey(keyType, now).orElseThrow(() -> {
      log.error("no usable signing key type={}", keyType);
      return new RequestException(500, NO_SIGNING_KEY);
    });
    Instant expiry = now.plus(lifetime);
    if (key.notAfter() != null && key.notAfter().isBefore(expiry)) {
      expiry = key.notAfter();
    }
    String principal = domainName + "." + serviceName;
    JWTClaimsSet.Builder claims = new JWTClaimsSet.Builder()
        .subject(spiffeSubject ? spiffe : principal)
        .audience(audience)
        .expirationTime(Date.from(expiry))
        .issueTime(Date.from(now))
        .issuer(tokens.issuer())
        .claim("auth_time", now.getEpochSecond())
        .claim("ver", 1);
    if (nonce != null && !nonce.isEmpty()) {
      claims.claim("nonce", nonce);
    }
    if (!spiffeSubject && spiffe != null) {
      claims.claim("spiffe", spiffe);
    }
    String token = key.sign(claims.build());
    audit.issued(caller, principal, audience, key.kid(), expiry, instanceId);
    String location = "/zts/v1/instance/" + providerName + "/" + domainName + "/"
        + serviceName + "/" + instanceId;
    return new Registration(
        InstanceIdentity.jwt(providerName, principal, instanceId, token), location);
  }

  private static void checkLength(String value, String field, int max)
      throws RequestException {
    if (value.length() > max) {
      throw RequestException.badRequest(field + TOO_LONG + max + " characters");
    }
  }

  private static String name(String value, String field, boolean compound)
      throws RequestException {
    if (value == null || value.isEmpty()) {
      throw RequestException.badRequest(FIELD_REQUIRED + field);
    }
    boolean valid = compound ? AthenzNames.isCompoundName(value) : AthenzNames.isSimpleName(value);
    if (!valid) {
      throw RequestException.badRequest(INVALID_FIELD + field);
    }
    return value.toLowerCase(Locale.ROOT);
  }

  /**
   * The token's audience. {@code jwtSVIDAudiences} (this project's extension) asks for several
   * in one token; it must start with {@code jwtSVIDAudience} so that nothing is narrowed.
   */
  private static List<String> audience(InstanceRegisterInformation info)
      throws RequestException {
    String first = info.jwtSVIDAudience();
    if (first == null || first.isBlank()) {
      throw RequestException.badRequest(AUDIENCE_REQUIRED);
    }
    checkLength(first, "jwtSVIDAudience", MAX_AUDIENCE);
    List<String> list = info.jwtSVIDAudiences();
    if (list == null) {
      return List.of(first);
    }
    if (list.size() > MAX_AUDIENCES) {
      throw RequestException.badRequest(
          "jwtSVIDAudiences has more than " + MAX_AUDIENCES + " entries");
    }
    for (String entry : list) {
      if (entry != null) {
        checkLength(entry, "jwtSVIDAudiences entry", MAX_AUDIENCE);
      }
    }
    if (list.isEmpty() || !first.equals(list.get(0))
        || list.stream().anyMatch(a -> a == null || a.isBlank())
        || new HashSet<>(list).size() != list.size()) {
      throw RequestException.badRequest(AUDIENCES_MISMATCH);
    }
    return List.copyOf(list);
  }

  private void checkSpiffe(String uri, String domain, String service, String namespace)
      throws RequestException {
    if (uri.equals("spiffe://" + domain + "/sa/" + service)) {
      return;
    }
    String prefix = "spiffe://" + tokens.trustDomain() + "/ns/";
    String suffix = "/sa/" + domain + "." + service;
    if (uri.startsWith(prefix) && uri.endsWith(suffix)
        && uri.length() > prefix.length() + suffix.length()) {
      String ns = uri.substring(prefix.length(), uri.length() - suffix.length());
      // Without a namespace in the request any namespace is taken, as our agent names its
      // namespace only in the URI. TODO(#3): Athenz may expect "default" in that case; if so,
      // the agent has to send its namespace and this check gets stricter.
      boolean nsMatches = namespace == null || namespace.isEmpty() || namespace.equals(ns);
      // "." and ".." would make the ID a path with dot segments, which SPIFFE forbids.
      boolean dotSegment = ns.equals(".") || ns.equals("..");
      if (NAMESPACE.matcher(ns).matches() && !dotSegment && nsMatches) {
        return;
      }
    }
    throw RequestException.badRequest(SPIFFE_MISMATCH + uri + " is not a SPIFFE ID of "
        + domain + "." + service);
  }

  private static KeyType keyType(String value) throws RequestException {
    if (value == null || value.isEmpty()) {
      return KeyType.EC;
    }
    try {
      return KeyType.valueOf(value.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw RequestException.badRequest(BAD_KEY_TYPE);
    }
  }

  private Duration lifetime(Integer expiryTime) throws RequestException {
    if (expiryTime == null) {
      return tokens.defaultExpiry();
    }
    if (expiryTime <= 0) {
      throw RequestException.badRequest(EXPIRY_NOT_POSITIVE);
    }
    Duration asked = Duration.ofSeconds(expiryTime);
    return asked.compareTo(tokens.maxExpiry()) > 0 ? tokens.maxExpiry() : asked;
  }

  private void authorizeProvider(String provider, String domain, String service)
      throws RequestException {
    if (!authorizer.check(provider, LAUNCH, PROVIDER_RESOURCE).allowed()) {
      throw RequestException.forbidden(PROVIDER_NOT_AUTHORIZED + provider);
    }
    String resource = domain + ":service." + service;
    if (!authorizer.check(provider, LAUNCH, resource).allowed()) {
      throw RequestException.forbidden(PROVIDER_NOT_AUTHORIZED_BY_DOMAIN + provider + " on "
          + resource);
    }
  }
}
