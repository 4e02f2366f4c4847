package dev.athenzsvid.proto.zts;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * Body of {@code POST /zts/v1/instance}, with the field names of Athenz ZTS.
 *
 * <p>A request without {@code csr} asks for a JWT-SVID. {@code jwtSVIDAudiences} is this
 * project's extension for tokens with several audiences: when present, {@code jwtSVIDAudience}
 * must equal its first element, so a server that does not know the extension still sees a
 * well-formed request, and the caller can detect from the returned token that only one
 * audience was honoured. Unknown fields are ignored, as Athenz clients of newer versions may
 * send fields this server does not use.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public record InstanceRegisterInformation(
    String provider,
    String domain,
    String service,
    String attestationData,
    String csr,
    Integer expiryTime,
    String hostname,
    String namespace,
    String cloud,
    String jwtSVIDInstanceId,
    String jwtSVIDAudience,
    List<String> jwtSVIDAudiences,
    String jwtSVIDNonce,
    String jwtSVIDSpiffe,
    Boolean jwtSVIDSpiffeSubject,
    String jwtSVIDKeyType) {

  /** Starts a JWT-SVID request for {@code <domain>.<service>} through {@code provider}. */
  public static Builder jwtSvid(String provider, String domain, String service) {
    return new Builder(provider, domain, service);
  }

  /** Builds a JWT-SVID request; every setter returns the builder. Not thread-safe. */
  public static final class Builder {
    private final String provider;
    private final String domain;
    private final String service;
    private String attestationData;
    private Integer expiryTime;
    private String hostname;
    private String namespace;
    private String instanceId;
    private List<String> audiences = List.of();
    private String nonce;
    private String spiffeUri;
    private Boolean spiffeSubject;
    private String keyType;

    private Builder(String provider, String domain, String service) {
      this.provider = provider;
      this.domain = domain;
      this.service = service;
    }

    public Builder attestationData(String value) {
      this.attestationData = value;
      return this;
    }

    public Builder expiryTime(Integer seconds) {
      this.expiryTime = seconds;
      return this;
    }

    public Builder hostname(String value) {
      this.hostname = value;
      return this;
    }

    public Builder namespace(String value) {
      this.namespace = value;
      return this;
    }

    public Builder instanceId(String value) {
      this.instanceId = value;
      return this;
    }

    public Builder audiences(List<String> values) {
      this.audiences = List.copyOf(values);
      return this;
    }

    public Builder nonce(String value) {
      this.nonce = value;
      return this;
    }

    public Builder spiffeUri(String value) {
      this.spiffeUri = value;
      return this;
    }

    public Builder spiffeSubject(Boolean value) {
      this.spiffeSubject = value;
      return this;
    }

    public Builder keyType(String value) {
      this.keyType = value;
      return this;
    }

    /** One audience goes in {@code jwtSVIDAudience} alone; several also fill the list. */
    public InstanceRegisterInformation build() {
      String first = audiences.isEmpty() ? null : audiences.get(0);
      List<String> list = audiences.size() > 1 ? audiences : null;
      return new InstanceRegisterInformation(provider, domain, service, attestationData, null,
          expiryTime, hostname, namespace, null, instanceId, first, list, nonce, spiffeUri,
          spiffeSubject, keyType);
    }
  }
}
