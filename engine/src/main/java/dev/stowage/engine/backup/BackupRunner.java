package dev.stowage.engine.backup;

import dev.stowage.engine.compress.Buffers;
import dev.stowage.engine.compress.Codec;
import dev.stowage.engine.compress.Codecs;
import dev.stowage.engine.compress.Compressor;
import dev.stowage.engine.core.ChecksumChannels;
import dev.stowage.engine.core.DirectIo;
import dev.stowage.engine.core.FileAttributes;
import dev.stowage.engine.core.MemoryBudget;
import dev.stowage.engine.core.Progress;
import dev.stowage.engine.core.Retrier;
import dev.stowage.engine.core.RunSummary;
import dev.stowage.engine.core.Sizes;
import dev.stowage.engine.core.Version;
import dev.stowage.engine.core.WorkerPool;
import dev.stowage.engine.crypto.BackupEncryption;
import dev.stowage.engine.crypto.KeyRing;
import dev.stowage.engine.crypto.ManifestAuth;
import dev.stowage.engine.crypto.ObjectCipher;
import dev.stowage.engine.crypto.ObjectPlace;
import dev.stowage.engine.error.EngineException;
import dev.stowage.engine.error.ExitCode;
import dev.stowage.engine.error.StorageException;
import dev.stowage.engine.lock.BackupLock;
import dev.stowage.engine.manifest.Chunk;
import dev.stowage.engine.manifest.FileEntry;
import dev.stowage.engine.manifest.Manifest;
import dev.stowage.engine.manifest.ManifestCodec;
import dev.stowage.engine.manifest.ManifestValidator;
import dev.stowage.engine.manifest.PathEntry;
import dev.stowage.engine.manifest.Settings;
import dev.stowage.engine.manifest.Stats;
import dev.stowage.engine.storage.BackupLocation;
import dev.stowage.engine.storage.BackupStorage;
import dev.stowage.engine.storage.ObjectWriter;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Takes one backup: checks the source is not live, scans it, stores every object through one
 * bounded worker pool (largest first), and writes the MANIFEST last, only when every object is
 * stored.
 */
public final class BackupRunner {
  private static final Logger LOG = LoggerFactory.getLogger(BackupRunner.class);

  /** Size of each worker's read buffer. */
  static final int READ_BUFFER = 1 << 20;

  private final BackupSettings settings;
  private final BackupStorage storage;
  private final Retrier retrier;
  private final KeyRing keys;
  private int directAlignment; // of O_DIRECT reads of the source files; 0: the page cache
  private int workers; // what fits in the JVM's memory, at most --concurrency (MemoryBudget)
  private final AtomicLong directBytes = new AtomicLong();
  private volatile BackupEncryption encryptionUsed;

  public BackupRunner(BackupSettings settings, BackupStorage storage, Retrier retrier) {
    this(settings, storage, retrier, null);
  }

  /**
   * With {@code keys} (from --encryption-key-file or --encryption-passphrase-file) the backup is
   * encrypted with the first key, or else the first passphrase.
   */
  public BackupRunner(
      BackupSettings settings, BackupStorage storage, Retrier retrier, KeyRing keys) {
    this.settings = settings;
    this.storage = storage;
    this.retrier = retrier;
    this.keys = keys;
  }

  /**
   * The encryption the backup is written with (its key id and form), once chosen; null when not
   * encrypted, or not yet (a passphrase's key exists only once the backup's salt is drawn).
   */
  public BackupEncryption encryptionUsed() {
    return encryptionUsed;
  }

  /**
   * Source bytes the last {@link #run} read with O_DIRECT (the rest came through the page cache).
   */
  public long directBytes() {
    return directBytes.get();
  }

  private static int directAlignmentOf(Path root) {
    try {
      return DirectIo.alignmentFor(root);
    } catch (IOException e) {
      LOG.info("reading through the page cache: cannot tell the block size of {} ({})", root, e);
      return 0;
    }
  }

