package dev.stowage.engine.restore;

import dev.stowage.engine.catalog.BackupCatalog;
import dev.stowage.engine.compress.Codec;
import dev.stowage.engine.core.DirectIo;
import dev.stowage.engine.core.FileAttributes;
import dev.stowage.engine.core.FileSystemSync;
import dev.stowage.engine.core.Fsync;
import dev.stowage.engine.core.MemoryBudget;
import dev.stowage.engine.core.ParallelSync;
import dev.stowage.engine.core.Preallocation;
import dev.stowage.engine.core.Progress;
import dev.stowage.engine.core.RestoreMarker;
import dev.stowage.engine.core.Retrier;
import dev.stowage.engine.core.Roots;
import dev.stowage.engine.core.RunSummary;
import dev.stowage.engine.core.Sizes;
import dev.stowage.engine.core.WorkerPool;
import dev.stowage.engine.crypto.BackupEncryption;
import dev.stowage.engine.crypto.KeyRing;
import dev.stowage.engine.error.EngineException;
import dev.stowage.engine.error.ExitCode;
import dev.stowage.engine.manifest.Base;
import dev.stowage.engine.manifest.FileEntry;
import dev.stowage.engine.manifest.Manifest;
import dev.stowage.engine.manifest.PathEntry;
import dev.stowage.engine.storage.BackupLocation;
import dev.stowage.engine.storage.BackupStorage;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Restores one backup: validates everything first, then creates each file once at its final size
 * and writes objects in parallel at their offsets; fsyncs every file and directory before it
 * removes the restore-in-progress marker.
 */
public final class RestoreRunner {
  private static final Logger LOG = LoggerFactory.getLogger(RestoreRunner.class);
  private static final String LOST_FOUND = "lost+found";
  private static final String AUTO_CNF = "auto.cnf";
  private static final Path MOUNT_INFO = Path.of("/proc/self/mountinfo");

  /**
   * Finished whole files whose descriptor waits for its fsync. Workers block beyond this, so
   * descriptors stay bounded however many files a backup holds (the fsyncs still batch).
   */
  static final int MAX_AWAITING_SYNC = 64;

  /** Whole files from this size on are written with O_DIRECT (see FileState#directWorthIt). */
  static final long DIRECT_WHOLE_FILE = 8L << 20;

  private final Semaphore awaitingSync = new Semaphore(MAX_AWAITING_SYNC);

  /** How a finished file is made durable and closed; tests inject failures here. */
  public interface Durability {
    void force(FileChannel channel) throws IOException;

    void close(FileChannel channel) throws IOException;
  }

  public static final Durability FSYNC =
      new Durability() {
        @Override
        public void force(FileChannel channel) throws IOException {
          channel.force(true);
        }

        @Override
        public void close(FileChannel channel) throws IOException {
          channel.close();
        }
      };

  private final RestoreSettings settings;
  private final BackupStorage storage;
  private final Retrier retrier;
  private final Durability durability;
  private final KeyRing keys;
  private BackupEncryption encryptionUsed;
  private final DirectWriter.Opener directOpener;
  private final Preallocation preallocation;
  private final FileSystemSync fileSystemSync;
  // The target file systems' handles while a run writes, when syncfs replaces the fsync of each
  // file written through the page cache; empty: every file is fsynced on its own.
  // The targets' one file system, when a syncfs of it stands in for each page-cache file's fsync;
  // null: every file is fsynced on its own.
  private FileSystemSync.Handle fileSystem;
  private final Object unsyncedLock = new Object();
  private long unsyncedBytes; // written through the page cache since the last syncfs
  private final AtomicBoolean sparseLogged = new AtomicBoolean();
  private final AtomicLong directBytes = new AtomicLong();
  private final AtomicBoolean directRefusalLogged = new AtomicBoolean();

  /** One worker's reusable parts: its reader (decompressor, cipher) and its direct-write buffer. */
  private record Worker(ObjectReader reader, DirectWriter direct) implements AutoCloseable {
    @Override
    public void close() {
      try {
        reader.close();
      } finally {
        direct.shutdown();
      }
    }
  }

  public RestoreRunner(
      RestoreSettings settings, BackupStorage storage, Retrier retrier, Durability durability) {
    this(settings, storage, retrier, durability, null);
  }

  /** With {@code keys} (from --encryption-key-file), an encrypted backup can be restored. */
  public RestoreRunner(
      RestoreSettings settings,
      BackupStorage storage,
      Retrier retrier,
      Durability durability,
      KeyRing keys) {
    this(
        settings,
        storage,
        retrier,
        durability,
        keys,
        DirectWriter.O_DIRECT,
        Preallocation.FALLOCATE,
        FileSystemSync.SYNCFS);
  }

