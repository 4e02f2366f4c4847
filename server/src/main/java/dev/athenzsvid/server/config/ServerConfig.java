package dev.athenzsvid.server.config;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.athenzsvid.client.config.Durations;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The token server's whole configuration, validated and immutable.
 *
 * <p>It is read from one YAML file ({@link #load(Path)}) whose keys mirror the records below:
 *
 * <pre>
 * listen:    {host: 0.0.0.0, port: 4443, shutdownTimeout: 10s, idleTimeout: 30s}
 * tls:       {certFile: server.pem, keyFile: server.key, caCertFile: ca.pem}
 * domains:   {dir: domains, refreshInterval: 30s}
 * tokens:    {trustDomain: athenz.io, issuer: "https://localhost:4443/zts/v1",
 *             defaultExpiry: 1h, maxExpiry: 12h}
 * signing:   {keys: [{file: k.pem, kid: k1, active: true, notAfter: 2030-01-01T00:00:00Z}],
 *             generatedKeyDir: keys}
 * providers: [{name: sys.auth.rbac,
 *              class: dev.athenzsvid.server.provider.InstanceAthenzRBACProvider,
 *              issuerDnAllowList: []}]
 * </pre>
 *
 * <p>Signing keys rotate without a restart: the server re-reads the file's {@code signing}
 * section, and the content of every key file it names, every {@code domains.refreshInterval}
 * (only the signing section takes effect; other changes need a restart). To rotate, add the
 * new key with {@code active: false} (published, signing nothing), later set it active and
 * the old one inactive, and finally remove the old one. A listed key is published until its
 * {@code notAfter} (always, without one), and no token outlives the {@code notAfter} of its
 * key. A key taken out of the list stays published, in this process, until
 * {@code tokens.maxExpiry} after it stopped signing, so every token it signed can still be
 * verified. A changed file that cannot be used is reported and the keys in force stay; so is
 * a {@code kid} given new key material while its old key is still published.
 *
 * <p>Relative paths resolve against the directory of the file. Durations are a number and a
 * unit ({@code 30s}, {@code 5m}, {@code 1h}). Every problem is reported as a
 * {@link ConfigException} naming the setting. Embedders may also call the constructor.
 */
public record ServerConfig(
    Listen listen,
    Tls tls,
    Domains domains,
    Tokens tokens,
    Signing signing,
    List<ProviderConfig> providers) {

  static final String REQUIRED = "required";
  static final String EMPTY = "must not be empty";
  static final String NOT_SINGLE_VALUE = "must be a single value";
  static final String DUPLICATE_SETTING = "setting given twice: ";
  /** Reads the file as a tree; a key given twice is an error, not last-one-wins. */
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
      .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY);
  private static final Pattern DUPLICATE_KEY = Pattern.compile("^Duplicate field '([^']*)'");
  static final String SHORTER_THAN_A_SECOND = "must be at least 1s";
  static final String NO_SUCH_FILE = "no such file";
  static final String NOT_A_DIRECTORY = "not a directory";
  static final String UNKNOWN_SETTING = "unknown setting";
  static final String NOT_READABLE = "not readable";
  static final String NOT_YAML = "not valid YAML: ";

  /** A position in the YAML parser's message; the first one belongs to its first line. */
  private static final Pattern YAML_MARK = Pattern.compile("line (\\d+), column (\\d+)");

  public ServerConfig {
    requireNonNull(listen, "listen");
    requireNonNull(tls, "tls");
    requireNonNull(domains, "domains");
    requireNonNull(tokens, "tokens");
    requireNonNull(signing, "signing");
    providers = List.copyOf(providers);
  }

  /**
   * Where the HTTPS listener binds; port 0 picks a free port.
   *
   * @param idleTimeout how long a connection may stay silent, also in the middle of a request
   */
  public record Listen(String host, int port, Duration shutdownTimeout, Duration idleTimeout) {
    public Listen {
      requireNonNull(host, "host");
      requireNonNull(shutdownTimeout, "shutdownTimeout");
      requireNonNull(idleTimeout, "idleTimeout");
      if (port < 0 || port > 65535) {
        throw new IllegalArgumentException("port out of range: " + port);
      }
    }
  }

  /** The server's key and certificate, and the CAs trusted for client certificates. */
  public record Tls(Path certFile, Path keyFile, Path caCertFile) {
    public Tls {
      requireNonNull(certFile, "certFile");
      requireNonNull(keyFile, "keyFile");
      requireNonNull(caCertFile, "caCertFile");
    }
  }

  /** The directory of Athenz domain JSON files and how often it is checked for changes. */
  public record Domains(Path dir, Duration refreshInterval) {
    public Domains {
      requireNonNull(dir, "dir");
      requireNonNull(refreshInterval, "refreshInterval");
    }
  }

  /** What goes into every token, and its lifetime when asked for none and at most. */
  public record Tokens(String trustDomain, String issuer, Duration defaultExpiry,
      Duration maxExpiry) {
    public Tokens {
      requireNonNull(trustDomain, "trustDomain");
      requireNonNull(issuer, "issuer");
      requireNonNull(defaultExpiry, "defaultExpiry");
      requireNonNull(maxExpiry, "maxExpiry");
    }
  }

  /**
   * One signing key file. An inactive key is published but signs nothing; {@code notAfter}
   * (nullable) is when the key stops being published, and no token it signs outlives it.
   */
  public record SigningKeyConfig(Path file, String kid, boolean active, Instant notAfter) {
    public SigningKeyConfig {
      requireNonNull(file, "file");
      requireNonNull(kid, "kid");
    }
  }

  /** Configured keys; with none, one key is generated once into {@code generatedKeyDir}. */
  public record Signing(List<SigningKeyConfig> keys, Path generatedKeyDir) {
    public Signing {
      keys = List.copyOf(keys);
      if (keys.isEmpty()) {
        requireNonNull(generatedKeyDir, "generatedKeyDir");
      }
    }
  }

  /** An instance provider bound by name to a class, with its allowed client-cert issuers. */
  public record ProviderConfig(String name, String className, List<String> issuerDnAllowList) {
    public ProviderConfig {
      requireNonNull(name, "name");
      requireNonNull(className, "className");
      issuerDnAllowList = List.copyOf(issuerDnAllowList);
    }
  }

  /** Reads and validates the YAML file. */
  public static ServerConfig load(Path file) throws ConfigException {
    return load(file, Map.of());
  }

  /**
   * Reads the YAML file, replaces the settings named in {@code overrides} (dotted paths such
   * as {@code listen.port} mapped to their text value), then validates the result.
   */
  public static ServerConfig load(Path file, Map<String, String> overrides)
      throws ConfigException {
    requireNonNull(file, "file");
    requireNonNull(overrides, "overrides");
    String text;
    try {
      text = Files.readString(file);
    } catch (NoSuchFileException e) {
      throw new ConfigException(file.toString(), NO_SUCH_FILE);
    } catch (AccessDeniedException e) {
      throw new ConfigException(file.toString(), NOT_READABLE);
    } catch (IOException e) {
      throw new ConfigException(file.toString(), String.valueOf(e.getMessage()));
    }
    JsonNode root;
    try {
      root = YAML.readTree(text);
    } catch (JsonProcessingException e) {
      throw new ConfigException(file.toString(), NOT_YAML + yamlProblem(e));
    }
    ObjectNode tree = root instanceof ObjectNode object ? object
        : JsonNodeFactory.instance.objectNode();
    for (Map.Entry<String, String> entry : overrides.entrySet()) {
      override(tree, entry.getKey(), entry.getValue());
    }
    Path base = file.toAbsolutePath().getParent();
    return new Reader(base).read(tree);
  }

  /**
   * The parser's message in one line: its first line and the position the message gives for
   * it. The full message repeats the offending text under a caret over several lines, which
   * does not fit a one-line error.
   */
  static String yamlProblem(JsonProcessingException e) {
    String message = String.valueOf(e.getOriginalMessage());
    String first = message.lines().findFirst().orElse("").trim();
    Matcher duplicate = DUPLICATE_KEY.matcher(first);
    if (duplicate.find()) {
      first = DUPLICATE_SETTING + duplicate.group(1);
    }
    Matcher mark = YAML_MARK.matcher(message);
    if (mark.find()) {
      return first + " at line " + mark.group(1) + ", column " + mark.group(2);
    }
    JsonLocation location = e.getLocation();
    return location == null ? first
        : first + " at line " + location.getLineNr() + ", column " + location.getColumnNr();
  }

  /** This configuration listening on {@code port} instead. */
  public ServerConfig withPort(int port) {
    return new ServerConfig(new Listen(listen.host, port, listen.shutdownTimeout,
        listen.idleTimeout), tls,
        domains, tokens, signing, providers);
  }

  /** This configuration reading domains from {@code dir} instead. */
  public ServerConfig withDomainsDir(Path dir) {
    return new ServerConfig(listen, tls, new Domains(dir, domains.refreshInterval), tokens,
        signing, providers);
  }

  private static void override(ObjectNode tree, String path, String value) {
    String[] parts = path.split("\\.");
    ObjectNode node = tree;
    for (int i = 0; i < parts.length - 1; i++) {
      JsonNode child = node.get(parts[i]);
      node = child instanceof ObjectNode object ? object : node.putObject(parts[i]);
    }
    node.put(parts[parts.length - 1], value);
  }

  /** Walks the tree once, naming each setting as it checks it. */
  private static final class Reader {
    private final Path base;

    Reader(Path base) {
      this.base = base;
    }

    ServerConfig read(ObjectNode root) throws ConfigException {
      known(root, "", Set.of("listen", "tls", "domains", "tokens", "signing", "providers"));
      Listen listen = listen(section(root, "listen"));
      Tls tls = tls(section(root, "tls"));
      Domains domains = domains(section(root, "domains"));
      Tokens tokens = tokens(section(root, "tokens"));
      Signing signing = signing(section(root, "signing"));
      List<ProviderConfig> providers = providers(root.get("providers"));
      return new ServerConfig(listen, tls, domains, tokens, signing, providers);
    }

    private Listen listen(ObjectNode node) throws ConfigException {
      known(node, "listen", Set.of("host", "port", "shutdownTimeout", "idleTimeout"));
      String host = text(node, "listen", "host", "0.0.0.0");
      String portText = text(node, "listen", "port", "4443");
      int port;
      try {
        port = Integer.parseInt(portText);
      } catch (NumberFormatException e) {
        throw new ConfigException("listen.port", portText + ": not a number");
      }
      if (port < 0 || port > 65535) {
        throw new ConfigException("listen.port", port + ": not between 0 and 65535");
      }
      Duration shutdown = duration(node, "listen", "shutdownTimeout", "10s");
      Duration idle = duration(node, "listen", "idleTimeout", "30s");
      return new Listen(host, port, shutdown, idle);
    }

    private Tls tls(ObjectNode node) throws ConfigException {
      known(node, "tls", Set.of("certFile", "keyFile", "caCertFile"));
      return new Tls(file(node, "tls", "certFile"), file(node, "tls", "keyFile"),
          file(node, "tls", "caCertFile"));
    }

    private Domains domains(ObjectNode node) throws ConfigException {
      known(node, "domains", Set.of("dir", "refreshInterval"));
      Path dir = path(node, "domains", "dir");
      if (!Files.isDirectory(dir)) {
        throw new ConfigException("domains.dir",
            dir + ": " + (Files.exists(dir) ? NOT_A_DIRECTORY : NO_SUCH_FILE));
      }
      Duration refresh = duration(node, "domains", "refreshInterval", "30s");
      return new Domains(dir, refresh);
    }

    private Tokens tokens(ObjectNode node) throws ConfigException {
      known(node, "tokens", Set.of("trustDomain", "issuer", "defaultExpiry", "maxExpiry"));
      String trustDomain = text(node, "tokens", "trustDomain", "athenz.io");
      if (!trustDomain.matches("[a-z0-9._-]+")) {
        throw new ConfigException("tokens.trustDomain",
            trustDomain + ": not a SPIFFE trust domain name");
      }
      String issuer = text(node, "tokens", "issuer", null);
      if (!issuer.startsWith("https://")) {
        throw new ConfigException("tokens.issuer", issuer + ": must be an https URL");
      }
      Duration defaultExpiry = duration(node, "tokens", "defaultExpiry", "1h");
      Duration maxExpiry = duration(node, "tokens", "maxExpiry", "12h");
      // Token times are whole seconds: anything shorter would issue a token expired at birth.
      if (defaultExpiry.compareTo(Duration.ofSeconds(1)) < 0) {
        throw new ConfigException("tokens.defaultExpiry", SHORTER_THAN_A_SECOND);
      }
      if (maxExpiry.compareTo(Duration.ofSeconds(1)) < 0) {
        throw new ConfigException("tokens.maxExpiry", SHORTER_THAN_A_SECOND);
      }
      if (defaultExpiry.compareTo(maxExpiry) > 0) {
        throw new ConfigException("tokens.defaultExpiry", "longer than tokens.maxExpiry");
      }
      return new Tokens(trustDomain, issuer, defaultExpiry, maxExpiry);
    }

    private Signing signing(ObjectNode node) throws ConfigException {
      known(node, "signing", Set.of("keys", "generatedKeyDir"));
      List<SigningKeyConfig> keys = new ArrayList<>();
      JsonNode list = node.get("keys");
      Set<String> kids = new HashSet<>();
      if (list != null && !list.isNull()) {
        if (!list.isArray()) {
          throw new ConfigException("signing.keys", "must be a list");
        }
        for (int i = 0; i < list.size(); i++) {
          String at = "signing.keys[" + i + "]";
          ObjectNode entry = object(list.get(i), at);
          known(entry, at, Set.of("file", "kid", "active", "notAfter"));
          Path file = file(entry, at, "file");
          String kid = text(entry, at, "kid", null);
          if (kid.isBlank() || !kids.add(kid)) {
            throw new ConfigException(at + ".kid", kid + ": empty or used twice");
          }
          boolean active = bool(entry, at, "active", true);
          keys.add(new SigningKeyConfig(file, kid, active, instant(entry, at, "notAfter")));
        }
        if (!keys.isEmpty() && keys.stream().noneMatch(SigningKeyConfig::active)) {
          throw new ConfigException("signing.keys", "no key is active");
        }
      }
      Path generated = null;
      if (node.hasNonNull("generatedKeyDir")) {
        generated = path(node, "signing", "generatedKeyDir");
      } else if (keys.isEmpty()) {
        throw new ConfigException("signing.generatedKeyDir", REQUIRED + " when no keys are set");
      }
      return new Signing(keys, generated);
    }

    private List<ProviderConfig> providers(JsonNode list) throws ConfigException {
      List<ProviderConfig> providers = new ArrayList<>();
      if (list == null || list.isNull()) {
        return providers;
      }
      if (!list.isArray()) {
        throw new ConfigException("providers", "must be a list");
      }
      Set<String> names = new HashSet<>();
      for (int i = 0; i < list.size(); i++) {
        String at = "providers[" + i + "]";
        ObjectNode entry = object(list.get(i), at);
        known(entry, at, Set.of("name", "class", "issuerDnAllowList"));
        String name = text(entry, at, "name", null).toLowerCase(Locale.ROOT);
        if (!names.add(name)) {
          throw new ConfigException(at + ".name", name + ": used twice");
        }
        String className = text(entry, at, "class", null);
        List<String> allowList = new ArrayList<>();
        JsonNode dns = entry.get("issuerDnAllowList");
        if (dns != null && !dns.isNull()) {
          if (!dns.isArray()) {
            throw new ConfigException(at + ".issuerDnAllowList", "must be a list");
          }
          dns.forEach(dn -> allowList.add(dn.asText()));
        }
        providers.add(new ProviderConfig(name, className, allowList));
      }
      return providers;
    }

    private static ObjectNode section(ObjectNode root, String name) throws ConfigException {
      JsonNode node = root.get(name);
      if (node == null || node.isNull()) {
        return JsonNodeFactory.instance.objectNode();
      }
      return object(node, name);
    }

    private static ObjectNode object(JsonNode node, String at) throws ConfigException {
      if (node instanceof ObjectNode object) {
        return object;
      }
      throw new ConfigException(at, "must be a mapping");
    }

    private static void known(ObjectNode node, String at, Set<String> names)
        throws ConfigException {
      for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
        String name = it.next();
        if (!names.contains(name)) {
          throw new ConfigException(at.isEmpty() ? name : at + "." + name, UNKNOWN_SETTING);
        }
      }
    }

    private static String text(ObjectNode node, String at, String name, String fallback)
        throws ConfigException {
      // Only a setting left out takes its default: one given empty or as a list or mapping is
      // an error, so a typo cannot quietly widen, say, the listen address.
      JsonNode value = node.get(name);
      if (value == null) {
        if (fallback == null) {
          throw new ConfigException(at + "." + name, REQUIRED);
        }
        return fallback;
      }
      if (!value.isValueNode()) {
        throw new ConfigException(at + "." + name, NOT_SINGLE_VALUE);
      }
      if (value.isNull() || value.asText().isEmpty()) {
        throw new ConfigException(at + "." + name, fallback == null ? REQUIRED : EMPTY);
      }
      return value.asText();
    }

    private static boolean bool(ObjectNode node, String at, String name, boolean fallback)
        throws ConfigException {
      String text = text(node, at, name, Boolean.toString(fallback));
      if (!text.equals("true") && !text.equals("false")) {
        throw new ConfigException(at + "." + name, text + ": must be true or false");
      }
      return Boolean.parseBoolean(text);
    }

    private static Duration duration(ObjectNode node, String at, String name, String fallback)
        throws ConfigException {
      String text = text(node, at, name, fallback);
      Duration duration;
      try {
        duration = Durations.parse(text);
      } catch (IllegalArgumentException e) {
        throw new ConfigException(at + "." + name, text + ": " + e.getMessage());
      }
      if (duration.isZero()) {
        throw new ConfigException(at + "." + name, text + ": must be positive");
      }
      return duration;
    }

    private static Instant instant(ObjectNode node, String at, String name)
        throws ConfigException {
      JsonNode value = node.get(name);
      if (value == null || value.isNull()) {
        return null;
      }
      try {
        return Instant.parse(value.asText());
      } catch (DateTimeParseException e) {
        throw new ConfigException(at + "." + name,
            value.asText() + ": not an instant such as 2030-01-01T00:00:00Z");
      }
    }

    private Path path(ObjectNode node, String at, String name) throws ConfigException {
      return base.resolve(text(node, at, name, null)).normalize();
    }

    private Path file(ObjectNode node, String at, String name) throws ConfigException {
      Path file = path(node, at, name);
      if (!Files.isRegularFile(file)) {
        throw new ConfigException(at + "." + name, file + ": "
            + (Files.exists(file) ? "not a regular file" : NO_SUCH_FILE));
      }
      if (!Files.isReadable(file)) {
        throw new ConfigException(at + "." + name, file + ": " + NOT_READABLE);
      }
      return file;
    }
  }
}