  public RunSummary run() {
    long start = System.nanoTime();
    Instant startedAt = Instant.now();
    BackupLocation loc = settings.location();
    for (var root : settings.roots().distinct()) {
      if (!Files.isDirectory(root)) {
        throw EngineException.invalid(
            "data directory " + root + " does not exist or is not a directory");
      }
    }
    checkNoSecondSystemTablespace();
    directAlignment = settings.directIo() ? directAlignmentOf(settings.roots().data()) : 0;
    try (LiveServerGuard guard =
        settings.allowLive()
            ? LiveServerGuard.none()
            : LiveServerGuard.acquire(settings.roots().innodbData())) {
      ScannedTree tree = DataDirScanner.scan(settings.roots());
      if (tree.files().isEmpty()) {
        // An empty volume (a database that never started, a wrong claim or subPath) would give
        // a backup that looks done and restores nothing.
        throw EngineException.invalid(
            "data directory "
                + settings.roots().data()
                + " holds no files: nothing to back up. Check --datadir (for the operator: the"
                + " claim and subPath of spec.source); a database that has never started has no"
                + " data yet");
      }
      refuseComplete(loc);
      // Before the lock and any deletion of leftovers: a JVM that cannot hold one worker changes
      // nothing in the storage. After the scan, which leaves the warm-up thread time to read the
      // JVM's cap.
      workers =
          MemoryBudget.workers(
              "backup",
              settings.concurrency(),
              workerMemory(Codecs.forWriting(settings.compression()), keys != null),
              MemoryBudget.Limits.ofThisJvm());
      BackupLock lock =
          BackupLock.acquire(
              storage, loc, settings.lockStaleAfter(), settings.lockWait(), hostname(), retrier);
      boolean cleaned = false;
      try {
        return runLocked(start, startedAt, loc, guard, tree, lock);
      } catch (RuntimeException | Error e) {
        cleaned = cleanUp(loc, lock);
        throw e;
      } finally {
        lock.close();
        if (cleaned) {
          try {
            storage.removeEmptyBackup(loc);
          } catch (RuntimeException e) {
            LOG.debug("cannot remove the empty backup folder", e);
          }
        }
      }
    }
  }

  private RunSummary runLocked(
      long start,
      Instant startedAt,
      BackupLocation loc,
      LiveServerGuard guard,
      ScannedTree tree,
      BackupLock lock) {
    // A previous holder may have finished between our first look and our lock.
    refuseComplete(loc);
    clearLeftovers(loc);
    for (String s : tree.skipped()) {
      LOG.warn("not backed up: {}", s);
    }
    Codec codec = Codecs.forWriting(settings.compression());
    Manifest manifest = newManifest(tree, codec, startedAt);
    BackupEncryption enc = keys == null ? null : keys.forNewBackup();
    if (enc != null) {
      encryptionUsed = enc;
      manifest.stowageEncryption = enc.info();
      LOG.info(
          "encrypting every object with AES-256-GCM (key id {}, {}); the MANIFEST is"
              + " authenticated by {}",
          enc.keyId(),
          enc.keySource(),
          ManifestAuth.MAC_OBJECT);
    }
    List<ChunkPlanner.Item> items = plan(tree, manifest);
    long total = tree.totalBytes();
    LOG.info(
        "backing up {} files ({}) from {} to {} as {} objects, {} workers",
        tree.files().size(),
        Sizes.human(total),
        settings.roots().data(),
        storage.describe(loc, null),
        items.size(),
        workers);

    AtomicLong stored = new AtomicLong();
    List<WorkerPool.Failure<ChunkPlanner.Item>> failures;
    try (Progress progress = new Progress("backup", total, items.size(), settings.quiet())) {
      failures =
          WorkerPool.run(
              "backup",
              workers,
              ChunkPlanner.schedule(items),
              () ->
                  new Worker(
                      codec.newCompressor(settings.level()), enc == null ? null : enc.newCipher()),
              (worker, item) -> {
                store(worker, guard, lock, tree, manifest, item, progress, stored);
                progress.objectDone();
              });
    }
    if (!failures.isEmpty()) {
      throw failed(loc, failures);
    }
    checkUnchanged(tree);

    manifest.finishedTime = rfc3339(Instant.now());
    Stats stats = new Stats();
    stats.files = tree.files().size();
    stats.chunks = items.stream().filter(i -> i.chunkIndex() >= 0).count();
    stats.rawBytes = total;
    stats.storedBytes = stored.get();
    manifest.stowageStats = stats;
    checkOwnManifest(loc, manifest);
    lock.checkStillMine();
    checkObjectsStored(loc, manifest);
    writeManifest(loc, manifest, enc);
    double secs = (System.nanoTime() - start) / 1e9;
    LOG.info(
        "backup {} complete: {} files, {} read ({} of it with O_DIRECT), {} stored, {} s",
        storage.describe(loc, null),
        tree.files().size(),
        Sizes.human(total),
        Sizes.human(directBytes.get()),
        Sizes.human(stored.get()),
        String.format("%.1f", secs));
    return new RunSummary(
        loc.name(),
        storage.describe(loc, null),
        tree.files().size(),
        stats.chunks,
        items.size(),
        total,
        stored.get(),
        0,
        secs,
        tree.skipped());
  }

