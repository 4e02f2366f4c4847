package dev.athenzsvid.client.workload;

import static java.util.Objects.requireNonNull;

import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;

/**
 * A Workload API endpoint address as SPIFFE clients write it: {@code unix:///abs/path} or
 * {@code unix:/abs/path} for a Unix socket, {@code tcp://<ip>:<port>} for TCP.
 *
 * @param unixPath the socket path, or null for TCP
 * @param host the IP address for TCP, or null for a Unix socket
 * @param port the TCP port, or 0 for a Unix socket
 */
public record EndpointAddress(String unixPath, String host, int port) {
  /** The environment variable SPIFFE clients read the default address from. */
  public static final String ENV = "SPIFFE_ENDPOINT_SOCKET";

  /** Parses an address; the exception message names what is wrong with it. */
  public static EndpointAddress parse(String text) {
    requireNonNull(text, "text");
    if (text.isBlank()) {
      throw new IllegalArgumentException("workload endpoint address is empty");
    }
    URI uri;
    try {
      uri = new URI(text);
    } catch (URISyntaxException e) {
      throw bad(text, "not a URI");
    }
    String scheme = uri.getScheme();
    if ("unix".equals(scheme)) {
      return parseUnix(text, uri);
    }
    if ("tcp".equals(scheme)) {
      return parseTcp(text, uri);
    }
    throw bad(text, "scheme must be unix or tcp");
  }

  /** True for a Unix domain socket address. */
  public boolean isUnix() {
    return unixPath != null;
  }

  @Override
  public String toString() {
    return isUnix() ? "unix://" + unixPath : "tcp://" + host + ":" + port;
  }

  private static EndpointAddress parseUnix(String text, URI uri) {
    if (uri.isOpaque()) {
      throw bad(text, "unix path must be absolute");
    }
    if (uri.getRawAuthority() != null) {
      throw bad(text, "unix address must not have a host (use unix:///abs/path)");
    }
    if (uri.getRawQuery() != null || uri.getRawFragment() != null) {
      throw bad(text, "unix address must not have a query or fragment");
    }
    String path = uri.getPath();
    if (path == null || path.isEmpty() || path.equals("/") || path.endsWith("/")) {
      throw bad(text, "unix address must name a socket file");
    }
    return new EndpointAddress(path, null, 0);
  }

  private static EndpointAddress parseTcp(String text, URI uri) {
    String host = uri.getHost();
    if (host == null || uri.getPort() <= 0) {
      throw bad(text, "tcp address must be tcp://<ip>:<port>");
    }
    if (!uri.getRawPath().isEmpty() || uri.getRawQuery() != null || uri.getUserInfo() != null) {
      throw bad(text, "tcp address must not have a path, query or user");
    }
    String ip = host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
    if (!ip.matches("[0-9.]+|[0-9a-fA-F:]+")) {
      throw bad(text, "tcp host must be an IP address, not a name");
    }
    try {
      InetAddress.getByName(ip);
    } catch (UnknownHostException e) {
      throw bad(text, "tcp host is not a valid IP address");
    }
    return new EndpointAddress(null, ip, uri.getPort());
  }

  private static IllegalArgumentException bad(String text, String reason) {
    return new IllegalArgumentException(
        "invalid workload endpoint address \"" + text + "\": " + reason);
  }
}
