package dev.athenzsvid.server.domain;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Turns Athenz domain JSON into a {@link Domain}. Accepts a {@code SignedDomain} (the form ZMS
 * exports and ZTS stores) or a bare {@code DomainData}. Short role names in assertions and
 * unqualified resources are qualified with the domain, as ZMS does when it stores them.
 * Signatures are not verified: the files are trusted as the operator placed them.
 * Stateless and thread-safe.
 */
public final class DomainParser {
  static final String NOT_JSON = "not valid JSON";
  static final String NO_NAME = "domain name missing or invalid";
  static final String NULL_ENTRY = "null entry in";

  private static final ObjectMapper JSON = new ObjectMapper()
      .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

  private DomainParser() {}

  /** Parses one domain file; {@code source} names it in errors. */
  public static Domain parse(byte[] json, String source) throws DomainFormatException {
    DomainJson.DomainData data;
    try {
      JsonNode root = JSON.readTree(json);
      if (root == null || !root.isObject()) {
        throw new DomainFormatException(source + ": " + NOT_JSON);
      }
      JsonNode inner = root.get("domain");
      JsonNode domainNode = inner != null && inner.isObject() ? inner : root;
      data = JSON.treeToValue(domainNode, DomainJson.DomainData.class);
    } catch (IOException e) {
      throw new DomainFormatException(source + ": " + NOT_JSON + ": " + firstLine(e));
    }
    return compile(data, source);
  }

  // The domain files are trusted as the operator placed them: ZMS signatures are not checked
  // (deploy/README.md says so).
  private static Domain compile(DomainJson.DomainData data, String source)
      throws DomainFormatException {
    if (!AthenzNames.isCompoundName(data.name())) {
      throw new DomainFormatException(source + ": " + NO_NAME);
    }
    String name = lower(data.name());
    Set<String> services = new HashSet<>();
    Map<String, String> endpoints = new HashMap<>();
    for (DomainJson.ServiceIdentity service : list(data.services(), "services", source)) {
      if (service.name() == null) {
        throw new DomainFormatException(source + ": service without a name");
      }
      String full = lower(service.name());
      if (!full.startsWith(name + ".")) {
        full = name + "." + full;
      }
      services.add(full);
      if (service.providerEndpoint() != null && !service.providerEndpoint().isEmpty()) {
        endpoints.put(full, service.providerEndpoint());
      }
    }
    Map<String, Domain.Role> roles = new HashMap<>();
    for (DomainJson.Role role : list(data.roles(), "roles", source)) {
      Domain.Role compiled = role(name, role, source);
      roles.put(compiled.name(), compiled);
    }
    List<Domain.Policy> policies = new ArrayList<>();
    if (data.policies() != null && data.policies().contents() != null) {
      for (DomainJson.Policy policy
          : list(data.policies().contents().policies(), "policies", source)) {
        policies.add(policy(name, policy, source));
      }
    }
    boolean enabled = data.enabled() == null || data.enabled();
    return new Domain(name, enabled, services, endpoints, roles, policies);
  }

  private static Domain.Role role(String domain, DomainJson.Role role, String source)
      throws DomainFormatException {
    if (role.name() == null || role.name().isEmpty()) {
      throw new DomainFormatException(source + ": role without a name");
    }
    String name = qualifyRole(domain, role.name());
    // Delegated roles (trust) and group members are not evaluated: such a role grants only
    // its direct members (deploy/README.md says so). TODO(#3): evaluate both, as ZTS does, so
    // exported data that relies on them grants the same.
    List<Domain.Member> members = new ArrayList<>();
    for (DomainJson.RoleMember member : list(role.roleMembers(), name + " roleMembers", source)) {
      if (member.memberName() == null || member.memberName().isEmpty()) {
        throw new DomainFormatException(source + ": " + name + ": member without a name");
      }
      Instant expiration = null;
      if (member.expiration() != null && !member.expiration().isEmpty()) {
        try {
          expiration = Instant.parse(member.expiration());
        } catch (DateTimeParseException e) {
          throw new DomainFormatException(source + ": " + name + ": bad expiration "
              + member.expiration());
        }
      }
      boolean disabled = (member.systemDisabled() != null && member.systemDisabled() != 0)
          || Boolean.FALSE.equals(member.active()) || Boolean.FALSE.equals(member.approved());
      members.add(new Domain.Member(lower(member.memberName()), expiration, disabled));
    }
    for (String member : list(role.members(), name + " members", source)) {
      members.add(new Domain.Member(lower(member), null, false));
    }
    return new Domain.Role(name, members);
  }

  private static Domain.Policy policy(String domain, DomainJson.Policy policy, String source)
      throws DomainFormatException {
    if (policy.name() == null || policy.name().isEmpty()) {
      throw new DomainFormatException(source + ": policy without a name");
    }
    String name = lower(policy.name());
    List<Domain.Assertion> assertions = new ArrayList<>();
    for (DomainJson.Assertion assertion
        : list(policy.assertions(), name + " assertions", source)) {
      if (assertion.role() == null || assertion.resource() == null
          || assertion.action() == null) {
        throw new DomainFormatException(source + ": " + name
            + ": assertion needs role, resource and action");
      }
      Domain.Effect effect;
      if (assertion.effect() == null || assertion.effect().equalsIgnoreCase("ALLOW")) {
        effect = Domain.Effect.ALLOW;
      } else if (assertion.effect().equalsIgnoreCase("DENY")) {
        effect = Domain.Effect.DENY;
      } else {
        throw new DomainFormatException(source + ": " + name + ": bad effect "
            + assertion.effect());
      }
      String resource = lower(assertion.resource());
      if (!resource.contains(":")) {
        resource = domain + ":" + resource;
      }
      assertions.add(new Domain.Assertion(qualifyRole(domain, assertion.role()), resource,
          lower(assertion.action()), effect));
    }
    boolean active = policy.active() == null || policy.active();
    return new Domain.Policy(name, active, assertions);
  }

  private static String qualifyRole(String domain, String role) {
    String lower = lower(role);
    return lower.contains(":") ? lower : domain + ":role." + lower;
  }

  private static String lower(String text) {
    return text.toLowerCase(Locale.ROOT);
  }

  /** The entries of a JSON list, none if absent; a null entry makes the file unusable. */
  private static <T> List<T> list(List<T> values, String field, String source)
      throws DomainFormatException {
    if (values == null) {
      return List.of();
    }
    for (T value : values) {
      if (value == null) {
        throw new DomainFormatException(source + ": " + NULL_ENTRY + " " + field);
      }
    }
    return values;
  }

  private static String firstLine(IOException e) {
    String message = String.valueOf(e.getMessage());
    int newline = message.indexOf('\n');
    return newline < 0 ? message : message.substring(0, newline);
  }
}
