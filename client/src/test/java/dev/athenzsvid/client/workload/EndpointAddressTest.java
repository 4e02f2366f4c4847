package dev.athenzsvid.client.workload;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class EndpointAddressTest {

  @ParameterizedTest(name = "{0}")
  @CsvSource({
      "unix:///run/agent.sock, /run/agent.sock",
      "unix:/run/agent.sock, /run/agent.sock",
      "unix:///tmp/a/b c.sock, /tmp/a/b c.sock",
  })
  void parse_unixForms_samePath(String text, String path) {
    EndpointAddress address = EndpointAddress.parse(text.replace(" ", "%20"));
    assertTrue(address.isUnix());
    assertEquals(path, address.unixPath());
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({
      "tcp://127.0.0.1:8081, 127.0.0.1, 8081",
      "'tcp://[::1]:8081', ::1, 8081",
  })
  void parse_tcpForms_hostAndPort(String text, String host, int port) {
    EndpointAddress address = EndpointAddress.parse(text);
    assertEquals(host, address.host());
    assertEquals(port, address.port());
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(delimiter = '|', value = {
      "/run/agent.sock | scheme must be unix or tcp",
      "http://localhost:80 | scheme must be unix or tcp",
      "unix://host/run/agent.sock | must not have a host",
      "unix:relative.sock | unix path must be absolute",
      "unix:///run/ | must name a socket file",
      "unix:///run/agent.sock?x=1 | must not have a query",
      "tcp://localhost:80 | must be an IP address",
      "tcp://127.0.0.1 | tcp://<ip>:<port>",
      "tcp://127.0.0.1:80/path | must not have a path",
      "unix://[bad | not a URI",
  })
  void parse_badAddress_messageNamesProblem(String text, String reason) {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> EndpointAddress.parse(text));
    assertTrue(e.getMessage().contains(reason), e.getMessage());
    assertTrue(e.getMessage().contains(text), e.getMessage());
  }

  @org.junit.jupiter.api.Test
  void parse_empty_rejected() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> EndpointAddress.parse(" "));
    assertEquals("workload endpoint address is empty", e.getMessage());
  }
}
