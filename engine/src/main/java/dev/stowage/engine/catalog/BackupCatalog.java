package dev.stowage.engine.catalog;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.stowage.engine.compress.Codec;
import dev.stowage.engine.compress.Codecs;
import dev.stowage.engine.core.Retrier;
import dev.stowage.engine.crypto.BackupEncryption;
import dev.stowage.engine.crypto.KeyRing;
import dev.stowage.engine.crypto.ManifestAuth;
import dev.stowage.engine.error.EngineException;
import dev.stowage.engine.error.StorageException;
import dev.stowage.engine.manifest.Manifest;
import dev.stowage.engine.manifest.ManifestCodec;
import dev.stowage.engine.manifest.ManifestValidator;
import dev.stowage.engine.storage.BackupLocation;
import dev.stowage.engine.storage.BackupStorage;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.channels.ReadableByteChannel;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The complete backups of one directory: those with a MANIFEST. {@code latest} is the one that
 * finished last by its MANIFEST's FinishedTime, not the last name.
 */
public final class BackupCatalog {
  private static final Logger LOG = LoggerFactory.getLogger(BackupCatalog.class);

  /**
   * Larger MANIFESTs are refused. The MANIFEST is parsed as it streams in (never held as bytes), so
   * this bounds the work and the parsed model: a million files measured 285 MB (about 300 bytes per
   * entry, bench/many-files.sh), so 320 MiB leaves 17% for longer names.
   */
  public static final long MAX_MANIFEST_BYTES = 320L << 20;

  /** The name that means "the newest complete backup" wherever a backup is read. */
  public static final String LATEST = "latest";

  /**
   * Words that mean something to Stowage and so can never name a new backup (compared ignoring
   * case, so that no store or person can confuse them). Names starting with '.' (Stowage's own
   * objects, such as temporary files and locks) are already refused by {@link
   * BackupLocation#checkName}.
   */
  public static final Set<String> RESERVED_NAMES = Set.of(LATEST);

  /**
   * Orders backups oldest first: by finish time (a backup with no usable time first), then by name.
   */
  public static final Comparator<Finished> OLDEST_FIRST =
      Comparator.comparing(Finished::time, Comparator.nullsFirst(Comparator.naturalOrder()))
          .thenComparing(Finished::name);

  /**
   * When a backup finished, as {@code latest} and {@code ls} order them.
   *
   * @param time FinishedTime, else BackupTime when FinishedTime is missing or unparsable, else null
   * @param source which MANIFEST key {@code time} came from ("FinishedTime", "BackupTime") or null
   */
  public record Finished(String name, Instant time, String source) {
    /** The time as RFC 3339 UTC, marked when it is the start time, or "-" when unknown. */
    public String display() {
      if (time == null) {
        return "-";
      }
      String t = DateTimeFormatter.ISO_INSTANT.format(time);
      return "BackupTime".equals(source) ? t + " (started)" : t;
    }
  }

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

  /**
   * Refuses a name a new backup may not have (exit 2): anything {@link BackupLocation#checkName}
   * refuses ('/', "..", whitespace, control characters, a leading '.' or '-') and the reserved
   * words.
   */
  public static void checkNewName(String name) {
    BackupLocation.checkName(name);
    if (RESERVED_NAMES.contains(name.toLowerCase(Locale.ROOT))) {
      throw EngineException.invalid(
          "backup name \""
              + name
              + "\" is reserved: --name "
              + LATEST
              + " always means the newest complete backup; choose another --name"
              + " (e.g. 2026-01-31.120000.db-0)");
    }
  }

  /** When a backup finished, from MANIFEST times as written ("" or null when absent). */
  public static Finished finished(String name, String finishedTime, String backupTime) {
    Instant t = parseTime(finishedTime);
    if (t != null) {
      return new Finished(name, t, "FinishedTime");
    }
    t = parseTime(backupTime);
    return new Finished(name, t, t == null ? null : "BackupTime");
  }

  /** RFC 3339 with any offset (Vitess and Stowage write UTC with Z); null when not a time. */
  static Instant parseTime(String text) {
    if (text == null || text.isBlank()) {
      return null;
    }
    try {
      return OffsetDateTime.parse(text.trim(), DateTimeFormatter.ISO_OFFSET_DATE_TIME).toInstant();
    } catch (DateTimeParseException e) {
      return null;
    }
  }