  /**
   * With a separate InnoDB data directory, an {@code ibdata1} in the data directory is a second
   * system tablespace under the same MANIFEST name: the backup would never restore.
   */
  private void checkNoSecondSystemTablespace() {
    Path data = settings.roots().data();
    if (!settings.roots().innodbData().equals(data)
        && Files.exists(data.resolve("ibdata1"), LinkOption.NOFOLLOW_LINKS)) {
      throw EngineException.invalid(
          "--innodb-data-dir is "
              + settings.roots().innodbData()
              + " but the data directory "
              + data
              + " also holds an ibdata1: both would be stored as the same InnoDB system"
              + " tablespace and the backup could never be restored. Give the --innodb-data-dir"
              + " the server really uses (drop the option if it is the data directory), or move"
              + " the stray ibdata1 away");
    }
  }

  /** A complete backup of the same name is never touched. */
  private void refuseComplete(BackupLocation loc) {
    if (storage.exists(loc, Manifest.FILE_NAME)) {
      throw EngineException.unsafe(
          storage.describe(loc, Manifest.FILE_NAME),
          "backup "
              + storage.describe(loc, null)
              + " already exists and is complete; Stowage never overwrites"
              + " a backup: choose another --name");
    }
  }

  /** Under our lock: what an interrupted run of this name left behind is replaced. */
  private void clearLeftovers(BackupLocation loc) {
    List<String> leftovers =
        storage.listObjects(loc).stream().filter(o -> !BackupLock.isLockObject(o)).toList();
    if (!leftovers.isEmpty()) {
      LOG.info(
          "{} holds {} objects of an interrupted backup (no MANIFEST); replacing them",
          storage.describe(loc, null),
          leftovers.size());
      for (String o : leftovers) {
        storage.delete(loc, o);
      }
    }
  }

  /** Never write a MANIFEST that a restore would refuse. */
  private void checkOwnManifest(BackupLocation loc, Manifest manifest) {
    try {
      ManifestValidator.validate(manifest, storage.describe(loc, Manifest.FILE_NAME));
    } catch (EngineException e) {
      throw new EngineException(
          e.exitCode(),
          e.subject(),
          "the MANIFEST of this backup would be refused by a restore, so it was not written: "
              + e.getMessage(),
          e);
    }
  }

