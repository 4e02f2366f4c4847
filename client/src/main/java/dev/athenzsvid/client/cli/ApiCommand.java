package dev.athenzsvid.client.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.ByteString;
import com.google.protobuf.Value;
import dev.athenzsvid.client.workload.WorkloadApiClient;
import dev.athenzsvid.proto.workload.JWTBundlesResponse;
import dev.athenzsvid.proto.workload.JWTSVID;
import dev.athenzsvid.proto.workload.JWTSVIDResponse;
import dev.athenzsvid.proto.workload.ValidateJWTSVIDResponse;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code athenz-svid-api}: talks to a SPIFFE Workload API endpoint, ours or any other agent's.
 * Exit status: 0 success, 1 the call failed (the message names the gRPC status), 2 bad usage.
 */
@Command(separator = " ", name = "athenz-svid-api", mixinStandardHelpOptions = true,
    version = "athenz-svid-api 0.1.0",
    description = "Talk to a SPIFFE Workload API endpoint.",
    subcommands = {ApiCommand.Fetch.class, ApiCommand.Validate.class, ApiCommand.Watch.class,
        ApiCommand.HealthCheck.class},
    footer = {"", "Example:",
        "  athenz-svid-api fetch jwt -audience https://api.example.com \\",
        "    -socket unix:///run/athenz-svid/agent.sock",
        "", "Exit status: 0 success, 1 the call failed, 2 bad usage."})
public final class ApiCommand implements Runnable {
  static final String EMPTY_AUDIENCE = "-audience: must not be empty";
  static final String EMPTY_SVID = "-svid: must not be empty (- reads the token from standard"
      + " input)";
  static final String EMPTY_STDIN = "-svid -: standard input held no token";

  private static final ObjectMapper JSON = new ObjectMapper();

