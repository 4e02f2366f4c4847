package dev.athenzsvid.agent.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.athenzsvid.client.config.Durations;
import dev.athenzsvid.client.tls.Pem;
import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Turns the YAML tree into an {@link AgentConfig}, naming the setting in every error. Unknown
 * keys are errors, so a misspelt setting is never silently ignored. Reads the agent's key and
 * certificate files to check they hold a matching pair. Not thread-safe; one use.
 */
final class ConfigParser {
  static final String UNKNOWN = "unknown setting";
  static final String REQUIRED = "is required";
  static final String NO_SUCH_FILE = "no such file";
  /** Polling the server faster than this would only load it. */
  static final Duration MIN_REFRESH = Duration.ofSeconds(1);
  /** Shorter than this and a healthy server on a busy network looks down. */
  static final Duration MIN_TIMEOUT = Duration.ofMillis(100);
  /** Longer than this and a stalled server holds every refill thread for that long. */
  static final Duration MAX_TIMEOUT = Duration.ofMinutes(5);
  static final String OUT_OF_RANGE = "must be from %s to %s";
  static final String TOO_SHORT = "must be at least %s";
  /**
   * The instance id is one element of the server's instance URL path (the token server
   * refuses any other character), so a bad one is caught here rather than by every request.
   */
  static final Pattern INSTANCE_ID = Pattern.compile("[a-zA-Z0-9._~=+@$,:-]+");
  static final String BAD_INSTANCE_ID =
      "must contain only letters, digits and - . _ ~ = + @ $ , :";

  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static final Set<String> TOP = Set.of("socket", "trustDomain", "instanceId", "server",
      "bundles", "cache", "metrics", "log", "workloads");
  private static final Set<String> SERVER =
      Set.of("url", "provider", "timeout", "certFile", "keyFile", "caCertFile");
  private static final Set<String> SELECTORS = Set.of("uid", "user", "gid", "group", "path");
  private static final Set<String> IDENTITY = Set.of("service", "namespace", "hint");
  private static final Set<String> LEVELS = Set.of("trace", "debug", "info", "warn", "error");

  private final Path base;
  /** What whole-file problems are reported against: the file, or "config" for text. */
  private final String source;

  ConfigParser(Path base, String source) {
    this.base = base.toAbsolutePath();
    this.source = source;
  }

  AgentConfig parse(String yaml) throws ConfigException {
    JsonNode root;
    try {
      root = YAML.readTree(yaml);
    } catch (JsonProcessingException e) {
      String reason = e.getOriginalMessage().lines().findFirst().orElse("invalid YAML");
      throw new ConfigException(source, "not valid YAML: " + reason);
    }
    if (root == null || root.isMissingNode() || root.isNull()) {
      root = YAML.createObjectNode();
    }
    object(root, "", TOP);
    Path socket = path(root, "socket").orElseThrow(() -> missing("socket"));
    String trustDomain = text(root, "trustDomain").orElse("athenz.io");
    try {
      SpiffeId.checkTrustDomain(trustDomain);
    } catch (IllegalArgumentException e) {
      throw new ConfigException("trustDomain", e.getMessage());
    }
    String instanceId = text(root, "instanceId").filter(s -> !s.isEmpty()).orElseGet(
        ConfigParser::hostName);
    if (!INSTANCE_ID.matcher(instanceId).matches()) {
      throw new ConfigException("instanceId", instanceId + ": " + BAD_INSTANCE_ID);
    }
    AgentConfig.Server server = server(root.path("server"));
    JsonNode bundles = root.path("bundles");
    object(bundles, "bundles.", Set.of("refreshInterval", "allowUnauthenticatedVerifiers"));
    Duration refresh = duration(bundles, "bundles.refreshInterval", Duration.ofSeconds(60));
    if (refresh.compareTo(MIN_REFRESH) < 0) {
      throw new ConfigException("bundles.refreshInterval",
          text(bundles, "bundles.refreshInterval").orElseThrow() + ": "
              + String.format(TOO_SHORT, "1s"));
    }
    boolean unauthenticatedVerifiers =
        bool(bundles, "bundles.allowUnauthenticatedVerifiers", false);
    JsonNode cache = root.path("cache");
    object(cache, "cache.", Set.of("maxEntries"));
    int maxEntries = integer(cache, "cache.maxEntries", 10_000, 1, 10_000_000);
    JsonNode metrics = root.path("metrics");
    object(metrics, "metrics.", Set.of("port"));
    int metricsPort = integer(metrics, "metrics.port", 0, 0, 65_535);
    AgentConfig.Log log = log(root.path("log"));
    List<WorkloadEntry> workloads = workloads(root.path("workloads"), trustDomain);
    return new AgentConfig(socket, trustDomain, instanceId, server, refresh, maxEntries,
        metricsPort, log, workloads, unauthenticatedVerifiers);
  }

