package dev.athenzsvid.client.workload;

import static java.util.Objects.requireNonNull;

import dev.athenzsvid.proto.workload.JWTBundlesRequest;
import dev.athenzsvid.proto.workload.JWTBundlesResponse;
import dev.athenzsvid.proto.workload.JWTSVIDRequest;
import dev.athenzsvid.proto.workload.JWTSVIDResponse;
import dev.athenzsvid.proto.workload.SpiffeWorkloadAPIGrpc;
import dev.athenzsvid.proto.workload.ValidateJWTSVIDRequest;
import dev.athenzsvid.proto.workload.ValidateJWTSVIDResponse;
import io.grpc.ClientInterceptors;
import io.grpc.Context;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.net.ConnectException;
import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A blocking client of the SPIFFE Workload API. Every call carries the
 * {@code workload.spiffe.io: true} header and the deadline given at construction. Thread-safe;
 * close it to release the connection and its event loop.
 */
public final class WorkloadApiClient implements AutoCloseable {
  /** The header every Workload API call must carry. */
  public static final Metadata.Key<String> SECURITY_HEADER =
      Metadata.Key.of("workload.spiffe.io", Metadata.ASCII_STRING_MARSHALLER);

  private final ManagedChannel channel;
  private final EventLoopGroup eventLoop;
  private final SpiffeWorkloadAPIGrpc.SpiffeWorkloadAPIBlockingStub blocking;
  private final SpiffeWorkloadAPIGrpc.SpiffeWorkloadAPIStub async;
  private final HealthGrpc.HealthBlockingStub health;
  private final Duration timeout;

  private WorkloadApiClient(ManagedChannel channel, EventLoopGroup eventLoop, Duration timeout) {
    this.channel = channel;
    this.eventLoop = eventLoop;
    this.timeout = timeout;
    Metadata headers = new Metadata();
    headers.put(SECURITY_HEADER, "true");
    var withHeader = ClientInterceptors.intercept(channel,
        MetadataUtils.newAttachHeadersInterceptor(headers));
    this.blocking = SpiffeWorkloadAPIGrpc.newBlockingStub(withHeader);
    this.async = SpiffeWorkloadAPIGrpc.newStub(withHeader);
    this.health = HealthGrpc.newBlockingStub(channel);
  }

  /** Connects (lazily) to the endpoint; {@code timeout} bounds each unary call. */
  public static WorkloadApiClient connect(EndpointAddress address, Duration timeout) {
    requireNonNull(address, "address");
    requireNonNull(timeout, "timeout");
    if (!address.isUnix()) {
      ManagedChannel channel = NettyChannelBuilder.forAddress(address.host(), address.port())
          .usePlaintext()
          .build();
      return new WorkloadApiClient(channel, null, timeout);
    }
    EventLoopGroup eventLoop = new EpollEventLoopGroup(1);
    ManagedChannel channel = NettyChannelBuilder
        .forAddress(new DomainSocketAddress(address.unixPath()))
        .eventLoopGroup(eventLoop)
        .channelType(EpollDomainSocketChannel.class)
        .usePlaintext()
        .build();
    return new WorkloadApiClient(channel, eventLoop, timeout);
  }

  /**
   * Why a call failed, in plain words, when the failure is that nothing answers at
   * {@code address} (no socket file, or a refused connection); empty for any other failure.
   *
   * @param address the endpoint as the user wrote it, for the message
   */
  public static Optional<String> unreachable(StatusRuntimeException e, String address) {
    requireNonNull(e, "e");
    if (e.getStatus().getCode() != Status.Code.UNAVAILABLE) {
      return Optional.empty();
    }
    for (Throwable cause = e.getCause(); cause != null; cause = cause.getCause()) {
      if (cause instanceof FileNotFoundException) {
        return Optional.of("no agent socket at " + address);
      }
      if (cause instanceof ConnectException || cause instanceof IOException
          && String.valueOf(cause.getMessage()).contains("Connection refused")) {
        return Optional.of("nothing is serving at " + address + " (connection refused)");
      }
    }
    return Optional.empty();
  }

  /** FetchJWTSVID for the audiences; {@code spiffeId} may be empty for every identity. */
  public JWTSVIDResponse fetchJwtSvid(List<String> audiences, String spiffeId) {
    return blocking.withDeadlineAfter(timeout.toMillis(), TimeUnit.MILLISECONDS)
        .fetchJWTSVID(JWTSVIDRequest.newBuilder()
            .addAllAudience(audiences)
            .setSpiffeId(spiffeId)
            .build());
  }

  /** The first message of FetchJWTBundles; the stream is cancelled after it. */
  public JWTBundlesResponse fetchJwtBundles() {
    Context.CancellableContext call = Context.current().withCancellation();
    Context previous = call.attach();
    try {
      Iterator<JWTBundlesResponse> stream =
          blocking.withDeadlineAfter(timeout.toMillis(), TimeUnit.MILLISECONDS)
              .fetchJWTBundles(JWTBundlesRequest.getDefaultInstance());
      return stream.next();
    } finally {
      call.detach(previous);
      call.cancel(null);
    }
  }

  /** Opens FetchJWTBundles with no deadline; every update goes to {@code observer}. */
  public void watchJwtBundles(StreamObserver<JWTBundlesResponse> observer) {
    async.fetchJWTBundles(JWTBundlesRequest.getDefaultInstance(), observer);
  }

  /** ValidateJWTSVID of {@code svid} for one audience. */
  public ValidateJWTSVIDResponse validateJwtSvid(String audience, String svid) {
    return blocking.withDeadlineAfter(timeout.toMillis(), TimeUnit.MILLISECONDS)
        .validateJWTSVID(ValidateJWTSVIDRequest.newBuilder()
            .setAudience(audience)
            .setSvid(svid)
            .build());
  }

  /** The status the gRPC health service reports for the whole server. */
  public HealthCheckResponse.ServingStatus health() {
    return health.withDeadlineAfter(timeout.toMillis(), TimeUnit.MILLISECONDS)
        .check(HealthCheckRequest.getDefaultInstance())
        .getStatus();
  }

  @Override
  public void close() {
    channel.shutdownNow();
    try {
      channel.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (eventLoop != null) {
      eventLoop.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }
  }
}
