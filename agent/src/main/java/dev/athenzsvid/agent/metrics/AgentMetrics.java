package dev.athenzsvid.agent.metrics;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.Unit;
import java.util.function.IntSupplier;

/**
 * The agent's Prometheus metrics, in a registry of its own so several agents can live in one
 * process (tests). Thread-safe. Counters carry no identity or token material as labels.
 */
public final class AgentMetrics {
  private final PrometheusRegistry registry = new PrometheusRegistry();
  private final Counter calls = Counter.builder().name("athenz_svid_agent_calls")
      .help("Workload API calls by method and status code").labelNames("method", "code")
      .register(registry);
  private final Counter cacheHits = Counter.builder().name("athenz_svid_agent_cache_hits")
      .help("JWT-SVIDs served from the cache").register(registry);
  private final Counter cacheStaleHits = Counter.builder()
      .name("athenz_svid_agent_cache_stale_hits")
      .help("JWT-SVIDs served from the cache past their refresh time because the server failed")
      .register(registry);
  private final Counter cacheMisses = Counter.builder().name("athenz_svid_agent_cache_misses")
      .help("JWT-SVID requests that needed the server").register(registry);
  private final Histogram upstreamLatency = Histogram.builder()
      .name("athenz_svid_agent_upstream_latency_seconds").unit(Unit.SECONDS)
      .help("Latency of calls to the token server").labelNames("operation").classicOnly()
      .register(registry);
  private final Counter upstreamErrors = Counter.builder()
      .name("athenz_svid_agent_upstream_errors")
      .help("Failed calls to the token server").labelNames("operation").register(registry);
  private final Gauge openStreams = Gauge.builder().name("athenz_svid_agent_open_streams")
      .help("Open FetchJWTBundles streams").register(registry);

  public PrometheusRegistry registry() {
    return registry;
  }

  /** Reports the cache size through {@code size} on every scrape. */
  public void cacheSize(IntSupplier size) {
    GaugeWithCallback.builder().name("athenz_svid_agent_cache_size")
        .help("Tokens held in the cache").callback(cb -> cb.call(size.getAsInt()))
        .register(registry);
  }

  public void call(String method, String code) {
    calls.labelValues(method, code).inc();
  }

  public void cacheHit() {
    cacheHits.inc();
  }

  public void cacheStaleHit() {
    cacheStaleHits.inc();
  }

  public void cacheMiss() {
    cacheMisses.inc();
  }

  public void upstreamCall(String operation, long nanos, boolean ok) {
    upstreamLatency.labelValues(operation).observe(nanos / 1e9);
    if (!ok) {
      upstreamErrors.labelValues(operation).inc();
    }
  }

  public void streamOpened() {
    openStreams.inc();
  }

  public void streamClosed() {
    openStreams.dec();
  }

  /** The value of a counter without labels, for tests and diagnostics. */
  public double cacheHits() {
    return cacheHits.get();
  }

  public double cacheMisses() {
    return cacheMisses.get();
  }

  public double cacheStaleHits() {
    return cacheStaleHits.get();
  }

  /** The number of FetchJWTBundles streams open now. */
  public double openStreams() {
    return openStreams.get();
  }

  /** The number of calls of {@code method} that ended with {@code code}. */
  public double calls(String method, String code) {
    return calls.labelValues(method, code).get();
  }
}
