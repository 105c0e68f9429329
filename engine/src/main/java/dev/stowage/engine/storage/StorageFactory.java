package dev.stowage.engine.storage;

import dev.stowage.engine.error.EngineException;
import dev.stowage.engine.storage.file.FileStorage;
import dev.stowage.engine.storage.s3.RangedGets;
import dev.stowage.engine.storage.s3.S3Encryption;
import dev.stowage.engine.storage.s3.S3Options;
import dev.stowage.engine.storage.s3.S3Storage;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;

/**
 * Opens a storage from its URL: {@code file:///abs/path}, a plain absolute path, or {@code
 * s3://bucket/prefix?...}.
 */
public final class StorageFactory {
  /** Part buffers kept for reuse by S3 uploads (one per busy worker). */
  private static final int S3_BUFFERED_PARTS = 8;

  private StorageFactory() {}

  public static BackupStorage open(String url) {
    return open(url, S3Encryption.NONE, RangedGets.DEFAULTS);
  }

  /** {@code ranged}: how S3 reads large objects (ignored for directories). */
  public static BackupStorage open(String url, RangedGets ranged) {
    return open(url, S3Encryption.NONE, ranged);
  }

  /**
   * Opens {@code url} with the server-side encryption {@code sse}, which only S3 storage has: a
   * file storage with anything but none is refused (exit 2).
   */
  public static BackupStorage open(String url, S3Encryption sse) {
    return open(url, sse, RangedGets.DEFAULTS);
  }

  /** Opens {@code url} with encryption {@code sse} and {@code ranged} reads of large objects. */
  public static BackupStorage open(String url, S3Encryption sse, RangedGets ranged) {
    if (!sse.isNone() && (url == null || !url.startsWith("s3:"))) {
      throw EngineException.invalid(
          "--s3-sse, --s3-sse-kms-key-id and --s3-sse-c-key-file apply only to s3:// storage, and"
              + " --storage is not an s3:// URL; leave them out for a directory");
    }
    if (url == null || url.isBlank()) {
      throw EngineException.invalid("--storage is empty; give file:///absolute/path");
    }
    if (url.startsWith("/")) {
      return new FileStorage(Path.of(url));
    }
    URI uri;
    try {
      uri = new URI(url);
    } catch (URISyntaxException e) {
      throw EngineException.invalid(
          "--storage \"" + StorageUrls.masked(url) + "\" is not a valid URL: " + e.getReason());
    }
    StorageUrls.refuseUserInfo(uri, "--storage");
    String scheme = uri.getScheme() == null ? "" : uri.getScheme();
    if (scheme.equals("file")) {
      if (uri.getPath() == null
          || !uri.getPath().startsWith("/")
          || (uri.getAuthority() != null && !uri.getAuthority().isEmpty())) {
        throw EngineException.invalid(
            "--storage \""
                + StorageUrls.masked(url)
                + "\": a file URL needs an absolute path,"
                + " as in file:///backups");
      }
      return new FileStorage(Path.of(uri.getPath()));
    }
    if (scheme.equals("s3")) {
      return new S3Storage(S3Options.parse(url).withEncryption(sse), S3_BUFFERED_PARTS, ranged);
    }
    throw EngineException.invalid(
        "--storage \""
            + StorageUrls.masked(url)
            + "\": unsupported scheme \""
            + scheme
            + "\"; use file:///absolute/path or s3://bucket/prefix");
  }
}
