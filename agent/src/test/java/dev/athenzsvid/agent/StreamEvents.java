package dev.athenzsvid.agent;

import io.grpc.stub.StreamObserver;
import java.util.concurrent.BlockingQueue;

/** Records every event of a server stream, in order; the last is a throwable or "completed". */
public final class StreamEvents {
  /** What {@link #into} records when the server completes the stream. */
  public static final String COMPLETED = "completed";

  private StreamEvents() {}

  public static <T> StreamObserver<T> into(BlockingQueue<Object> events) {
    return new StreamObserver<>() {
      @Override
      public void onNext(T value) {
        events.add(value);
      }

      @Override
      public void onError(Throwable t) {
        events.add(t);
      }

      @Override
      public void onCompleted() {
        events.add(COMPLETED);
      }
    };
  }
}