  private AgentConfig.Server server(JsonNode node) throws ConfigException {
    if (node.isMissingNode()) {
      throw missing("server");
    }
    object(node, "server.", SERVER);
    String urlText = text(node, "server.url").orElseThrow(() -> missing("server.url"));
    URI url;
    try {
      url = new URI(urlText);
    } catch (URISyntaxException e) {
      throw new ConfigException("server.url", urlText + ": not a URL");
    }
    if (!"https".equals(url.getScheme()) || url.getHost() == null) {
      throw new ConfigException("server.url", urlText + ": must be an https:// URL");
    }
    String provider = text(node, "server.provider").orElse("sys.auth.rbac");
    if (provider.isBlank()) {
      throw new ConfigException("server.provider", "must not be empty");
    }
    Duration timeout = duration(node, "server.timeout", Duration.ofSeconds(5));
    if (timeout.compareTo(MIN_TIMEOUT) < 0 || timeout.compareTo(MAX_TIMEOUT) > 0) {
      throw new ConfigException("server.timeout", text(node, "server.timeout").orElseThrow()
          + ": " + String.format(OUT_OF_RANGE, "100ms", "5m"));
    }
    Path cert = existingFile(node, "server.certFile");
    Path key = existingFile(node, "server.keyFile");
    checkKeyPair(key, cert);
    Optional<Path> ca = path(node, "server.caCertFile");
    if (ca.isPresent()) {
      ca = Optional.of(existingFile(node, "server.caCertFile"));
    }
    return new AgentConfig.Server(url, provider, timeout, cert, key, ca);
  }

  private AgentConfig.Log log(JsonNode node) throws ConfigException {
    object(node, "log.", Set.of("format", "level"));
    String format = text(node, "log.format").orElse("text");
    if (!format.equals("text") && !format.equals("json")) {
      throw new ConfigException("log.format", format + ": must be text or json");
    }
    String level = text(node, "log.level").orElse("info").toLowerCase(Locale.ROOT);
    if (!LEVELS.contains(level)) {
      throw new ConfigException("log.level", level + ": must be one of " + LEVELS);
    }
    return new AgentConfig.Log(format, level);
  }

  private List<WorkloadEntry> workloads(JsonNode node, String trustDomain)
      throws ConfigException {
    if (node.isMissingNode() || node.isNull()) {
      return List.of();
    }
    if (!node.isArray()) {
      throw new ConfigException("workloads", "must be a list");
    }
    List<WorkloadEntry> entries = new ArrayList<>();
    for (int i = 0; i < node.size(); i++) {
      String name = "workloads[" + i + "]";
      JsonNode entry = node.get(i);
      object(entry, name + ".", Set.of("selectors", "identities"));
      Selectors selectors = selectors(entry.path("selectors"), name + ".selectors");
      JsonNode list = entry.path("identities");
      if (!list.isArray() || list.isEmpty()) {
        throw new ConfigException(name + ".identities", "must be a non-empty list");
      }
      List<Identity> identities = new ArrayList<>();
      Set<String> hints = new HashSet<>();
      for (int j = 0; j < list.size(); j++) {
        String itemName = name + ".identities[" + j + "]";
        Identity identity = identity(list.get(j), itemName, trustDomain);
        if (!identity.hint().isEmpty() && !hints.add(identity.hint())) {
          throw new ConfigException(itemName + ".hint", identity.hint() + ": used twice");
        }
        identities.add(identity);
      }
      entries.add(new WorkloadEntry(selectors, identities));
    }
    return entries;
  }

  private Selectors selectors(JsonNode node, String name) throws ConfigException {
    if (node.isMissingNode()) {
      throw missing(name);
    }
    object(node, name + ".", SELECTORS);
    OptionalInt uid = optionalId(node, name + ".uid");
    OptionalInt gid = optionalId(node, name + ".gid");
    Optional<String> user = text(node, name + ".user");
    Optional<String> group = text(node, name + ".group");
    Optional<Path> path = text(node, name + ".path").map(Path::of);
    try {
      return new Selectors(uid, user, gid, group, path);
    } catch (IllegalArgumentException e) {
      throw new ConfigException(name, e.getMessage());
    }
  }

  private static Identity identity(JsonNode node, String name, String trustDomain)
      throws ConfigException {
    object(node, name + ".", IDENTITY);
    String service = text(node, name + ".service").orElseThrow(() -> missing(name + ".service"));
    String namespace = text(node, name + ".namespace").orElse("default");
    String hint = text(node, name + ".hint").orElse("");
    try {
      Identity.checkNamespace(namespace);
    } catch (IllegalArgumentException e) {
      throw new ConfigException(name + ".namespace",
          (namespace.isEmpty() ? "" : namespace + ": ") + e.getMessage());
    }
    try {
      return Identity.of(trustDomain, service, namespace, hint);
    } catch (IllegalArgumentException e) {
      throw new ConfigException(name, service + ": " + e.getMessage());
    }
  }

