package dev.athenzsvid.agent.workloadapi;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.ByteString;
import dev.athenzsvid.agent.attestation.Caller;
import dev.athenzsvid.agent.bundle.BundleManager;
import dev.athenzsvid.agent.bundle.JwtBundle;
import dev.athenzsvid.agent.metrics.AgentMetrics;
import dev.athenzsvid.agent.upstream.UpstreamException;
import dev.athenzsvid.proto.workload.JWTBundlesResponse;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * FetchJWTBundles streams: the current bundle at once, then a full message whenever the
 * bundle changes. The server never completes a stream with OK; {@link #closeAll()} ends open
 * streams with UNAVAILABLE at shutdown so clients reconnect to the next agent. Thread-safe;
 * each stream's sends are serialised on the stream.
 *
 * <p>Who may open a stream: the SPIRE agent by default answers bundles only to callers that
 * have an identity (its {@code allow_unauthenticated_verifiers} lifts that). The policy is a
 * predicate over the attested caller so the caller-to-identity mapping stays in one place.
 */
public final class BundleStreams {
  private static final Logger log = LoggerFactory.getLogger(BundleStreams.class);

  private final BundleManager bundles;
  private final AgentMetrics metrics;
  private final Predicate<Caller> mayVerify;
  private final Set<Stream> open = ConcurrentHashMap.newKeySet();

  /**
   * @param mayVerify whether an attested caller may receive bundles; false answers
   *     PERMISSION_DENIED
   */
  public BundleStreams(BundleManager bundles, AgentMetrics metrics,
      Predicate<Caller> mayVerify) {
    this.bundles = requireNonNull(bundles, "bundles");
    this.metrics = requireNonNull(metrics, "metrics");
    this.mayVerify = requireNonNull(mayVerify, "mayVerify");
  }

  /**
   * Starts a stream for {@code caller} on {@code observer}; fails it with PERMISSION_DENIED if
   * the caller may not have bundles, with UNAVAILABLE if there is no bundle.
   */
  public void open(ServerCallStreamObserver<JWTBundlesResponse> observer, Caller caller) {
    requireNonNull(caller, "caller");
    if (!mayVerify.test(caller)) {
      log.atDebug().addKeyValue("pid", caller.pid()).addKeyValue("uid", caller.uid())
          .log("bundles refused to caller without identity");
      observer.onError(Status.PERMISSION_DENIED.withDescription(StatusMessages.NO_IDENTITY)
          .asException());
      return;
    }
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
