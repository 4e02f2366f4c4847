package dev.athenzsvid.server.signing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.athenzsvid.server.KeyMaterial;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KeyFilesTest {
  @TempDir Path dir;

  @Test
  void loadOrGenerate_twice_reusesTheSameKey() throws Exception {
    SigningKey first = KeyFiles.loadOrGenerate(dir.resolve("keys"));
    SigningKey second = KeyFiles.loadOrGenerate(dir.resolve("keys"));

    assertEquals(first.kid(), second.kid());
    assertEquals(KeyType.EC, first.type());
    try (var files = Files.list(dir.resolve("keys"))) {
      assertEquals(1, files.count());
    }
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(
        dir.resolve("keys").resolve(KeyFiles.GENERATED_KEY_FILE))));
  }

  @Test
  void load_ecP256_isEs256() throws Exception {
    Path file = KeyMaterial.ec(dir.resolve("ec.pem"), "secp256r1");

    SigningKey key = KeyFiles.load(file, "k1", true, null);

    assertEquals(KeyType.EC, key.type());
    assertEquals("ES256", key.toJwk(true).get("alg"));
  }

  @Test
  void load_rsa2048_isRs256() throws Exception {
    Path file = KeyMaterial.rsa(dir.resolve("rsa.pem"), 2048);

    SigningKey key = KeyFiles.load(file, "k1", true, null);

    assertEquals(KeyType.RSA, key.type());
    assertEquals("RS256", key.toJwk(true).get("alg"));
  }

  @Test
  void load_rsa1024_refused() throws Exception {
    Path file = KeyMaterial.rsa(dir.resolve("rsa.pem"), 1024);

    IOException e = assertThrows(IOException.class, () -> KeyFiles.load(file, "k", true, null));

    assertEquals(file + ": RSA key of 1024 bits; " + KeyFiles.UNSUPPORTED, e.getMessage());
  }

  @Test
  void load_ecP384_refused() throws Exception {
    Path file = KeyMaterial.ec(dir.resolve("ec.pem"), "secp384r1");

    IOException e = assertThrows(IOException.class, () -> KeyFiles.load(file, "k", true, null));

    assertEquals(file + ": EC key not on P-256; " + KeyFiles.UNSUPPORTED, e.getMessage());
  }

  @Test
  void signingKey_toString_showsNoKeyMaterial() throws Exception {
    SigningKey key = KeyFiles.load(KeyMaterial.ec(dir.resolve("ec.pem"), "secp256r1"), "k1",
        true, null);

    assertEquals("SigningKey{kid=k1, type=EC, active=true, notAfter=null}", key.toString());
  }

  @Test
  void keySet_rotation_prefersLongerLivedKeyAndRetiresOldOne() throws Exception {
    Instant now = Instant.parse("2026-06-01T00:00:00Z");
    SigningKey old = KeyFiles.load(KeyMaterial.ec(dir.resolve("old.pem"), "secp256r1"), "old",
        true, now.plusSeconds(3600));
    SigningKey fresh = KeyFiles.load(KeyMaterial.ec(dir.resolve("new.pem"), "secp256r1"),
        "new", true, null);
    KeySet keys = new KeySet(List.of(old, fresh));

    assertEquals("new", keys.signingKey(KeyType.EC, now).orElseThrow().kid());
    assertEquals(2, keys.jwks(true, now).size());
    assertEquals(1, keys.jwks(true, now.plusSeconds(3600)).size());
  }

  @Test
  void keySet_askedTypeMissing_fallsBackToOtherType() throws Exception {
    SigningKey ec = KeyFiles.load(KeyMaterial.ec(dir.resolve("ec.pem"), "secp256r1"), "ec",
        true, null);
    KeySet keys = new KeySet(List.of(ec));

    assertEquals("ec", keys.signingKey(KeyType.RSA, Instant.now()).orElseThrow().kid());
  }

  @Test
  void keySet_inactiveOnly_signsNothing() throws Exception {
    SigningKey ec = KeyFiles.load(KeyMaterial.ec(dir.resolve("ec.pem"), "secp256r1"), "ec",
        false, null);
    KeySet keys = new KeySet(List.of(ec));

    assertTrue(keys.signingKey(KeyType.EC, Instant.now()).isEmpty());
    assertEquals(1, keys.jwks(true, Instant.now()).size());
  }
}