  /**
   * Resolves {@code latest} to the complete backup that finished last (see {@link #OLDEST_FIRST});
   * other names are checked and returned as given.
   *
   * <p>Cost: one MANIFEST read per complete backup, one at a time (bounded: no thread pool, one
   * open object), and each read stops as soon as a usable FinishedTime is seen, which for the key
   * order Vitess and Stowage write is within the first few hundred bytes. A MANIFEST that cannot be
   * parsed sorts as having no time (a warning names it); a storage error other than "gone" stops
   * the resolution, since the newest backup could be the one that could not be read.
   */
  public BackupLocation resolve(String directory, String name) {
    if (!LATEST.equals(name)) {
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
    Finished newest = null;
    int considered = 0;
    for (String n : all) {
      Finished f = readFinished(new BackupLocation(directory, n));
      if (f == null) {
        continue; // deleted since the listing
      }
      considered++;
      if (newest == null || OLDEST_FIRST.compare(f, newest) > 0) {
        newest = f;
      }
    }
    if (newest == null) {
      throw new StorageException(
          StorageException.Kind.NOT_FOUND,
          directory,
          "no complete backup in directory \""
              + directory
              + "\" any more (each one listed was deleted while being read); list them with ls");
    }
    LOG.info(
        "--name {} resolved to {} (finished {}), the newest of {} complete backups in {}"
            + " by MANIFEST FinishedTime (ties by name)",
        LATEST,
        newest.name(),
        newest.display(),
        considered,
        directory);
    return new BackupLocation(directory, newest.name());
  }

  /** Reads only the times at the top of one MANIFEST; null when the MANIFEST is gone. */
  Finished readFinished(BackupLocation loc) {
    String where = storage.describe(loc, Manifest.FILE_NAME);
    try {
      return retrier.run(where, attempt -> scanTimes(loc, where));
    } catch (StorageException e) {
      if (e.kind() == StorageException.Kind.NOT_FOUND) {
        return null;
      }
      throw e;
    } catch (EngineException e) {
      LOG.warn("{}; it counts as the oldest backup when resolving {}", e.getMessage(), LATEST);
      return new Finished(loc.name(), null, null);
    } catch (Exception e) {
      throw new StorageException(
          StorageException.Kind.OTHER, where, "cannot read " + where + ": " + e, e);
    }
  }

  private Finished scanTimes(BackupLocation loc, String where) {
    String finishedTime = null;
    String backupTime = null;
    try (InputStream in = Channels.newInputStream(storage.open(loc, Manifest.FILE_NAME));
        JsonParser p = ManifestCodec.mapper().getFactory().createParser(in)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw EngineException.integrity(where, "MANIFEST " + where + " is not a JSON object");
      }
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        JsonToken value = p.nextToken();
        if (value == JsonToken.VALUE_STRING && "FinishedTime".equals(field)) {
          finishedTime = p.getText();
          if (parseTime(finishedTime) != null) {
            break; // all that is needed; the rest (FileEntries) can be large
          }
        } else if (value == JsonToken.VALUE_STRING && "BackupTime".equals(field)) {
          backupTime = p.getText();
        } else {
          p.skipChildren();
        }
      }
    } catch (com.fasterxml.jackson.core.JacksonException e) {
      throw EngineException.integrity(
          where, "MANIFEST " + where + " is not valid JSON (" + e.getOriginalMessage() + ")");
    } catch (IOException e) {
      throw new StorageException(
          StorageException.Kind.TRANSIENT, where, "cannot read " + where + ": " + e, e);
    }
    return finished(loc.name(), finishedTime, backupTime);
  }

  /** Reads and parses a MANIFEST; a missing one is a storage error naming the backup. */
  public Manifest load(BackupLocation loc) {
    String where = storage.describe(loc, Manifest.FILE_NAME);
    requireManifest(loc, where);
    try {
      return retrier.run(where, attempt -> parse(loc, where));
    } catch (RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new StorageException(
          StorageException.Kind.OTHER, where, "cannot read " + where + ": " + e, e);
    }
  }

  /** A missing MANIFEST is a storage error naming the backup (incomplete, or not there). */
  private void requireManifest(BackupLocation loc, String where) {
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
  }

  /** A MANIFEST that may be used, and the backup's encryption (null for a plain backup). */
  public record Loaded(Manifest manifest, BackupEncryption encryption) {}

  /**
   * A backup ready to read: its MANIFEST authenticated (encrypted backups) and validated, the codec
   * its objects need, and how errors name it ({@code where}).
   */
  public record Opened(Manifest manifest, BackupEncryption encryption, Codec codec, String where) {}

  /**
   * The one "open a backup" step of restore and verify: {@link #loadAuthenticated} (nothing else
   * reads an encrypted MANIFEST before it authenticates), then {@link ManifestValidator#validate}
   * and the codec for its compression. Every refusal happens here, before any object is read.
   */
  public Opened open(BackupLocation loc, KeyRing keys) {
    Loaded loaded = loadAuthenticated(loc, keys);
    String where = where(loc);
    ManifestValidator.validate(loaded.manifest(), where);
    return new Opened(
        loaded.manifest(), loaded.encryption(), Codecs.forReading(loaded.manifest(), where), where);
  }

  /**
   * Reads a MANIFEST and authenticates it (engine/README.md, "Client-side encryption"): with {@code
   * keys}, its HMAC-SHA256 is computed as it streams in and compared with {@code MANIFEST.hmac}; an
   * encrypted backup without a key, with another key, or whose MANIFEST does not authenticate is
   * refused with exit 4, as is a plain backup when keys are given. Without keys a plain backup
   * loads exactly as {@link #load}.
   */
  public Loaded loadAuthenticated(BackupLocation loc, KeyRing keys) {
    if (keys == null) {
      Manifest m = load(loc);
      return new Loaded(m, ManifestAuth.check(m, loc.name(), null, null, null, where(loc)));
    }
    String where = where(loc);
    requireManifest(loc, where); // the same missing/incomplete messages as load
    try {
      return retrier.run(
          where,
          attempt -> {
            ManifestAuth.MacInput mac;
            Manifest m;
            try (ReadableByteChannel in = storage.open(loc, Manifest.FILE_NAME)) {
              mac =
                  new ManifestAuth.MacInput(
                      Channels.newInputStream(in),
                      keys,
                      loc.name(),
                      () -> Channels.newInputStream(storage.open(loc, Manifest.FILE_NAME)),
                      where);
              m = ManifestCodec.read(mac, MAX_MANIFEST_BYTES, where);
              mac.drain();
            } catch (IOException e) {
              throw new StorageException(
                  StorageException.Kind.TRANSIENT, where, "cannot read " + where + ": " + e, e);
            }
            byte[] stored =
                m.stowageEncryption == null
                    ? null
                    : storage.readSmall(loc, ManifestAuth.MAC_OBJECT);
            return new Loaded(m, ManifestAuth.check(m, loc.name(), keys, mac, stored, where));
          });
    } catch (RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new StorageException(
          StorageException.Kind.OTHER, where, "cannot read " + where + ": " + e, e);
    }
  }

  private String where(BackupLocation loc) {
    return storage.describe(loc, Manifest.FILE_NAME);
  }

  /** Parses the MANIFEST as it downloads: no copy of its bytes, at most MAX_MANIFEST_BYTES. */
  private Manifest parse(BackupLocation loc, String where) {
    try (ReadableByteChannel in = storage.open(loc, Manifest.FILE_NAME)) {
      return ManifestCodec.read(Channels.newInputStream(in), MAX_MANIFEST_BYTES, where);
    } catch (IOException e) {
      throw new StorageException(
          StorageException.Kind.TRANSIENT, where, "cannot read " + where + ": " + e, e);
    }
  }

  /**
   * Names of incomplete backups (a folder with objects or a lock, but no MANIFEST), in name order.
   */
  public List<String> incompleteBackups(String directory) {
    List<String> out = new ArrayList<>();
    for (String name : storage.listBackupNames(directory)) {
      if (isSafeName(name)) {
        BackupLocation loc = new BackupLocation(directory, name);
        if (!storage.exists(loc, Manifest.FILE_NAME)) {
          out.add(name);
        }
      }
    }
    return out;
  }
}
