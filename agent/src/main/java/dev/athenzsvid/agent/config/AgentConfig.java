package dev.athenzsvid.agent.config;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The agent's whole configuration, validated and immutable. Built from the YAML file by
 * {@link #load(Path)}; {@link #withSocket(Path)} and {@link #withServerUrl(URI)} return copies
 * with one setting replaced, for command-line flags and embedding tests.
 *
 * <pre>
 * socket: /run/athenz-svid/agent.sock
 * trustDomain: athenz.io
 * instanceId: ""            # default: the host name
 * server: {url: "https://localhost:4443/zts/v1", provider: sys.auth.rbac,
 *          timeout: 5s,     # 100ms to 5m
 *          certFile: agent.crt, keyFile: agent.key, caCertFile: ca.crt}
 * bundles: {refreshInterval: 60s, allowUnauthenticatedVerifiers: false}   # at least 1s
 * cache: {maxEntries: 10000}
 * metrics: {port: 0}        # 0 = off
 * log: {format: text, level: info}
 * workloads:
 *   - selectors: {uid: 1000}       # uid, user, gid, group, path; all given must match
 *     identities:
 *       - {service: athenz.demo.api, namespace: default, hint: api}
 * </pre>
 *
 * <p>As in SPIRE, a caller with no identity gets no bundles unless
 * {@code bundles.allowUnauthenticatedVerifiers} is true; any attested caller may validate.
 *
 * <p>Durations are written {@code 30s}, {@code 5m}, {@code 1h} (also {@code ms}); relative
 * paths resolve against the directory of the config file. The key and certificate files are
 * read once while validating, so a pair that does not match is a config error.
 */
public record AgentConfig(
    Path socket,
    String trustDomain,
    String instanceId,
    Server server,
    Duration bundleRefreshInterval,
    int cacheMaxEntries,
    int metricsPort,
    Log log,
    List<WorkloadEntry> workloads,
    boolean allowUnauthenticatedVerifiers) {

  /** The problem with {@code server.keyFile} when it is not the key of the certificate. */
  public static final String KEY_MISMATCH = "does not match the certificate in server.certFile";

  /**
   * The token server and the agent's own credentials.
   *
   * @param caCertFile trusted CAs for the server; empty means the JDK's default trust store
   */
  public record Server(URI url, String provider, Duration timeout, Path certFile, Path keyFile,
      Optional<Path> caCertFile) {
    public Server {
      requireNonNull(url, "url");
      requireNonNull(provider, "provider");
      requireNonNull(timeout, "timeout");
      requireNonNull(certFile, "certFile");
      requireNonNull(keyFile, "keyFile");
      requireNonNull(caCertFile, "caCertFile");
    }
  }

  /** Log output: {@code format} is {@code text} or {@code json}; {@code level} a level name. */
  public record Log(String format, String level) {
    public Log {
      requireNonNull(format, "format");
      requireNonNull(level, "level");
    }
  }

  public AgentConfig {
    requireNonNull(socket, "socket");
    requireNonNull(trustDomain, "trustDomain");
    requireNonNull(instanceId, "instanceId");
    requireNonNull(server, "server");
    requireNonNull(bundleRefreshInterval, "bundleRefreshInterval");
    requireNonNull(log, "log");
    workloads = List.copyOf(workloads);
  }

  /** Reads and validates the YAML file at {@code file}. */
  public static AgentConfig load(Path file) throws ConfigException {
    requireNonNull(file, "file");
    String text;
    try {
      text = Files.readString(file);
    } catch (NoSuchFileException e) {
      throw new ConfigException(file.toString(), "no such file");
    } catch (IOException e) {
      throw new ConfigException(file.toString(), "not readable: " + e.getMessage());
    }
    return new ConfigParser(file.toAbsolutePath().getParent(), file.toString()).parse(text);
  }

  /** Validates YAML text; relative paths resolve against {@code baseDirectory}. */
  public static AgentConfig parse(String yaml, Path baseDirectory) throws ConfigException {
    return new ConfigParser(requireNonNull(baseDirectory, "baseDirectory"), "config")
        .parse(requireNonNull(yaml, "yaml"));
  }

  /** A copy listening on {@code newSocket} instead. */
  public AgentConfig withSocket(Path newSocket) {
    return new AgentConfig(newSocket.toAbsolutePath(), trustDomain, instanceId, server,
        bundleRefreshInterval, cacheMaxEntries, metricsPort, log, workloads,
        allowUnauthenticatedVerifiers);
  }

  /** A copy that calls the token server at {@code url} instead. */
  public AgentConfig withServerUrl(URI url) {
    Server moved = new Server(url, server.provider(), server.timeout(), server.certFile(),
        server.keyFile(), server.caCertFile());
    return new AgentConfig(socket, trustDomain, instanceId, moved, bundleRefreshInterval,
        cacheMaxEntries, metricsPort, log, workloads, allowUnauthenticatedVerifiers);
  }

  /** A copy that serves metrics on {@code port} (0 = off). */
  public AgentConfig withMetricsPort(int port) {
    return new AgentConfig(socket, trustDomain, instanceId, server, bundleRefreshInterval,
        cacheMaxEntries, port, log, workloads, allowUnauthenticatedVerifiers);
  }

  /** A copy that logs with the given format and level. */
  public AgentConfig withLog(Log newLog) {
    return new AgentConfig(socket, trustDomain, instanceId, server, bundleRefreshInterval,
        cacheMaxEntries, metricsPort, newLog, workloads,
        allowUnauthenticatedVerifiers);
  }
}
