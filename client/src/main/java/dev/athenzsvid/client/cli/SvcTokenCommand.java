package dev.athenzsvid.client.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.athenzsvid.client.zts.ZtsClient;
import dev.athenzsvid.client.zts.ZtsException;
import dev.athenzsvid.proto.zts.InstanceIdentity;
import dev.athenzsvid.proto.zts.InstanceRegisterInformation;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code zts-svctoken}: asks a ZTS server for a JWT-SVID with a service's key and certificate,
 * with the flags of the Athenz tool of the same name, and prints only the token. As that tool
 * does, it exits 1 when required options are missing; picocli's own errors (an unknown option,
 * a value that does not convert) exit 2 with the usage.
 */
@Command(separator = " ", name = "zts-svctoken",
    description = "Fetch a JWT-SVID for a service straight from a ZTS server and print it.",
    footer = {"", "Example:",
        "  zts-svctoken -zts https://localhost:4443/zts/v1 \\",
        "    -domain athenz.demo -service api -provider sys.auth.rbac \\",
        "    -instance host-1 -nonce 8f0c2d -audience https://api.example.com \\",
        "    -svc-key-file agent.key.pem -svc-cert-file agent.cert.pem \\",
        "    -cacert ca.cert.pem -spiffe-svid \\",
        "    -spiffe-uri spiffe://athenz.io/ns/default/sa/athenz.demo.api",
        "", "-zts may be left out when $HOME/.athenz/config has a zts: entry.",
        "", "Exit status:",
        "  0  the token was printed on standard output",
        "  1  failure, missing required options included: one line on standard error",
        "  2  unknown option or malformed value (-timeout soon): one line and the usage"},
    sortOptions = false, usageHelpAutoWidth = true)
public final class SvcTokenCommand implements Callable<Integer> {
  static final String VERSION = "zts-svctoken (athenz-svid) 0.1.0";
  static final String MISSING = "missing required attributes: ";
  static final String SPIFFE_SVID_NEEDS_URI =
      "-spiffe-uri must be provided when -spiffe-svid is set";

  @Spec
  private CommandSpec spec;

  @Option(names = "-zts", paramLabel = "URL",
      description = "ZTS server URL, e.g. https://zts.example.com:4443/zts/v1")
  private String zts;

  @Option(names = "-domain", description = "Domain of the service (required)")
  private String domain;

  @Option(names = "-service", description = "Name of the service (required)")
  private String service;

  @Option(names = "-provider", description = "Instance provider (required)")
  private String provider;

  @Option(names = "-instance", description = "Instance id (required)")
  private String instance;

  @Option(names = "-audience", description = "Token audience (required)")
  private String audience;

  @Option(names = "-nonce", description = "Nonce for the token (required)")
  private String nonce;

  @Option(names = "-svc-key-file", paramLabel = "FILE",
      description = "Service identity private key, PEM (required)")
  private Path keyFile;

  @Option(names = "-svc-cert-file", paramLabel = "FILE",
      description = "Service identity certificate, PEM (required)")
  private Path certFile;

  @Option(names = "-cacert", paramLabel = "FILE",
      description = "CA certificates that sign the ZTS server certificate, PEM")
  private Path caCertFile;

  @Option(names = "-spiffe-uri", paramLabel = "URI",
      description = "SPIFFE ID to include in the token")
  private String spiffeUri;

  @Option(names = "-spiffe-svid",
      description = "Use the SPIFFE ID as the token subject")
  private boolean spiffeSvid;

  @Option(names = "-expiry-time", paramLabel = "SECONDS",
      description = "Token lifetime in seconds (default: the server's)")
  private int expiryTime;

  @Option(names = "-attestation-data", paramLabel = "FILE",
      description = "File whose content is sent as attestation data")
  private Path attestationDataFile;

  @Option(names = "-timeout", paramLabel = "SECONDS", defaultValue = "10",
      description = "Deadline of the request (default: ${DEFAULT-VALUE})")
  private int timeoutSeconds;

  @Option(names = "-version", description = "Show the version and exit")
  private boolean version;

