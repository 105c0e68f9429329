package dev.stowage.engine.catalog;

import dev.stowage.engine.core.Retrier;
import dev.stowage.engine.error.EngineException;
import dev.stowage.engine.error.StorageException;
import dev.stowage.engine.manifest.Manifest;
import dev.stowage.engine.manifest.ManifestCodec;
import dev.stowage.engine.storage.BackupLocation;
import dev.stowage.engine.storage.BackupStorage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.util.ArrayList;
import java.util.List;

/** The complete backups of one directory: those with a MANIFEST. */
public final class BackupCatalog {
  /** Larger MANIFESTs are refused rather than read into memory. */
  // About 300 bytes per file: a million files make a MANIFEST of ~300 MB (bench/many-files.sh).
  static final int MAX_MANIFEST_BYTES = 1 << 30;

  private final BackupStorage storage;
  private final Retrier retrier;

  public BackupCatalog(BackupStorage storage) {
    this(storage, Retrier.defaults());
  }

  public BackupCatalog(BackupStorage storage, Retrier retrier) {
    this.storage = storage;
    this.retrier = retrier;
  }

  /** Names of complete backups, oldest first (names sort by time). */
  public List<String> completeBackups(String directory) {
    List<String> out = new ArrayList<>();
    for (String name : storage.listBackupNames(directory)) {
      if (isSafeName(name)
          && storage.exists(new BackupLocation(directory, name), Manifest.FILE_NAME)) {
        out.add(name);
      }
    }
    return out;
  }

  private static boolean isSafeName(String name) {
    try {
      BackupLocation.checkName(name);
      return true;
    } catch (EngineException e) {
      return false;
    }
  }

  /** Resolves {@code latest} to the newest complete backup; other names are checked as given. */
  public BackupLocation resolve(String directory, String name) {
    if (!"latest".equals(name)) {
      return new BackupLocation(directory, name);
    }
    List<String> all = completeBackups(directory);
    if (all.isEmpty()) {
      BackupLocation.checkDirectory(directory);
      throw new StorageException(
          StorageException.Kind.NOT_FOUND,
          directory,
          "no complete backup"
              + " (one with a MANIFEST) in directory \""
              + directory
              + "\"; check --storage and --directory"
              + " with the ls command");
    }
    return new BackupLocation(directory, all.get(all.size() - 1));
  }

  /** Reads and parses a MANIFEST; a missing one is a storage error naming the backup. */
  public Manifest load(BackupLocation loc) {
    String where = storage.describe(loc, Manifest.FILE_NAME);
    if (!storage.exists(loc, Manifest.FILE_NAME)) {
      boolean partial = !storage.listObjects(loc).isEmpty();
      throw new StorageException(
          StorageException.Kind.NOT_FOUND,
          where,
          partial
              ? "backup "
                  + storage.describe(loc, null)
                  + " is incomplete: it has objects but no MANIFEST"
                  + " (the backup was interrupted); restore another backup"
              : "no backup at "
                  + storage.describe(loc, null)
                  + " ("
                  + where
                  + " does not exist); list"
                  + " the backups with the ls command");
    }
    byte[] json;
    try {
      json = retrier.run(where, attempt -> readAll(loc, Manifest.FILE_NAME, where));
    } catch (RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new StorageException(
          StorageException.Kind.OTHER, where, "cannot read " + where + ": " + e, e);
    }
    return ManifestCodec.read(json, where);
  }

  private byte[] readAll(BackupLocation loc, String object, String where) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteBuffer buf = ByteBuffer.allocate(1 << 16);
    try (ReadableByteChannel in = storage.open(loc, object)) {
      while (in.read(buf) >= 0) {
        out.write(buf.array(), 0, buf.position());
        buf.clear();
        if (out.size() > MAX_MANIFEST_BYTES) {
          throw EngineException.integrity(
              where,
              where
                  + " is larger than "
                  + MAX_MANIFEST_BYTES
                  + " bytes: not a MANIFEST Stowage can read");
        }
      }
    } catch (IOException e) {
      throw new StorageException(
          StorageException.Kind.TRANSIENT, where, "cannot read " + where + ": " + e, e);
    }
    return out.toByteArray();
  }
}
