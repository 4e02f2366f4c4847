package dev.athenzsvid.agent.workloadapi;

import dev.athenzsvid.agent.StreamEvents;
import io.grpc.stub.ServerCallStreamObserver;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The server side of a call in memory: records what the handler sends, in order, and runs
 * {@link #onIsCancelled} whenever the handler asks whether the call is cancelled (a hook for
 * making something happen in the middle of a send). Thread-safe.
 */
final class FakeServerCallStreamObserver<T> extends ServerCallStreamObserver<T> {
  /** Messages, then a throwable or {@link StreamEvents#COMPLETED}. */
  final List<Object> events = new CopyOnWriteArrayList<>();
  volatile Runnable onIsCancelled = () -> { };
  volatile Runnable cancelHandler;

  @Override
  public boolean isCancelled() {
    onIsCancelled.run();
    return false;
  }

  @Override
  public void setOnCancelHandler(Runnable onCancelHandler) {
    this.cancelHandler = onCancelHandler;
  }

  @Override
  public void setCompression(String compression) {}

  @Override
  public boolean isReady() {
    return true;
  }

  @Override
  public void setOnReadyHandler(Runnable onReadyHandler) {}

  @Override
  public void disableAutoInboundFlowControl() {}

  @Override
  public void request(int count) {}

  @Override
  public void setMessageCompression(boolean enable) {}

  @Override
  public void onNext(T value) {
    events.add(value);
  }

  @Override
  public void onError(Throwable error) {
    events.add(error);
  }

  @Override
  public void onCompleted() {
    events.add(StreamEvents.COMPLETED);
  }
}