  /**
   * With {@code directOpener}, how chunks are opened for O_DIRECT, {@code preallocation}, how
   * chunked files get their blocks, and {@code fileSystemSync}, how the files written through the
   * page cache are made durable: tests make them refuse or fail.
   */
  RestoreRunner(
      RestoreSettings settings,
      BackupStorage storage,
      Retrier retrier,
      Durability durability,
      KeyRing keys,
      DirectWriter.Opener directOpener,
      Preallocation preallocation,
      FileSystemSync fileSystemSync) {
    this.fileSystemSync = fileSystemSync;
    this.settings = settings;
    this.storage = storage;
    this.retrier = retrier;
    this.durability = durability;
    this.keys = keys;
    this.directOpener = directOpener;
    this.preallocation = preallocation;
  }

  /** Raw bytes the last {@link #run} wrote with O_DIRECT (the rest went through the page cache). */
  public long directBytes() {
    return directBytes.get();
  }

  /**
   * The encryption the MANIFEST authenticated under (its key id and form: a key file's or stretched
   * from a passphrase), once {@link #run} has opened the backup; null for a plain backup.
   */
  public BackupEncryption encryptionUsed() {
    return encryptionUsed;
  }

  public RunSummary run() {
    long start = System.nanoTime();
    Roots roots = settings.roots();
    BackupCatalog catalog = new BackupCatalog(storage, retrier);
    BackupLocation loc = catalog.resolve(settings.directory(), settings.name());
    // Every check before the first deletion or write (engine/README.md, "Guarantees").
    TargetGuard.check(roots, storage.localPaths(loc), MOUNT_INFO);
    // Authenticated (encrypted backups) and validated before anything else reads it.
    BackupCatalog.Opened opened = catalog.open(loc, keys);
    Manifest m = opened.manifest();
    BackupEncryption enc = opened.encryption();
    encryptionUsed = enc;
    String where = opened.where();
    Codec codec = opened.codec();
    List<String> skipped = new ArrayList<>();
    RestorePlan plan = RestorePlan.of(m, roots, fe -> include(fe, skipped));
    TargetLayout.check(m, plan, roots, where);
    Map<Path, List<Path>> existing = checkTargets(roots);
    long room = checkSpace(plan, roots, existing);
    long maxUnsized = unsizedCap(plan, room);

    // Opened before the first write, so that a syncfs reports every write-back error from here on.
    synchronized (unsyncedLock) {
      unsyncedBytes = 0;
    }
    fileSystem = openFileSystem(roots);
    try {
      return write(
          start, roots, new Checked(loc, m, enc, codec, skipped, plan, existing, maxUnsized));
    } finally {
      if (fileSystem != null) {
        closeQuietly(fileSystem);
        fileSystem = null;
      }
    }
  }

  /** What {@link #run} has read and checked before the first deletion or write. */
  private record Checked(
      BackupLocation loc,
      Manifest manifest,
      BackupEncryption enc,
      Codec codec,
      List<String> skipped,
      RestorePlan plan,
      Map<Path, List<Path>> existing,
      long maxUnsized) {}

  private RunSummary write(long start, Roots roots, Checked c) {
    BackupLocation loc = c.loc();
    Manifest m = c.manifest();
    BackupEncryption enc = c.enc();
    RestorePlan plan = c.plan();
    int workers =
        ObjectReader.workers(
            "restore",
            settings.concurrency(),
            ObjectReader.memory(c.codec(), enc, storage)
                .plus(MemoryBudget.Need.perWorker(DirectWriter.DIRECT_BYTES, 0)),
            storage,
            plan);
    prepareTargets(roots, loc, c.existing());
    createDirectories(plan, m, roots);
    FileState[] states = createFiles(plan, m.fileEntries.size());

    AtomicLong read = new AtomicLong();
    AtomicLong written = new AtomicLong();
    long total = plan.knownBytes();
    LOG.info(
        "restoring {} ({} files, {}) into {} with {} workers{}",
        storage.describe(loc, null),
        plan.files().size(),
        Sizes.human(total),
        roots.data(),
        workers,
        enc == null ? "" : ", encrypted (AES-256-GCM, key id " + enc.keyId() + ")");
    List<WorkerPool.Failure<RestorePlan.Item>> failures;
    try (Progress progress = new Progress("restore", total, plan.items().size(), settings.quiet());
        ParallelSync syncs = new ParallelSync("restore")) {
      failures =
          WorkerPool.run(
              "restore",
              workers,
              plan.items(),
              () ->
                  new Worker(
                      new ObjectReader(
                          storage,
                          loc,
                          c.codec().newDecompressor(),
                          c.maxUnsized(),
                          enc == null ? null : enc.newCipher()),
                      new DirectWriter()),
              (w, item) -> {
                restoreItem(w, states[item.file().index()], item, progress, read, written, syncs);
                progress.objectDone();
              });
      try {
        syncs.awaitAll();
      } catch (Exception e) {
        throw failed(loc, roots, List.of(new WorkerPool.Failure<>(null, e)));
      }
    } finally {
      for (FileState st : states) {
        if (st != null) {
          st.closeQuietly();
        }
      }
    }
    if (!failures.isEmpty()) {
      throw failed(loc, roots, failures);
    }
    finishTree(m, roots, plan);
    syncFileSystem(); // what the page cache holds, before the marker says the copy is whole
    try {
      RestoreMarker.remove(roots.data());
    } catch (IOException e) {
      throw new EngineException(
          ExitCode.OTHER,
          roots.data().toString(),
          "restore finished but " + RestoreMarker.NAME + " could not be removed: " + e,
          e);
    }
    double secs = (System.nanoTime() - start) / 1e9;
    long chunks = plan.items().stream().filter(i -> i.file().entry().isChunked()).count();
    LOG.info(
        "restore of {} complete: {} files, {} written ({} of it with O_DIRECT), {} s",
        storage.describe(loc, null),
        plan.files().size(),
        Sizes.human(written.get()),
        Sizes.human(directBytes.get()),
        String.format("%.1f", secs));
    return new RunSummary(
        loc.name(),
        storage.describe(loc, null),
        plan.files().size(),
        chunks,
        plan.items().size(),
        read.get(),
        0,
        written.get(),
        secs,
        c.skipped());
  }

