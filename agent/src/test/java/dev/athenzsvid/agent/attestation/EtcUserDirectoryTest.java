package dev.athenzsvid.agent.attestation;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EtcUserDirectoryTest {
  @TempDir
  Path dir;

  private EtcUserDirectory directory() throws Exception {
    Path passwd = dir.resolve("passwd");
    Path group = dir.resolve("group");
    Files.writeString(passwd, "root:x:0:0::/root:/bin/sh\nalice:x:1000:1000::/home/a:/bin/sh\n"
        + "broken:x:notanumber:1::/:/bin/sh\n");
    Files.writeString(group, "root:x:0:\nstaff:x:50:alice\n");
    return new EtcUserDirectory(passwd, group);
  }

  @Test
  void lookup_knownNames_ids() throws Exception {
    EtcUserDirectory directory = directory();
    assertEquals(OptionalInt.of(1000), directory.uid("alice"));
    assertEquals(OptionalInt.of(50), directory.gid("staff"));
  }

  @Test
  void lookup_unknownOrMalformed_empty() throws Exception {
    EtcUserDirectory directory = directory();
    assertEquals(OptionalInt.empty(), directory.uid("bob"));
    assertEquals(OptionalInt.empty(), directory.uid("broken"));
    assertEquals(OptionalInt.empty(), directory.gid("alice"));
  }

  @Test
  void lookup_fileChanged_newAccountSeen() throws Exception {
    EtcUserDirectory directory = directory();
    assertEquals(OptionalInt.empty(), directory.uid("bob"));
    Path passwd = dir.resolve("passwd");
    Files.writeString(passwd, "bob:x:1001:1001::/home/b:/bin/sh\n");
    Files.setLastModifiedTime(passwd, FileTime.from(Instant.parse("2031-01-01T00:00:00Z")));
    assertEquals(OptionalInt.of(1001), directory.uid("bob"));
  }

  @Test
  void lookup_fileMissing_empty() {
    EtcUserDirectory directory =
        new EtcUserDirectory(dir.resolve("no-passwd"), dir.resolve("no-group"));
    assertEquals(OptionalInt.empty(), directory.uid("root"));
  }
}
