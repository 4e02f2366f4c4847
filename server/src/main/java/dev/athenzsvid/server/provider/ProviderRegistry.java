package dev.athenzsvid.server.provider;

import static java.util.Objects.requireNonNull;

import dev.athenzsvid.server.authz.Authorizer;
import dev.athenzsvid.server.config.ConfigException;
import dev.athenzsvid.server.config.ServerConfig;
import java.lang.reflect.InvocationTargetException;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The configured providers by name, each built once at start from its class, as Athenz binds
 * a provider service to a {@code class://} endpoint. Immutable and thread-safe.
 *
 * <p>TODO(#3): Athenz finds the class through the {@code providerEndpoint} of the provider's
 * service in the domain data; here the configuration names it, and the endpoint read from the
 * domain data is not yet compared with it.
 */
public final class ProviderRegistry {
  /** The scheme of Athenz's provider endpoints that name a class. */
  public static final String CLASS_SCHEME = "class://";

  private final Map<String, InstanceProvider> providers;

  private ProviderRegistry(Map<String, InstanceProvider> providers) {
    this.providers = Map.copyOf(providers);
  }

  /** A registry over already built providers, keyed by lower-case name. */
  public static ProviderRegistry of(Map<String, InstanceProvider> providers) {
    Map<String, InstanceProvider> lower = new HashMap<>();
    providers.forEach((name, provider) -> lower.put(name.toLowerCase(Locale.ROOT), provider));
    return new ProviderRegistry(lower);
  }

  /** Builds every configured provider; a class that cannot be used is a config error. */
  public static ProviderRegistry create(List<ServerConfig.ProviderConfig> configs,
      Authorizer authorizer) throws ConfigException {
    requireNonNull(authorizer, "authorizer");
    Map<String, InstanceProvider> built = new HashMap<>();
    for (int i = 0; i < configs.size(); i++) {
      ServerConfig.ProviderConfig config = configs.get(i);
      ProviderContext context =
          new ProviderContext(config.name(), config.issuerDnAllowList(), authorizer);
      built.put(config.name(), instantiate(config.className(), context, "providers[" + i + "]"));
    }
    return new ProviderRegistry(built);
  }

  /** The provider named {@code name} (lower case), if configured. */
  public Optional<InstanceProvider> provider(String name) {
    return Optional.ofNullable(providers.get(name));
  }

  private static InstanceProvider instantiate(String configured, ProviderContext context,
      String at) throws ConfigException {
    // Athenz names a provider's class in its endpoint as class://<name>; both forms work.
    String className = configured.startsWith(CLASS_SCHEME)
        ? configured.substring(CLASS_SCHEME.length()) : configured;
    try {
      Class<?> type = Class.forName(className);
      if (!InstanceProvider.class.isAssignableFrom(type)) {
        throw new ConfigException(at + ".class", className + ": not an InstanceProvider");
      }
      return (InstanceProvider) type.getConstructor(ProviderContext.class).newInstance(context);
    } catch (ClassNotFoundException e) {
      throw new ConfigException(at + ".class", className + ": no such class");
    } catch (NoSuchMethodException e) {
      throw new ConfigException(at + ".class",
          className + ": needs a public constructor taking a ProviderContext");
    } catch (InvocationTargetException e) {
      Throwable cause = e.getCause();
      throw new ConfigException(at, className + ": " + (cause.getMessage() != null
          ? cause.getMessage() : cause.getClass().getSimpleName()));
    } catch (ReflectiveOperationException e) {
      throw new ConfigException(at + ".class", className + ": " + e.getMessage());
    }
  }
}
