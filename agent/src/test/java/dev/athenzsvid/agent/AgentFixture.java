package dev.athenzsvid.agent;

import dev.athenzsvid.agent.attestation.ProcessInspector;
import dev.athenzsvid.agent.config.AgentConfig;
import dev.athenzsvid.client.tls.LocalCa;
import dev.athenzsvid.proto.workload.SpiffeWorkloadAPIGrpc;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.ChannelOption;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/** A real agent on a temporary Unix socket, a fake server and a client channel. */
public final class AgentFixture implements AutoCloseable {
  public static final String TRUST_DOMAIN = "athenz.io";
  public static final String API_ID = "spiffe://athenz.io/ns/default/sa/athenz.demo.api";
  public static final String WEB_ID = "spiffe://athenz.io/ns/prod/sa/athenz.demo.web";

  public final FakeClock clock = new FakeClock(Instant.now().truncatedTo(ChronoUnit.SECONDS));
  public final FakeUpstream upstream = new FakeUpstream(clock);
  public final Path dir;
  public final WorkloadAgent agent;
  private final EventLoopGroup group = new EpollEventLoopGroup(1);
  private final ManagedChannel channel;

  /** The uid of this JVM, which is the caller every test connects as. */
  public static int currentUid() throws IOException {
    return (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
  }

  /** Two identities for this JVM's uid: api (default) and web. */
  public static String defaultWorkloads() throws IOException {
    return "workloads:\n"
        + "  - selectors: {uid: " + currentUid() + "}\n"
        + "    identities:\n"
        + "      - {service: athenz.demo.api, hint: api}\n"
        + "      - {service: athenz.demo.web, namespace: prod, hint: web}\n";
  }

  public AgentFixture(Path dir) throws Exception {
    this(dir, defaultWorkloads());
  }

  public AgentFixture(Path dir, String workloads) throws Exception {
    this(dir, workloads, "", null);
  }

  /**
   * @param extraYaml more top-level settings appended to the config (metrics, for example)
   * @param inspector the process table, or null for the real one
   */
  public AgentFixture(Path dir, String workloads, String extraYaml, ProcessInspector inspector)
      throws Exception {
    this(dir, workloads, extraYaml, inspector, upstream -> { });
  }

  /**
   * @param beforeStart prepares the fake server before the agent starts (and polls it), for
   *     example to hold its JWKS requests
   */
  public AgentFixture(Path dir, String workloads, String extraYaml, ProcessInspector inspector,
      Consumer<FakeUpstream> beforeStart) throws Exception {
    this.dir = dir;
    beforeStart.accept(upstream);
    AgentConfig config = AgentConfig.parse(configYaml(dir, workloads) + extraYaml, dir);
    WorkloadAgent.Builder builder = WorkloadAgent.builder(config).upstream(upstream).clock(clock);
    if (inspector != null) {
      builder.processInspector(inspector);
    }
    this.agent = builder.start();
    this.channel = newChannel();
  }

  /** A channel of its own to the agent: its first call opens a new connection. */
  public ManagedChannel newChannel() {
    return NettyChannelBuilder
        .forAddress(new DomainSocketAddress(agent.socket().toString()))
        .eventLoopGroup(group)
        .channelType(EpollDomainSocketChannel.class)
        // As in the agent: a Unix socket has no keep-alive option for grpc-java to set.
        .withOption(ChannelOption.SO_KEEPALIVE, null)
        .usePlaintext()
        .build();
  }

  /** A config with credentials written into {@code dir}, the socket in {@code dir/run}. */
  public static String configYaml(Path dir, String workloads)
      throws IOException, GeneralSecurityException {
    LocalCa ca = LocalCa.create("test-ca", Duration.ofDays(1));
    ca.writeCertificate(dir.resolve("ca.crt"));
    ca.issue("athenz.demo.agent", List.of("localhost"), Duration.ofDays(1))
        .write(dir.resolve("agent.key"), dir.resolve("agent.crt"));
    return "socket: run/agent.sock\n"
        + "trustDomain: " + TRUST_DOMAIN + "\n"
        + "instanceId: host-1\n"
        + "server: {url: \"https://localhost:4443/zts/v1\", provider: sys.auth.rbac,"
        + " timeout: 2s, certFile: agent.crt, keyFile: agent.key, caCertFile: ca.crt}\n"
        + "bundles: {refreshInterval: 1h}\n"
        + workloads;
  }

  /** A stub that sends the security header. */
  public SpiffeWorkloadAPIGrpc.SpiffeWorkloadAPIBlockingStub stub() {
    return SpiffeWorkloadAPIGrpc.newBlockingStub(channel).withInterceptors(header("true"));
  }

  /** A stub without the security header. */
  public SpiffeWorkloadAPIGrpc.SpiffeWorkloadAPIBlockingStub bareStub() {
    return SpiffeWorkloadAPIGrpc.newBlockingStub(channel);
  }

  public SpiffeWorkloadAPIGrpc.SpiffeWorkloadAPIStub asyncStub() {
    return SpiffeWorkloadAPIGrpc.newStub(channel).withInterceptors(header("true"));
  }

  public Channel channel() {
    return channel;
  }

  /** Adds {@code workload.spiffe.io} with each of {@code values}. */
  public static ClientInterceptor header(String... values) {
    Metadata.Key<String> key =
        Metadata.Key.of("workload.spiffe.io", Metadata.ASCII_STRING_MARSHALLER);
    return new ClientInterceptor() {
      @Override
      public <ReqT, RespT> ClientCall<ReqT, RespT> interceptCall(
          MethodDescriptor<ReqT, RespT> method, CallOptions options, Channel next) {
        return new ForwardingClientCall.SimpleForwardingClientCall<>(
            next.newCall(method, options)) {
          @Override
          public void start(Listener<RespT> listener, Metadata headers) {
            for (String value : values) {
              headers.put(key, value);
            }
            super.start(listener, headers);
          }
        };
      }
    };
  }

  @Override
  public void close() throws InterruptedException {
    channel.shutdownNow();
    channel.awaitTermination(2, TimeUnit.SECONDS);
    agent.close();
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
  }
}
