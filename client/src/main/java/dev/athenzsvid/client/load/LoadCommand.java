package dev.athenzsvid.client.load;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.athenzsvid.client.tls.TlsContexts;
import dev.athenzsvid.client.workload.EndpointAddress;
import dev.athenzsvid.client.workload.WorkloadApiClient;
import dev.athenzsvid.proto.workload.JWTSVIDRequest;
import dev.athenzsvid.proto.workload.JWTSVIDResponse;
import dev.athenzsvid.proto.workload.SpiffeWorkloadAPIGrpc;
import dev.athenzsvid.proto.workload.ValidateJWTSVIDRequest;
import dev.athenzsvid.proto.zts.InstanceRegisterInformation;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code athenz-svid-load}: drives a Workload API endpoint or a ZTS server with a fixed number
 * of concurrent callers and prints throughput, latency percentiles and outcomes.
 */
@Command(separator = " ", name = "athenz-svid-load", mixinStandardHelpOptions = true,
    description = "Load generator for a SPIFFE Workload API socket or a ZTS server.",
    subcommands = {LoadCommand.Workload.class, LoadCommand.Server.class, BareServer.class},
    footer = {"", "Examples:",
        "  athenz-svid-load workload -socket unix:///run/athenz-svid/agent.sock -rpc fetch \\",
        "    -callers 32 -audiences 1 -spread 1 -warmup 5s -duration 20s",
        "  athenz-svid-load server -zts https://localhost:4443/zts/v1 -svc-key-file k.pem \\",
        "    -svc-cert-file c.pem -cacert ca.pem -domain athenz.demo -service api \\",
        "    -provider sys.auth.rbac -callers 8"})
