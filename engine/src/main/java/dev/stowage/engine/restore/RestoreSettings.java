package dev.stowage.engine.restore;

import dev.stowage.engine.core.Concurrency;
import dev.stowage.engine.core.Roots;

/**
 * Everything a restore needs to know. {@code keepServerUuid}: restore the top-level {@code
 * auto.cnf} (MySQL's server_uuid) too, which is left out by default. {@code maxUnsizedFileBytes}:
 * how far an object whose MANIFEST entry gives no size may decompress (null: the default cap).
 * {@code directIo}: write chunks with O_DIRECT where the file system allows (the default).
 */
public record RestoreSettings(
    Roots roots,
    String directory,
    String name,
    int concurrency,
    boolean overwrite,
    boolean quiet,
    boolean keepServerUuid,
    Long maxUnsizedFileBytes,
    boolean directIo) {
  public RestoreSettings {
    Concurrency.check(concurrency);
  }

  /** With direct writes of chunks. */
  public RestoreSettings(
      Roots roots,
      String directory,
      String name,
      int concurrency,
      boolean overwrite,
      boolean quiet,
      boolean keepServerUuid,
      Long maxUnsizedFileBytes) {
    this(
        roots,
        directory,
        name,
        concurrency,
        overwrite,
        quiet,
        keepServerUuid,
        maxUnsizedFileBytes,
        true);
  }

  /** The same settings, with or without direct writes. */
  public RestoreSettings withDirectIo(boolean on) {
    return new RestoreSettings(
        roots,
        directory,
        name,
        concurrency,
        overwrite,
        quiet,
        keepServerUuid,
        maxUnsizedFileBytes,
        on);
  }

  /** Without a --max-unsized-file-size (the default cap applies). */
  public RestoreSettings(
      Roots roots,
      String directory,
      String name,
      int concurrency,
      boolean overwrite,
      boolean quiet,
      boolean keepServerUuid) {
    this(roots, directory, name, concurrency, overwrite, quiet, keepServerUuid, null);
  }

  /** Without --keep-server-uuid. */
  public RestoreSettings(
      Roots roots,
      String directory,
      String name,
      int concurrency,
      boolean overwrite,
      boolean quiet) {
    this(roots, directory, name, concurrency, overwrite, quiet, false);
  }
}
