package dev.athenzsvid.server.authz;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Athenz policy semantics, case by case, over the domains in {@code /authz}. */
class PolicyEngineTest {
  static final Instant NOW = Instant.parse("2026-06-01T00:00:00Z");
  static PolicyEngine engine;

  @BeforeAll
  static void load() throws Exception {
    FakeDomainStore store = new FakeDomainStore()
        .load("/authz/sports.json").load("/authz/weather.json").load("/authz/frozen.json");
    engine = new PolicyEngine(store, Clock.fixed(NOW, ZoneOffset.UTC));
  }

  static final boolean ALLOW = true;
  static final boolean DENY = false;

  static Stream<Arguments> cases() {
    return Stream.of(
        c("exact member allowed", "user.jane", "read", "sports:articles.today", ALLOW,
            Decision.ALLOWED),
        c("star in resource spans dots", "user.jane", "read", "sports:articles.a.b.c", ALLOW,
            Decision.ALLOWED),
        c("resource outside the pattern", "user.jane", "read", "sports:videos.today", DENY,
            Decision.NO_MATCH),
        c("action not granted", "user.jane", "write", "sports:articles.today", DENY,
            Decision.NO_MATCH),
        c("expired membership ignored", "user.bob", "read", "sports:articles.today", DENY,
            Decision.NO_MATCH),
        c("membership expiring at this instant ignored", "user.edge", "read",
            "sports:articles.today", DENY, Decision.NO_MATCH),
        c("membership with future expiry counts", "user.carl", "read",
            "sports:articles.today", ALLOW, Decision.ALLOWED),
        c("system-disabled membership ignored", "user.dave", "read", "sports:articles.today",
            DENY, Decision.NO_MATCH),
        c("pending membership ignored", "user.erin", "read", "sports:articles.today", DENY,
            Decision.NO_MATCH),
        c("principal in no role", "user.zed", "read", "sports:articles.today", DENY,
            Decision.NO_MATCH),
        c("member name is not a prefix match", "user.janet", "read", "sports:articles.today",
            DENY, Decision.NO_MATCH),
        c("prefix-wildcard member matches", "user.wizard", "write", "sports:articles.draft1",
            ALLOW, Decision.ALLOWED),
        c("prefix-wildcard member needs the prefix", "user.wolf", "write",
            "sports:articles.draft1", DENY, Decision.NO_MATCH),
        c("question mark matches one character only", "user.wizard", "write",
            "sports:articles.draft12", DENY, Decision.NO_MATCH),
        c("question mark needs a character", "user.wizard", "write", "sports:articles.draft",
            DENY, Decision.NO_MATCH),
        c("star member matches any user", "user.anyone", "view", "sports:public", ALLOW,
            Decision.ALLOWED),
        c("star member matches a service of another domain", "weather.bot", "view",
            "sports:public", ALLOW, Decision.ALLOWED),
        c("resource pattern matches the whole string only", "user.anyone", "view",
            "sports:public.more", DENY, Decision.NO_MATCH),
        c("star in resource spans colons", "user.anyone", "list", "sports:a:b:c", ALLOW,
            Decision.ALLOWED),
        c("star inside a resource pattern", "user.jane", "read", "sports:log.2026.txt", ALLOW,
            Decision.ALLOWED),
        c("star inside a pattern keeps the suffix", "user.jane", "read",
            "sports:log.2026.csv", DENY, Decision.NO_MATCH),
        c("deny wins over allow in the same policy", "user.mallory", "read",
            "sports:articles.today", DENY, Decision.DENIED),
        c("deny with wildcard action wins over another policy", "user.mallory", "view",
            "sports:public", DENY, Decision.DENIED),
        c("deny on one resource wins over a broader allow", "user.jane", "read",
            "sports:articles.secret", DENY, Decision.DENIED),
        c("deny for one principal leaves others alone", "user.carl", "view", "sports:public",
            ALLOW, Decision.ALLOWED),
        c("inactive policy ignored", "user.anyone", "read", "sports:vault", DENY,
            Decision.NO_MATCH),
        c("role pattern matches role names", "sports.ci", "deploy", "sports:service.api",
            ALLOW, Decision.ALLOWED),
        c("role pattern still needs membership", "user.jane", "deploy", "sports:service.api",
            DENY, Decision.NO_MATCH),
        c("action pattern with star", "sports.ci", "zts.get_token", "sports:tokens", ALLOW,
            Decision.ALLOWED),
        c("action pattern matches the whole action", "sports.ci", "ztsx", "sports:tokens",
            DENY, Decision.NO_MATCH),
        c("action compared case-insensitively", "user.jane", "READ", "sports:articles.x",
            ALLOW, Decision.ALLOWED),
        c("resource compared case-insensitively", "user.jane", "read", "SPORTS:Articles.X",
            ALLOW, Decision.ALLOWED),
        c("principal compared case-insensitively", "USER.Jane", "read", "sports:articles.x",
            ALLOW, Decision.ALLOWED),
        c("upper-case assertion matches lower-case request", "user.old", "read",
            "sports:legacy", ALLOW, Decision.ALLOWED),
        c("plain members list and missing effect mean allow", "user.old", "READ",
            "sports:LEGACY", ALLOW, Decision.ALLOWED),
        c("short role name and bare resource are qualified", "user.wizard", "edit",
            "sports:drafts", ALLOW, Decision.ALLOWED),
        c("role without members grants nothing", "user.jane", "read", "sports:empty", DENY,
            Decision.NO_MATCH),
        c("assertion for a missing role grants nothing", "user.jane", "read", "sports:ghost",
            DENY, Decision.NO_MATCH),
        c("assertion on another domain's resource ignored", "user.jane", "read",
            "weather:forecast", DENY, Decision.NO_MATCH),
        c("resource domain's own policy counts", "user.jane", "read", "weather:data", ALLOW,
            Decision.ALLOWED),
        c("role of another domain does not count", "user.carl", "read", "weather:data", DENY,
            Decision.NO_MATCH),
        c("unknown domain", "user.jane", "read", "nosuch:thing", DENY,
            Decision.UNKNOWN_DOMAIN),
        c("disabled domain denies everything", "user.jane", "read", "frozen:data", DENY,
            Decision.DISABLED_DOMAIN),
        c("resource without domain", "user.jane", "read", "articles", DENY,
            Decision.BAD_RESOURCE),
        c("resource with empty domain", "user.jane", "read", ":articles", DENY,
            Decision.BAD_RESOURCE));
  }

  static Arguments c(String name, String principal, String action, String resource,
      boolean allowed, String reason) {
    return Arguments.of(name, principal, action, resource, allowed, reason);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void check_case_expectedDecision(String name, String principal, String action,
      String resource, boolean allowed, String reason) {
    assertEquals(new Decision(allowed, reason), engine.check(principal, action, resource));
  }
}
