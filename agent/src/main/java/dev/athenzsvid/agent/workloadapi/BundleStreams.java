package dev.athenzsvid.agent.workloadapi;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.ByteString;
import dev.athenzsvid.agent.attestation.Caller;
import dev.athenzsvid.agent.bundle.BundleManager;
import dev.athenzsvid.agent.bundle.JwtBundle;
import dev.athenzsvid.agent.metrics.AgentMetrics;
import dev.athenzsvid.proto.workload.JWTBundlesResponse;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * FetchJWTBundles streams: the current bundle at once (or as soon as the first fetch ends,
 * when there is none yet), then a full message whenever the bundle changes. The server never
 * completes a stream with OK; {@link #closeAll()} ends open streams with UNAVAILABLE at
 * shutdown so clients reconnect to the next agent, and refuses streams opened after it.
 *
 * <p>Thread-safe. Each stream's monitor serialises its sends, and every send reads the
 * manager's current bundle inside it, so a stream's messages follow the order of fetches
 * whichever thread sends them: a client never sees an older bundle after a newer one.
 * {@link #lock} makes registering a stream and closing all of them atomic.
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
  private final Object lock = new Object();
  /** Guarded by {@link #lock}: once true, no stream is registered. */
  private boolean closing;

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
   * the caller may not have bundles, with UNAVAILABLE if no bundle can be had or the agent is
   * shutting down. Never blocks: without a bundle the first message follows the fetch.
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
    Stream stream = new Stream(observer);
    observer.setOnCancelHandler(stream::close);
    synchronized (lock) {
      if (closing) {
        observer.onError(Status.UNAVAILABLE.withDescription(StatusMessages.SHUTTING_DOWN)
            .asException());
        return;
      }
      open.add(stream);
      metrics.streamOpened();
    }
    stream.subscribe();
    if (bundles.current().isPresent()) {
      stream.sendCurrent();
      return;
    }
    bundles.currentOrFetch().whenComplete((bundle, error) -> {
      if (error == null) {
        stream.sendCurrent();
        return;
      }
      Throwable cause = error.getCause() != null ? error.getCause() : error;
      stream.fail(Status.UNAVAILABLE
          .withDescription(StatusMessages.NO_BUNDLE + ": " + cause.getMessage()));
    });
  }

  /** Ends every open stream with UNAVAILABLE and refuses new ones. */
  public void closeAll() {
    synchronized (lock) {
      closing = true;
    }
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
    /** Guarded by this. */
    private Runnable unsubscribe = () -> { };
    /** Guarded by this. */
    private boolean closed;
    /** Guarded by this: the bundle last sent, or null. */
    private JwtBundle last;

    Stream(ServerCallStreamObserver<JWTBundlesResponse> observer) {
      this.observer = observer;
    }

    /** Hears of every bundle change until closed; a stream closed already stays deaf. */
    synchronized void subscribe() {
      if (!closed) {
        unsubscribe = bundles.subscribe(changed -> sendCurrent());
      }
    }

    /** Sends the manager's current bundle unless it is the one sent last. */
    synchronized void sendCurrent() {
      if (closed || observer.isCancelled()) {
        return;
      }
      JwtBundle bundle = bundles.current().orElse(null);
      // The manager publishes a new object only when the content changed.
      if (bundle == null || bundle == last) {
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
