package dev.athenzsvid.agent;

import static java.util.Objects.requireNonNull;

import dev.athenzsvid.agent.attestation.ConnectionTracker;
import dev.athenzsvid.agent.attestation.EtcUserDirectory;
import dev.athenzsvid.agent.attestation.IdentityMapper;
import dev.athenzsvid.agent.attestation.PeerCredentialsBridge;
import dev.athenzsvid.agent.attestation.ProcFsInspector;
import dev.athenzsvid.agent.attestation.ProcessInspector;
import dev.athenzsvid.agent.attestation.UserDirectory;
import dev.athenzsvid.agent.attestation.WorkloadAttestor;
import dev.athenzsvid.agent.bundle.BundleManager;
import dev.athenzsvid.agent.bundle.JwtSvidValidator;
import dev.athenzsvid.agent.cache.Backoff;
import dev.athenzsvid.agent.cache.JwtSvidCache;
import dev.athenzsvid.agent.cache.TokenService;
import dev.athenzsvid.agent.config.AgentConfig;
import dev.athenzsvid.agent.config.Selectors;
import dev.athenzsvid.agent.config.WorkloadEntry;
import dev.athenzsvid.agent.metrics.AgentMetrics;
import dev.athenzsvid.agent.upstream.ReloadingKeyManager;
import dev.athenzsvid.agent.upstream.Upstream;
import dev.athenzsvid.agent.upstream.ZtsUpstream;
import dev.athenzsvid.agent.workloadapi.BundleStreams;
import dev.athenzsvid.agent.workloadapi.CallerInterceptor;
import dev.athenzsvid.agent.workloadapi.JwtSvidHandler;
import dev.athenzsvid.agent.workloadapi.Limits;
import dev.athenzsvid.agent.workloadapi.MalformedRequests;
import dev.athenzsvid.agent.workloadapi.MetricsInterceptor;
import dev.athenzsvid.agent.workloadapi.SecurityHeaderInterceptor;
import dev.athenzsvid.agent.workloadapi.ValidateHandler;
import dev.athenzsvid.agent.workloadapi.WorkloadApiService;
import dev.athenzsvid.client.tls.TlsContexts;
import dev.athenzsvid.client.zts.ZtsClient;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.ChannelOption;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.Epoll;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.time.Clock;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running agent: the SPIFFE Workload API on a Unix socket, backed by the token server.
 * This is the embedding API; the command line ({@link AgentMain}) is a thin layer over it.
 *
 * <pre>{@code
 * AgentConfig config = AgentConfig.load(Path.of("agent.yaml"))
 *     .withSocket(tempDir.resolve("agent.sock"))
 *     .withServerUrl(URI.create("https://localhost:" + port + "/zts/v1"));
 * try (WorkloadAgent agent = WorkloadAgent.start(config)) {
 *   // clients connect to "unix://" + agent.socket()
 * }
 * }</pre>
 *
 * <p>{@link #start} returns once the socket accepts calls. {@link #close()} stops accepting
 * calls, ends bundle streams with UNAVAILABLE, lets running calls finish for up to
 * {@link #DRAIN_TIMEOUT}, then stops the owned executors in order and removes the socket.
 * Thread-safe.
 */
public final class WorkloadAgent implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(WorkloadAgent.class);

  /** How long {@link #close()} lets running calls finish. */
  public static final Duration DRAIN_TIMEOUT = Duration.ofSeconds(5);

  /** {@link #prepareSocketPath} refuses a socket directory anyone may write to. */
  static final String WORLD_WRITABLE_DIRECTORY = "socket directory %s is world-writable";
  /** {@link #prepareSocketPath} refuses a socket path that is a directory. */
  static final String SOCKET_IS_DIRECTORY = "socket path %s is a directory";
  /** {@link #prepareSocketPath} refuses a socket another process answers on. */
  static final String SOCKET_IN_USE = "another process is serving on %s";

  private static final int REFILL_THREADS = 8;
  private static final int REFILL_QUEUE = 1024;
  private static final Duration CERT_CHECK_INTERVAL = Duration.ofSeconds(10);

  private final Path socket;
  private final Server server;
  private final HealthStatusManager health;
  private final BundleStreams bundleStreams;
  private final AgentMetrics metrics;
  private final JwtSvidCache cache;
  private final HTTPServer metricsServer;
  private final ExecutorService refillExecutor;
  private final ScheduledExecutorService scheduler;
  private final EventLoopGroup boss;
  private final EventLoopGroup workers;
  private final Object closeLock = new Object();
  /** Guarded by closeLock. */
  private boolean closed;

  /** Starts an agent with the real token server, process table and user database. */
  public static WorkloadAgent start(AgentConfig config)
      throws IOException, GeneralSecurityException {
    return builder(config).start();
  }

  /** A builder, for replacing the server, the clock or the process table (tests). */
  public static Builder builder(AgentConfig config) {
    return new Builder(config);
  }

  /** Options of {@link WorkloadAgent}; not thread-safe, use once. */
  public static final class Builder {
    private final AgentConfig config;
    private Upstream upstream;
    private Clock clock = Clock.systemUTC();
    private ProcessInspector inspector = new ProcFsInspector();
    private UserDirectory directory = new EtcUserDirectory();
    private Backoff backoff = Backoff.DEFAULT;

    private Builder(AgentConfig config) {
      this.config = requireNonNull(config, "config");
    }

    /** Replaces the token server built from {@code config.server()}. */
    public Builder upstream(Upstream value) {
      this.upstream = requireNonNull(value, "upstream");
      return this;
    }

    public Builder clock(Clock value) {
      this.clock = requireNonNull(value, "clock");
      return this;
    }

    public Builder processInspector(ProcessInspector value) {
      this.inspector = requireNonNull(value, "processInspector");
      return this;
    }

    public Builder userDirectory(UserDirectory value) {
      this.directory = requireNonNull(value, "userDirectory");
      return this;
    }

    public Builder backoff(Backoff value) {
      this.backoff = requireNonNull(value, "backoff");
      return this;
    }

    public WorkloadAgent start() throws IOException, GeneralSecurityException {
      Upstream chosen = upstream != null ? upstream : ztsUpstream(config, clock);
      return new WorkloadAgent(this, chosen);
    }
  }

  private WorkloadAgent(Builder options, Upstream upstream) throws IOException {
    AgentConfig config = options.config;
    if (!Epoll.isAvailable()) {
      throw new IOException("native epoll transport unavailable: " + Epoll.unavailabilityCause());
    }
    this.socket = config.socket().toAbsolutePath();
    prepareSocketPath(socket);
    this.metrics = new AgentMetrics();
    this.refillExecutor = new ThreadPoolExecutor(REFILL_THREADS, REFILL_THREADS, 60,
        TimeUnit.SECONDS, new ArrayBlockingQueue<>(REFILL_QUEUE), threads("agent-refill"));
    this.scheduler = Executors.newSingleThreadScheduledExecutor(threads("agent-bundles"));
    this.cache = new JwtSvidCache(config.cacheMaxEntries(), options.clock, refillExecutor,
        options.backoff);
    metrics.cacheSize(cache::size);
    String trustDomainId = "spiffe://" + config.trustDomain();
    BundleManager bundles =
        new BundleManager(upstream, trustDomainId, options.clock, metrics, scheduler);
    bundles.subscribe(bundle -> cache.retainKeyIds(bundle.keyIds()));
    TokenService tokens = new TokenService(cache, upstream, config.server().provider(),
        config.instanceId(), options.clock, metrics);
    IdentityMapper mapper = new IdentityMapper(config.workloads(), options.directory);
    this.bundleStreams = new BundleStreams(bundles, metrics,
        caller -> config.allowUnauthenticatedVerifiers()
            || !mapper.identities(caller).isEmpty());
    WorkloadApiService service = new WorkloadApiService(
        new JwtSvidHandler(mapper, tokens, config.server().timeout()), bundleStreams,
        new ValidateHandler(new JwtSvidValidator(bundles, options.clock)));
    this.health = new HealthStatusManager();
    this.boss = new EpollEventLoopGroup(1, threads("agent-accept"));
    this.workers = new EpollEventLoopGroup(2, threads("agent-io"));
    this.server = NettyServerBuilder
        .forAddress(new DomainSocketAddress(socket.toString()),
            PeerCredentialsBridge.serverCredentials())
        .channelType(EpollServerDomainSocketChannel.class)
        // grpc-java sets SO_KEEPALIVE on every accepted channel; a Unix socket has no such
        // option, so Netty warned on each connection. A null value removes the option.
        .withChildOption(ChannelOption.SO_KEEPALIVE, null)
        .bossEventLoopGroup(boss)
        .workerEventLoopGroup(workers)
        // The rule that makes this safe: no handler ever blocks. A call either answers from
        // memory (a cached token, a remembered validation, the current bundle, attestation
        // by one read of an open /proc file) or hands its server work to an executor we own
        // (token refills to the refill pool, JWKS fetches to the bundle scheduler) and
        // completes from there; nothing on the event loop waits for I/O or for a lock held
        // across it. Running handlers on the event loop saves two thread hand-offs per call,
        // which measured 19,000 against 14,000 calls per second (BENCHMARKS.md).
        .directExecutor()
        .maxInboundMessageSize(Limits.MAX_INBOUND_MESSAGE)
        .addTransportFilter(new ConnectionTracker(options.inspector))
        .addService(ServerInterceptors.intercept(MalformedRequests.refuse(service.bindService()),
            new CallerInterceptor(attestor(config)),
            new SecurityHeaderInterceptor()))
        .addService(MalformedRequests.refuse(health.getHealthService().bindService()))
        .addService(MalformedRequests.refuse(ProtoReflectionServiceV1.newInstance().bindService()))
        .intercept(new MetricsInterceptor(metrics))
        .build();
    try {
      server.start();
      Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rwxrwxrwx"));
      this.metricsServer = config.metricsPort() > 0 ? startMetrics(config, metrics) : null;
    } catch (IOException | RuntimeException e) {
      shutdownResources(Duration.ZERO);
      throw e;
    }
    health.setStatus("", ServingStatus.SERVING);
    health.setStatus(dev.athenzsvid.proto.workload.SpiffeWorkloadAPIGrpc.SERVICE_NAME,
        ServingStatus.SERVING);
    bundles.startPolling(scheduler, config.bundleRefreshInterval());
    log.atInfo().addKeyValue("trustDomain", config.trustDomain())
        .addKeyValue("server", config.server().url())
        .log("serving Workload API on unix://" + socket);
  }

  /** The socket the agent serves on. */
  public Path socket() {
    return socket;
  }

  /** The agent's metrics. */
  public AgentMetrics metrics() {
    return metrics;
  }

  /** Reads per call only what some selector needs. */
  private static WorkloadAttestor attestor(AgentConfig config) {
    boolean paths = false;
    boolean groups = false;
    for (WorkloadEntry workload : config.workloads()) {
      Selectors selectors = workload.selectors();
      paths |= selectors.path().isPresent();
      groups |= selectors.gid().isPresent() || selectors.group().isPresent();
    }
    return new WorkloadAttestor(paths, groups);
  }

  private static HTTPServer startMetrics(AgentConfig config, AgentMetrics metrics)
      throws IOException {
    try {
      return HTTPServer.builder().port(config.metricsPort()).registry(metrics.registry())
          .buildAndStart();
    } catch (IOException e) {
      throw new IOException("metrics.port " + config.metricsPort() + ": " + e.getMessage(), e);
    }
  }

  /** The metrics HTTP port, or 0 when metrics are not served. */
  public int metricsPort() {
    return metricsServer == null ? 0 : metricsServer.getPort();
  }

  /** The number of tokens cached. */
  public int cacheSize() {
    return cache.size();
  }

  @Override
  public void close() {
    synchronized (closeLock) {
      if (closed) {
        return;
      }
      closed = true;
    }
    log.atInfo().addKeyValue("socket", socket).log("stopping agent");
    health.enterTerminalState();
    server.shutdown();
    bundleStreams.closeAll();
    shutdownResources(DRAIN_TIMEOUT);
    log.info("agent stopped");
  }

  private void shutdownResources(Duration drain) {
    try {
      server.shutdown();
      if (!server.awaitTermination(drain.toMillis(), TimeUnit.MILLISECONDS)) {
        server.shutdownNow();
        server.awaitTermination(1, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      server.shutdownNow();
      Thread.currentThread().interrupt();
    }
    if (metricsServer != null) {
      metricsServer.close();
    }
    stop(scheduler);
    stop(refillExecutor);
    boss.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    workers.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    try {
      Files.deleteIfExists(socket);
    } catch (IOException e) {
      log.atWarn().addKeyValue("socket", socket).addKeyValue("error", e.getMessage())
          .log("cannot remove socket file");
    }
  }

  private static void stop(ExecutorService executor) {
    executor.shutdown();
    try {
      if (!executor.awaitTermination(2, TimeUnit.SECONDS)) {
        executor.shutdownNow();
      }
    } catch (InterruptedException e) {
      executor.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Creates the socket's directory if missing (mode 755), refuses a world-writable one
   * (anyone could replace the socket), and removes a stale socket file left by a crash; a
   * socket another process still serves on is an error.
   */
  static void prepareSocketPath(Path socket) throws IOException {
    Path dir = socket.getParent();
    if (!Files.isDirectory(dir)) {
      Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(
          PosixFilePermissions.fromString("rwxr-xr-x")));
    }
    PosixFileAttributes attributes =
        Files.readAttributes(dir, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    Set<PosixFilePermission> permissions = attributes.permissions();
    if (permissions.contains(PosixFilePermission.OTHERS_WRITE)) {
      throw new IOException(String.format(WORLD_WRITABLE_DIRECTORY, dir));
    }
    if (Files.exists(socket, LinkOption.NOFOLLOW_LINKS)) {
      if (Files.isDirectory(socket, LinkOption.NOFOLLOW_LINKS)) {
        throw new IOException(String.format(SOCKET_IS_DIRECTORY, socket));
      }
      if (answers(socket)) {
        throw new IOException(String.format(SOCKET_IN_USE, socket));
      }
      Files.delete(socket);
      log.atInfo().addKeyValue("socket", socket).log("removed stale socket file");
    }
  }

  private static boolean answers(Path socket) {
    try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      return channel.connect(UnixDomainSocketAddress.of(socket));
    } catch (IOException e) {
      return false;
    }
  }

  private static Upstream ztsUpstream(AgentConfig config, Clock clock)
      throws IOException, GeneralSecurityException {
    AgentConfig.Server server = config.server();
    ReloadingKeyManager keys = new ReloadingKeyManager(server.keyFile(), server.certFile(),
        CERT_CHECK_INTERVAL, clock);
    SSLContext tls =
        keys.clientContext(TlsContexts.trustManagers(server.caCertFile().orElse(null)));
    return new ZtsUpstream(new ZtsClient(server.url(), tls, server.timeout()));
  }

  private static ThreadFactory threads(String prefix) {
    AtomicInteger count = new AtomicInteger();
    return runnable -> {
      Thread thread = new Thread(runnable, prefix + "-" + count.incrementAndGet());
      thread.setDaemon(true);
      return thread;
    };
  }
}
