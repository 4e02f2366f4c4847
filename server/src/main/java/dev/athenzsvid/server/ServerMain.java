package dev.athenzsvid.server;

import dev.athenzsvid.client.crypto.CryptoProviders;
import dev.athenzsvid.server.config.ConfigException;
import dev.athenzsvid.server.config.ServerConfig;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The command line: {@code athenz-svid-server --config FILE [--host H] [--port N]
 * [--domains-dir DIR]}. The only place that reads flags; flags override the file's settings
 * and everything is validated before the server starts. While it runs, the file's signing
 * section is re-read on every domain refresh, so signing keys rotate without a restart. Exit
 * codes: 0 after a clean stop, 2
 * for a bad setting, 1 when the server cannot start.
 */
@Command(name = "athenz-svid-server", mixinStandardHelpOptions = true,
    description = "ZTS-compatible token server issuing Athenz-signed JWT-SVIDs.")
public final class ServerMain implements Callable<Integer> {
  @Option(names = "--config", required = true, paramLabel = "FILE",
      description = "YAML configuration file")
  private Path config;

  @Option(names = "--host", paramLabel = "HOST", description = "overrides listen.host")
  private String host;

  @Option(names = "--port", paramLabel = "PORT", description = "overrides listen.port (0: any)")
  private Integer port;

  @Option(names = "--domains-dir", paramLabel = "DIR", description = "overrides domains.dir")
  private Path domainsDir;

  public static void main(String[] args) {
    System.exit(new CommandLine(new ServerMain()).execute(args));
  }

  @Override
  public Integer call() {
    Map<String, String> overrides = new LinkedHashMap<>();
    if (host != null) {
      overrides.put("listen.host", host);
    }
    if (port != null) {
      overrides.put("listen.port", port.toString());
    }
    if (domainsDir != null) {
      overrides.put("domains.dir", domainsDir.toAbsolutePath().toString());
    }
    PrintWriter err = new PrintWriter(System.err, true);
    Path file = config.toAbsolutePath();
    ServerConfig settings;
    try {
      settings = ServerConfig.load(file, overrides);
    } catch (ConfigException e) {
      err.println("config error: " + e.getMessage());
      return 2;
    }
    CryptoProviders.install();
    TokenServer server;
    try {
      // The signing section is read from the file again on every refresh: keys rotate live.
      server = TokenServer.start(settings, Clock.systemUTC(),
          () -> ServerConfig.load(file, overrides).signing());
    } catch (ConfigException e) {
      err.println("config error: " + e.getMessage());
      return 2;
    } catch (IOException e) {
      err.println("cannot start: " + e.getMessage());
      return 1;
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      server.close();
      stopped.countDown();
    }, "shutdown"));
    try {
      stopped.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return 0;
  }
}
