package dev.stowage.engine.storage.s3;

import dev.stowage.engine.error.EngineException;
import dev.stowage.engine.storage.StorageUrls;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * A parsed {@code s3://BUCKET/PREFIX?endpoint=..&region=..&pathStyle=..&caBundle=..&checksums=..}
 * URL. Credentials never appear here: they come from the SDK's provider chain.
 */
public record S3Options(
    String bucket,
    String prefix,
    URI endpoint,
    String region,
    boolean pathStyle,
    Path caBundle,
    boolean checksumsWhenSupported,
    long partSize,
    java.time.Duration readTimeout,
    S3Encryption encryption) {

  public static final long DEFAULT_PART_SIZE = 8L << 20;

  public static S3Options parse(String url) {
    URI uri;
    try {
      uri = new URI(url);
    } catch (URISyntaxException e) {
      throw EngineException.invalid(
          "--storage \"" + StorageUrls.masked(url) + "\" is not a valid URL: " + e.getReason());
    }
    StorageUrls.refuseUserInfo(uri, "--storage");
    String bucket = uri.getHost() != null ? uri.getHost() : uri.getAuthority();
    if (bucket == null || bucket.isEmpty()) {
      throw EngineException.invalid(
          "--storage \"" + StorageUrls.masked(url) + "\" names no bucket; use s3://BUCKET/PREFIX");
    }
    String prefix =
        uri.getPath() == null ? "" : uri.getPath().replaceAll("^/+", "").replaceAll("/+$", "");
    StorageUrls.refuseDotSegments(prefix, url);
    Map<String, String> q = query(uri.getRawQuery(), url);
    URI endpoint = null;
    if (q.containsKey("endpoint")) {
      try {
        endpoint = new URI(q.remove("endpoint"));
      } catch (URISyntaxException e) {
        throw EngineException.invalid("--storage: endpoint is not a URL: " + e.getReason());
      }
      StorageUrls.refuseUserInfo(endpoint, "--storage: endpoint");
      if (endpoint.getScheme() == null
          || !(endpoint.getScheme().equals("http") || endpoint.getScheme().equals("https"))) {
        throw EngineException.invalid(
            "--storage: endpoint \"" + endpoint + "\" must start with http:// or https://");
      }
    }
    String region = q.remove("region");
    boolean pathStyle = bool(q.remove("pathStyle"), endpoint != null, "pathStyle");
    String ca = q.remove("caBundle");
    Path caBundle = ca == null ? null : Path.of(ca);
    String checksums = q.remove("checksums");
    boolean whenSupported;
    if (checksums == null || checksums.equalsIgnoreCase("when_required")) {
      whenSupported = false;
    } else if (checksums.equalsIgnoreCase("when_supported")) {
      whenSupported = true;
    } else {
      throw EngineException.invalid(
          "--storage: checksums=\""
              + checksums
              + "\"; use when_required"
              + " (default, works with every S3-compatible store) or when_supported");
    }
    long partSize = DEFAULT_PART_SIZE;
    String part = q.remove("partSize");
    if (part != null) {
      partSize = dev.stowage.engine.core.Sizes.parse("--storage partSize", part);
      if (partSize < (5L << 20) || partSize > (5L << 30)) {
        throw EngineException.invalid(
            "--storage: partSize must be between 5Mi and 5Gi (S3's limits)");
      }
    }
    java.time.Duration readTimeout = java.time.Duration.ofSeconds(30);
    String rt = q.remove("readTimeout");
    if (rt != null) {
      try {
        readTimeout = java.time.Duration.ofSeconds(Long.parseLong(rt.replaceAll("s$", "")));
      } catch (NumberFormatException e) {
        throw EngineException.invalid(
            "--storage: readTimeout=\"" + rt + "\"; give seconds, e.g. 30s");
      }
    }
    if (!q.isEmpty()) {
      throw EngineException.invalid(
          "--storage: unknown option(s) "
              + q.keySet()
              + "; known: endpoint,"
              + " region, pathStyle, caBundle, checksums, partSize, readTimeout");
    }
    return new S3Options(
        bucket,
        prefix,
        endpoint,
        region,
        pathStyle,
        caBundle,
        whenSupported,
        partSize,
        readTimeout,
        S3Encryption.NONE);
  }

  /**
   * These options with {@code sse}. SSE-C sends the key with every request, so it is refused over a
   * plain {@code http://} endpoint (S3 itself refuses it there too).
   */
  public S3Options withEncryption(S3Encryption sse) {
    if (sse.mode() == S3Encryption.Mode.SSE_C
        && endpoint != null
        && "http".equalsIgnoreCase(endpoint.getScheme())) {
      throw EngineException.invalid(
          "--s3-sse-c-key-file: SSE-C sends the key with every request, and the endpoint "
              + StorageUrls.masked(endpoint.toString())
              + " is plain http; use an https:// endpoint (caBundle=... for a private CA)");
    }
    return new S3Options(
        bucket,
        prefix,
        endpoint,
        region,
        pathStyle,
        caBundle,
        checksumsWhenSupported,
        partSize,
        readTimeout,
        sse);
  }

  private static boolean bool(String v, boolean dflt, String name) {
    if (v == null) {
      return dflt;
    }
    return switch (v.toLowerCase(Locale.ROOT)) {
      case "true" -> true;
      case "false" -> false;
      default ->
          throw EngineException.invalid("--storage: " + name + "=\"" + v + "\"; use true or false");
    };
  }

  private static Map<String, String> query(String raw, String url) {
    Map<String, String> q = new TreeMap<>();
    if (raw == null || raw.isEmpty()) {
      return q;
    }
    for (String kv : raw.split("&")) {
      int eq = kv.indexOf('=');
      if (eq <= 0) {
        throw EngineException.invalid(
            "--storage \""
                + StorageUrls.masked(url)
                + "\": option \""
                + StorageUrls.masked(kv)
                + "\" needs a value");
      }
      q.put(
          URLDecoder.decode(kv.substring(0, eq), StandardCharsets.UTF_8),
          URLDecoder.decode(kv.substring(eq + 1), StandardCharsets.UTF_8));
    }
    return q;
  }

  /** The key of an object: prefix/directory/name/object. */
  public String key(String... parts) {
    StringBuilder sb = new StringBuilder(prefix);
    for (String p : parts) {
      if (sb.length() > 0) {
        sb.append('/');
      }
      sb.append(p);
    }
    return sb.toString();
  }

  /** A URL that names a key, for messages (never with credentials). */
  public String describe(String key) {
    return "s3://" + bucket + "/" + key;
  }
}