  /**
   * Whether a FileEntry is restored: all are, except the top-level auto.cnf (MySQL's server_uuid)
   * unless --keep-server-uuid; a server started on the copy then makes a UUID of its own, so a
   * replica seeded from a backup does not share its source's (Vitess leaves it out too).
   */
  private boolean include(FileEntry fe, List<String> skipped) {
    if (settings.keepServerUuid()
        || !AUTO_CNF.equals(fe.name)
        || Base.fromVitessName(fe.base) != Base.DATA) {
      return true;
    }
    LOG.info(
        "not restoring {}: it holds the source server's server_uuid, and a server started on"
            + " this copy makes a new one (pass --keep-server-uuid to restore it)",
        AUTO_CNF);
    skipped.add(AUTO_CNF + " (server_uuid; restored only with --keep-server-uuid)");
    return false;
  }

  /** Entries already in each root (lost+found aside); refuses them without --overwrite. */
  private Map<Path, List<Path>> checkTargets(Roots roots) {
    Map<Path, List<Path>> existing = new HashMap<>();
    for (Path root : roots.distinct()) {
      if (Files.exists(root, LinkOption.NOFOLLOW_LINKS)
          && !Files.isDirectory(root, LinkOption.NOFOLLOW_LINKS)) {
        throw EngineException.unsafe(
            root.toString(), "restore target " + root + " exists and is not a directory");
      }
      List<Path> entries = new ArrayList<>();
      if (Files.isDirectory(root)) {
        try (Stream<Path> s = Files.list(root)) {
          s.filter(p -> !p.getFileName().toString().equals(LOST_FOUND))
              .sorted()
              .forEach(entries::add);
        } catch (IOException e) {
          throw EngineException.unsafe(
              root.toString(), "cannot list restore target " + root + ": " + e);
        }
      }
      if (!entries.isEmpty() && !settings.overwrite()) {
        boolean unfinished =
            entries.stream().anyMatch(p -> p.getFileName().toString().equals(RestoreMarker.NAME));
        throw EngineException.unsafe(
            root.toString(),
            "restore target "
                + root
                + " is not empty ("
                + entries.size()
                + " entries, e.g. "
                + sample(entries)
                + ")"
                + (unfinished
                    ? "; it holds " + RestoreMarker.NAME + " from a restore that did not finish"
                    : "")
                + ". Nothing was changed. Restore into an empty directory, or pass --overwrite to delete"
                + " its contents first");
      }
      existing.put(root, entries);
    }
    return existing;
  }

  private static String sample(List<Path> entries) {
    List<String> names = entries.stream().limit(5).map(p -> p.getFileName().toString()).toList();
    return String.join(", ", names) + (entries.size() > 5 ? ", ..." : "");
  }

  /**
   * Free space, once per file system (not per file: finding a path's FileStore reads the mount
   * table). With --overwrite, what the old contents free counts, measured in allocated blocks: a
   * sparse file frees far less than its size.
   */
  /**
   * How far a file whose MANIFEST entry gives no size (a whole file of a plain Vitess backup) may
   * decompress: --max-unsized-file-size, else the space the check found left once the sized files
   * are counted. A crafted object stops there with exit 4 instead of filling the volume.
   */
  private long unsizedCap(RestorePlan plan, long room) {
    long unsized = plan.files().stream().filter(f -> f.size() == null).count();
    if (unsized == 0) {
      return Long.MAX_VALUE;
    }
    long cap = settings.maxUnsizedFileBytes() != null ? settings.maxUnsizedFileBytes() : room;
    LOG.info(
        "{} files have no size in the MANIFEST (a plain Vitess backup); each may decompress to at"
            + " most {} ({})",
        unsized,
        Sizes.human(cap),
        settings.maxUnsizedFileBytes() != null
            ? "--max-unsized-file-size"
            : "the free space left after the sized files; set --max-unsized-file-size to change");
    return cap;
  }

