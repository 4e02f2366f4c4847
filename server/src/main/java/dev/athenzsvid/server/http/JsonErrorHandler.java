package dev.athenzsvid.server.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.athenzsvid.proto.zts.ResourceError;
import java.nio.ByteBuffer;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

/**
 * The errors Jetty answers itself, before or around {@link ApiHandler}: malformed HTTP,
 * oversized headers, a handler that failed with an {@link Error}. They get the same Athenz
 * {@code {"code": N, "message": "..."}} body as every other error, never an HTML page or a
 * stack trace. A server error says only its status, so nothing internal leaks. Thread-safe.
 */
final class JsonErrorHandler extends ErrorHandler {
  private static final ObjectMapper JSON = new ObjectMapper();

  JsonErrorHandler() {
    setShowStacks(false);
    setShowCauses(false);
  }

  @Override
  protected void generateResponse(Request request, Response response, int code, String message,
      Throwable cause, Callback callback) {
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, ApiHandler.JSON_TYPE);
    response.write(true, ByteBuffer.wrap(body(code, message)), callback);
  }

  @Override
  public ByteBuffer badMessageError(int status, String reason, HttpFields.Mutable fields) {
    fields.put(HttpHeader.CONTENT_TYPE, ApiHandler.JSON_TYPE);
    return ByteBuffer.wrap(body(status, reason));
  }

  static byte[] body(int code, String message) {
    String text;
    if (code >= 500 || message == null || message.isBlank()) {
      text = HttpStatus.getMessage(code);
    } else {
      text = message;
    }
    try {
      return JSON.writeValueAsBytes(new ResourceError(code, text));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot encode an error body", e);
    }
  }
}
