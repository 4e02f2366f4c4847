package dev.athenzsvid.client.load;

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
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The limit a Workload API agent is measured against: a bare grpc-java server on a Unix socket
 * whose FetchJWTSVID answers at once with a fixed token-sized reply, with no header check, no
 * attestation and no cache. Runs until killed.
 */
@Command(separator = " ", name = "bare-server", mixinStandardHelpOptions = true,
    description = "Serve a constant FetchJWTSVID reply on a Unix socket (the benchmark limit).")
final class BareServer implements Callable<Integer> {
  @Option(names = "-socket", required = true, paramLabel = "ADDRESS",
      description = "unix:///path to listen on")
  String socket;

  @Option(names = "-reply-bytes", defaultValue = "600",
      description = "Size of the token in the reply (default: ${DEFAULT-VALUE})")
  int replyBytes;

  @Option(names = "-direct", defaultValue = "true", negatable = true,
      description = "Run handlers on the event loop (default: ${DEFAULT-VALUE})")
  boolean direct;

  @Override
  public Integer call() throws Exception {
    EndpointAddress address = EndpointAddress.parse(socket);
    if (!address.isUnix()) {
      throw new IllegalArgumentException("-socket must be a unix address");
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
    Server server = builder.build().start();
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
