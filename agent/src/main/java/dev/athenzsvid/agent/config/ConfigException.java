package dev.athenzsvid.agent.config;

/**
 * A setting that cannot be used. The message is one line that starts with the setting's name,
 * for example {@code server.certFile: /x: no such file}.
 */
public final class ConfigException extends Exception {
  private static final long serialVersionUID = 1L;

  public ConfigException(String setting, String problem) {
    super(setting + ": " + problem);
  }
}
