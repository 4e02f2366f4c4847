package dev.athenzsvid.client.load;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.athenzsvid.client.cli.Cli;
import dev.athenzsvid.client.cli.CliException;
import dev.athenzsvid.client.config.Durations;
import dev.athenzsvid.client.workload.EndpointAddress;
import dev.athenzsvid.client.workload.WorkloadApiClient;
import dev.athenzsvid.client.zts.ZtsClient;
import dev.athenzsvid.proto.workload.JWTSVIDRequest;
import dev.athenzsvid.proto.workload.JWTSVIDResponse;
import dev.athenzsvid.proto.workload.SpiffeWorkloadAPIGrpc;
import dev.athenzsvid.proto.workload.ValidateJWTSVIDRequest;
import dev.athenzsvid.proto.zts.InstanceRegisterInformation;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
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
        "  athenz-svid-load workload -socket unix:///run/athenz-svid/agent.sock \\",
        "    -rpc fetch -callers 32 -audiences 1 -spread 1 -warmup 5s -duration 20s",
        "  athenz-svid-load server -zts https://localhost:4443/zts/v1 \\",
        "    -svc-key-file agent.key.pem -svc-cert-file agent.cert.pem \\",
        "    -cacert ca.cert.pem -domain athenz.demo -service api \\",
        "    -provider sys.auth.rbac -callers 8",
        "  athenz-svid-load bare-server -socket unix:///tmp/bare.sock",
        "", "Exit status: 0 the run finished and its figures were printed, 1 the target",
        "did not answer a first call (one line says why), 2 bad usage."})
