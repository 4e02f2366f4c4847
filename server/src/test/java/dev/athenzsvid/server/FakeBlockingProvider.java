package dev.athenzsvid.server;

import dev.athenzsvid.server.provider.InstanceConfirmation;
import dev.athenzsvid.server.provider.InstanceProvider;
import dev.athenzsvid.server.provider.ProviderContext;
import dev.athenzsvid.server.provider.ProviderException;
import dev.athenzsvid.server.provider.SvidType;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A JWT provider that holds every confirmation until the test releases it, to keep a request
 * in flight. The server builds it by class name, so the latches are static: call
 * {@link #reset()} before each use.
 */
public final class FakeBlockingProvider implements InstanceProvider {
  /** Counted down when a confirmation has started. */
  public static volatile CountDownLatch entered = new CountDownLatch(1);
  /** Confirmations wait for this, at most ten seconds. */
  public static volatile CountDownLatch release = new CountDownLatch(1);

  public FakeBlockingProvider(ProviderContext context) {}

  /** New latches for the next test. */
  public static void reset() {
    entered = new CountDownLatch(1);
    release = new CountDownLatch(1);
  }

  @Override
  public SvidType getSVIDType() {
    return SvidType.JWT;
  }

  @Override
  public void confirmInstance(InstanceConfirmation confirmation) throws ProviderException {
    entered.countDown();
    try {
      if (!release.await(10, TimeUnit.SECONDS)) {
        throw new ProviderException(504, "test never released the confirmation");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ProviderException(503, "interrupted");
    }
  }
}
