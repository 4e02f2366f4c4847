package dev.athenzsvid.server;

import dev.athenzsvid.client.tls.LocalCa;
import dev.athenzsvid.client.tls.Pem;
import dev.athenzsvid.client.tls.TlsContexts;
import dev.athenzsvid.client.zts.ZtsClient;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import javax.net.ssl.SSLContext;

/**
 * Files for a server under test in a temporary directory: a local CA, the server's
 * certificate, the demo domains and a config file. Clients get certificates on demand.
 */
public final class ServerFixture {
  public static final Duration VALIDITY = Duration.ofHours(1);

  public final Path dir;
  public final LocalCa ca;
  public final Path caFile;
  public final Path domainsDir;
  public final Path configFile;

  private ServerFixture(Path dir) throws IOException, GeneralSecurityException {
    this.dir = dir;
    this.ca = LocalCa.create("Test CA", VALIDITY);
    this.caFile = dir.resolve("ca.pem");
    ca.writeCertificate(caFile);
    ca.issue("localhost", List.of("localhost", "127.0.0.1"), VALIDITY)
        .write(dir.resolve("server.key"), dir.resolve("server.pem"));
    this.domainsDir = Files.createDirectories(dir.resolve("domains"));
    copyDomain("athenz.demo.json");
    copyDomain("sys.auth.json");
    this.configFile = dir.resolve("server.yaml");
    writeConfig("");
  }

  /** A fixture in {@code dir} with the demo domains and a generated signing key. */
  public static ServerFixture create(Path dir) throws IOException, GeneralSecurityException {
    return new ServerFixture(dir);
  }

  /** Rewrites the config file; {@code signing} replaces the signing section when not empty. */
  public void writeConfig(String signing) throws IOException {
    writeConfig(signing, "");
  }

  /** Rewrites the config file with extra provider entries appended to the list. */
  public void writeConfig(String signing, String providers) throws IOException {
    String signingSection = signing.isEmpty() ? "signing: {generatedKeyDir: keys}\n" : signing;
    Files.writeString(configFile, ""
        + "listen: {host: 127.0.0.1, port: 0, shutdownTimeout: 5s}\n"
        + "tls: {certFile: server.pem, keyFile: server.key, caCertFile: ca.pem}\n"
        + "domains: {dir: domains, refreshInterval: 1h}\n"
        + "tokens: {trustDomain: athenz.io, issuer: \"https://localhost:4443/zts/v1\","
        + " defaultExpiry: 1h, maxExpiry: 12h}\n"
        + signingSection
        + "providers:\n"
        + "  - name: sys.auth.rbac\n"
        + "    class: dev.athenzsvid.server.provider.InstanceAthenzRBACProvider\n"
        + "    issuerDnAllowList: []\n"
        + "  - name: other.rbac\n"
        + "    class: dev.athenzsvid.server.provider.InstanceAthenzRBACProvider\n"
        + "  - name: fake.x509\n"
        + "    class: dev.athenzsvid.server.FakeX509Provider\n"
        + providers);
  }

  /** Client TLS for a certificate with {@code commonName} from {@code issuer}. */
  public SSLContext clientTls(LocalCa issuer, String commonName)
      throws IOException, GeneralSecurityException {
    Path key = Files.createTempFile(dir, "client", ".key");
    Path cert = Files.createTempFile(dir, "client", ".pem");
    issuer.issue(commonName, List.of(), VALIDITY).write(key, cert);
    return TlsContexts.client(key, cert, caFile);
  }

  /** Client TLS that trusts the server but presents no certificate. */
  public SSLContext anonymousTls() throws IOException, GeneralSecurityException {
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(null, TlsContexts.trustManagers(caFile), null);
    return context;
  }

  /** A ZTS client of {@code server} with a certificate for {@code commonName}. */
  public ZtsClient client(TokenServer server, String commonName)
      throws IOException, GeneralSecurityException {
    return new ZtsClient(server.uri(), clientTls(ca, commonName), Duration.ofSeconds(10));
  }

  /** Writes the CA certificates into one trust file (for tests with two CAs). */
  public void trust(LocalCa... cas) throws IOException {
    Pem.write(caFile, (Object[]) Arrays.stream(cas).map(LocalCa::certificate)
        .toArray());
  }

  private void copyDomain(String name) throws IOException {
    try (InputStream in = ServerFixture.class.getResourceAsStream("/domains/" + name)) {
      Files.copy(in, domainsDir.resolve(name));
    }
  }
}
