package dev.athenzsvid.server.domain;

import java.util.regex.Pattern;

/**
 * Athenz's name types, as its REST schema defines them: a simple name is one identifier, a
 * compound name (domain, service, entity names) is simple names joined by dots, and a path
 * element is anything safe in a URI path. Stateless and thread-safe.
 */
public final class AthenzNames {
  private static final String SIMPLE = "[a-zA-Z0-9_][a-zA-Z0-9_-]*";
  private static final Pattern SIMPLE_NAME = Pattern.compile(SIMPLE);
  private static final Pattern COMPOUND_NAME = Pattern.compile("(" + SIMPLE + "\\.)*" + SIMPLE);
  private static final Pattern PATH_ELEMENT = Pattern.compile("[a-zA-Z0-9-._~=+@$,:]*");

  private AthenzNames() {}

  /** A name without dots, such as a service's own name. */
  public static boolean isSimpleName(String text) {
    return text != null && SIMPLE_NAME.matcher(text).matches();
  }

  /** A dotted name: domain names, service names, entity names. */
  public static boolean isCompoundName(String text) {
    return text != null && COMPOUND_NAME.matcher(text).matches();
  }

  /** A string that may stand alone as one element of a URI path. */
  public static boolean isPathElement(String text) {
    return text != null && PATH_ELEMENT.matcher(text).matches();
  }
}
