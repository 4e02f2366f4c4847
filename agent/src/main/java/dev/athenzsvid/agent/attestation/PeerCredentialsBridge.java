package dev.athenzsvid.agent.attestation;

import io.grpc.Attributes;
import io.grpc.ChannelLogger;
import io.grpc.ServerCredentials;
import io.grpc.netty.shaded.io.grpc.netty.GrpcHttp2ConnectionHandler;
import io.grpc.netty.shaded.io.grpc.netty.InternalNettyServerCredentials;
import io.grpc.netty.shaded.io.grpc.netty.InternalProtocolNegotiationEvent;
import io.grpc.netty.shaded.io.grpc.netty.InternalProtocolNegotiator;
import io.grpc.netty.shaded.io.grpc.netty.InternalProtocolNegotiators;
import io.grpc.netty.shaded.io.grpc.netty.ProtocolNegotiationEvent;
import io.grpc.netty.shaded.io.netty.channel.ChannelHandler;
import io.grpc.netty.shaded.io.netty.channel.ChannelHandlerContext;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.util.AsciiString;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The one place that knows how Netty and gRPC meet: plaintext server credentials whose
 * negotiation step reads the connecting peer's credentials from the epoll domain-socket
 * channel and adds them to the transport attributes under {@link #PEER_CREDENTIALS}, where
 * interceptors and transport filters find them through plain gRPC APIs.
 *
 * <p>grpc-java has no public route from a call to its Netty channel, so this uses the
 * {@code Internal*} negotiation hooks of grpc-netty-shaded; they are the documented extension
 * points for transports. A connection whose credentials cannot be read carries none, and
 * every identity call on it is refused. Stateless and thread-safe.
 */
public final class PeerCredentialsBridge {
  /** The peer's credentials, present on every transport accepted from a domain socket. */
  public static final Attributes.Key<PeerCredentials> PEER_CREDENTIALS =
      Attributes.Key.create("athenz-svid.peer-credentials");

  private static final AsciiString SCHEME = AsciiString.of("http");

  private PeerCredentialsBridge() {}

  /** Server credentials for {@code NettyServerBuilder.forAddress(address, credentials)}. */
  public static ServerCredentials serverCredentials() {
    return InternalNettyServerCredentials.create(new Negotiator());
  }

  private static final class Negotiator implements InternalProtocolNegotiator.ProtocolNegotiator {
    @Override
    public AsciiString scheme() {
      return SCHEME;
    }

    @Override
    public ChannelHandler newHandler(GrpcHttp2ConnectionHandler grpcHandler) {
      ChannelLogger logger = grpcHandler.getNegotiationLogger();
      ChannelHandler grpc = InternalProtocolNegotiators.grpcNegotiationHandler(grpcHandler);
      ChannelHandler credentials = new CredentialsHandler(grpc, logger);
      return InternalProtocolNegotiators.waitUntilActiveHandler(credentials, logger);
    }

    @Override
    public void close() {}
  }

  /** Adds the peer credentials to the negotiation event, then hands over to gRPC. */
  private static final class CredentialsHandler
      extends InternalProtocolNegotiators.ProtocolNegotiationHandler {
    CredentialsHandler(ChannelHandler next, ChannelLogger logger) {
      super(next, logger);
    }

    @Override
    protected void protocolNegotiationEventTriggered(ChannelHandlerContext ctx) {
      ProtocolNegotiationEvent event = getProtocolNegotiationEvent();
      if (ctx.channel() instanceof EpollDomainSocketChannel channel) {
        try {
          io.grpc.netty.shaded.io.netty.channel.unix.PeerCredentials peer =
              channel.peerCredentials();
          List<Integer> gids = new ArrayList<>();
          for (int gid : peer.gids()) {
            gids.add(gid);
          }
          Attributes attributes = InternalProtocolNegotiationEvent.getAttributes(event)
              .toBuilder()
              .set(PEER_CREDENTIALS, new PeerCredentials(peer.pid(), peer.uid(), gids))
              .build();
          replaceProtocolNegotiationEvent(
              InternalProtocolNegotiationEvent.withAttributes(event, attributes));
        } catch (IOException e) {
          // No credentials attribute: attestation refuses calls on this connection.
        }
      }
      fireProtocolNegotiationEvent(ctx);
    }
  }
}
