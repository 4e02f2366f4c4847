package dev.athenzsvid.client.load;

import dev.athenzsvid.client.cli.CliException;
import dev.athenzsvid.client.workload.EndpointAddress;
import dev.athenzsvid.proto.workload.JWTSVID;
import dev.athenzsvid.proto.workload.JWTSVIDRequest;
import dev.athenzsvid.proto.workload.JWTSVIDResponse;
import dev.athenzsvid.proto.workload.SpiffeWorkloadAPIGrpc;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The limit a Workload API agent is measured against: a bare grpc-java server on a Unix socket
 * whose FetchJWTSVID answers at once with a fixed token-sized reply, with no header check, no
 * attestation and no cache. Runs until killed.
 */
@Command(separator = " ", name = "bare-server", mixinStandardHelpOptions = true,
    description = "Serve a constant FetchJWTSVID reply on a Unix socket (the benchmark limit).",
    footer = {"", "Example:",
        "  athenz-svid-load bare-server -socket unix:///tmp/bare.sock -reply-bytes 600"})
final class BareServer implements Callable<Integer> {
  @Option(names = "-socket", required = true, paramLabel = "ADDRESS",
      description = "unix:///path to listen on")
  String socket;

  @Option(names = "-reply-bytes", defaultValue = "600", paramLabel = "N",
      description = "Size of the token in the reply (default: ${DEFAULT-VALUE})")
  int replyBytes;

  @Option(names = "-direct", defaultValue = "true", negatable = true,
      description = "Run handlers on the event loop (default: ${DEFAULT-VALUE})")
  boolean direct;

  @Spec
  CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    EndpointAddress address;
    try {
      address = EndpointAddress.parse(socket);
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(spec.commandLine(), "-socket: " + e.getMessage());
    }
    if (!address.isUnix() || replyBytes < 0) {
      throw new CommandLine.ParameterException(spec.commandLine(),
          "-socket must be a unix:// address and -reply-bytes at least 0");
    }
    Files.deleteIfExists(Path.of(address.unixPath()));
    JWTSVIDResponse reply = JWTSVIDResponse.newBuilder()
        .addSvids(JWTSVID.newBuilder()
            .setSpiffeId("spiffe://athenz.io/ns/default/sa/bench.service")
            .setSvid("x".repeat(replyBytes)))
        .build();
    EventLoopGroup boss = new EpollEventLoopGroup(1);
    EventLoopGroup workers = new EpollEventLoopGroup();
    NettyServerBuilder builder = NettyServerBuilder
        .forAddress(new DomainSocketAddress(address.unixPath()))
        .bossEventLoopGroup(boss)
        .workerEventLoopGroup(workers)
        .channelType(EpollServerDomainSocketChannel.class)
        .addService(new SpiffeWorkloadAPIGrpc.SpiffeWorkloadAPIImplBase() {
          @Override
          public void fetchJWTSVID(JWTSVIDRequest request,
              StreamObserver<JWTSVIDResponse> observer) {
            observer.onNext(reply);
            observer.onCompleted();
          }
        });
    if (direct) {
      builder.directExecutor();
    }
    Server server;
    try {
      server = builder.build().start();
    } catch (IOException e) {
      boss.shutdownGracefully();
      workers.shutdownGracefully();
      throw new CliException("cannot listen on " + address + ": " + e.getMessage());
    }
    System.out.println("bare server listening on " + address);
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      server.shutdownNow();
      stopped.countDown();
    }));
    stopped.await();
    server.awaitTermination(5, TimeUnit.SECONDS);
    boss.shutdownGracefully();
    workers.shutdownGracefully();
    return 0;
  }
}
