package dev.athenzsvid.agent.attestation;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalInt;

/**
 * Names from {@code /etc/passwd} and {@code /etc/group}, read on each lookup so accounts
 * created after the agent started are seen. Directory services (LDAP through NSS) are not
 * consulted; select such callers by uid or gid. Stateless and thread-safe.
 */
public final class EtcUserDirectory implements UserDirectory {
  private final Path passwd;
  private final Path group;

  public EtcUserDirectory() {
    this(Path.of("/etc/passwd"), Path.of("/etc/group"));
  }

  EtcUserDirectory(Path passwd, Path group) {
    this.passwd = passwd;
    this.group = group;
  }

  @Override
  public OptionalInt uid(String user) {
    return lookup(passwd, user);
  }

  @Override
  public OptionalInt gid(String name) {
    return lookup(group, name);
  }

  /** Both files have the name in field 1 and the id in field 3. */
  private static OptionalInt lookup(Path file, String name) {
    List<String> lines;
    try {
      lines = Files.readAllLines(file);
    } catch (IOException e) {
      return OptionalInt.empty();
    }
    for (String line : lines) {
      String[] fields = line.split(":", -1);
      if (fields.length >= 3 && fields[0].equals(name)) {
        try {
          return OptionalInt.of(Integer.parseInt(fields[2]));
        } catch (NumberFormatException e) {
          return OptionalInt.empty();
        }
      }
    }
    return OptionalInt.empty();
  }
}