  /** Every object the MANIFEST names must be stored with the size this run wrote. */
  private void checkObjectsStored(BackupLocation loc, Manifest manifest) {
    Map<String, Long> sizes;
    try {
      sizes = retrier.run(storage.describe(loc, null), attempt -> storage.objectSizes(loc));
    } catch (RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new StorageException(
          StorageException.Kind.OTHER,
          storage.describe(loc, null),
          "cannot list " + storage.describe(loc, null) + ": " + e,
          e);
    }
    for (int i = 0; i < manifest.fileEntries.size(); i++) {
      FileEntry fe = manifest.fileEntries.get(i);
      if (fe.isChunked()) {
        for (Chunk c : fe.chunks) {
          checkStored(loc, sizes, c.storageName, c.storedSize, fe.name);
        }
      } else {
        checkStored(loc, sizes, Integer.toString(i), fe.storedSize, fe.name);
      }
    }
  }

  private void checkStored(
      BackupLocation loc, Map<String, Long> sizes, String object, Long expected, String file) {
    Long actual = sizes.get(object);
    if (actual == null || !actual.equals(expected)) {
      throw EngineException.unsafe(
          storage.describe(loc, object),
          storage.describe(loc, object)
              + " ("
              + file
              + ") "
              + (actual == null
                  ? "is missing"
                  : "holds " + actual + " bytes, not the " + expected + " this run stored")
              + " just before the MANIFEST: something else wrote to or deleted from this backup."
              + " No MANIFEST was written; back up again under a new --name");
    }
  }

  /**
   * Best effort, logged: removes what this run stored, while it still holds its lock. A run that
   * lost its lock leaves everything to the new holder; a MANIFEST that made it to storage stays.
   */
  private boolean cleanUp(BackupLocation loc, BackupLock lock) {
    try {
      // A MANIFEST here is a complete backup (ours, or one that finished before we took the
      // lock): never touched. An unknown answer counts as "yes".
      if (storage.exists(loc, Manifest.FILE_NAME)) {
        return false;
      }
      if (!lock.holds()) {
        LOG.warn(
            "not removing the objects of {}: this run no longer holds its lock",
            storage.describe(loc, null));
        return false;
      }
      List<String> objects =
          storage.listObjects(loc).stream()
              .filter(o -> !BackupLock.isLockObject(o) && !o.equals(Manifest.FILE_NAME))
              .toList();
      for (String o : objects) {
        lock.checkLease();
        storage.delete(loc, o);
      }
      try {
        storage.sync(loc);
      } catch (RuntimeException e) {
        // Every delete above returned: the objects are gone, only the durability of their removal
        // is unconfirmed (after a failed fsync the storage refuses every later sync of a backup).
        LOG.warn(
            "removed the {} objects this failed backup stored in {}, but their removal is not"
                + " confirmed durable ({}); after a crash `stowage rm` removes any that come back",
            objects.size(),
            storage.describe(loc, null),
            e.getMessage());
        return true;
      }
      LOG.info(
          "removed the {} objects this failed backup stored in {}",
          objects.size(),
          storage.describe(loc, null));
      return true;
    } catch (RuntimeException e) {
      LOG.warn(
          "could not remove all objects of the failed backup {} ({}); `stowage rm` removes"
              + " them once its lock is stale",
          storage.describe(loc, null),
          e.getMessage());
      return false;
    }
  }

  private Manifest newManifest(ScannedTree tree, Codec codec, Instant startedAt) {
    Manifest m = new Manifest();
    m.backupName = settings.location().name();
    m.backupTime = rfc3339(startedAt);
    m.hostname = hostname();
    m.skipCompress = codec.engineName().isEmpty();
    m.compressionEngine = m.skipCompress ? "" : codec.engineName();
    m.stowageVersion = Version.get();
    Settings s = new Settings();
    s.chunkThreshold = settings.chunkThreshold();
    s.chunkSize = settings.chunkSize();
    s.compression = settings.compression();
    s.level = settings.level();
    s.concurrency = settings.concurrency();
    m.stowageSettings = s;
    m.stowageConsistency = settings.consistency();
    m.stowageDirectories = tree.directories();
    m.stowageSymlinks = tree.symlinks().isEmpty() ? null : tree.symlinks();
    for (ScannedTree.SourceFile f : tree.files()) {
      FileEntry fe = new FileEntry(f.base(), f.name());
      fe.size = f.size();
      fe.mode = f.mode();
      fe.mtime = FileAttributes.time(f.mtime());
      m.fileEntries.add(fe);
    }
    return m;
  }

