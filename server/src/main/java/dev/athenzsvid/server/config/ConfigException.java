package dev.athenzsvid.server.config;

/**
 * A setting that cannot be used. The message starts with the setting's path, for example
 * {@code tls.certFile: /x: no such file}, so an operator sees at once what to fix.
 */
public final class ConfigException extends Exception {
  private static final long serialVersionUID = 1L;

  private final String setting;

  public ConfigException(String setting, String problem) {
    super(setting + ": " + problem);
    this.setting = setting;
  }

  /** The dotted path of the bad setting, such as {@code tokens.maxExpiry}. */
  public String setting() {
    return setting;
  }
}
