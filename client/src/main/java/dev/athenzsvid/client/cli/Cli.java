package dev.athenzsvid.client.cli;

import dev.athenzsvid.client.tls.Pem;
import dev.athenzsvid.client.tls.TlsContexts;
import dev.athenzsvid.client.zts.ZtsException;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Locale;
import javax.net.ssl.SSLContext;
import picocli.CommandLine;

/**
 * Shared command-line behaviour of every tool of the client jar: usage errors exit 2 with the
 * usage, failures exit 1 with one line {@code <command>: <reason>} on standard error and no
 * stack trace. Stateless.
 */
public final class Cli {
  /** The call or request failed. */
  public static final int EXIT_FAILED = 1;
  /** The command line itself was wrong. */
  public static final int EXIT_USAGE = 2;

  private Cli() {}

  /** Runs {@code command} on {@code args} and returns the exit status. */
  public static int run(Object command, String... args) {
    return commandLine(command).execute(args);
  }

  /** A command line whose failures print one line, as the class describes. */
  public static CommandLine commandLine(Object command) {
    CommandLine line = new CommandLine(command);
    line.setExecutionExceptionHandler((e, cmd, parsed) -> {
      cmd.getErr().println(cmd.getCommandSpec().qualifiedName() + ": " + describe(e));
      return e instanceof CliException.Usage ? EXIT_USAGE : EXIT_FAILED;
    });
    return line;
  }

  /** Reads a file named by {@code flag}; the message says which flag, which file and why. */
  public static <T> T read(String flag, Path file, FileReader<T> reader) throws CliException {
    try {
      return reader.read(file);
    } catch (IOException e) {
      String message = reason(e);
      throw new CliException(flag + ": " + (message.startsWith(file.toString())
          ? message : file + ": " + message));
    }
  }

  /**
   * The TLS context of a service calling ZTS, from the options {@code -svc-key-file},
   * {@code -svc-cert-file} and {@code -cacert} (null for the JDK's CAs) that the tools share.
   */
  public static SSLContext serviceTls(Path keyFile, Path certFile, Path caCertFile)
      throws CliException {
    PrivateKey key = read("-svc-key-file", keyFile, Pem::readPrivateKey);
    List<X509Certificate> chain = read("-svc-cert-file", certFile, Pem::readCertificates);
    List<X509Certificate> trusted =
        caCertFile == null ? null : read("-cacert", caCertFile, Pem::readCertificates);
    try {
      Pem.checkKeyMatches(key, chain.get(0));
      return TlsContexts.client(key, chain, trusted);
    } catch (IOException | GeneralSecurityException e) {
      throw new CliException("-svc-key-file: " + e.getMessage());
    }
  }

  /** Reads one file; {@link #read} turns its failure into a message. */
  public interface FileReader<T> {
    T read(Path file) throws IOException;
  }

  /**
   * Why a file operation failed, in the words of the C library rather than a class name: the
   * file system exceptions carry only the path as their message.
   */
  static String reason(IOException e) {
    if (e instanceof NoSuchFileException) {
      return "no such file or directory";
    }
    if (e instanceof AccessDeniedException) {
      return "permission denied";
    }
    if (e instanceof FileAlreadyExistsException) {
      return "a file is in the way";
    }
    if (e instanceof NotDirectoryException) {
      return "not a directory";
    }
    if (e instanceof FileSystemException fs && fs.getReason() != null) {
      return fs.getReason().toLowerCase(Locale.ROOT);
    }
    String message = deepestMessage(e);
    return message != null ? message : "input/output error";
  }

  /** The message of the innermost cause that has one, or null when none has. */
  private static String deepestMessage(Throwable t) {
    String message = null;
    for (Throwable cause = t; cause != null; cause = cause.getCause()) {
      if (cause.getMessage() != null && !cause.getMessage().isEmpty()) {
        message = cause.getMessage();
      }
    }
    return message;
  }

  private static String describe(Exception e) {
    if (e instanceof StatusRuntimeException status) {
      String description = status.getStatus().getDescription();
      String cause = deepestMessage(status.getStatus().getCause());
      return status.getStatus().getCode()
          + (description == null ? "" : ": " + description)
          + (cause == null ? "" : " (" + cause + ")");
    }
    if (e instanceof ZtsException zts) {
      return SvcTokenCommand.describe(zts);
    }
    if (e instanceof CliException || e instanceof IllegalArgumentException) {
      return e.getMessage();
    }
    if (e instanceof IOException io) {
      return reason(io);
    }
    // Only a bug of ours gets here; the message still fits on one line.
    String message = deepestMessage(e);
    return "internal error" + (message == null ? "" : ": " + message);
  }
}
