package dev.athenzsvid.server.domain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class DomainDirectoryTest {
  @TempDir Path dir;
  DomainDirectory domains;

  @BeforeEach
  void setUp() {
    domains = new DomainDirectory(dir);
  }

  static String domain(String name, String service) {
    return "{\"domain\": {\"name\": \"" + name + "\", \"services\": [{\"name\": \"" + name + "."
        + service + "\"}]}}";
  }

  @Test
  void reload_newFile_isPickedUp() throws Exception {
    assertEquals(0, domains.reload().domains());
    Files.writeString(dir.resolve("a.json"), domain("athenz.a", "api"));

    DomainDirectory.ReloadResult result = domains.reload();

    assertEquals(1, result.domains());
    assertEquals(1, result.changed());
    assertTrue(domains.domain("athenz.a").orElseThrow().hasService("api"));
  }

  @Test
  void reload_changedFile_replacesDomain() throws Exception {
    Files.writeString(dir.resolve("a.json"), domain("athenz.a", "api"));
    domains.reload();
    Files.writeString(dir.resolve("a.json"), domain("athenz.a", "web"));

    domains.reload();

    assertTrue(domains.domain("athenz.a").orElseThrow().hasService("web"));
    assertFalse(domains.domain("athenz.a").orElseThrow().hasService("api"));
  }

  @Test
  void reload_unchangedFile_reportsNoChange() throws Exception {
    Files.writeString(dir.resolve("a.json"), domain("athenz.a", "api"));
    domains.reload();

    assertEquals(0, domains.reload().changed());
  }

  @Test
  void reload_brokenFile_keepsLastGoodAndReportsIt() throws Exception {
    Files.writeString(dir.resolve("a.json"), domain("athenz.a", "api"));
    domains.reload();
    Files.writeString(dir.resolve("a.json"), "{\"domain\": {\"name\": ");

    DomainDirectory.ReloadResult result = domains.reload();

    assertEquals(1, result.errors().size());
    assertTrue(result.errors().get(0).startsWith(dir.resolve("a.json") + ": "
        + DomainParser.NOT_JSON), result.errors().get(0));
    assertTrue(domains.domain("athenz.a").orElseThrow().hasService("api"));
  }

  @Test
  void reload_brokenNewFile_isSkipped() throws Exception {
    Files.writeString(dir.resolve("b.json"), "{\"domain\": {\"roles\": []}}");

    DomainDirectory.ReloadResult result = domains.reload();

    assertEquals(0, result.domains());
    assertEquals(dir.resolve("b.json") + ": " + DomainParser.NO_NAME, result.errors().get(0));
  }

  @Test
  void reload_deletedFile_removesDomain() throws Exception {
    Files.writeString(dir.resolve("a.json"), domain("athenz.a", "api"));
    domains.reload();
    Files.delete(dir.resolve("a.json"));

    domains.reload();

    assertTrue(domains.domain("athenz.a").isEmpty());
  }

  @Test
  void reload_twoFilesOneDomain_firstFileWins() throws Exception {
    Files.writeString(dir.resolve("a.json"), domain("athenz.a", "api"));
    Files.writeString(dir.resolve("b.json"), domain("athenz.a", "web"));

    DomainDirectory.ReloadResult result = domains.reload();

    assertEquals(1, result.errors().size());
    assertTrue(domains.domain("athenz.a").orElseThrow().hasService("api"));
  }

  @Test
  void reload_bareDomainData_isAccepted() throws Exception {
    Files.writeString(dir.resolve("a.json"), "{\"name\": \"Athenz.A\"}");

    domains.reload();

    assertTrue(domains.domain("athenz.a").isPresent());
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', textBlock = """
      services    | "services": [null]                                 | services
      roles       | "roles": [null]                                    | roles
      roleMembers | "roles": [{"name": "r", "roleMembers": [null]}]    | athenz.a:role.r roleMembers
      members     | "roles": [{"name": "r", "members": [null]}]        | athenz.a:role.r members
      policies    | "policies": {"contents": {"policies": [null]}}     | policies
      assertions  | "policies": {"contents": {"policies": [{"name": "p", "assertions": [null]}]}} \
                  | p assertions
      """)
  void reload_nullListEntry_reportedAndLastGoodKept(String name, String field, String where)
      throws Exception {
    Files.writeString(dir.resolve("a.json"), domain("athenz.a", "api"));
    domains.reload();
    Files.writeString(dir.resolve("a.json"),
        "{\"domain\": {\"name\": \"athenz.a\", " + field + "}}");

    DomainDirectory.ReloadResult result = domains.reload();

    assertEquals(List.of(dir.resolve("a.json") + ": " + DomainParser.NULL_ENTRY + " " + where),
        result.errors());
    assertTrue(domains.domain("athenz.a").orElseThrow().hasService("api"));
  }
}
