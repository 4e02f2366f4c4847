package dev.athenzsvid.agent.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class TokenServiceTest {

  /** Athenz accepts a nonce only as an entity name: no leading '-', no '+' or '/'. */
  @Test
  void nonce_manySamples_allValidAthenzNamesAndDistinct() {
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < 10_000; i++) {
      String nonce = TokenService.nonce();
      assertTrue(nonce.matches("[0-9a-f]{32}"), nonce);
      seen.add(nonce);
    }
    assertEquals(10_000, seen.size());
  }
}