  private List<ChunkPlanner.Item> plan(ScannedTree tree, Manifest manifest) {
    List<ChunkPlanner.Item> items = new ArrayList<>();
    for (int i = 0; i < tree.files().size(); i++) {
      List<ChunkPlanner.Item> fileItems =
          ChunkPlanner.itemsOf(
              i, tree.files().get(i).size(), settings.chunkThreshold(), settings.chunkSize());
      FileEntry fe = manifest.fileEntries.get(i);
      if (fileItems.get(0).chunkIndex() >= 0) {
        fe.chunks = new ArrayList<>();
        for (ChunkPlanner.Item it : fileItems) {
          fe.chunks.add(new Chunk(it.objectName(), it.offset(), it.length()));
        }
      }
      items.addAll(fileItems);
    }
    return items;
  }

  /** What one worker holds: its read buffer, its compressor, its cipher and its upload buffer. */
  private MemoryBudget.Need workerMemory(Codec codec, boolean encrypted) {
    MemoryBudget.Need need =
        MemoryBudget.Need.perWorker(
                Buffers.reserved(READ_BUFFER, Buffers.ALIGNMENT) + codec.compressorDirectBytes(), 0)
            .plus(storage.workerBuffers(true));
    return encrypted ? need.plus(BackupEncryption.newBackupCipherMemory()) : need;
  }

  /** Per-thread state: a reused compressor and a pre-touched read buffer. */
  private static final class Worker implements AutoCloseable {
    final Compressor compressor;
    final ByteBuffer buffer = Buffers.direct(READ_BUFFER);
    final CRC32C raw = new CRC32C();
    final ObjectCipher cipher; // null unless the backup is encrypted

    Worker(Compressor compressor, ObjectCipher cipher) {
      this.compressor = compressor;
      this.cipher = cipher;
    }

    @Override
    public void close() {
      compressor.close();
    }
  }