  /**
   * Returns the smallest room left, on the file systems that receive files of unknown size, once
   * the known sizes are counted (Long.MAX_VALUE when there are none).
   */
  private long checkSpace(RestorePlan plan, Roots roots, Map<Path, List<Path>> existing) {
    Map<Path, FileStore> storeOfRoot = new HashMap<>();
    for (Path root : roots.distinct()) {
      storeOfRoot.put(root, storeOf(root));
    }
    Map<FileStore, long[]> needs = new HashMap<>();
    Map<FileStore, Path> names = new HashMap<>();
    Set<FileStore> withUnsized = new HashSet<>();
    for (RestorePlan.TargetFile f : plan.files()) {
      Path root = roots.root(Base.fromVitessName(f.entry().base));
      FileStore store = storeOfRoot.get(root);
      names.putIfAbsent(store, root);
      if (f.size() == null) {
        withUnsized.add(store);
      }
      long[] n = needs.computeIfAbsent(store, s -> new long[2]);
      n[0] = Math.addExact(n[0], f.size() == null ? 0 : f.size());
    }
    for (Map.Entry<Path, List<Path>> e : existing.entrySet()) {
      FileStore store = storeOfRoot.get(e.getKey());
      long[] n = needs.computeIfAbsent(store, s -> new long[2]);
      n[1] = Math.addExact(n[1], allocatedBytes(removable(e.getValue(), roots)));
    }
    long room = Long.MAX_VALUE;
    for (Map.Entry<FileStore, long[]> e : needs.entrySet()) {
      long usable;
      try {
        usable = e.getKey().getUsableSpace();
      } catch (IOException ex) {
        throw EngineException.unsafe(names.get(e.getKey()) + "", "cannot read free space: " + ex);
      }
      long need = e.getValue()[0];
      long freed = e.getValue()[1];
      if (need > usable && need - usable > freed) {
        Path root = names.getOrDefault(e.getKey(), roots.data());
        throw EngineException.unsafe(
            root.toString(),
            "not enough free space for the restore on "
                + root
                + ": it needs "
                + Sizes.human(need)
                + ", "
                + Sizes.human(usable)
                + " is free"
                + (freed > 0
                    ? " (+" + Sizes.human(freed) + " allocated to what --overwrite would delete)"
                    : "")
                + ". Nothing was changed; use a larger volume");
      }
      if (withUnsized.contains(e.getKey())) {
        room = Math.min(room, Math.max(0, usable - need + freed));
      }
    }
    return room;
  }

  private static FileStore storeOf(Path p) {
    Path q = p;
    while (q != null && !Files.exists(q)) {
      q = q.getParent();
    }
    try {
      return Files.getFileStore(q == null ? Path.of("/") : q);
    } catch (IOException e) {
      throw EngineException.unsafe(p.toString(), "cannot find the filesystem of " + p + ": " + e);
    }
  }

