package dev.stowage.engine.storage;

import dev.stowage.engine.error.EngineException;
import java.net.URI;
import java.util.regex.Pattern;

/**
 * Rules every storage URL and endpoint follows before it is used: no user info ({@code
 * user:password@host}: credentials never travel in a URL, where logs, proxies and status fields
 * would copy them) and no {@code .} or {@code ..} segment in a prefix (a prefix names a place in
 * the bucket and must not climb out of it). Messages echo a URL only with its user info masked.
 */
public final class StorageUrls {
  // "scheme://userinfo@" plain or URL-encoded (an endpoint inside the query string).
  private static final Pattern USER_INFO =
      Pattern.compile("(?i)(://|%3A%2F%2F)([^/?#&\\s]*?)(@|%40)");

  private StorageUrls() {}

  /** The URL with any user info replaced by {@code ***}, for messages. */
  public static String masked(String url) {
    return url == null ? null : USER_INFO.matcher(url).replaceAll("$1***$3");
  }

  /** Refuses a URL (the storage URL or an endpoint) that carries user info. */
  public static void refuseUserInfo(URI uri, String what) {
    String authority = uri.getRawAuthority();
    if (uri.getRawUserInfo() != null || (authority != null && authority.contains("@"))) {
      throw EngineException.invalid(
          what
              + " \""
              + masked(uri.toString())
              + "\" holds user info (user:password@): credentials never go in a URL. Give them"
              + " as AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, a profile or a web identity, and"
              + " remove the user info");
    }
  }

  /** Refuses a prefix (decoded, {@code /}-separated) with a {@code .} or {@code ..} segment. */
  public static void refuseDotSegments(String prefix, String url) {
    for (String part : prefix.split("/", -1)) {
      if (part.equals("..") || part.equals(".")) {
        throw EngineException.invalid(
            "--storage \""
                + masked(url)
                + "\": the prefix \""
                + prefix
                + "\" has a \""
                + part
                + "\" segment; a prefix is a plain path inside the bucket (it must not climb out"
                + " of it)");
      }
    }
  }
}
