package dev.athenzsvid.agent.upstream;

import static java.util.Objects.requireNonNull;

import dev.athenzsvid.client.zts.ZtsClient;
import dev.athenzsvid.client.zts.ZtsException;
import dev.athenzsvid.proto.zts.InstanceIdentity;
import dev.athenzsvid.proto.zts.InstanceRegisterInformation;

/**
 * {@link Upstream} over the Athenz ZTS REST API: {@code POST /instance} without a CSR and
 * {@code GET /oauth2/keys?rfc=true}. Thread-safe; each call has the client's deadline.
 */
public final class ZtsUpstream implements Upstream {
  private final ZtsClient client;

  public ZtsUpstream(ZtsClient client) {
    this.client = requireNonNull(client, "client");
  }

  @Override
  public String fetchToken(TokenRequest request) throws UpstreamException {
    InstanceRegisterInformation info = InstanceRegisterInformation
        .jwtSvid(request.provider(), request.domain(), request.service())
        .instanceId(request.instanceId())
        .audiences(request.audiences())
        .nonce(request.nonce())
        .spiffeUri(request.spiffeId())
        .spiffeSubject(Boolean.TRUE)
        .build();
    InstanceIdentity identity;
    try {
      identity = client.postInstanceRegisterInformation(info);
    } catch (ZtsException e) {
      throw translate(e);
    }
    String token = identity.serviceToken();
    if (token == null || token.isEmpty()) {
      throw new UpstreamException(0, "server answered without a serviceToken");
    }
    return token;
  }

  @Override
  public String fetchJwks() throws UpstreamException {
    try {
      return client.getJwks(true);
    } catch (ZtsException e) {
      throw translate(e);
    }
  }

  private static UpstreamException translate(ZtsException e) {
    return e.code() == 0
        ? new UpstreamException(e.getMessage(), e)
        : new UpstreamException(e.code(), e.getMessage());
  }
}
