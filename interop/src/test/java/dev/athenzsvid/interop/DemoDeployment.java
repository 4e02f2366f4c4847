package dev.athenzsvid.interop;

import dev.athenzsvid.client.tls.LocalCa;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The demo deployment as real processes: a throw-away CA, the token server on a free port
 * with the demo domain data, and agents on sockets in a temporary directory. Each program is
 * started from its built jar, exactly as an operator would start it. Not thread-safe; close it
 * to stop every process it started.
 */
final class DemoDeployment implements AutoCloseable {
  static final String TRUST_DOMAIN = "athenz.io";
  static final String API_SPIFFE_ID = "spiffe://athenz.io/ns/default/sa/athenz.demo.api";
  static final String AGENT_CN = "athenz.demo.agent";

  private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
  private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
  private static final Pattern LISTENING = Pattern.compile("listening on https://[^\\s:]+:(\\d+)");

  private final Path dir;
  private final LocalCa ca;
  private final List<Process> processes = new ArrayList<>();
  private final Map<String, Process> agents = new HashMap<>();
  private Process server;
  private int serverPort;

  DemoDeployment(Path dir) throws Exception {
    this.dir = dir;
    this.ca = LocalCa.create("interop CA", Duration.ofDays(1));
    ca.writeCertificate(dir.resolve("ca.cert.pem"));
    ca.issue("localhost", List.of("localhost", "127.0.0.1"), Duration.ofDays(1))
        .write(dir.resolve("server.key.pem"), dir.resolve("server.cert.pem"));
    copyTree(ROOT.resolve("deploy/demo/domains"), dir.resolve("domains"));
  }

  /** Starts the token server on a free port (or the port it had, after a stop). */
  void startServer() throws Exception {
    String config = String.join("\n",
        "listen: {host: 127.0.0.1, port: " + serverPort + "}",
        "tls: {certFile: server.cert.pem, keyFile: server.key.pem, caCertFile: ca.cert.pem}",
        "domains: {dir: domains, refreshInterval: 30s}",
        "tokens: {trustDomain: " + TRUST_DOMAIN + ", issuer: \"https://localhost/zts/v1\","
            + " defaultExpiry: 1h, maxExpiry: 12h}",
        "signing: {generatedKeyDir: keys}",
        "providers: [{name: sys.auth.rbac,"
            + " class: dev.athenzsvid.server.provider.InstanceAthenzRBACProvider}]",
        "");
    Path file = dir.resolve("server.yaml");
    Files.writeString(file, config);
    Path log = dir.resolve("server.log");
    server = start(log, "server/target/athenz-svid-server.jar", "--config", file.toString());
    Matcher listening = awaitLine(server, log, LISTENING);
    serverPort = Integer.parseInt(listening.group(1));
  }

  /** Stops the token server; agents keep running. */
  void stopServer() throws InterruptedException {
    server.destroy();
    server.waitFor();
  }

  int serverPort() {
    return serverPort;
  }

  /**
   * Starts an agent whose certificate has {@code agentCn} and which maps {@code uid} to
   * athenz.demo.api; returns the socket path.
   */
  Path startAgent(String name, String agentCn, long uid) throws Exception {
    Path key = dir.resolve(name + ".key.pem");
    Path cert = dir.resolve(name + ".cert.pem");
    ca.issue(agentCn, List.of(), Duration.ofDays(1)).write(key, cert);
    Path socket = dir.resolve(name + ".sock");
    String config = String.join("\n",
        "socket: " + socket,
        "trustDomain: " + TRUST_DOMAIN,
        "server: {url: \"https://localhost:" + serverPort + "/zts/v1\", provider: sys.auth.rbac,"
            + " timeout: 5s, certFile: " + cert + ", keyFile: " + key
            + ", caCertFile: ca.cert.pem}",
        "workloads:",
        "  - selectors: {uid: " + uid + "}",
        "    identities:",
        "      - {service: athenz.demo.api, namespace: default, hint: api}",
        "");
    Path file = dir.resolve(name + ".yaml");
    Files.writeString(file, config);
    Path log = dir.resolve(name + ".log");
    Process agent = start(log, "agent/target/athenz-svid-agent.jar", "--config", file.toString());
    awaitLine(agent, log, Pattern.compile("serving Workload API"));
    agents.put(name, agent);
    return socket;
  }

  /** The process of the agent started as {@code name}. */
  Process agent(String name) {
    return agents.get(name);
  }

  /** The uid of this process, which the agent sees through the socket's peer credentials. */
  static long currentUid() throws IOException {
    return (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
  }

  String log(String name) throws IOException {
    return Files.readString(dir.resolve(name + ".log"));
  }

  @Override
  public void close() throws InterruptedException {
    for (Process process : processes) {
      process.destroy();
    }
    for (Process process : processes) {
      process.waitFor();
    }
  }

  private Process start(Path log, String jar, String... args) throws IOException {
    List<String> command = new ArrayList<>(List.of(javaBinary(), "-XX:+UseSerialGC", "-jar",
        ROOT.resolve(jar).toString()));
    command.addAll(List.of(args));
    Process process = new ProcessBuilder(command)
        .directory(dir.toFile())
        .redirectErrorStream(true)
        .redirectOutput(log.toFile())
        .start();
    processes.add(process);
    return process;
  }

  private static Matcher awaitLine(Process process, Path log, Pattern line) throws Exception {
    Instant deadline = Instant.now().plus(START_TIMEOUT);
    while (Instant.now().isBefore(deadline)) {
      Matcher matcher = line.matcher(Files.readString(log));
      if (matcher.find()) {
        return matcher;
      }
      if (!process.isAlive()) {
        throw new IllegalStateException("process exited before \"" + line + "\":\n"
            + Files.readString(log));
      }
      process.waitFor(100, java.util.concurrent.TimeUnit.MILLISECONDS);
    }
    throw new IllegalStateException("no \"" + line + "\" within " + START_TIMEOUT + ":\n"
        + Files.readString(log));
  }

  private static String javaBinary() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }

  private static void copyTree(Path from, Path to) throws IOException {
    try (Stream<Path> files = Files.walk(from)) {
      for (Path source : (Iterable<Path>) files::iterator) {
        Path target = to.resolve(from.relativize(source).toString());
        if (Files.isDirectory(source)) {
          Files.createDirectories(target);
        } else {
          Files.copy(source, target);
        }
      }
    }
  }
}
