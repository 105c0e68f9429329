package dev.stowage.operator.job;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;

/**
 * The engine's result, read from its container's termination message (the JSON object the engine
 * writes with {@code --result-file}). A message that is empty, cut short or not JSON still gives a
 * result: the fields that could be read, status {@link Status#UNKNOWN} unless the status itself was
 * read, and {@link #problem()} saying what was wrong with the message.
 *
 * @param status what the engine reported, or UNKNOWN
 * @param exitCode the engine's exit code on failure
 * @param error the engine's error message on failure
 * @param object the file, chunk or storage object a failure is about
 * @param name the backup name
 * @param encryptionKeyId the id of the key an encrypted backup was written or restored with, or
 *     null; only ever 16 hex digits (anything else is dropped, so status never shows more)
 * @param encryptionKeyForm "Key" (a key file) or "Passphrase" (a key stretched from one), or null;
 *     anything else is dropped
 * @param targetHeldMarker for a restore: whether the target already held the restore-in-progress
 *     marker when this run started (an earlier run wrote into it), or null when not said
 * @param problem null when the whole message was read; otherwise why it could not be, for a person
 */
public record EngineResult(
    Status status,
    Integer exitCode,
    String error,
    String object,
    String name,
    Long files,
    Long chunks,
    Long bytesRead,
    Long bytesStored,
    Long bytesWritten,
    Double durationSeconds,
    String engineVersion,
    String encryptionKeyId,
    String encryptionKeyForm,
    Boolean targetHeldMarker,
    String problem) {

  /** What the engine said of its run. */
  public enum Status {
    SUCCEEDED,
    FAILED,
    /** The message did not say (empty, unreadable, or cut before the status). */
    UNKNOWN
  }

  /** Most characters of the engine's error copied into status.message and events. */
  public static final int MAX_ERROR_CHARS = 512;

  /** How much of an unreadable message is quoted in {@link #problem()}. */
  static final int QUOTE_CHARS = 200;

  private static final JsonFactory JSON = new JsonFactory();

  /** Reads a termination message; never throws. */
  public static EngineResult parse(String message) {
    if (message == null || message.isBlank()) {
      return unreadable(
          "the engine wrote no result: it was stopped before it finished (for example killed for"
              + " using more memory than its limit, or by activeDeadlineSeconds) or never started");
    }
    Map<String, Object> fields = new HashMap<>();
    String problem = null;
    try (JsonParser p = JSON.createParser(message)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        return unreadable("the engine's result is not a JSON object: " + quote(message));
      }
      JsonToken t;
      while ((t = p.nextToken()) != JsonToken.END_OBJECT) {
        if (t == null) {
          throw new IOException("end of input inside the object");
        }
        String field = p.currentName();
        JsonToken value = p.nextToken();
        if (value == JsonToken.START_OBJECT || value == JsonToken.START_ARRAY) {
          p.skipChildren();
        } else if (value == JsonToken.VALUE_STRING) {
          fields.put(field, p.getText());
        } else if (value == JsonToken.VALUE_NUMBER_INT || value == JsonToken.VALUE_NUMBER_FLOAT) {
          fields.put(field, p.getNumberValue());
        } else if (value == JsonToken.VALUE_TRUE || value == JsonToken.VALUE_FALSE) {
          fields.put(field, value == JsonToken.VALUE_TRUE);
        }
      }
    } catch (IOException e) {
      // Kept: what was read before the message broke off, typically status and exit code.
      problem =
          "the engine's result is cut short or not valid JSON ("
              + e.getClass().getSimpleName()
              + "); read what came before: "
              + quote(message);
    }
    return new EngineResult(
        status(fields.get("status")),
        integer(fields.get("exitCode")),
        text(fields.get("error")),
        text(fields.get("object")),
        text(fields.get("name")),
        whole(fields.get("files")),
        whole(fields.get("chunks")),
        whole(fields.get("bytesRead")),
        whole(fields.get("bytesStored")),
        whole(fields.get("bytesWritten")),
        decimal(fields.get("durationSeconds")),
        text(fields.get("engineVersion")),
        keyId(text(fields.get("encryptionKeyId"))),
        keyForm(text(fields.get("encryptionKeyForm"))),
        fields.get("targetHeldMarker") instanceof Boolean b ? b : null,
        problem);
  }

  private static final java.util.regex.Pattern KEY_ID =
      java.util.regex.Pattern.compile("[0-9a-f]{16}");

  private static String keyForm(String form) {
    return "Key".equals(form) || "Passphrase".equals(form) ? form : null;
  }

  private static String keyId(String id) {
    return id != null && KEY_ID.matcher(id).matches() ? id : null;
  }

  /** Whether the engine said it succeeded. */
  public boolean succeeded() {
    return status == Status.SUCCEEDED;
  }

  /**
   * The failure in words for status.message: the engine's error and exit code, the object
   * concerned, and what was wrong with the message if it could not all be read.
   */
  public String failureMessage() {
    StringBuilder s = new StringBuilder();
    if (error != null) {
      s.append(bounded(error));
    } else {
      s.append("the engine failed without an error message");
    }
    if (object != null && !s.toString().contains(object)) {
      s.append(" (").append(object).append(')');
    }
    if (exitCode != null) {
      s.append(" [exit code ").append(exitCode).append(']');
    }
    if (problem != null) {
      s.append("; ").append(problem);
    }
    return s.toString();
  }

  // Where a server's response body starts, when an error quotes one (XML, HTML or JSON error).
  private static final java.util.regex.Pattern BODY =
      java.util.regex.Pattern.compile(
          "(?i)<\\?xml|<!doctype|<html|<error>|<errorresponse|\\{\\s*\"(error|code|message)\"");

  /**
   * The engine's error as it may appear in status and events: on one line, without a response body
   * a server sent, at most {@link #MAX_ERROR_CHARS} characters, marked where cut. The engine's own
   * log keeps the whole text.
   */
  static String bounded(String error) {
    String e = error.replaceAll("[\\p{Cntrl}\\u2028\\u2029]+", " ").strip();
    String body = "";
    java.util.regex.Matcher m = BODY.matcher(e);
    if (m.find()) {
      e = e.substring(0, m.start()).strip();
      body = " [response body left out; the engine's log has it]";
    }
    if (e.length() > MAX_ERROR_CHARS) {
      return e.substring(0, MAX_ERROR_CHARS)
          + "... [truncated, "
          + error.length()
          + " chars; the engine's log has it all]"
          + body;
    }
    return e + body;
  }

  private static EngineResult unreadable(String problem) {
    return new EngineResult(
        Status.UNKNOWN,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        problem);
  }

  private static String quote(String message) {
    String m = message.strip();
    return "\"" + (m.length() > QUOTE_CHARS ? m.substring(0, QUOTE_CHARS) + "..." : m) + "\"";
  }

  private static Status status(Object v) {
    if ("Succeeded".equals(v)) {
      return Status.SUCCEEDED;
    }
    if ("Failed".equals(v)) {
      return Status.FAILED;
    }
    return Status.UNKNOWN;
  }

  private static String text(Object v) {
    return v instanceof String s ? s : null;
  }

  private static Integer integer(Object v) {
    Long l = whole(v);
    return l != null && l >= Integer.MIN_VALUE && l <= Integer.MAX_VALUE ? l.intValue() : null;
  }

  private static Long whole(Object v) {
    if (v instanceof Integer || v instanceof Long) {
      return ((Number) v).longValue();
    }
    return null;
  }

  private static Double decimal(Object v) {
    return v instanceof Number n ? n.doubleValue() : null;
  }
}
