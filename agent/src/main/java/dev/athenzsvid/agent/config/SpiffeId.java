package dev.athenzsvid.agent.config;

import static java.util.Objects.requireNonNull;

/**
 * A SPIFFE ID: {@code spiffe://<trust domain><path>}. Immutable; {@link #parse} applies the
 * SPIFFE ID rules (lower-case trust domain of letters, digits, {@code . - _}; path segments of
 * letters, digits, {@code . - _}, none empty, {@code .} or {@code ..}; no query or fragment).
 */
public record SpiffeId(String trustDomain, String path) {
  /** The longest SPIFFE ID accepted, in bytes, as the SPIFFE specification allows. */
  public static final int MAX_LENGTH = 2048;

  static final String EMPTY = "cannot be empty";
  static final String BAD_SCHEME = "scheme is missing or invalid";
  static final String MISSING_TRUST_DOMAIN = "trust domain is missing";
  static final String BAD_TRUST_DOMAIN =
      "trust domain characters are limited to lowercase letters, numbers, dots, dashes, and "
          + "underscores";
  static final String BAD_PATH =
      "path segment characters are limited to letters, numbers, dots, dashes, and underscores";
  static final String EMPTY_SEGMENT = "path cannot contain empty segments";
  static final String DOT_SEGMENT = "path cannot contain dot segments";
  static final String TRAILING_SLASH = "path cannot have a trailing slash";
  static final String TOO_LONG = "longer than " + MAX_LENGTH + " bytes";

  private static final String SCHEME = "spiffe://";

  public SpiffeId {
    requireNonNull(trustDomain, "trustDomain");
    requireNonNull(path, "path");
  }

  /** Parses {@code text}; the message of the exception says which rule it breaks. */
  public static SpiffeId parse(String text) {
    requireNonNull(text, "text");
    if (text.isEmpty()) {
      throw new IllegalArgumentException(EMPTY);
    }
    if (text.length() > MAX_LENGTH) {
      throw new IllegalArgumentException(TOO_LONG);
    }
    if (!text.startsWith(SCHEME)) {
      throw new IllegalArgumentException(BAD_SCHEME);
    }
    String rest = text.substring(SCHEME.length());
    int slash = rest.indexOf('/');
    String trustDomain = slash < 0 ? rest : rest.substring(0, slash);
    String path = slash < 0 ? "" : rest.substring(slash);
    checkTrustDomain(trustDomain);
    checkPath(path);
    return new SpiffeId(trustDomain, path);
  }

  /** Checks a trust domain name; throws with the broken rule. */
  public static void checkTrustDomain(String trustDomain) {
    if (trustDomain.isEmpty()) {
      throw new IllegalArgumentException(MISSING_TRUST_DOMAIN);
    }
    for (int i = 0; i < trustDomain.length(); i++) {
      char c = trustDomain.charAt(i);
      boolean ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-'
          || c == '_';
      if (!ok) {
        throw new IllegalArgumentException(BAD_TRUST_DOMAIN);
      }
    }
  }

  private static void checkPath(String path) {
    if (path.isEmpty()) {
      return;
    }
    if (path.endsWith("/")) {
      throw new IllegalArgumentException(path.equals("/") ? EMPTY_SEGMENT : TRAILING_SLASH);
    }
    for (String segment : path.substring(1).split("/", -1)) {
      if (segment.isEmpty()) {
        throw new IllegalArgumentException(EMPTY_SEGMENT);
      }
      if (segment.equals(".") || segment.equals("..")) {
        throw new IllegalArgumentException(DOT_SEGMENT);
      }
      for (int i = 0; i < segment.length(); i++) {
        char c = segment.charAt(i);
        boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
            || c == '.' || c == '-' || c == '_';
        if (!ok) {
          throw new IllegalArgumentException(BAD_PATH);
        }
      }
    }
  }

  /** {@code spiffe://<trust domain>}, the key of this trust domain's bundle. */
  public String trustDomainId() {
    return SCHEME + trustDomain;
  }

  @Override
  public String toString() {
    return SCHEME + trustDomain + path;
  }
}
