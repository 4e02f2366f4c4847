package dev.athenzsvid.client.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import dev.athenzsvid.client.config.Durations;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The tools' command lines: usage errors, one-line failures, exit statuses. */
class CliTest {
  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  private int run(Object command, String... args) {
    CommandLine line = Cli.commandLine(command);
    line.setOut(new PrintWriter(out, true));
    line.setErr(new PrintWriter(err, true));
    return line.execute(args);
  }

  @Test
  void svcToken_version_printsVersion() {
    assertEquals(0, run(new SvcTokenCommand(), "-version"));
    assertEquals(SvcTokenCommand.VERSION, out.toString().trim());
  }

  @Test
  void svcToken_missingFlags_exit1NamesEveryMissingFlag() {
    int status = run(new SvcTokenCommand(), "-zts", "https://localhost:4443/zts/v1",
        "-domain", "athenz.demo");
    assertEquals(Cli.EXIT_FAILED, status);
    assertEquals("zts-svctoken: " + SvcTokenCommand.MISSING + "-service, -provider, -instance,"
        + " -audience, -nonce, -svc-key-file, -svc-cert-file", err.toString().trim());
  }

  @Test
  void svcToken_spiffeSvidWithoutUri_exit1() {
    int status = run(new SvcTokenCommand(), "-zts", "https://z/zts/v1", "-domain", "d",
        "-service", "s", "-provider", "p", "-instance", "i", "-audience", "a", "-nonce", "n",
        "-svc-key-file", "k", "-svc-cert-file", "c", "-spiffe-svid");
    assertEquals(Cli.EXIT_FAILED, status);
    assertEquals("zts-svctoken: " + SvcTokenCommand.SPIFFE_SVID_NEEDS_URI,
        err.toString().trim());
  }

  @Test
  void svcToken_missingKeyFile_exit1NamesFlagAndFile(@TempDir Path dir) {
    Path key = dir.resolve("missing.key.pem");
    int status = run(new SvcTokenCommand(), "-zts", "https://z/zts/v1", "-domain", "d",
        "-service", "s", "-provider", "p", "-instance", "i", "-audience", "a", "-nonce", "n",
        "-svc-key-file", key.toString(), "-svc-cert-file", "c");
    assertEquals(Cli.EXIT_FAILED, status);
    assertEquals("zts-svctoken: -svc-key-file: " + key + ": no such file",
        err.toString().trim());
  }

  @Test
  void svcToken_unknownFlag_usageExit2() {
    assertEquals(Cli.EXIT_USAGE, run(new SvcTokenCommand(), "-bogus"));
    assertTrue(err.toString().contains("Unknown option: '-bogus'"), err.toString());
  }

  @Test
  void api_noSocket_usageExit2NamesEnvironmentVariable() {
    int status = run(new ApiCommand(), "fetch", "jwt", "-audience", "a", "-socket", "");
    assertEquals(Cli.EXIT_USAGE, status);
    assertTrue(err.toString().contains("SPIFFE_ENDPOINT_SOCKET"), err.toString());
  }

  @Test
  void api_badSocketAddress_usageExit2NamesAddress() {
    int status = run(new ApiCommand(), "fetch", "bundles", "-socket", "http://x:1");
    assertEquals(Cli.EXIT_USAGE, status);
    assertEquals("athenz-svid-api fetch bundles: -socket: invalid workload endpoint address"
        + " \"http://x:1\": scheme must be unix or tcp", err.toString().trim());
  }

  @Test
  void api_badTimeout_usageExit2() {
    int status = run(new ApiCommand(), "healthcheck", "-socket", "unix:///x.sock",
        "-timeout", "soon");
    assertEquals(Cli.EXIT_USAGE, status);
    assertEquals("athenz-svid-api healthcheck: -timeout: \"soon\": " + Durations.BAD_DURATION,
        err.toString().trim());
  }

  @Test
  void api_zeroTimeout_usageExit2() {
    int status = run(new ApiCommand(), "healthcheck", "-socket", "unix:///x.sock",
        "-timeout", "0s");
    assertEquals(Cli.EXIT_USAGE, status);
    assertEquals("athenz-svid-api healthcheck: -timeout: must be at least 1ms",
        err.toString().trim());
  }

  @Test
  void api_noSocketFile_exit1SaysNoAgentThere(@TempDir Path dir) {
    String address = "unix://" + dir.resolve("none.sock");
    int status = run(new ApiCommand(), "fetch", "jwt", "-audience", "a",
        "-socket", address, "-timeout", "2s");
    assertEquals(Cli.EXIT_FAILED, status);
    assertEquals("athenz-svid-api fetch jwt: no agent socket at " + address,
        err.toString().trim());
  }

  @Test
  void svcToken_ztsNotHttps_exit1NamesFlag() {
    int status = run(new SvcTokenCommand(), "-zts", "notaurl", "-domain", "d",
        "-service", "s", "-provider", "p", "-instance", "i", "-audience", "a", "-nonce", "n",
        "-svc-key-file", "k", "-svc-cert-file", "c");
    assertEquals(Cli.EXIT_FAILED, status);
    assertEquals("zts-svctoken: -zts: \"notaurl\" is not an https:// URL",
        err.toString().trim());
  }

  @Test
  void api_fetchJwtWithoutAudience_usageExit2() {
    assertEquals(Cli.EXIT_USAGE, run(new ApiCommand(), "fetch", "jwt", "-socket", "unix:/x"));
    assertTrue(err.toString().contains("Missing required option: '-audience AUDIENCE'"),
        err.toString());
  }

  @Test
  void api_help_showsExample() {
    assertEquals(0, run(new ApiCommand(), "fetch", "jwt", "--help"));
    assertTrue(out.toString().contains("Example:"), out.toString());
  }

}
