package dev.athenzsvid.agent.workloadapi;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.ByteString;
import dev.athenzsvid.agent.bundle.BundleManager;
import dev.athenzsvid.agent.bundle.JwtBundle;
import dev.athenzsvid.agent.metrics.AgentMetrics;
import dev.athenzsvid.agent.upstream.UpstreamException;
import dev.athenzsvid.proto.workload.JWTBundlesResponse;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * FetchJWTBundles streams: the current bundle at once, then a full message whenever the
 * bundle changes. The server never completes a stream with OK; {@link #closeAll()} ends open
 * streams with UNAVAILABLE at shutdown so clients reconnect to the next agent. Thread-safe;
 * each stream's sends are serialised on the stream.
 */
public final class BundleStreams {
  private final BundleManager bundles;
  private final AgentMetrics metrics;
  private final Set<Stream> open = ConcurrentHashMap.newKeySet();

  public BundleStreams(BundleManager bundles, AgentMetrics metrics) {
    this.bundles = requireNonNull(bundles, "bundles");
    this.metrics = requireNonNull(metrics, "metrics");
  }

  /** Starts a stream on {@code observer}; fails it with UNAVAILABLE if there is no bundle. */
  public void open(ServerCallStreamObserver<JWTBundlesResponse> observer) {
    JwtBundle first;
    try {
      first = bundles.currentOrFetch();
    } catch (UpstreamException e) {
      observer.onError(Status.UNAVAILABLE
          .withDescription(StatusMessages.NO_BUNDLE + ": " + e.getMessage()).asException());
      return;
    }
    Stream stream = new Stream(observer);
    observer.setOnCancelHandler(stream::close);
    open.add(stream);
    metrics.streamOpened();
    stream.unsubscribe = bundles.subscribe(stream::send);
    stream.send(first);
    // A change between currentOrFetch and subscribe would be missed; resend if so.
    bundles.current().filter(b -> !b.equals(first)).ifPresent(stream::send);
  }

  /** Ends every open stream with UNAVAILABLE. */
  public void closeAll() {
    for (Stream stream : open) {
      stream.fail(Status.UNAVAILABLE.withDescription(StatusMessages.SHUTTING_DOWN));
    }
  }

  /** The number of open streams. */
  public int openCount() {
    return open.size();
  }

  static JWTBundlesResponse message(JwtBundle bundle) {
    return JWTBundlesResponse.newBuilder()
        .putBundles(bundle.trustDomainId(), ByteString.copyFrom(bundle.json()))
        .build();
  }

  /** One open stream; its monitor serialises sends and closing. */
  private final class Stream {
    private final ServerCallStreamObserver<JWTBundlesResponse> observer;
    volatile Runnable unsubscribe = () -> { };
    /** Guarded by this. */
    private boolean closed;
    /** Guarded by this. */
    private JwtBundle last;

    Stream(ServerCallStreamObserver<JWTBundlesResponse> observer) {
      this.observer = observer;
    }

    synchronized void send(JwtBundle bundle) {
      if (closed || bundle.equals(last) || observer.isCancelled()) {
        return;
      }
      last = bundle;
      observer.onNext(message(bundle));
    }

    synchronized void fail(Status status) {
      if (closed) {
        return;
      }
      close();
      if (!observer.isCancelled()) {
        observer.onError(status.asException());
      }
    }

    synchronized void close() {
      if (closed) {
        return;
      }
      closed = true;
      unsubscribe.run();
      if (open.remove(this)) {
        metrics.streamClosed();
      }
    }
  }
}