  @Option(names = {"-h", "-help", "--help"}, usageHelp = true, description = "Show this help")
  private boolean help;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    if (version) {
      out.println(VERSION);
      return 0;
    }
    String url = zts != null ? zts : defaultZtsUrl();
    List<String> missing = missing(url);
    if (!missing.isEmpty()) {
      throw new CliException(MISSING + String.join(", ", missing));
    }
    if (spiffeSvid && (spiffeUri == null || spiffeUri.isEmpty())) {
      throw new CliException(SPIFFE_SVID_NEEDS_URI);
    }
    if (timeoutSeconds <= 0) {
      throw new CliException("-timeout must be positive");
    }
    InstanceRegisterInformation request = InstanceRegisterInformation
        .jwtSvid(provider, domain, service)
        .instanceId(instance)
        .audiences(List.of(audience))
        .nonce(nonce)
        .spiffeUri(spiffeUri)
        .spiffeSubject(spiffeSvid)
        .expiryTime(expiryTime == 0 ? null : expiryTime)
        .attestationData(attestationData())
        .build();
    InstanceIdentity identity = client(url).postInstanceRegisterInformation(request);
    if (identity.serviceToken() == null || identity.serviceToken().isEmpty()) {
      throw new CliException("the server answered without a token");
    }
    out.println(identity.serviceToken());
    return 0;
  }

  private ZtsClient client(String url) throws CliException {
    URI base = ztsUrl(url);
    return new ZtsClient(base, Cli.serviceTls(keyFile, certFile, caCertFile),
        Duration.ofSeconds(timeoutSeconds));
  }

  private static URI ztsUrl(String url) throws CliException {
    try {
      URI uri = new URI(url);
      if ("https".equals(uri.getScheme()) && uri.getHost() != null) {
        return uri;
      }
    } catch (URISyntaxException e) {
      // Reported below.
    }
    throw new CliException("-zts: \"" + url + "\" is not an https:// URL");
  }

  private List<String> missing(String url) {
    List<String> missing = new ArrayList<>();
    addIfMissing(missing, "-zts", url);
    addIfMissing(missing, "-domain", domain);
    addIfMissing(missing, "-service", service);
    addIfMissing(missing, "-provider", provider);
    addIfMissing(missing, "-instance", instance);
    addIfMissing(missing, "-audience", audience);
    addIfMissing(missing, "-nonce", nonce);
    addIfMissing(missing, "-svc-key-file", keyFile == null ? null : keyFile.toString());
    addIfMissing(missing, "-svc-cert-file", certFile == null ? null : certFile.toString());
    return missing;
  }

  private static void addIfMissing(List<String> missing, String flag, String value) {
    if (value == null || value.isEmpty()) {
      missing.add(flag);
    }
  }

  private String attestationData() throws CliException {
    if (attestationDataFile == null) {
      return null;
    }
    try {
      return Files.readString(attestationDataFile);
    } catch (IOException e) {
      throw new CliException("-attestation-data: " + attestationDataFile + ": "
          + Cli.reason(e));
    }
  }

  /** The {@code zts} entry of {@code $HOME/.athenz/config}, as Athenz's tools read it. */
  private static String defaultZtsUrl() throws CliException {
    Path config = Path.of(System.getProperty("user.home"), ".athenz", "config");
    if (!Files.isRegularFile(config)) {
      return null;
    }
    try {
      JsonNode node = new ObjectMapper(new YAMLFactory()).readTree(config.toFile());
      JsonNode zts = node == null ? null : node.get("zts");
      return zts == null ? null : zts.asText();
    } catch (IOException e) {
      throw new CliException(config + ": cannot parse: " + e.getMessage());
    }
  }

  /** Entry point of the {@code zts-svctoken} launch script. */
  public static void main(String[] args) {
    System.exit(Cli.run(new SvcTokenCommand(), args));
  }

  static String describe(ZtsException e) {
    return e.code() == 0 ? e.getMessage() : e.code() + " " + e.getMessage();
  }
}