  /** Checks {@code node} is a mapping (or absent) with only {@code allowed} keys. */
  private static void object(JsonNode node, String prefix, Set<String> allowed)
      throws ConfigException {
    if (node.isMissingNode() || node.isNull()) {
      return;
    }
    if (!node.isObject()) {
      String name = prefix.isEmpty() ? "config" : prefix.substring(0, prefix.length() - 1);
      throw new ConfigException(name, "must be a mapping");
    }
    for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
      String key = names.next();
      if (!allowed.contains(key)) {
        throw new ConfigException(prefix + key, UNKNOWN);
      }
    }
  }

  /** The value at the last component of the dotted {@code name}. */
  private static JsonNode at(JsonNode parent, String name) {
    if (parent.isMissingNode() || parent.isNull()) {
      return MissingNode.getInstance();
    }
    return parent.path(name.substring(name.lastIndexOf('.') + 1));
  }

  private static Optional<String> text(JsonNode parent, String name) throws ConfigException {
    JsonNode value = at(parent, name);
    if (value.isMissingNode() || value.isNull()) {
      return Optional.empty();
    }
    if (!value.isValueNode()) {
      throw new ConfigException(name, "must be a single value");
    }
    return Optional.of(value.asText());
  }

  private static OptionalInt optionalId(JsonNode parent, String name) throws ConfigException {
    JsonNode value = at(parent, name);
    if (value.isMissingNode() || value.isNull()) {
      return OptionalInt.empty();
    }
    if (!value.canConvertToInt() || !value.isIntegralNumber() || value.asInt() < 0) {
      throw new ConfigException(name, value.asText() + ": must be a number >= 0");
    }
    return OptionalInt.of(value.asInt());
  }

  private static int integer(JsonNode parent, String name, int fallback, int min, int max)
      throws ConfigException {
    JsonNode value = at(parent, name);
    if (value.isMissingNode() || value.isNull()) {
      return fallback;
    }
    if (!value.isIntegralNumber() || !value.canConvertToInt() || value.asInt() < min
        || value.asInt() > max) {
      throw new ConfigException(name,
          value.asText() + ": must be a number from " + min + " to " + max);
    }
    return value.asInt();
  }

  private static boolean bool(JsonNode parent, String name, boolean fallback)
      throws ConfigException {
    JsonNode node = at(parent, name);
    if (node.isMissingNode() || node.isNull()) {
      return fallback;
    }
    if (!node.isBoolean()) {
      throw new ConfigException(name, "must be true or false");
    }
    return node.booleanValue();
  }

  private static Duration duration(JsonNode parent, String name, Duration fallback)
      throws ConfigException {
    Optional<String> text = text(parent, name);
    if (text.isEmpty()) {
      return fallback;
    }
    try {
      Duration value = Durations.parse(text.get());
      if (value.isZero()) {
        throw new ConfigException(name, text.get() + ": must be more than zero");
      }
      return value;
    } catch (IllegalArgumentException e) {
      throw new ConfigException(name, text.get() + ": " + e.getMessage());
    }
  }

  private Optional<Path> path(JsonNode parent, String name) throws ConfigException {
    Optional<String> text = text(parent, name);
    if (text.isPresent() && text.get().isBlank()) {
      throw new ConfigException(name, "must not be empty");
    }
    return text.map(t -> base.resolve(t).normalize());
  }

  private Path existingFile(JsonNode parent, String name) throws ConfigException {
    Path file = path(parent, name).orElseThrow(() -> missing(name));
    if (!Files.isRegularFile(file)) {
      throw new ConfigException(name, file + ": " + NO_SUCH_FILE);
    }
    if (!Files.isReadable(file)) {
      throw new ConfigException(name, file + ": not readable");
    }
    return file;
  }

  /**
   * Reads the agent's key and certificate once so a wrong pair stops the agent at start
   * instead of failing every TLS handshake later. The files are read again, and rotated, by
   * the key manager; this only validates them.
   */
  private static void checkKeyPair(Path keyFile, Path certFile) throws ConfigException {
    X509Certificate certificate;
    try {
      certificate = Pem.readCertificates(certFile).get(0);
    } catch (IOException e) {
      throw new ConfigException("server.certFile", namingFile(certFile, e));
    }
    PrivateKey key;
    try {
      key = Pem.readPrivateKey(keyFile);
    } catch (IOException e) {
      throw new ConfigException("server.keyFile", namingFile(keyFile, e));
    }
    try {
      Pem.checkKeyMatches(key, certificate);
    } catch (GeneralSecurityException e) {
      throw new ConfigException("server.keyFile",
          Pem.KEY_MISMATCH.equals(e.getMessage()) ? AgentConfig.KEY_MISMATCH
              : keyFile + ": " + e.getMessage());
    }
  }

  // The PEM reader names the file in its own errors, the underlying parser does not.
  private static String namingFile(Path file, IOException e) {
    String message = String.valueOf(e.getMessage());
    return message.startsWith(file.toString()) ? message : file + ": " + message;
  }

  private static ConfigException missing(String name) {
    return new ConfigException(name, REQUIRED);
  }

  private static String hostName() {
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (UnknownHostException e) {
      return "localhost";
    }
  }
}
