package dev.athenzsvid.server.http;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.function.IntSupplier;

/**
 * The server's Prometheus metrics, in a registry of its own (so several servers in one JVM do
 * not collide): requests by endpoint and status, issuance latency, keys and domains loaded.
 * Thread-safe.
 */
public final class ServerMetrics {
  public static final String CONTENT_TYPE = PrometheusTextFormatWriter.CONTENT_TYPE;

  private final PrometheusRegistry registry = new PrometheusRegistry();
  private final Counter requests;
  private final Histogram issuance;
  private final Counter domainErrors;

  public ServerMetrics(IntSupplier keysLoaded, IntSupplier domainsLoaded) {
    requests = Counter.builder()
        .name("zts_requests_total")
        .help("HTTP requests by endpoint and status code")
        .labelNames("endpoint", "code")
        .register(registry);
    issuance = Histogram.builder()
        .name("zts_jwt_svid_issuance_seconds")
        .help("Time to answer a JWT-SVID request, by outcome")
        .labelNames("outcome")
        .register(registry);
    domainErrors = Counter.builder()
        .name("zts_domain_load_errors_total")
        .help("Domain files rejected on load")
        .register(registry);
    GaugeWithCallback.builder()
        .name("zts_signing_keys_loaded")
        .help("Token-signing keys currently published")
        .callback(callback -> callback.call(keysLoaded.getAsInt()))
        .register(registry);
    GaugeWithCallback.builder()
        .name("zts_domains_loaded")
        .help("Athenz domains currently loaded")
        .callback(callback -> callback.call(domainsLoaded.getAsInt()))
        .register(registry);
  }

  void request(String endpoint, int code) {
    requests.labelValues(endpoint, Integer.toString(code)).inc();
  }

  void issuance(boolean issued, long nanos) {
    issuance.labelValues(issued ? "issued" : "refused").observe(nanos / 1e9);
  }

  /** Counts domain files rejected by a reload. */
  public void domainErrors(int count) {
    if (count > 0) {
      domainErrors.inc(count);
    }
  }

  byte[] scrape() throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    PrometheusTextFormatWriter.create().write(out, registry.scrape());
    return out.toByteArray();
  }
}
