package dev.athenzsvid.agent.attestation;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Names from {@code /etc/passwd} and {@code /etc/group}. Each file is parsed once and again
 * only when its modification time changes, so accounts created after the agent started are
 * seen while a lookup costs one stat and a map read. Directory services (LDAP through NSS) are
 * not consulted; select such callers by uid or gid. Thread-safe: each parsed file is an
 * immutable table swapped in whole.
 */
public final class EtcUserDirectory implements UserDirectory {
  /** A parsed file: names to ids, and the modification time it was read at. */
  private record Table(FileTime modified, Map<String, Integer> ids) {}

  private final Path passwd;
  private final Path group;
  private final AtomicReference<Table> users = new AtomicReference<>();
  private final AtomicReference<Table> groups = new AtomicReference<>();

  public EtcUserDirectory() {
    this(Path.of("/etc/passwd"), Path.of("/etc/group"));
  }

  EtcUserDirectory(Path passwd, Path group) {
    this.passwd = passwd;
    this.group = group;
  }

  @Override
  public OptionalInt uid(String user) {
    return lookup(passwd, users, user);
  }

  @Override
  public OptionalInt gid(String name) {
    return lookup(group, groups, name);
  }

  private static OptionalInt lookup(Path file, AtomicReference<Table> cache, String name) {
    Table table;
    try {
      FileTime modified = Files.getLastModifiedTime(file);
      table = cache.get();
      if (table == null || !table.modified().equals(modified)) {
        table = new Table(modified, parse(Files.readAllLines(file)));
        cache.set(table);
      }
    } catch (IOException e) {
      return OptionalInt.empty();
    }
    Integer id = table.ids().get(name);
    return id == null ? OptionalInt.empty() : OptionalInt.of(id);
  }

  /** Both files have the name in field 1 and the id in field 3; the first entry wins. */
  private static Map<String, Integer> parse(List<String> lines) {
    Map<String, Integer> ids = new HashMap<>();
    for (String line : lines) {
      String[] fields = line.split(":", -1);
      if (fields.length >= 3) {
        try {
          ids.putIfAbsent(fields[0], Integer.parseInt(fields[2]));
        } catch (NumberFormatException e) {
          // A malformed entry names no id; skip it as the C library does.
        }
      }
    }
    return Map.copyOf(ids);
  }
}
