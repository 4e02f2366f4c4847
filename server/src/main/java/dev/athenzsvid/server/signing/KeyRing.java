package dev.athenzsvid.server.signing;

import static java.util.Objects.requireNonNull;

import dev.athenzsvid.server.config.ConfigException;
import dev.athenzsvid.server.config.ServerConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The signing keys in force, re-read while the server runs so keys rotate without a restart.
 *
 * <p>{@link #reload()} asks its {@link Source} for the signing settings again and reads every
 * key file; when neither the settings nor any file's content changed it does nothing, else it
 * loads the keys and swaps in a new {@link KeySet} atomically. Settings or a file that cannot
 * be used are reported and the last good keys stay in force. So is a key id that would name
 * different key material while the old key may still verify tokens.
 *
 * <p>Tokens outlive the configuration that signed them, so a key never disappears from the
 * published set early: a key dropped from the settings stays published, signing nothing, until
 * {@code maxExpiry} after it stopped signing (when it was last active; the moment it is dropped
 * if this process never saw it active), or until its own {@code notAfter} if that is earlier.
 * That memory is in this process only: after a restart only configured keys are published.
 *
 * <p>Thread-safe: {@link #get()} is a volatile read; reloads are serialized on one lock.
 */
public final class KeyRing implements Supplier<KeySet> {
  public static final String KID_REUSED = "names a different key than the one still published";

  private static final Logger log = LoggerFactory.getLogger(KeyRing.class);

  /** Where the signing settings come from; read again on every reload. */
  @FunctionalInterface
  public interface Source {
    ServerConfig.Signing read() throws ConfigException;
  }

  /** What one reload did: whether the keys changed, and the problem when it was refused. */
  public record ReloadResult(boolean changed, String error) {
    /** True when the settings or a key file could not be used. */
    public boolean failed() {
      return error != null;
    }
  }

  /** The settings and the content of every key file they name, to notice any change. */
  private record Fingerprint(ServerConfig.Signing signing, List<String> digests) {}

  private final Source source;
  private final Duration maxExpiry;
  private final Clock clock;
  private final Object lock = new Object();

  /** The fingerprint of the keys in force. Guarded by lock. */
  private Fingerprint loaded;

  /** When each configured key that is no longer active stopped signing. Guarded by lock. */
  private final Map<String, Instant> stoppedSigning = new HashMap<>();

  private volatile KeySet current;

  private KeyRing(Source source, Duration maxExpiry, Clock clock) {
    this.source = source;
    this.maxExpiry = maxExpiry;
    this.clock = clock;
  }

  /**
   * Reads the keys for the first time.
   *
   * @param maxExpiry the longest lifetime of a token, which is how long a key stays published
   *     after it stopped signing
   * @throws ConfigException naming the setting when the keys cannot be used
   */
  public static KeyRing load(Source source, Duration maxExpiry, Clock clock)
      throws ConfigException {
    KeyRing ring = new KeyRing(requireNonNull(source, "source"),
        requireNonNull(maxExpiry, "maxExpiry"), requireNonNull(clock, "clock"));
    synchronized (ring.lock) {
      ring.update(source.read());
    }
    return ring;
  }

  /** The keys in force now. */
  @Override
  public KeySet get() {
    return current;
  }

  /** Reads the settings and key files again and swaps in what changed; never throws. */
  public ReloadResult reload() {
    synchronized (lock) {
      try {
        return new ReloadResult(update(source.read()), null);
      } catch (ConfigException e) {
        log.warn("signing keys rejected, keeping the last good keys problem=\"{}\"",
            e.getMessage());
        return new ReloadResult(false, e.getMessage());
      }
    }
  }

  /** Loads {@code signing} unless nothing changed; returns whether the keys changed. */
  private boolean update(ServerConfig.Signing signing) throws ConfigException {
    Fingerprint fingerprint = fingerprint(signing);
    if (fingerprint.equals(loaded)) {
      return false;
    }
    List<SigningKey> configured = read(signing);
    Instant now = clock.instant();
    Map<String, SigningKey> next = new LinkedHashMap<>();
    configured.forEach(key -> next.put(key.kid(), key));
    List<SigningKey> retained = new ArrayList<>();
    if (current != null) {
      for (SigningKey old : current.keys()) {
        SigningKey replacement = next.get(old.kid());
        if (replacement != null && !replacement.sameKeyAs(old) && old.isPublishedAt(now)) {
          throw new ConfigException("signing.keys", "kid " + old.kid() + " " + KID_REUSED);
        }
        if (replacement == null && old.isPublishedAt(now)) {
          retained.add(old.active() ? old.retiredUntil(now.plus(maxExpiry))
              : old.retiredUntil(stoppedSigning.getOrDefault(old.kid(), now).plus(maxExpiry)));
        }
      }
      for (SigningKey old : current.keys()) {
        SigningKey replacement = next.get(old.kid());
        if (old.active() && (replacement == null || !replacement.active())) {
          stoppedSigning.put(old.kid(), now);
        }
      }
    }
    for (SigningKey key : configured) {
      if (key.active()) {
        stoppedSigning.remove(key.kid());
      }
    }
    stoppedSigning.keySet().retainAll(next.keySet());
    List<SigningKey> all = new ArrayList<>(configured);
    all.addAll(retained);
    current = new KeySet(all);
    // Read again: loading may have created the generated key file.
    loaded = fingerprint(signing);
    log.info("signing keys loaded active={} inactive={} retiring={}",
        kids(configured, true), kids(configured, false), kids(retained, false));
    return true;
  }

  private static String kids(List<SigningKey> keys, boolean active) {
    return keys.stream().filter(key -> key.active() == active).map(SigningKey::kid)
        .collect(Collectors.joining(",", "[", "]"));
  }

  private static List<SigningKey> read(ServerConfig.Signing signing) throws ConfigException {
    List<SigningKey> keys = new ArrayList<>();
    if (signing.keys().isEmpty()) {
      try {
        keys.add(KeyFiles.loadOrGenerate(signing.generatedKeyDir()));
      } catch (IOException e) {
        throw new ConfigException("signing.generatedKeyDir", e.getMessage());
      }
    }
    for (int i = 0; i < signing.keys().size(); i++) {
      ServerConfig.SigningKeyConfig key = signing.keys().get(i);
      try {
        keys.add(KeyFiles.load(key.file(), key.kid(), key.active(), key.notAfter()));
      } catch (IOException e) {
        throw new ConfigException("signing.keys[" + i + "].file", e.getMessage());
      }
    }
    return keys;
  }

  private static Fingerprint fingerprint(ServerConfig.Signing signing) throws ConfigException {
    List<String> digests = new ArrayList<>();
    if (signing.keys().isEmpty()) {
      Path file = signing.generatedKeyDir().resolve(KeyFiles.GENERATED_KEY_FILE);
      digests.add(Files.exists(file) ? digest(file, "signing.generatedKeyDir") : "");
    }
    for (int i = 0; i < signing.keys().size(); i++) {
      digests.add(digest(signing.keys().get(i).file(), "signing.keys[" + i + "].file"));
    }
    return new Fingerprint(signing, digests);
  }

  private static String digest(Path file, String setting) throws ConfigException {
    try {
      byte[] sha = MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file));
      return HexFormat.of().formatHex(sha);
    } catch (IOException e) {
      throw new ConfigException(setting, file + ": cannot read: " + e.getMessage());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 missing from the JDK", e);
    }
  }
}