public final class LoadCommand implements Runnable {
  @Spec
  private CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "name workload or server");
  }

  /** Entry point of the {@code athenz-svid-load} launch script. */
  public static void main(String[] args) {
    System.exit(Cli.run(new LoadCommand(), args));
  }

  /** What every mode shares: how many callers, for how long. */
  static class RunOptions {
    @Option(names = "-callers", defaultValue = "32", paramLabel = "N",
        description = "Concurrent callers (default: ${DEFAULT-VALUE})")
    int callers;

    @Option(names = "-warmup", defaultValue = "5s", paramLabel = "DURATION",
        converter = DurationConverter.class,
        description = "Unmeasured warm-up, e.g. 5s or 0s (default: ${DEFAULT-VALUE})")
    Duration warmup;

    @Option(names = "-duration", defaultValue = "20s", paramLabel = "DURATION",
        converter = DurationConverter.class,
        description = "Measured interval, e.g. 20s or 2m (default: ${DEFAULT-VALUE})")
    Duration duration;

    void check(CommandLine line) {
      if (callers < 1 || duration.isZero()) {
        throw new CommandLine.ParameterException(line,
            "-callers must be at least 1 and -duration at least 1ms");
      }
    }
  }

  /** Reads {@code -warmup} and {@code -duration} as every duration of the project is read. */
  static final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
    @Override
    public Duration convert(String text) {
      try {
        return Durations.parse(text);
      } catch (IllegalArgumentException e) {
        throw new CommandLine.TypeConversionException("\"" + text + "\": " + e.getMessage());
      }
    }
  }

  @Command(separator = " ", name = "workload", mixinStandardHelpOptions = true,
      description = "FetchJWTSVID or ValidateJWTSVID against any Workload API endpoint.",
      footer = {"", "Examples:",
          "  athenz-svid-load workload -socket unix:///run/athenz-svid/agent.sock \\",
          "    -rpc fetch -callers 32 -warmup 5s -duration 20s",
          "  athenz-svid-load workload -socket unix:///run/athenz-svid/agent.sock \\",
          "    -rpc validate -spread 100 -duration 1m"})
  static final class Workload extends RunOptions implements Callable<Integer> {
    @Option(names = "-socket", required = true, paramLabel = "ADDRESS",
        description = "unix:///path or tcp://ip:port")
    String socket;

    @Option(names = "-rpc", defaultValue = "fetch", paramLabel = "RPC",
        description = "fetch or validate (default: ${DEFAULT-VALUE})")
    String rpc;

    @Option(names = "-audiences", defaultValue = "1", paramLabel = "N",
        description = "Audiences in each request (default: ${DEFAULT-VALUE})")
    int audiences;

    @Option(names = "-spread", defaultValue = "1", paramLabel = "N",
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
      EndpointAddress address;
      try {
        address = EndpointAddress.parse(socket);
      } catch (IllegalArgumentException e) {
        throw new CommandLine.ParameterException(spec.commandLine(),
            "-socket: " + e.getMessage());
      }
      EventLoopGroup eventLoop = address.isUnix() ? new EpollEventLoopGroup(1) : null;
      ManagedChannel channel = channel(address, eventLoop);
      try {
        Metadata headers = new Metadata();
        headers.put(WorkloadApiClient.SECURITY_HEADER, "true");
        var stub = SpiffeWorkloadAPIGrpc.newStub(ClientInterceptors.intercept(channel,
            MetadataUtils.newAttachHeadersInterceptor(headers)));
        ClosedLoop.Operation operation;
        try {
          operation = rpc.equals("fetch") ? fetching(stub, requests) : validation(stub, requests);
        } catch (StatusRuntimeException e) {
          throw WorkloadApiClient.unreachable(e, socket)
              .<Exception>map(CliException::new).orElse(e);
        }
        LoadResult result = new LoadResult();
        Duration elapsed = new ClosedLoop(operation, result).run(callers, warmup, duration);
        result.print(spec.commandLine().getOut(), rpc + " " + address, callers, elapsed);
        return 0;
      } finally {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        if (eventLoop != null) {
          eventLoop.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        }
      }
    }

    /**
     * Makes one fetch before the run, so that an endpoint that does not answer is one line
     * saying why rather than a run of failed calls.
     */
    private static ClosedLoop.Operation fetching(SpiffeWorkloadAPIGrpc.SpiffeWorkloadAPIStub stub,
        List<JWTSVIDRequest> requests) {
      SpiffeWorkloadAPIGrpc.newBlockingStub(stub.getChannel())
          .withDeadlineAfter(10, TimeUnit.SECONDS)
          .fetchJWTSVID(requests.get(0));
      return (caller, sequence, done) -> stub.withDeadlineAfter(10, TimeUnit.SECONDS)
          .fetchJWTSVID(requests.get((int) (sequence % requests.size())), observer(done));
    }

    /** Fetches one token per audience set first, then validates them in turn. */
    private static ClosedLoop.Operation validation(
        SpiffeWorkloadAPIGrpc.SpiffeWorkloadAPIStub stub, List<JWTSVIDRequest> requests) {
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
      description = "POST /zts/v1/instance (JWT-SVID requests) over mTLS, kept-alive.",
      footer = {"", "Example:",
          "  athenz-svid-load server -zts https://localhost:4443/zts/v1 \\",
          "    -svc-key-file agent.key.pem -svc-cert-file agent.cert.pem \\",
          "    -cacert ca.cert.pem -domain athenz.demo -service api \\",
          "    -provider sys.auth.rbac -key-type EC -callers 16 -duration 30s"})
  static final class Server extends RunOptions implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    @Option(names = "-zts", required = true, paramLabel = "URL",
        description = "ZTS URL ending in /zts/v1")
    URI zts;

    @Option(names = "-svc-key-file", required = true, paramLabel = "FILE",
        description = "Private key of the calling service, PEM")
    Path keyFile;

    @Option(names = "-svc-cert-file", required = true, paramLabel = "FILE",
        description = "Certificate of the calling service, PEM")
    Path certFile;

    @Option(names = "-cacert", paramLabel = "FILE",
        description = "CA certificates that sign the server certificate, PEM (default: the"
            + " JDK's)")
    Path caCertFile;

    @Option(names = "-domain", required = true, paramLabel = "DOMAIN",
        description = "Athenz domain of the identity each request asks for")
    String domain;

    @Option(names = "-service", required = true, paramLabel = "SERVICE",
        description = "Service of the identity each request asks for")
    String service;

    @Option(names = "-provider", required = true, paramLabel = "PROVIDER",
        description = "Instance provider named in each request")
    String provider;

    @Option(names = "-trust-domain", defaultValue = "athenz.io", paramLabel = "DOMAIN",
        description = "Trust domain of the SPIFFE ID in each request (default: "
            + "${DEFAULT-VALUE})")
    String trustDomain;

    @Option(names = "-key-type", paramLabel = "TYPE",
        description = "EC or RSA: the signing key the server uses (default: the server's)")
    String keyType;

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
      check(spec.commandLine());
      SSLContext tls = Cli.serviceTls(keyFile, certFile, caCertFile);
      // One request first: a server that cannot be reached or refuses is one line, no run.
      new ZtsClient(zts, tls, TIMEOUT).postInstanceRegisterInformation(request(0));
      HttpClient http = HttpClient.newBuilder()
          .sslContext(tls)
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(TIMEOUT)
          .build();
      URI instance = URI.create(zts.toString().replaceAll("/$", "") + "/instance");
      ClosedLoop.Operation operation = (caller, sequence, done) -> {
        HttpRequest request;
        try {
          request = HttpRequest.newBuilder(instance)
              .timeout(TIMEOUT)
              .header("Content-Type", "application/json")
              .POST(HttpRequest.BodyPublishers.ofByteArray(
                  JSON.writeValueAsBytes(request(caller))))
              .build();
        } catch (IOException e) {
          done.accept("encode-error");
          return;
        }
        http.sendAsync(request, HttpResponse.BodyHandlers.discarding())
            .whenComplete((response, error) -> done.accept(error != null
                ? outcome(error)
                : "HTTP " + response.statusCode()));
      };
      LoadResult result = new LoadResult();
      Duration elapsed = new ClosedLoop(operation, result).run(callers, warmup, duration);
      PrintWriter out = spec.commandLine().getOut();
      result.print(out, "POST " + instance, callers, elapsed);
      return 0;
    }

    /** A JWT-SVID request of one caller, with a fresh nonce. */
    private InstanceRegisterInformation request(int caller) {
      byte[] nonce = new byte[8];
      RANDOM.nextBytes(nonce);
      return InstanceRegisterInformation
          .jwtSvid(provider, domain, service)
          .instanceId("load-" + caller)
          .audiences(List.of("https://load.example.com"))
          .nonce(HexFormat.of().formatHex(nonce))
          .spiffeUri("spiffe://" + trustDomain + "/ns/default/sa/" + domain + "." + service)
          .spiffeSubject(true)
          .keyType(keyType)
          .build();
    }

    /** A failed request as the outcome table names it. */
    private static String outcome(Throwable error) {
      Throwable cause = error instanceof CompletionException && error.getCause() != null
          ? error.getCause() : error;
      if (cause instanceof HttpTimeoutException) {
        return "timeout";
      }
      if (cause instanceof ConnectException) {
        return "connection refused";
      }
      if (cause instanceof SSLException) {
        return "TLS failure";
      }
      return "I/O error";
    }
  }
}