  private void store(
      Worker w,
      LiveServerGuard guard,
      BackupLock lock,
      ScannedTree tree,
      Manifest manifest,
      ChunkPlanner.Item item,
      Progress progress,
      AtomicLong stored)
      throws Exception {
    ScannedTree.SourceFile src = tree.files().get(item.fileIndex());
    String object = item.objectName();
    String what =
        storage.describe(settings.location(), object)
            + " ("
            + src.name()
            + (item.chunkIndex() >= 0
                ? " bytes " + item.offset() + ".." + (item.offset() + item.length())
                : "")
            + ")";
    long[] counted = {0};
    Result r =
        retrier.run(
            what,
            attempt -> {
              progress.add(-counted[0]);
              counted[0] = 0;
              lock.checkLease();
              try (SourceReader in = openSource(guard, src);
                  ObjectWriter out = storage.create(settings.location(), object, true)) {
                ChecksumChannels.Writing sink = new ChecksumChannels.Writing(out);
                // Compressed, then sealed: the CRC-32 (Hash) covers the stored, sealed bytes.
                ObjectCipher.Sealing sealing =
                    w.cipher == null
                        ? null
                        : w.cipher.sealing(
                            sink,
                            new ObjectPlace(
                                settings.location().name(),
                                src.base().vitessName(),
                                src.name(),
                                object,
                                item.offset(),
                                item.length()));
                w.raw.reset();
                w.compressor.begin(sealing != null ? sealing : sink, item.length());
                long pos = item.offset();
                long end = item.offset() + item.length();
                while (pos < end) {
                  w.buffer.clear();
                  if (end - pos < w.buffer.capacity()) {
                    w.buffer.limit((int) (end - pos));
                  }
                  int n = readSource(in, w.buffer, pos, src);
                  if (n < 0) {
                    throw EngineException.unsafe(
                        src.path().toString(),
                        src.path()
                            + " became shorter during"
                            + " the backup (expected "
                            + src.size()
                            + " bytes): something is writing to the data"
                            + " directory; stop it and back up again");
                  }
                  w.buffer.flip();
                  w.raw.update(w.buffer.duplicate());
                  w.compressor.write(w.buffer);
                  pos += n;
                  counted[0] += n;
                  progress.add(n);
                }
                w.compressor.finish();
                if (sealing != null) {
                  sealing.finish();
                }
                lock.checkLease();
                out.commit();
                directBytes.addAndGet(in.directBytes()); // counted once, for the stored attempt
                return new Result(
                    sink.hash(), ChecksumChannels.hex(w.raw.getValue()), sink.bytes());
              } catch (IOException e) {
                // Source read errors are EngineExceptions already; what is left came from the
                // storage.
                throw new StorageException(
                    StorageException.Kind.OTHER,
                    object,
                    "storing " + what + " failed: " + e.getMessage(),
                    e);
              }
            });
    stored.addAndGet(r.storedBytes);
    FileEntry fe = manifest.fileEntries.get(item.fileIndex());
    if (item.chunkIndex() < 0) {
      fe.hash = r.hash;
      fe.rawCrc32c = r.rawCrc;
      fe.storedSize = r.storedBytes;
    } else {
      Chunk c = fe.chunks.get(item.chunkIndex());
      c.hash = r.hash;
      c.rawCrc32c = r.rawCrc;
      c.storedSize = r.storedBytes;
    }
  }

  private SourceReader openSource(LiveServerGuard guard, ScannedTree.SourceFile src) {
    try {
      return guard.openForReading(src.path(), directAlignment);
    } catch (IOException e) {
      throw new EngineException(
          ExitCode.OTHER,
          src.path().toString(),
          "cannot open "
              + src.path()
              + " for reading: "
              + e
              + "; check that the data directory is readable and unchanged",
          e);
    }
  }

  private static int readSource(
      SourceReader in, ByteBuffer buf, long pos, ScannedTree.SourceFile src) {
    try {
      return in.read(buf, pos);
    } catch (IOException e) {
      throw new EngineException(
          ExitCode.OTHER,
          src.path().toString(),
          "cannot read "
              + src.path()
              + " at offset "
              + pos
              + ": "
              + e
              + "; check the source volume",
          e);
    }
  }

  private record Result(String hash, String rawCrc, long storedBytes) {}

  /**
   * A file that changed while it was copied, or one that appeared or vanished, makes an
   * inconsistent backup: the tree is scanned again and compared (size, mtime, ctime, inode of every
   * file; every directory and symlink).
   */
  private void checkUnchanged(ScannedTree before) {
    ScannedTree after = DataDirScanner.scan(settings.roots());
    Map<String, ScannedTree.SourceFile> now = new HashMap<>();
    for (ScannedTree.SourceFile f : after.files()) {
      now.put(f.base() + "/" + f.name(), f);
    }
    for (ScannedTree.SourceFile f : before.files()) {
      ScannedTree.SourceFile later = now.remove(f.base() + "/" + f.name());
      if (later == null) {
        throw torn(f.path().toString(), "disappeared during the backup");
      }
      String diff = f.differenceFrom(later);
      if (diff != null) {
        throw torn(f.path().toString(), "changed during the backup (" + diff + ")");
      }
    }
    if (!now.isEmpty()) {
      throw torn(now.values().iterator().next().path().toString(), "appeared during the backup");
    }
    compareEntries(before.directories(), after.directories(), "directory");
    compareEntries(before.symlinks(), after.symlinks(), "symlink");
  }