public final class LoadCommand implements Runnable {
  @Spec
  private CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "name workload or server");
  }

  public static void main(String[] args) {
    System.exit(new CommandLine(new LoadCommand()).execute(args));
  }

  /** What every mode shares: how many callers, for how long. */
  static class RunOptions {
    @Option(names = "-callers", defaultValue = "32", description = "Concurrent callers")
    int callers;

    @Option(names = "-warmup", defaultValue = "5", paramLabel = "SECONDS",
        description = "Seconds of unmeasured warm-up (default: ${DEFAULT-VALUE})")
    int warmupSeconds;

    @Option(names = "-duration", defaultValue = "20", paramLabel = "SECONDS",
        description = "Seconds measured (default: ${DEFAULT-VALUE})")
    int durationSeconds;

    void check(CommandLine line) {
      if (callers < 1 || warmupSeconds < 0 || durationSeconds < 1) {
        throw new CommandLine.ParameterException(line,
            "-callers and -duration must be at least 1, -warmup at least 0");
      }
    }
  }

  @Command(separator = " ", name = "workload", mixinStandardHelpOptions = true,
      description = "FetchJWTSVID or ValidateJWTSVID against any Workload API endpoint.")
  static final class Workload extends RunOptions implements Callable<Integer> {
    @Option(names = "-socket", required = true, paramLabel = "ADDRESS",
        description = "unix:///path or tcp://ip:port")
    String socket;

    @Option(names = "-rpc", defaultValue = "fetch", description = "fetch or validate")
    String rpc;

    @Option(names = "-audiences", defaultValue = "1",
        description = "Audiences in each request (default: ${DEFAULT-VALUE})")
    int audiences;

    @Option(names = "-spread", defaultValue = "1",
        description = "Distinct audience sets the callers cycle through (default: "
            + "${DEFAULT-VALUE})")
    int spread;

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
      check(spec.commandLine());
      if (audiences < 1 || spread < 1 || !(rpc.equals("fetch") || rpc.equals("validate"))) {
        throw new CommandLine.ParameterException(spec.commandLine(),
            "-rpc must be fetch or validate; -audiences and -spread at least 1");
      }
      List<JWTSVIDRequest> requests = new ArrayList<>();
      for (int set = 0; set < spread; set++) {
        JWTSVIDRequest.Builder request = JWTSVIDRequest.newBuilder();
        for (int i = 0; i < audiences; i++) {
          request.addAudience("https://load-" + set + "-" + i + ".example.com");
        }
        requests.add(request.build());
      }
      EndpointAddress address = EndpointAddress.parse(socket);
      EventLoopGroup eventLoop = address.isUnix() ? new EpollEventLoopGroup(1) : null;
      ManagedChannel channel = channel(address, eventLoop);
      try {
        Metadata headers = new Metadata();
        headers.put(WorkloadApiClient.SECURITY_HEADER, "true");
        var stub = SpiffeWorkloadAPIGrpc.newStub(ClientInterceptors.intercept(channel,
            MetadataUtils.newAttachHeadersInterceptor(headers)));
        ClosedLoop.Operation operation = rpc.equals("fetch")
            ? (caller, sequence, done) -> stub.withDeadlineAfter(10, TimeUnit.SECONDS)
                .fetchJWTSVID(requests.get((int) (sequence % spread)), observer(done))
            : validation(stub, requests);
        LoadResult result = new LoadResult();
        Duration elapsed = new ClosedLoop(operation, result).run(callers,
            Duration.ofSeconds(warmupSeconds), Duration.ofSeconds(durationSeconds));
        result.print(spec.commandLine().getOut(), rpc + " " + address, callers, elapsed);
        return 0;
      } finally {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        if (eventLoop != null) {
          eventLoop.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        }
      }
    }

    /** Fetches one token per audience set first, then validates them in turn. */
    private ClosedLoop.Operation validation(SpiffeWorkloadAPIGrpc.SpiffeWorkloadAPIStub stub,
        List<JWTSVIDRequest> requests) {
      // The stub's channel already adds the security header.
      var blocking = SpiffeWorkloadAPIGrpc.newBlockingStub(stub.getChannel());
      List<ValidateJWTSVIDRequest> validations = new ArrayList<>();
      for (JWTSVIDRequest request : requests) {
        JWTSVIDResponse response = blocking.withDeadlineAfter(10, TimeUnit.SECONDS)
            .fetchJWTSVID(request);
        validations.add(ValidateJWTSVIDRequest.newBuilder()
            .setAudience(request.getAudience(0))
            .setSvid(response.getSvids(0).getSvid())
            .build());
      }
      return (caller, sequence, done) -> stub.withDeadlineAfter(10, TimeUnit.SECONDS)
          .validateJWTSVID(validations.get((int) (sequence % validations.size())),
              observer(done));
    }

    private static ManagedChannel channel(EndpointAddress address, EventLoopGroup eventLoop) {
      NettyChannelBuilder builder = address.isUnix()
          ? NettyChannelBuilder.forAddress(new DomainSocketAddress(address.unixPath()))
              .eventLoopGroup(eventLoop)
              .channelType(EpollDomainSocketChannel.class)
          : NettyChannelBuilder.forAddress(address.host(), address.port());
      // Callbacks only count and start the next call: run them on the event loop.
      return builder.usePlaintext().directExecutor().build();
    }

    private static <T> StreamObserver<T> observer(Consumer<String> done) {
      return new StreamObserver<>() {
        @Override
        public void onNext(T value) {}

        @Override
        public void onError(Throwable t) {
          done.accept(Status.fromThrowable(t).getCode().name());
        }

        @Override
        public void onCompleted() {
          done.accept("OK");
        }
      };
    }
  }

  @Command(separator = " ", name = "server", mixinStandardHelpOptions = true,
      description = "POST /zts/v1/instance (JWT-SVID requests) over mTLS, kept-alive.")
  static final class Server extends RunOptions implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final SecureRandom RANDOM = new SecureRandom();

    @Option(names = "-zts", required = true, description = "ZTS URL ending in /zts/v1")
    URI zts;

    @Option(names = "-svc-key-file", required = true)
    Path keyFile;

    @Option(names = "-svc-cert-file", required = true)
    Path certFile;

    @Option(names = "-cacert")
    Path caCertFile;

    @Option(names = "-domain", required = true)
    String domain;

    @Option(names = "-service", required = true)
    String service;

    @Option(names = "-provider", required = true)
    String provider;

    @Option(names = "-trust-domain", defaultValue = "athenz.io")
    String trustDomain;

    @Option(names = "-key-type", description = "EC or RSA: the signing key the server uses")
    String keyType;

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
      check(spec.commandLine());
      HttpClient http = HttpClient.newBuilder()
          .sslContext(TlsContexts.client(keyFile, certFile, caCertFile))
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(10))
          .build();
      URI instance = URI.create(zts.toString().replaceAll("/$", "") + "/instance");
      String spiffe = "spiffe://" + trustDomain + "/ns/default/sa/" + domain + "." + service;
      ClosedLoop.Operation operation = (caller, sequence, done) -> {
        byte[] nonce = new byte[8];
        RANDOM.nextBytes(nonce);
        InstanceRegisterInformation info = InstanceRegisterInformation
            .jwtSvid(provider, domain, service)
            .instanceId("load-" + caller)
            .audiences(List.of("https://load.example.com"))
            .nonce(HexFormat.of().formatHex(nonce))
            .spiffeUri(spiffe)
            .spiffeSubject(true)
            .keyType(keyType)
            .build();
        HttpRequest request;
        try {
          request = HttpRequest.newBuilder(instance)
              .timeout(Duration.ofSeconds(10))
              .header("Content-Type", "application/json")
              .POST(HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(info)))
              .build();
        } catch (Exception e) {
          done.accept("encode-error");
          return;
        }
        http.sendAsync(request, HttpResponse.BodyHandlers.discarding())
            .whenComplete((response, error) -> done.accept(error != null
                ? error.getClass().getSimpleName()
                : "HTTP " + response.statusCode()));
      };
      LoadResult result = new LoadResult();
      Duration elapsed = new ClosedLoop(operation, result).run(callers,
          Duration.ofSeconds(warmupSeconds), Duration.ofSeconds(durationSeconds));
      PrintWriter out = spec.commandLine().getOut();
      result.print(out, "POST " + instance, callers, elapsed);
      return 0;
    }
  }
}
