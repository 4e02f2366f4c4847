package dev.athenzsvid.server.config;

/**
 * A setting that cannot be used. The message starts with the setting's path, for example
 * {@code tls.certFile: /x: no such file}, so an operator sees at once what to fix. A problem
 * with the configuration file as a whole names the file instead, for example
 * {@code /etc/server.yaml: no such file}.
 */
public final class ConfigException extends Exception {
  private static final long serialVersionUID = 1L;

  private final String setting;

  public ConfigException(String setting, String problem) {
    super(setting + ": " + problem);
    this.setting = setting;
  }

  /**
   * The dotted path of the bad setting, such as {@code tokens.maxExpiry}, or the path of the
   * configuration file when the file itself cannot be read.
   */
  public String setting() {
    return setting;
  }
}
