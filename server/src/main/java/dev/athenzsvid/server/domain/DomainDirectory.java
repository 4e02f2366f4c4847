package dev.athenzsvid.server.domain;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Domain data from a directory of Athenz domain JSON files ({@code *.json}, one domain each).
 *
 * <p>{@link #reload()} reads the directory and swaps in a new snapshot atomically: readers see
 * either the old or the new set, never a mix. A file that does not parse is reported and its
 * last good content stays in force; a deleted file removes its domain. Thread-safe: reads are
 * lock-free on a volatile snapshot, reloads are serialized on one lock.
 */
public final class DomainDirectory implements DomainStore {
  private static final Logger log = LoggerFactory.getLogger(DomainDirectory.class);

  /** What one reload did. */
  public record ReloadResult(int domains, int changed, List<String> errors) {
    public ReloadResult {
      errors = List.copyOf(errors);
    }
  }

  private record FileState(byte[] digest, Domain domain) {}

  private final Path dir;
  private final Object reloadLock = new Object();

  /** Per file, the last content that parsed. Guarded by reloadLock. */
  private final Map<Path, FileState> files = new HashMap<>();

  private volatile Map<String, Domain> domains = Map.of();

  public DomainDirectory(Path dir) {
    this.dir = requireNonNull(dir, "dir");
  }

  @Override
  public Optional<Domain> domain(String name) {
    return Optional.ofNullable(domains.get(name));
  }

  @Override
  public int size() {
    return domains.size();
  }

  /** Reads the directory again and publishes what changed. */
  public ReloadResult reload() {
    synchronized (reloadLock) {
      List<String> errors = new ArrayList<>();
      Map<Path, FileState> seen = new HashMap<>();
      int changed = 0;
      for (Path file : list(errors)) {
        FileState previous = files.get(file);
        byte[] content;
        try {
          content = Files.readAllBytes(file);
        } catch (IOException e) {
          errors.add(file + ": cannot read: " + e.getMessage());
          keep(previous, file, seen);
          continue;
        }
        byte[] digest = digest(content);
        if (previous != null && Arrays.equals(previous.digest, digest)) {
          seen.put(file, previous);
          continue;
        }
        try {
          seen.put(file, new FileState(digest, DomainParser.parse(content, file.toString())));
          changed++;
        } catch (DomainFormatException e) {
          errors.add(e.getMessage());
          keep(previous, file, seen);
        }
      }
      changed += (int) files.keySet().stream().filter(f -> !seen.containsKey(f)).count();
      files.clear();
      files.putAll(seen);
      Map<String, Domain> next = new TreeMap<>();
      for (Map.Entry<Path, FileState> entry : new TreeMap<>(seen).entrySet()) {
        Domain domain = entry.getValue().domain;
        if (next.putIfAbsent(domain.name(), domain) != null) {
          errors.add(entry.getKey() + ": domain " + domain.name() + " defined by another file");
        }
      }
      domains = Map.copyOf(next);
      for (String error : errors) {
        log.warn("domain file rejected, keeping last good data: {}", error);
      }
      if (changed > 0) {
        log.info("domains loaded dir={} domains={} changed={}", dir, next.size(), changed);
      }
      return new ReloadResult(next.size(), changed, errors);
    }
  }

  private static void keep(FileState previous, Path file, Map<Path, FileState> seen) {
    if (previous != null) {
      seen.put(file, previous);
    }
  }

  private List<Path> list(List<String> errors) {
    List<Path> result = new ArrayList<>();
    try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir, "*.json")) {
      for (Path file : stream) {
        if (Files.isRegularFile(file)) {
          result.add(file);
        }
      }
    } catch (IOException e) {
      errors.add(dir + ": cannot list: " + e.getMessage());
      result.addAll(files.keySet());
    }
    return result;
  }

  private static byte[] digest(byte[] content) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(content);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 missing from the JDK", e);
    }
  }
}