  /**
   * Bytes allocated to {@code entries} (st_blocks, as {@code du} counts them; Java cannot read
   * st_blocks itself). If du fails the answer is 0: the space check only gets stricter.
   */
  static long allocatedBytes(List<Path> entries) {
    if (entries.isEmpty()) {
      return 0;
    }
    try {
      Process p =
          new ProcessBuilder("du", "-s", "-B1", "-P", "--files0-from=-")
              .redirectError(ProcessBuilder.Redirect.DISCARD)
              .start();
      Thread feeder =
          new Thread(
              () -> {
                try (var in = p.getOutputStream()) {
                  for (Path e : entries) {
                    in.write(e.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
                    in.write(0);
                  }
                } catch (IOException ignored) {
                  // du exited early: its exit code says so
                }
              },
              "du-input");
      feeder.setDaemon(true);
      feeder.start();
      long sum = 0;
      try (var out =
          new java.io.BufferedReader(
              new java.io.InputStreamReader(
                  p.getInputStream(), java.nio.charset.StandardCharsets.UTF_8))) {
        String line;
        while ((line = out.readLine()) != null) {
          int tab = line.indexOf('\t');
          if (tab > 0) {
            sum = Math.addExact(sum, Long.parseLong(line.substring(0, tab)));
          }
        }
      }
      feeder.join();
      if (p.waitFor() != 0) {
        LOG.warn("du could not measure everything --overwrite would delete; counting 0 freed");
        return 0;
      }
      return sum;
    } catch (IOException | RuntimeException e) {
      LOG.warn("cannot measure what --overwrite would free ({}); counting 0 freed", e.toString());
      return 0;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 0;
    }
  }

  /** Entries that --overwrite deletes whole: not the marker, not a root or a root's ancestor. */
  private static List<Path> removable(List<Path> entries, Roots roots) {
    return entries.stream()
        .filter(p -> !p.getFileName().toString().equals(RestoreMarker.NAME))
        .filter(p -> roots.distinct().stream().noneMatch(r -> r.startsWith(p)))
        .toList();
  }

  /** Creates the roots and the marker, then (with --overwrite) removes what was there. */
  private void prepareTargets(Roots roots, BackupLocation loc, Map<Path, List<Path>> existing) {
    Set<Path> keep = Set.copyOf(roots.distinct());
    try {
      for (Path root : roots.distinct()) {
        Files.createDirectories(root);
      }
      RestoreMarker.create(roots.data(), storage.describe(loc, null));
      for (Map.Entry<Path, List<Path>> e : existing.entrySet()) {
        List<Path> entries =
            e.getValue().stream()
                .filter(p -> !p.getFileName().toString().equals(RestoreMarker.NAME))
                .toList();
        if (entries.isEmpty()) {
          continue;
        }
        LOG.warn(
            "--overwrite: removing {} entries from {}: {}",
            entries.size(),
            e.getKey(),
            sample(entries));
        for (Path p : entries) {
          deleteTree(p, keep);
        }
        Fsync.force(e.getKey());
      }
    } catch (IOException e) {
      throw new EngineException(
          ExitCode.OTHER,
          roots.data().toString(),
          "cannot prepare restore" + " target " + roots.data() + ": " + e,
          e);
    }
  }

  /** Deletes {@code p}, but never a root (another root may lie inside this one) or its parents. */
  private static void deleteTree(Path p, Set<Path> roots) throws IOException {
    if (roots.contains(p) || !Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
      try (Stream<Path> s = Files.list(p)) {
        for (Path c : (Iterable<Path>) s::iterator) {
          deleteTree(c, roots);
        }
      }
      if (roots.stream().anyMatch(r -> r.startsWith(p))) {
        return;
      }
    }
    Files.delete(p);
  }

  private void createDirectories(RestorePlan plan, Manifest m, Roots roots) {
    Set<Path> made = new java.util.HashSet<>();
    try {
      for (Path d : RestorePlan.directories(m, roots)) {
        if (made.add(d)) {
          Files.createDirectories(d);
        }
      }
      for (RestorePlan.TargetFile f : plan.files()) {
        if (made.add(f.path().getParent())) {
          Files.createDirectories(f.path().getParent());
        }
      }
    } catch (IOException e) {
      throw new EngineException(ExitCode.OTHER, e.getMessage(), "cannot create directory: " + e, e);
    }
  }

  /**
   * Creates every chunked file once, at its final size, so parallel chunk writes never truncate or
   * extend it: allocated where the file system can (see {@link Preallocation}; a target without the
   * space fails here, before any object is read), else sparse. A file stored as one object is
   * created by the worker that writes it (CREATE_NEW all the same: nothing existing is ever written
   * through).
   */
  private FileState[] createFiles(RestorePlan plan, int entries) {
    FileState[] states = new FileState[entries];
    Map<Integer, Integer> itemCounts = new HashMap<>();
    for (RestorePlan.Item it : plan.items()) {
      itemCounts.merge(it.file().index(), 1, Integer::sum);
    }
    for (RestorePlan.TargetFile f : plan.files()) {
      boolean chunked = f.entry().isChunked();
      if (chunked) {
        try (FileChannel ch =
            FileChannel.open(f.path(), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
          if (f.size() > 0 && !allocate(f)) {
            ch.write(ByteBuffer.wrap(new byte[1]), f.size() - 1);
          }
        } catch (Preallocation.NoSpaceException e) {
          throw new EngineException(
              ExitCode.OTHER,
              f.path().toString(),
              e.getMessage()
                  + ": "
                  + e.fix()
                  + ", then run the restore again with --overwrite; no object has been written yet",
              e);
        } catch (IOException e) {
          throw new EngineException(
              ExitCode.OTHER, f.path().toString(), "cannot create " + f.path() + ": " + e, e);
        }
      }
      states[f.index()] = new FileState(f, itemCounts.getOrDefault(f.index(), 0), chunked);
    }
    return states;
  }

  /**
   * Allocates a chunked file's blocks; false when the platform or file system cannot (logged once:
   * its chunks are then written into a sparse file, correct but slower on ext4).
   */
  private boolean allocate(RestorePlan.TargetFile f) throws IOException {
    try {
      preallocation.allocate(f.path(), f.size());
      return true;
    } catch (Preallocation.UnavailableException e) {
      if (sparseLogged.compareAndSet(false, true)) {
        LOG.info(
            "chunked files are created sparse, not allocated: {} (parallel O_DIRECT writes into"
                + " one sparse file wait for each other on ext4)",
            e.getMessage());
      }
      return false;
    }
  }

  /**
   * One target file and its descriptors, kept bounded for any number of files: a whole file is
   * written by one worker, which then hands its open descriptor to the sync threads (at most {@link
   * #MAX_AWAITING_SYNC} wait at once); a chunked file is opened and closed per chunk, and reopened
   * to be fsynced after its last chunk (fsync flushes the file, whichever descriptor asks; a
   * write-back error not yet reported is reported to it).
   */
  private final class FileState {
    final RestorePlan.TargetFile file;
    final AtomicInteger remaining;
    private final boolean chunked;
    private boolean created;
    private FileChannel channel; // a whole file's, from its creation to its fsync
    private boolean holdsPermit;
    // Of direct writes into this file: 0 for the page cache, -1 while not asked yet.
    private int alignment = -1;

    FileState(RestorePlan.TargetFile file, int items, boolean chunked) {
      this.file = file;
      this.remaining = new AtomicInteger(items);
      this.chunked = chunked;
    }

    /**
     * Whether this file's writes are worth O_DIRECT: a chunked file (its chunks' writers would wait
     * for each other on its inode lock), or a whole file of at least {@link #DIRECT_WHOLE_FILE}
     * bytes by its MANIFEST size (one writer, but ext4's buffered extending writes cost more CPU
     * than the decompression here). A file without a size (a plain Vitess backup's) or a small one
     * goes through the page cache: no second descriptor, no alignment, for a few pages.
     */
    boolean directWorthIt() {
      return chunked || (file.size() != null && file.size() >= DIRECT_WHOLE_FILE);
    }

    /**
     * The alignment of O_DIRECT writes into this file (which exists), or 0 for the page cache:
     * asked once, before any worker writes it, by a direct write (a file system may refuse it).
     */
    synchronized int directAlignment() {
      if (alignment < 0) {
        alignment = 0;
        if (settings.directIo()) {
          try {
            int a = DirectIo.alignmentFor(file.path());
            if (a == 0) {
              logDirectRefused(file.path(), "its file system's block size does not suit O_DIRECT");
            } else {
              DirectWriter.probe(directOpener, file.path(), a);
              alignment = a;
            }
          } catch (IOException | UnsupportedOperationException e) {
            logDirectRefused(file.path(), "O_DIRECT refused: " + e);
          }
        }
      }
      return alignment;
    }

    /** A whole file's channel, created once (a retried object writes into the file it created). */
    synchronized FileChannel wholeFileChannel() throws IOException, InterruptedException {
      if (channel == null) {
        if (!holdsPermit) {
          awaitingSync.acquire();
          holdsPermit = true;
        }
        channel =
            created
                ? FileChannel.open(file.path(), StandardOpenOption.WRITE)
                : FileChannel.open(
                    file.path(), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        created = true;
      }
      return channel;
    }

    /** fsync and close; either failing is fatal, as the data may not be on disk. */
    synchronized void finish() {
      String path = file.path().toString();
      try {
        try {
          FileChannel ch;
          try {
            ch =
                chunked
                    ? FileChannel.open(file.path(), StandardOpenOption.WRITE)
                    : wholeFileChannel();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
          }
          channel = ch;
          // Before the fsync, which then makes them durable with the data (the writes that would
          // move the mtime are all done); a mode without write permission does not stop the fsync
          // of a descriptor already open.
          applyAttributes(path);
          if (fileSystem == null || alignment > 0) {
            durability.force(ch);
          } else {
            unsynced(ch.size()); // made durable by a syncfs of its file system
          }
        } catch (IOException e) {
          throw new EngineException(
              ExitCode.OTHER,
              path,
              "fsync of "
                  + path
                  + " failed ("
                  + e
                  + "): its data may not be on disk; the restore is not complete",
              e);
        }
        FileChannel ch = channel;
        channel = null;
        try {
          durability.close(ch);
        } catch (IOException e) {
          throw new EngineException(
              ExitCode.OTHER,
              path,
              "closing "
                  + path
                  + " failed ("
                  + e
                  + "): its data may not be on disk; the restore is not complete",
              e);
        }
      } finally {
        closeQuietly();
      }
    }

    private void applyAttributes(String path) {
      try {
        FileAttributes.apply(file.path(), file.entry().mode, file.entry().mtime);
      } catch (IOException | RuntimeException e) {
        throw new EngineException(
            ExitCode.OTHER, path, "cannot set mode/mtime of " + path + ": " + e, e);
      }
    }

    /** Closes what is open (after a failure, or after finish) and gives back the sync permit. */
    synchronized void closeQuietly() {
      if (channel != null) {
        try {
          channel.close();
        } catch (IOException ignored) {
          // the restore already failed; the marker stays
        }
        channel = null;
      }
      if (holdsPermit) {
        holdsPermit = false;
        awaitingSync.release();
      }
    }
  }

  private void restoreItem(
      Worker worker,
      FileState state,
      RestorePlan.Item item,
      Progress progress,
      AtomicLong read,
      AtomicLong written,
      ParallelSync syncs)
      throws Exception {
    ObjectReader.Transfer t;
    Path path = state.file.path();
    DirectWriter.Chunk direct = null;
    FileChannel ch = null;
    boolean ok = false;
    try {
      // A whole file is created first (its channel stays open for the fsync), so that it can be
      // opened for direct writes too.
      FileChannel whole = state.chunked ? null : state.wholeFileChannel();
      int alignment = state.directWorthIt() ? state.directAlignment() : 0;
      ObjectReader.PositionalSink sink;
      if (alignment > 0 && item.offset() % alignment == 0) {
        // A whole file is one worker's stream: its writes overlap its decompression.
        direct =
            worker
                .direct()
                .chunk(path, directOpener.open(path), item.offset(), alignment, !state.chunked);
        sink = direct;
      } else {
        FileChannel out = state.chunked ? FileChannel.open(path, StandardOpenOption.WRITE) : whole;
        ch = out;
        sink =
            (buf, pos) -> {
              long at = item.offset() + pos;
              while (buf.hasRemaining()) {
                at += out.write(buf, at);
              }
            };
      }
      t = worker.reader().readWithRetries(retrier, item.expected(), sink, progress);
      if (direct != null) {
        direct.finish(); // the staged end of the chunk
        direct.close();
        directBytes.addAndGet(direct.directBytes());
      } else if (state.chunked) {
        ch.close(); // an error here is a write error; the fsync comes after the last chunk
      }
      ok = true;
    } catch (ObjectReader.SinkException e) {
      throw new EngineException(
          ExitCode.OTHER, path.toString(), "cannot write " + path + ": " + e.io(), e.io());
    } catch (IOException e) {
      throw new EngineException(
          ExitCode.OTHER, path.toString(), "cannot write " + path + ": " + e, e);
    } finally {
      if (direct != null) {
        closeQuietly(direct);
      }
      if (state.chunked) {
        if (ch != null) {
          closeQuietly(ch);
        }
      } else if (!ok) {
        state.closeQuietly(); // gives its sync permit back, so other workers cannot wait forever
      }
    }
    written.addAndGet(t.raw());
    read.addAndGet(t.stored());
    if (state.remaining.decrementAndGet() == 0) {
      // fsync, close, mode and mtime on the sync threads: workers go on decompressing meanwhile.
      syncs.submit(state::finish);
    }
  }

  /**
   * Page-cache bytes that a syncfs makes durable instead of an fsync per file: one syncfs of every
   * target file system once they pass {@link #SYNC_EVERY}, so the dirty pages a Job's memory holds
   * stay bounded, and one at the end.
   */
  static final long SYNC_EVERY = 256L << 20;

  long syncEvery = SYNC_EVERY; // tests lower it

  /**
   * A handle on the one file system of {@code roots} when it offers a trusted syncfs; else null,
   * and each file is fsynced on its own (logged with the reason).
   */
  private FileSystemSync.Handle openFileSystem(Roots roots) {
    try {
      Path nested = nestedMount(roots.distinct(), TargetGuard.mountPoints(MOUNT_INFO));
      if (nested != null) {
        // A syncfs of a root's file system would not reach files restored onto that one.
        throw new FileSystemSync.UnavailableException(
            "the mount point " + nested + " lies inside a restore target (or no mount table)");
      }
      Path first = null;
      FileStore store = null;
      for (Path root : roots.distinct()) {
        Path dir = root;
        while (dir != null && !Files.isDirectory(dir)) {
          dir = dir.getParent(); // a root created later: its file system is its parent's
        }
        if (dir == null) {
          throw new FileSystemSync.UnavailableException(
              root + " has no existing directory above it");
        }
        FileStore s = Files.getFileStore(dir);
        if (store == null) {
          first = dir;
          store = s;
        } else if (!store.equals(s)) {
          // On a kernel before about 6.12, a syncfs of an ext4 that failed (shut down, or remounted
          // read-only on an error) answers 0; with one file system the marker's removal then fails
          // too, with two it need not: a file system per run, or an fsync per file.
          throw new FileSystemSync.UnavailableException(
              "the restore targets span several file systems (" + dir + " is on another)");
        }
      }
      // One handle: a syncfs covers the whole file system, whichever of its directories it names.
      return fileSystemSync.open(first, store);
    } catch (FileSystemSync.UnavailableException | IOException e) {
      LOG.info("every restored file is fsynced on its own: {}", e.getMessage());
      return null;
    }
  }

  /**
   * A mount point strictly inside one of {@code roots} (by real path), or the mount table itself
   * when it could not be read (no mount point at all); null when there is none.
   */
  static Path nestedMount(List<Path> roots, List<Path> mountPoints) {
    if (mountPoints.isEmpty()) {
      return MOUNT_INFO;
    }
    for (Path root : roots) {
      Path real = TargetGuard.realPath(root);
      for (Path m : mountPoints) {
        if (m.startsWith(real) && !m.equals(real)) {
          return m;
        }
      }
    }
    return null;
  }

  private void unsynced(long bytes) {
    boolean due;
    synchronized (unsyncedLock) {
      unsyncedBytes += bytes;
      due = unsyncedBytes >= syncEvery;
      if (due) {
        unsyncedBytes = 0;
      }
    }
    if (due) {
      syncFileSystem();
    }
  }

  /**
   * syncfs of the targets' file system, if in use; a failure is fatal (exit 1, the marker stays).
   */
  private void syncFileSystem() {
    FileSystemSync.Handle h = fileSystem;
    if (h != null) {
      try {
        h.sync();
      } catch (IOException e) {
        throw new EngineException(
            ExitCode.OTHER,
            null,
            e.getMessage()
                + ": data this restore wrote may not be on disk; the restore is not complete and "
                + RestoreMarker.NAME
                + " stays",
            e);
      }
    }
  }

  /** After a failure (reported already) or a second close of what was closed. */
  private static void closeQuietly(AutoCloseable c) {
    try {
      c.close();
    } catch (Exception ignored) {
      // reported above when it mattered
    }
  }

  /** Says once per run why big files go through the page cache where O_DIRECT was wanted. */
  private void logDirectRefused(Path file, String why) {
    if (directRefusalLogged.compareAndSet(false, true)) {
      LOG.info(
          "writing big files through the page cache, not with O_DIRECT: {} ({}); the restore is as"
              + " durable, only slower",
          why,
          file);
    }
  }

  /** Symlinks last (nothing is ever written through them), then directory modes and fsyncs. */
  private void finishTree(Manifest m, Roots roots, RestorePlan plan) {
    try {
      if (m.stowageSymlinks != null) {
        for (PathEntry l : m.stowageSymlinks) {
          Path p = roots.resolve(Base.fromVitessName(l.base), l.name);
          Files.createDirectories(p.getParent());
          Files.createSymbolicLink(p, Path.of(l.target));
        }
      }
      TreeSet<Path> dirs =
          new TreeSet<>(
              Comparator.comparingInt(Path::getNameCount)
                  .reversed()
                  .thenComparing(Comparator.naturalOrder()));
      Set<Path> rootSet = Set.copyOf(roots.distinct());
      for (RestorePlan.TargetFile f : plan.files()) {
        for (Path d = f.path().getParent();
            d != null && !rootSet.contains(d) && dirs.add(d);
            d = d.getParent()) {
          // each directory once, with its parents
        }
      }
      dirs.addAll(RestorePlan.directories(m, roots));
      dirs.addAll(roots.distinct());
      Map<Path, PathEntry> attrs = new HashMap<>();
      if (m.stowageDirectories != null) {
        for (PathEntry d : m.stowageDirectories) {
          attrs.put(roots.resolve(Base.fromVitessName(d.base), d.name), d);
        }
      }
      for (Path d :
          dirs) { // deepest first, so a parent's mtime is set after its children change it
        PathEntry e = attrs.get(d);
        if (e != null) {
          FileAttributes.apply(d, e.mode, e.mtime);
        }
        Fsync.force(d);
      }
    } catch (IOException e) {
      throw new EngineException(
          ExitCode.OTHER,
          roots.data().toString(),
          "cannot finish the directory"
              + " tree in "
              + roots.data()
              + ": "
              + e
              + "; the restore is not complete",
          e);
    }
  }

  private EngineException failed(
      BackupLocation loc, Roots roots, List<WorkerPool.Failure<RestorePlan.Item>> failures) {
    Throwable cause = failures.get(0).error();
    RestorePlan.Item item = failures.get(0).item();
    String object = item == null ? null : item.expected().object();
    String msg =
        "restore of "
            + storage.describe(loc, null)
            + " into "
            + roots.data()
            + " failed; "
            + RestoreMarker.NAME
            + " stays there, so the data is not mistaken for a good copy. "
            + cause.getMessage();
    if (cause instanceof EngineException e) {
      return new EngineException(
          e.exitCode(), e.subject() != null ? e.subject() : object, msg, cause);
    }
    return new EngineException(ExitCode.OTHER, object, msg, cause);
  }
}