  private void compareEntries(List<PathEntry> before, List<PathEntry> after, String kind) {
    Map<String, String> was = new HashMap<>();
    for (PathEntry e : before) {
      was.put(e.base + "/" + e.name, String.valueOf(e.target));
    }
    for (PathEntry e : after) {
      String key = e.base + "/" + e.name;
      String target = was.remove(key);
      if (target == null) {
        throw torn(kind + " " + e.name, "appeared during the backup");
      }
      if (!target.equals(String.valueOf(e.target))) {
        throw torn(kind + " " + e.name, "changed its target during the backup");
      }
    }
    if (!was.isEmpty()) {
      throw torn(kind + " " + was.keySet().iterator().next(), "disappeared during the backup");
    }
  }

  private static EngineException torn(String what, String how) {
    return EngineException.unsafe(
        what,
        what
            + " "
            + how
            + ": something is writing to the data directory, so the copy would be torn; no"
            + " MANIFEST was written. Stop the server (or back up a filesystem snapshot with"
            + " --allow-live) and back up again");
  }

  private void writeManifest(BackupLocation loc, Manifest manifest, BackupEncryption enc) {
    byte[] json = ManifestCodec.write(manifest);
    if (enc != null) {
      // Before the MANIFEST, so a complete encrypted backup always has it.
      byte[] mac = ManifestAuth.sign(enc, loc.name(), json);
      try (ObjectWriter out = storage.create(loc, ManifestAuth.MAC_OBJECT, true)) {
        ByteBuffer b = ByteBuffer.wrap(mac);
        while (b.hasRemaining()) {
          out.write(b);
        }
        out.commit();
      } catch (IOException e) {
        throw new StorageException(
            StorageException.Kind.OTHER,
            storage.describe(loc, ManifestAuth.MAC_OBJECT),
            "cannot write "
                + storage.describe(loc, ManifestAuth.MAC_OBJECT)
                + ": "
                + e.getMessage(),
            e);
      }
    }
    storage.sync(loc);
    try (ObjectWriter out = storage.create(loc, Manifest.FILE_NAME, false)) {
      ByteBuffer b = ByteBuffer.wrap(json);
      while (b.hasRemaining()) {
        out.write(b);
      }
      out.commit();
    } catch (IOException e) {
      throw new StorageException(
          StorageException.Kind.OTHER,
          storage.describe(loc, Manifest.FILE_NAME),
          "cannot write " + storage.describe(loc, Manifest.FILE_NAME) + ": " + e.getMessage(),
          e);
    }
    storage.sync(loc);
  }

  private EngineException failed(
      BackupLocation loc, List<WorkerPool.Failure<ChunkPlanner.Item>> failures) {
    WorkerPool.Failure<ChunkPlanner.Item> first = failures.get(0);
    Throwable cause = first.error();
    List<String> names = new ArrayList<>();
    for (var f : failures) {
      if (f.item() != null) {
        names.add(f.item().objectName());
      }
    }
    String objects = String.join(", ", names);
    String msg =
        "backup "
            + storage.describe(loc, null)
            + " failed; no MANIFEST was written, so it is"
            + " not a backup. Objects not stored: "
            + objects
            + ". First error: "
            + cause.getMessage();
    if (cause instanceof EngineException e) {
      return new EngineException(
          e.exitCode(), e.subject() != null ? e.subject() : objects, msg, cause);
    }
    return new EngineException(ExitCode.OTHER, objects, msg, cause);
  }

  static String rfc3339(Instant t) {
    return DateTimeFormatter.ISO_INSTANT.format(t.truncatedTo(ChronoUnit.SECONDS));
  }

  /** This host's name ({@code HOSTNAME}, the pod name in Kubernetes), or "" when unknown. */
  public static String hostname() {
    String h = System.getenv("HOSTNAME");
    if (h != null && !h.isBlank()) {
      return h;
    }
    try {
      return java.net.InetAddress.getLocalHost().getHostName();
    } catch (IOException e) {
      return "";
    }
  }
}
