package dev.athenzsvid.client.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.athenzsvid.client.config.Durations;
import dev.athenzsvid.client.load.LoadCommand;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

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
    assertEquals("zts-svctoken: -svc-key-file: " + key + ": no such file or directory",
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

  @Test
  void svcToken_malformedValue_usageExit2NamesOptionOnce() {
    assertEquals(Cli.EXIT_USAGE, run(new SvcTokenCommand(), "-timeout", "soon"));
    String[] lines = err.toString().split("\n");
    assertEquals("Invalid value for option '-timeout': 'soon' is not an int", lines[0]);
    assertTrue(lines[1].startsWith("Usage: zts-svctoken"), err.toString());
    assertFalse(err.toString().contains("Exception"), err.toString());
  }

  @Test
  void svcToken_help_statesEachExitStatus() {
    assertEquals(0, run(new SvcTokenCommand(), "-help"));
    String help = out.toString();
    assertTrue(help.contains("0  the token was printed"), help);
    assertTrue(help.contains("1  failure, missing required options included"), help);
    assertTrue(help.contains("2  unknown option or malformed value"), help);
  }

  @Test
  void api_deadlineExceeded_exit1NamesTimeoutFlag(@TempDir Path dir) throws Exception {
    Path socket = dir.resolve("silent.sock");
    // Accepts connections into its backlog and never answers: every call runs out of time.
    try (ServerSocketChannel silent = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      silent.bind(UnixDomainSocketAddress.of(socket));
      int status = run(new ApiCommand(), "fetch", "jwt", "-audience", "a",
          "-socket", "unix://" + socket, "-timeout", "300ms");
      assertEquals(Cli.EXIT_FAILED, status);
      assertEquals("athenz-svid-api fetch jwt: DEADLINE_EXCEEDED: no answer within 300ms"
          + " (-timeout)", err.toString().trim());
    }
  }

  @Test
  void api_validateEmptySvid_usageExit2NamesFlag() {
    int status = run(new ApiCommand(), "validate", "jwt", "-audience", "a", "-svid", "",
        "-socket", "unix:///x.sock");
    assertEquals(Cli.EXIT_USAGE, status);
    assertEquals("athenz-svid-api validate jwt: " + ApiCommand.EMPTY_SVID,
        err.toString().trim());
  }

  @Test
  void api_validateEmptyAudience_usageExit2NamesFlag() {
    int status = run(new ApiCommand(), "validate", "jwt", "-audience", "", "-svid", "t",
        "-socket", "unix:///x.sock");
    assertEquals(Cli.EXIT_USAGE, status);
    assertEquals("athenz-svid-api validate jwt: " + ApiCommand.EMPTY_AUDIENCE,
        err.toString().trim());
  }

  @Test
  void api_validateEmptyStandardInput_usageExit2NamesFlag() {
    InputStream stdin = System.in;
    System.setIn(new ByteArrayInputStream(" \n".getBytes()));
    try {
      int status = run(new ApiCommand(), "validate", "jwt", "-audience", "a", "-svid", "-",
          "-socket", "unix:///x.sock");
      assertEquals(Cli.EXIT_USAGE, status);
      assertEquals("athenz-svid-api validate jwt: " + ApiCommand.EMPTY_STDIN,
          err.toString().trim());
    } finally {
      System.setIn(stdin);
    }
  }

  @Test
  void demoPki_cannotCreateDirectory_exit1PlainSentence(@TempDir Path dir) throws Exception {
    Path file = Files.writeString(dir.resolve("file"), "");
    Path target = file.resolve("pki");
    assertEquals(Cli.EXIT_FAILED, run(new DemoPkiCommand(), "-out", target.toString()));
    String message = err.toString().trim();
    assertTrue(message.startsWith("demo-pki: cannot create " + target + ": "), message);
    assertFalse(message.contains("Exception"), message);
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"fetch", "validate"})
  void load_noSocketFile_exit1SaysNoAgentThere(String rpc, @TempDir Path dir) {
    String address = "unix://" + dir.resolve("none.sock");
    int status = run(new LoadCommand(), "workload", "-socket", address, "-rpc", rpc,
        "-callers", "2", "-warmup", "0s", "-duration", "1s");
    assertEquals(Cli.EXIT_FAILED, status);
    assertEquals("athenz-svid-load workload: no agent socket at " + address,
        err.toString().trim());
  }

  @Test
  void load_badSocketAddress_usageExit2NamesFlag() {
    assertEquals(Cli.EXIT_USAGE, run(new LoadCommand(), "workload", "-socket", "http://x:1"));
    assertTrue(err.toString().startsWith("-socket: invalid workload endpoint address"),
        err.toString());
  }

  @Test
  void load_warmupWithoutUnit_usageExit2NamesOption() {
    int status = run(new LoadCommand(), "workload", "-socket", "unix:///x.sock",
        "-warmup", "5");
    assertEquals(Cli.EXIT_USAGE, status);
    assertTrue(err.toString().startsWith("Invalid value for option '-warmup': \"5\": "
        + Durations.BAD_DURATION), err.toString());
  }

  @Test
  void load_help_everyOptionDescribedWithDefaultAndEveryCommandHasExample() {
    CommandLine load = Cli.commandLine(new LoadCommand());
    assertHelpComplete(load.getCommandSpec());
    for (CommandLine sub : load.getSubcommands().values()) {
      CommandSpec spec = sub.getCommandSpec();
      assertHelpComplete(spec);
      for (OptionSpec option : spec.options()) {
        String description = String.join(" ", option.description());
        assertFalse(description.isBlank(), spec.name() + " " + option.longestName());
        if (option.defaultValue() != null) {
          assertTrue(description.contains("(default: "), spec.name() + " "
              + option.longestName());
        }
      }
    }
  }

  /** An example in the footer, each line short enough that the help does not wrap it. */
  private static void assertHelpComplete(CommandSpec spec) {
    String[] footer = spec.usageMessage().footer();
    assertTrue(String.join("\n", footer).contains("Example"), spec.qualifiedName());
    for (String line : footer) {
      assertTrue(line.length() <= spec.usageMessage().width(), spec.qualifiedName() + ": " + line);
    }
  }
}
