package dev.stowage.engine.redact;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Removes credentials from text before it reaches the log, stdout, stderr or the result file: the
 * one place that decides what is secret. An S3 endpoint (or a proxy in front of it) may echo the
 * request in an error, and the SDK puts error bodies and request-id headers into its exception
 * messages, so any message can carry what the engine sent.
 *
 * <p>Removed: the value of an {@code Authorization} header (scheme and parameters), the values of
 * {@code X-Amz-Security-Token}, {@code X-Amz-Credential}, {@code X-Amz-Signature}, {@code
 * Signature=} and {@code Credential=} (headers, query strings, {@code key=value} and {@code key:
 * value} forms, any case), the signing details S3 returns with SignatureDoesNotMatch ({@code
 * <StringToSign>}, {@code <CanonicalRequest>}, {@code <SignatureProvided>}), {@code
 * aws_secret_access_key}/{@code aws_session_token} assignments, and the literal values (also
 * URL-encoded) of the environment variables in {@link #SECRET_VARIABLES} that are at least {@link
 * #MIN_SECRET_LENGTH} characters long. Each is replaced by {@link #MASK}; the rest of the text is
 * kept, so the message still says what went wrong.
 */
public final class Redactor {
  /** What a secret is replaced with. */
  public static final String MASK = "***";

  /** Literal values shorter than this are not searched for: they would mangle ordinary text. */
  public static final int MIN_SECRET_LENGTH = 8;

  /** Environment variables whose values are secret wherever they appear. */
  public static final List<String> SECRET_VARIABLES =
      List.of(
          "AWS_SECRET_ACCESS_KEY",
          "AWS_SESSION_TOKEN",
          "AWS_SECURITY_TOKEN",
          "AWS_CONTAINER_AUTHORIZATION_TOKEN");

  // A value ends at whitespace or a delimiter of headers, query strings, JSON, XML and lists.
  private static final String VALUE = "[^\\s&,;\"'<>|\\]\\)}]+";
  private static final String ASSIGN = "[\"']?[ \\t]*[:=][ \\t]*\\[?[\"']?";

  /** An Authorization value: a scheme, then parameters separated by commas (SigV4) or a blank. */
  private static final Pattern AUTHORIZATION =
      Pattern.compile(
          "(?i)(\\b(?:proxy-)?authorization"
              + ASSIGN
              + ")([A-Za-z0-9_.-]+(?:[ \\t]+[^\\s,\\]]+(?:,[ \\t]*[^\\s,\\]]+)*)?)");

  private static final Pattern KEYED =
      Pattern.compile(
          "(?i)(\\b(?:x-amz-security-token|x-amz-credential|x-amz-signature|signature|credential"
              + "|x-amz-server-side-encryption-customer-key|x-amz-copy-source-server-side"
              + "-encryption-customer-key|ssecustomerkey"
              + "|aws_secret_access_key|aws_session_token|aws_security_token|secretaccesskey"
              + "|sessiontoken)"
              + ASSIGN
              + ")("
              + VALUE
              + ")");

  private static final Pattern SIGNING_DETAILS =
      Pattern.compile(
          "(?is)(<(StringToSign|StringToSignBytes|CanonicalRequest|CanonicalRequestBytes"
              + "|SignatureProvided)>)(.*?)(</\\2>)");

  private static final Redactor STANDARD = fromEnvironment(System.getenv());

  private volatile List<String> literals;

  private Redactor(List<String> literals) {
    this.literals = literals;
  }

  /**
   * Adds a secret the engine read from a file (an SSE-C key), which no environment variable holds:
   * its literal value (and URL-encoded forms) is masked from now on. Shorter than {@link
   * #MIN_SECRET_LENGTH} characters: ignored, like the environment's.
   */
  public synchronized void addSecret(String value) {
    if (value == null || value.strip().length() < MIN_SECRET_LENGTH) {
      return;
    }
    Set<String> values = new LinkedHashSet<>(literals);
    values.addAll(forms(value));
    List<String> sorted = new ArrayList<>(values);
    sorted.sort(Comparator.comparingInt(String::length).reversed()); // longest first
    literals = List.copyOf(sorted);
  }

  /** The redactor for this process's environment. */
  public static Redactor standard() {
    return STANDARD;
  }

  /** A redactor for the secrets in {@code env} (and the patterns, which need no environment). */
  public static Redactor fromEnvironment(Map<String, String> env) {
    Set<String> values = new LinkedHashSet<>();
    for (String name : SECRET_VARIABLES) {
      String v = env.get(name);
      if (v == null || v.strip().length() < MIN_SECRET_LENGTH) {
        continue;
      }
      values.addAll(forms(v));
    }
    List<String> sorted = new ArrayList<>(values);
    sorted.sort(Comparator.comparingInt(String::length).reversed()); // longest first
    return new Redactor(List.copyOf(sorted));
  }

  private static List<String> forms(String v) {
    return List.of(
        v,
        v.strip(),
        URLEncoder.encode(v, StandardCharsets.UTF_8),
        URLEncoder.encode(v, StandardCharsets.UTF_8).replace("+", "%20"),
        // The byte-for-byte view that RedactingOutputStream matches against.
        new String(v.getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1));
  }

  /** The text with every secret replaced by {@link #MASK}; null stays null. */
  public String redact(String text) {
    if (text == null || text.isEmpty()) {
      return text;
    }
    String s = text;
    for (String secret : literals) {
      if (s.contains(secret)) {
        s = s.replace(secret, MASK);
      }
    }
    s = replaceGroup(AUTHORIZATION, s, 2);
    s = replaceGroup(KEYED, s, 2);
    s = replaceGroup(SIGNING_DETAILS, s, 3);
    return s;
  }

  private static String replaceGroup(Pattern p, String s, int group) {
    Matcher m = p.matcher(s);
    if (!m.find()) {
      return s;
    }
    StringBuilder out = new StringBuilder(s.length());
    int last = 0;
    do {
      out.append(s, last, m.start(group)).append(MASK);
      last = m.end(group);
    } while (m.find());
    return out.append(s, last, s.length()).toString();
  }
}
