package dev.athenzsvid.agent.cache;

import static java.util.Objects.requireNonNull;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.TreeSet;

/**
 * What a cached token is for: a SPIFFE ID and a set of audiences (de-duplicated and sorted, so
 * the order a caller lists them in does not matter). Immutable.
 */
public record CacheKey(String spiffeId, List<String> audiences) {
  public CacheKey {
    requireNonNull(spiffeId, "spiffeId");
    // One audience, the usual request, needs no sorting.
    audiences = audiences.size() == 1 ? List.of(audiences.get(0))
        : List.copyOf(new TreeSet<>(audiences));
    if (audiences.isEmpty()) {
      throw new IllegalArgumentException("audiences must not be empty");
    }
  }

  /**
   * An unambiguous text form: every part is prefixed with its length in UTF-8 bytes, so no two
   * different keys encode alike whatever characters the audiences contain.
   */
  public String encoded() {
    StringBuilder text = new StringBuilder();
    append(text, spiffeId);
    text.append(audiences.size()).append('#');
    audiences.forEach(audience -> append(text, audience));
    return text.toString();
  }

  private static void append(StringBuilder text, String part) {
    text.append(part.getBytes(StandardCharsets.UTF_8).length).append(':').append(part);
  }
}
