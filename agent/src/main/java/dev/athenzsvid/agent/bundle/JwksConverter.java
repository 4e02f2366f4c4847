package dev.athenzsvid.agent.bundle;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.RSAKey;
import java.io.IOException;
import java.text.ParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Converts the server's JWK Set (Athenz style: keys may carry {@code use: sig} and
 * {@code alg}) to a SPIFFE JWT bundle: only EC and RSA public keys, each with a non-empty
 * unique {@code kid}, no {@code use}, no private parameters. Keys that do not qualify are
 * skipped and logged. Stateless and thread-safe.
 */
public final class JwksConverter {
  static final String NOT_JSON = "JWK Set is not JSON";
  static final String NO_KEYS = "JWK Set has no usable keys";

  private static final Logger log = LoggerFactory.getLogger(JwksConverter.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int MIN_RSA_BITS = 2048;

  private JwksConverter() {}

  /** The bundle for {@code trustDomainId}; fails if no key qualifies. */
  public static JwtBundle convert(String trustDomainId, String jwks) throws ParseException {
    JsonNode root;
    try {
      root = JSON.readTree(jwks);
    } catch (IOException e) {
      throw new ParseException(NOT_JSON, 0);
    }
    JsonNode keys = root == null ? null : root.get("keys");
    if (keys == null || !keys.isArray()) {
      throw new ParseException(NOT_JSON, 0);
    }
    List<JWK> converted = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    for (JsonNode node : keys) {
      JWK key = convertKey(node);
      if (key == null) {
        continue;
      }
      if (!seen.add(key.getKeyID())) {
        log.atWarn().addKeyValue("kid", key.getKeyID()).log("skipping JWKS key with duplicate kid");
        continue;
      }
      converted.add(key);
    }
    if (converted.isEmpty()) {
      throw new ParseException(NO_KEYS, 0);
    }
    converted.sort(Comparator.comparing(JWK::getKeyID));
    return new JwtBundle(trustDomainId, converted);
  }

  /** The public key with only the fields a JWT bundle needs, or null if it does not qualify. */
  private static JWK convertKey(JsonNode node) {
    JWK parsed;
    try {
      @SuppressWarnings("unchecked")
      Map<String, Object> map = JSON.convertValue(node, Map.class);
      parsed = JWK.parse(map);
    } catch (ParseException | IllegalArgumentException e) {
      log.atWarn().addKeyValue("error", e.getMessage()).log("skipping unparsable JWKS key");
      return null;
    }
    String kid = parsed.getKeyID();
    if (kid == null || kid.isEmpty()) {
      log.warn("skipping JWKS key without kid");
      return null;
    }
    KeyUse use = parsed.getKeyUse();
    if (use != null && !KeyUse.SIGNATURE.equals(use) && !"jwt-svid".equals(use.identifier())) {
      log.atWarn().addKeyValue("kid", kid).addKeyValue("use", use.identifier())
          .log("skipping JWKS key not meant for signatures");
      return null;
    }
    if (parsed instanceof ECKey ec) {
      return new ECKey.Builder(ec.getCurve(), ec.getX(), ec.getY()).keyID(kid).build();
    }
    if (parsed instanceof RSAKey rsa && rsa.size() >= MIN_RSA_BITS) {
      return new RSAKey.Builder(rsa.getModulus(), rsa.getPublicExponent()).keyID(kid).build();
    }
    log.atWarn().addKeyValue("kid", kid).addKeyValue("kty", parsed.getKeyType())
        .log("skipping JWKS key of unsupported type or size");
    return null;
  }
}
