package dev.stowage.engine.storage;

import dev.stowage.engine.error.EngineException;
import dev.stowage.engine.storage.file.FileStorage;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;

/** Opens a storage from its URL: {@code file:///abs/path} or a plain absolute path. */
public final class StorageFactory {
  private StorageFactory() {}

  public static BackupStorage open(String url) {
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
      throw EngineException.invalid("--storage \"" + url + "\" is not a valid URL: " + e.getReason());
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme();
    if (scheme.equals("file")) {
      if (uri.getPath() == null || !uri.getPath().startsWith("/") || (uri.getAuthority() != null && !uri.getAuthority().isEmpty())) {
        throw EngineException.invalid("--storage \"" + url + "\": a file URL needs an absolute path,"
            + " as in file:///backups");
      }
      return new FileStorage(Path.of(uri.getPath()));
    }
    throw EngineException.invalid("--storage \"" + url + "\": unsupported scheme \"" + scheme
        + "\"; use file:///absolute/path");
  }
}