  @Spec
  private CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "name a command");
  }

  /** Entry point of the {@code athenz-svid-api} launch script. */
  public static void main(String[] args) {
    System.exit(Cli.run(new ApiCommand(), args));
  }

  /**
   * A command that makes calls to the agent: it takes the common options, connects, runs
   * {@link #call(WorkloadApiClient, PrintWriter)} and closes the connection.
   */
  abstract static class AgentCall implements Callable<Integer> {
    @Mixin
    ApiOptions options;

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public final Integer call() throws Exception {
      check();
      try (WorkloadApiClient client = options.connect()) {
        return call(client, spec.commandLine().getOut());
      } catch (StatusRuntimeException e) {
        throw explain(e).<Exception>map(CliException::new).orElse(e);
      }
    }

    /** Checks the command's own options before connecting; the default has none to check. */
    void check() throws CliException {}

    /**
     * The failures gRPC words for its own developers, said for the user: nothing at the
     * address, or no answer within {@code -timeout}.
     */
    private Optional<String> explain(StatusRuntimeException e) {
      if (e.getStatus().getCode() == Status.Code.DEADLINE_EXCEEDED) {
        return Optional.of(Status.Code.DEADLINE_EXCEEDED + ": no answer within "
            + options.timeout.trim() + " (-timeout)");
      }
      return WorkloadApiClient.unreachable(e, options.address());
    }

    abstract int call(WorkloadApiClient client, PrintWriter out) throws Exception;
  }

  @Command(separator = " ", name = "fetch", mixinStandardHelpOptions = true,
      description = "Fetch JWT-SVIDs or bundles.",
      subcommands = {FetchJwt.class, FetchBundles.class})
  static final class Fetch implements Runnable {
    @Spec
    private CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
      throw new CommandLine.ParameterException(spec.commandLine(), "name jwt or bundles");
    }
  }

  @Command(separator = " ", name = "jwt", mixinStandardHelpOptions = true,
      description = "Fetch a JWT-SVID for each identity of the caller, then the bundles.",
      footer = {"", "Example:",
          "  athenz-svid-api fetch jwt -audience https://api.example.com -audience other \\",
          "    -socket unix:///run/athenz-svid/agent.sock -decode"})
  static final class FetchJwt extends AgentCall {
    @Option(names = "-audience", required = true, paramLabel = "AUDIENCE",
        description = "Audience of the token; repeat for several")
    private List<String> audiences;

    @Option(names = {"-spiffeID", "-spiffe-id"}, paramLabel = "ID",
        defaultValue = "", description = "Only the identity with this SPIFFE ID")
    private String spiffeId;

    @Option(names = "-decode",
        description = "Also print each token's decoded header and claims")
    private boolean decode;

    @Override
    void check() throws CliException {
      if (audiences.stream().anyMatch(String::isEmpty)) {
        throw new CliException.Usage(EMPTY_AUDIENCE);
      }
    }

    @Override
    int call(WorkloadApiClient client, PrintWriter out) throws Exception {
      JWTSVIDResponse svids = client.fetchJwtSvid(audiences, spiffeId);
      JWTBundlesResponse bundles = client.fetchJwtBundles();
      if (options.json()) {
        ObjectNode root = JSON.createObjectNode();
        ArrayNode list = root.putArray("svids");
        for (JWTSVID svid : svids.getSvidsList()) {
          ObjectNode item = list.addObject()
              .put("spiffe_id", svid.getSpiffeId())
              .put("svid", svid.getSvid())
              .put("hint", svid.getHint());
          if (decode) {
            item.set("header", JSON.readTree(segment(svid.getSvid(), 0)));
            item.set("claims", JSON.readTree(segment(svid.getSvid(), 1)));
          }
        }
        root.set("bundles", bundlesJson(bundles));
        out.println(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root));
        return 0;
      }
      for (JWTSVID svid : svids.getSvidsList()) {
        out.println("token(" + svid.getSpiffeId() + "):");
        out.println("\t" + svid.getSvid());
        if (!svid.getHint().isEmpty()) {
          out.println("hint: " + svid.getHint());
        }
        if (decode) {
          out.println("header:");
          out.println(indent(pretty(segment(svid.getSvid(), 0))));
          out.println("claims:");
          out.println(indent(pretty(segment(svid.getSvid(), 1))));
        }
      }
      printBundles(out, bundles);
      return 0;
    }
  }

  @Command(separator = " ", name = "bundles", mixinStandardHelpOptions = true,
      description = "Fetch the JWT bundles (the signing keys of each trust domain).",
      footer = {"", "Example:",
          "  athenz-svid-api fetch bundles -socket unix:///run/athenz-svid/agent.sock"})
  static final class FetchBundles extends AgentCall {
    @Override
    int call(WorkloadApiClient client, PrintWriter out) throws Exception {
      JWTBundlesResponse bundles = client.fetchJwtBundles();
      if (options.json()) {
        out.println(JSON.writerWithDefaultPrettyPrinter()
            .writeValueAsString(bundlesJson(bundles)));
      } else {
        printBundles(out, bundles);
      }
      return 0;
    }
  }

  @Command(separator = " ", name = "validate", mixinStandardHelpOptions = true,
      description = "Validate a token through the agent.", subcommands = ValidateJwt.class)
  static final class Validate implements Runnable {
    @Spec
    private CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
      throw new CommandLine.ParameterException(spec.commandLine(), "name jwt");
    }
  }

  @Command(separator = " ", name = "jwt", mixinStandardHelpOptions = true,
      description = "Validate a JWT-SVID for one audience and print its SPIFFE ID and claims.",
      footer = {"", "Example:",
          "  athenz-svid-api validate jwt -audience https://api.example.com -svid \"$TOKEN\""})
  static final class ValidateJwt extends AgentCall {
    @Option(names = "-audience", required = true, paramLabel = "AUDIENCE",
        description = "The audience the token must have")
    private String audience;

    @Option(names = "-svid", required = true, paramLabel = "TOKEN",
        description = "The JWT-SVID to validate; - reads it from standard input, which keeps "
            + "it out of the process list")
    private String svid;

    /** The token to validate, read from standard input when {@code -svid} is -. */
    private String token;

    @Override
    void check() throws CliException {
      if (audience.isEmpty()) {
        throw new CliException.Usage(EMPTY_AUDIENCE);
      }
      if (svid.equals("-")) {
        try {
          token = new String(System.in.readAllBytes(), StandardCharsets.UTF_8).trim();
        } catch (IOException e) {
          throw new CliException("-svid -: cannot read standard input: " + Cli.reason(e));
        }
        if (token.isEmpty()) {
          throw new CliException.Usage(EMPTY_STDIN);
        }
      } else if (svid.isEmpty()) {
        throw new CliException.Usage(EMPTY_SVID);
      } else {
        token = svid;
      }
    }

    @Override
    int call(WorkloadApiClient client, PrintWriter out) throws Exception {
      ValidateJWTSVIDResponse response = client.validateJwtSvid(audience, token);
      JsonNode claims = toJson(Value.newBuilder().setStructValue(response.getClaims()).build());
      if (options.json()) {
        ObjectNode root = JSON.createObjectNode().put("spiffe_id", response.getSpiffeId());
        root.set("claims", claims);
        out.println(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root));
      } else {
        out.println("SVID is valid.");
        out.println("SPIFFE ID : " + response.getSpiffeId());
        out.println("Claims    : " + claims);
      }
      return 0;
    }
  }

  @Command(separator = " ", name = "watch", mixinStandardHelpOptions = true,
      description = "Print every JWT bundle update until interrupted.",
      footer = {"", "Example:",
          "  athenz-svid-api watch -socket unix:///run/athenz-svid/agent.sock -output json"})
  static final class Watch extends AgentCall {
    @Override
    int call(WorkloadApiClient client, PrintWriter out) throws Exception {
      AtomicReference<Throwable> failure = new AtomicReference<>();
      CountDownLatch done = new CountDownLatch(1);
      client.watchJwtBundles(new StreamObserver<>() {
        @Override
        public void onNext(JWTBundlesResponse bundles) {
          if (options.json()) {
            // One JSON document per line, so a script can read updates as they come.
            ObjectNode update = JSON.createObjectNode()
                .put("received", java.time.Instant.now().toString());
            update.set("bundles", bundlesJson(bundles));
            out.println(update);
          } else {
            out.println("Received JWT bundle update at " + java.time.Instant.now() + ":");
            printBundles(out, bundles);
          }
          out.flush();
        }

        @Override
        public void onError(Throwable t) {
          failure.set(t);
          done.countDown();
        }

        @Override
        public void onCompleted() {
          failure.set(new CliException("the agent closed the stream"));
          done.countDown();
        }
      });
      done.await();
      Throwable t = failure.get();
      throw t instanceof Exception e ? e : new CliException(String.valueOf(t));
    }
  }

  @Command(separator = " ", name = "healthcheck", mixinStandardHelpOptions = true,
      description = "Exit 0 when the agent reports SERVING through gRPC health, else 1.",
      footer = {"", "Example:",
          "  athenz-svid-api healthcheck -socket unix:///run/athenz-svid/agent.sock"})
  static final class HealthCheck extends AgentCall {
    @Override
    int call(WorkloadApiClient client, PrintWriter out) throws Exception {
      ServingStatus status = client.health();
      if (status != ServingStatus.SERVING) {
        throw new CliException("agent is unhealthy: " + status);
      }
      out.println(options.json() ? "{\"status\":\"SERVING\"}" : "Agent is healthy.");
      return 0;
    }
  }

  /** Struct values as JSON; whole numbers (claims such as exp) print without a fraction. */
  static JsonNode toJson(Value value) {
    JsonNodeFactory nodes = JSON.getNodeFactory();
    return switch (value.getKindCase()) {
      case STRUCT_VALUE -> {
        ObjectNode object = nodes.objectNode();
        value.getStructValue().getFieldsMap().entrySet().stream()
            .sorted(Map.Entry.comparingByKey())
            .forEach(field -> object.set(field.getKey(), toJson(field.getValue())));
        yield object;
      }
      case LIST_VALUE -> {
        ArrayNode array = nodes.arrayNode();
        value.getListValue().getValuesList().forEach(item -> array.add(toJson(item)));
        yield array;
      }
      case NUMBER_VALUE -> {
        double number = value.getNumberValue();
        boolean whole = number == Math.rint(number) && Math.abs(number) < 1e15;
        yield whole ? nodes.numberNode((long) number) : nodes.numberNode(number);
      }
      case STRING_VALUE -> nodes.textNode(value.getStringValue());
      case BOOL_VALUE -> nodes.booleanNode(value.getBoolValue());
      default -> nodes.nullNode();
    };
  }

  /** The bundles as one JSON object; a bundle that is not JSON is kept as text. */
  static ObjectNode bundlesJson(JWTBundlesResponse bundles) {
    ObjectNode node = JSON.createObjectNode();
    for (Map.Entry<String, ByteString> bundle : sorted(bundles).entrySet()) {
      try {
        node.set(bundle.getKey(), JSON.readTree(bundle.getValue().toByteArray()));
      } catch (IOException e) {
        node.put(bundle.getKey(), bundle.getValue().toStringUtf8());
      }
    }
    return node;
  }


  static void printBundles(PrintWriter out, JWTBundlesResponse bundles) {
    for (Map.Entry<String, ByteString> bundle : sorted(bundles).entrySet()) {
      out.println("bundle(" + bundle.getKey() + "):");
      out.println("\t" + bundle.getValue().toStringUtf8());
    }
  }

  private static Map<String, ByteString> sorted(JWTBundlesResponse bundles) {
    return new TreeMap<>(bundles.getBundlesMap());
  }

  private static String segment(String jws, int index) throws CliException {
    String[] parts = jws.split("\\.");
    if (parts.length != 3) {
      throw new CliException("the agent returned a token that is not a compact JWS");
    }
    return new String(Base64.getUrlDecoder().decode(parts[index]), StandardCharsets.UTF_8);
  }

  private static String pretty(String json) throws Exception {
    return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(JSON.readTree(json));
  }

  private static String indent(String text) {
    return "\t" + text.replace("\n", "\n\t");
  }
}
