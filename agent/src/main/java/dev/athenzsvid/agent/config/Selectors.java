package dev.athenzsvid.agent.config;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * What a caller must be for a workload entry to apply; every selector given must match, and at
 * least one is given. Names ({@code user}, {@code group}) are resolved when a caller is
 * attested, so accounts created after start work. Immutable.
 *
 * @param uid the caller's user id
 * @param user the caller's user name
 * @param gid a group id the caller has, primary or supplementary
 * @param group a group name the caller has, primary or supplementary
 * @param path the absolute path of the caller's executable
 */
public record Selectors(
    OptionalInt uid, Optional<String> user, OptionalInt gid, Optional<String> group,
    Optional<Path> path) {

  public Selectors {
    boolean none = uid.isEmpty() && user.isEmpty() && gid.isEmpty() && group.isEmpty()
        && path.isEmpty();
    if (none) {
      throw new IllegalArgumentException("at least one of uid, user, gid, group, path is needed");
    }
    if (path.isPresent() && !path.get().isAbsolute()) {
      throw new IllegalArgumentException("path must be absolute");
    }
  }

  /** The selectors as {@code key:value} text for logs. */
  public List<String> describe() {
    List<String> parts = new ArrayList<>();
    uid.ifPresent(v -> parts.add("uid:" + v));
    user.ifPresent(v -> parts.add("user:" + v));
    gid.ifPresent(v -> parts.add("gid:" + v));
    group.ifPresent(v -> parts.add("group:" + v));
    path.ifPresent(v -> parts.add("path:" + v));
    return parts;
  }
}
