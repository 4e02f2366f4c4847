package dev.athenzsvid.agent.upstream;

/**
 * The token server as the agent sees it. Implementations are thread-safe, and every call
 * returns or fails within the implementation's own deadline.
 */
public interface Upstream {
  /** Asks the server for a JWT-SVID; returns the compact JWS as the server sent it. */
  String fetchToken(TokenRequest request) throws UpstreamException;

  /** The server's JWK Set of token-signing keys, as JSON text, in the server's own format. */
  String fetchJwks() throws UpstreamException;
}
