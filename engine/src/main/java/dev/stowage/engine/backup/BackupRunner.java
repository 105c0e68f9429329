package dev.stowage.engine.backup;

import dev.stowage.engine.compress.Buffers;
import dev.stowage.engine.compress.Codec;
import dev.stowage.engine.compress.Codecs;
import dev.stowage.engine.compress.Compressor;
import dev.stowage.engine.core.ChecksumChannels;
import dev.stowage.engine.core.FileAttributes;
import dev.stowage.engine.core.Progress;
import dev.stowage.engine.core.Retrier;
import dev.stowage.engine.core.RunSummary;
import dev.stowage.engine.core.Sizes;
import dev.stowage.engine.core.Version;
import dev.stowage.engine.core.WorkerPool;
import dev.stowage.engine.error.EngineException;
import dev.stowage.engine.error.ExitCode;
import dev.stowage.engine.error.StorageException;
import dev.stowage.engine.manifest.Chunk;
import dev.stowage.engine.manifest.FileEntry;
import dev.stowage.engine.manifest.Manifest;
import dev.stowage.engine.manifest.ManifestCodec;
import dev.stowage.engine.manifest.Settings;
import dev.stowage.engine.manifest.Stats;
import dev.stowage.engine.storage.BackupLocation;
import dev.stowage.engine.storage.BackupStorage;
import dev.stowage.engine.storage.ObjectWriter;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
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

  public BackupRunner(BackupSettings settings, BackupStorage storage, Retrier retrier) {
    this.settings = settings;
    this.storage = storage;
    this.retrier = retrier;
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
      prepareLocation(loc);
      for (String s : tree.skipped()) {
        LOG.warn("not backed up: {}", s);
      }
      Codec codec = Codecs.forWriting(settings.compression());
      Manifest manifest = newManifest(tree, codec, startedAt);
      List<ChunkPlanner.Item> items = plan(tree, manifest);
      long total = tree.totalBytes();
      LOG.info(
          "backing up {} files ({}) from {} to {} as {} objects, {} workers",
          tree.files().size(),
          Sizes.human(total),
          settings.roots().data(),
          storage.describe(loc, null),
          items.size(),
          settings.concurrency());

      AtomicLong stored = new AtomicLong();
      List<WorkerPool.Failure<ChunkPlanner.Item>> failures;
      try (Progress progress = new Progress("backup", total, settings.quiet())) {
        failures =
            WorkerPool.run(
                "backup",
                settings.concurrency(),
                ChunkPlanner.schedule(items),
                () -> new Worker(codec.newCompressor(settings.level())),
                (worker, item) -> store(worker, guard, tree, manifest, item, progress, stored));
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
      writeManifest(loc, manifest);
      double secs = (System.nanoTime() - start) / 1e9;
      LOG.info(
          "backup {} complete: {} files, {} read, {} stored, {} s",
          storage.describe(loc, null),
          tree.files().size(),
          Sizes.human(total),
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
  }

  /** Refuses a complete backup of the same name; clears what an interrupted run left behind. */
  private void prepareLocation(BackupLocation loc) {
    if (storage.exists(loc, Manifest.FILE_NAME)) {
      throw EngineException.unsafe(
          storage.describe(loc, Manifest.FILE_NAME),
          "backup "
              + storage.describe(loc, null)
              + " already exists and is complete; Stowage never overwrites"
              + " a backup: choose another --name");
    }
    List<String> leftovers = storage.listObjects(loc);
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

  /** Per-thread state: a reused compressor and a pre-touched read buffer. */
  private static final class Worker implements AutoCloseable {
    final Compressor compressor;
    final ByteBuffer buffer = Buffers.direct(READ_BUFFER);
    final CRC32C raw = new CRC32C();

    Worker(Compressor compressor) {
      this.compressor = compressor;
    }

    @Override
    public void close() {
      compressor.close();
    }
  }

  private void store(
      Worker w,
      LiveServerGuard guard,
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
              try (SourceReader in = openSource(guard, src);
                  ObjectWriter out = storage.create(settings.location(), object, true)) {
                ChecksumChannels.Writing sink = new ChecksumChannels.Writing(out);
                w.raw.reset();
                w.compressor.begin(sink, item.length());
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
                out.commit();
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

  private static SourceReader openSource(LiveServerGuard guard, ScannedTree.SourceFile src) {
    try {
      return guard.openForReading(src.path());
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

  /** A file that changed while it was copied makes an inconsistent backup: refuse it. */
  private void checkUnchanged(ScannedTree tree) {
    for (ScannedTree.SourceFile f : tree.files()) {
      try {
        BasicFileAttributes a =
            Files.readAttributes(f.path(), BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        if (a.size() != f.size() || !a.lastModifiedTime().equals(f.mtime())) {
          throw EngineException.unsafe(
              f.path().toString(),
              f.path()
                  + " changed during the backup"
                  + " (size "
                  + f.size()
                  + " -> "
                  + a.size()
                  + "): something is writing to the data"
                  + " directory; no MANIFEST was written. Stop the writer and back up again");
        }
      } catch (IOException e) {
        throw EngineException.unsafe(
            f.path().toString(),
            f.path()
                + " disappeared during the backup;"
                + " no MANIFEST was written. Stop whatever changes the data directory and back up again");
      }
    }
  }

  private void writeManifest(BackupLocation loc, Manifest manifest) {
    storage.sync(loc);
    byte[] json = ManifestCodec.write(manifest);
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
