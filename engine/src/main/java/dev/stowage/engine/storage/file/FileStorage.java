package dev.stowage.engine.storage.file;

import dev.stowage.engine.core.Fsync;
import dev.stowage.engine.core.ParallelSync;
import dev.stowage.engine.error.StorageException;
import dev.stowage.engine.error.StorageException.Kind;
import dev.stowage.engine.storage.BackupLocation;
import dev.stowage.engine.storage.BackupStorage;
import dev.stowage.engine.storage.ObjectWriter;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.ReadableByteChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * Backups in a directory tree (a local path or a mounted backup volume). Objects are written to
 * temporary files renamed into place and fsynced on sync threads (large ones from their commit on),
 * and {@link #sync} waits for all of a backup's before the MANIFEST, which is written last through
 * a temporary file and a no-replace link: nothing is a backup, or read, before it exists.
 */
public final class FileStorage implements BackupStorage {
  private static final String TMP_PREFIX = ".tmp-";
  private final Path root;

  /**
   * Objects renamed into place whose durability sync() has not confirmed yet, each with whether its
   * fsync started at its commit (the latest commit of a name decides).
   */
  private final java.util.Map<Path, Boolean> unsynced =
      new java.util.concurrent.ConcurrentHashMap<>();

  /**
   * The fsyncs of each backup directory's objects. A large object's starts at its commit, so the
   * disk writes it while the workers compress the next (a 2 GiB backup otherwise ended with half a
   * second of nothing but waiting on the disk); small ones wait for sync(), where the file system
   * writes many together (fsyncing 5,000 small objects as they came cost a backup of them 0.3 CPU-s
   * more).
   */
  private final java.util.Map<Path, ParallelSync> objectSyncs =
      new java.util.concurrent.ConcurrentHashMap<>();

  /**
   * Directories where an fsync failed, with the failure: every later sync() of it fails too (on
   * Linux a second fsync after a write-back error may report success for data that is lost).
   */
  private final java.util.Map<Path, StorageException> failedSyncs =
      new java.util.concurrent.ConcurrentHashMap<>();

  /** Stored bytes from which an object's fsync starts at its commit. */
  static final long EARLY_SYNC_BYTES = 4 << 20;

  /** Makes one object durable; tests watch or fail it. */
  interface ObjectSync {
    void force(Path object) throws IOException;
  }

  private final ObjectSync objectSync;

  public FileStorage(Path root) {
    this(root, Fsync::force);
  }

  FileStorage(Path root, ObjectSync objectSync) {
    this.root = root.toAbsolutePath().normalize();
    this.objectSync = objectSync;
  }

  @Override
  public String describe(BackupLocation location, String object) {
    Path p = backupDir(location);
    return "file://" + (object == null ? p : p.resolve(object));
  }

  @Override
  public List<Path> localPaths(BackupLocation location) {
    return List.of(root, backupDir(location));
  }

  private Path backupDir(BackupLocation location) {
    return root.resolve(location.directory()).resolve(location.name());
  }

  private volatile boolean rootChecked;
  private final java.util.Set<Path> createdDirs =
      java.util.concurrent.ConcurrentHashMap.newKeySet();

  private void checkRoot() {
    if (rootChecked) {
      return;
    }
    if (Files.isDirectory(root)) {
      rootChecked = true;
    } else {
      throw new StorageException(
          Kind.NOT_FOUND,
          "file://" + root,
          "storage root file://"
              + root
              + " does not exist or is not a directory; create it or mount the backup volume there");
    }
  }

  @Override
  public List<String> listBackupNames(String directory) {
    checkRoot();
    BackupLocation.checkDirectory(directory);
    Path dir = root.resolve(directory);
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(Files::isDirectory)
          .map(p -> p.getFileName().toString())
          .filter(n -> !n.startsWith("."))
          .sorted()
          .toList();
    } catch (IOException e) {
      throw translate(e, "file://" + dir, "list backups in");
    }
  }

  @Override
  public List<String> listObjects(BackupLocation location) {
    Path dir = backupDir(location);
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> s = Files.list(dir)) {
      List<String> names = new ArrayList<>();
      s.map(p -> p.getFileName().toString()).sorted().forEach(names::add);
      return names;
    } catch (IOException e) {
      throw translate(e, describe(location, null), "list objects of");
    }
  }

  @Override
  public boolean exists(BackupLocation location, String object) {
    checkRoot();
    return Files.exists(backupDir(location).resolve(object));
  }

  @Override
  public long size(BackupLocation location, String object) {
    try {
      return Files.size(backupDir(location).resolve(object));
    } catch (IOException e) {
      throw translate(e, describe(location, object), "read the size of");
    }
  }

  @Override
  public ObjectWriter create(BackupLocation location, String object, boolean replace) {
    checkRoot();
    Path dir = backupDir(location);
    Path target = dir.resolve(object);
    try {
      if (!createdDirs.contains(dir)) {
        Files.createDirectories(dir);
        createdDirs.add(dir);
      }
      Path tmp = dir.resolve(TMP_PREFIX + object + "-" + UUID.randomUUID());
      FileChannel ch =
          FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
      // Objects go to a temporary file that commit renames into place (replace) or links (never
      // replace): a run that resumes after another took its backup over cannot write into the
      // other run's files through a descriptor it still holds.
      return new FileObjectWriter(ch, tmp, target, replace, describe(location, object), this);
    } catch (IOException e) {
      throw translate(e, describe(location, object), "create");
    }
  }

  @Override
  public boolean createExclusive(BackupLocation location, String object, byte[] content) {
    checkRoot();
    Path dir = backupDir(location);
    Path target = dir.resolve(object);
    Path tmp = null;
    try {
      Files.createDirectories(dir);
      tmp = writeSynced(dir, object, content);
      try {
        // link(2) fails when the name exists (the O_EXCL of a file that already has its content).
        Files.createLink(target, tmp);
      } catch (FileAlreadyExistsException e) {
        return false;
      }
      Fsync.force(dir);
      Fsync.force(dir.getParent());
      return true;
    } catch (IOException e) {
      throw translate(e, describe(location, object), "create");
    } finally {
      deleteQuietly(tmp);
    }
  }

  @Override
  public void replaceSmall(BackupLocation location, String object, byte[] content) {
    checkRoot();
    Path dir = backupDir(location);
    Path tmp = null;
    try {
      Files.createDirectories(dir);
      tmp = writeSynced(dir, object, content);
      Files.move(
          tmp,
          dir.resolve(object),
          StandardCopyOption.ATOMIC_MOVE,
          StandardCopyOption.REPLACE_EXISTING);
      tmp = null;
      Fsync.force(dir);
    } catch (IOException e) {
      throw translate(e, describe(location, object), "write");
    } finally {
      deleteQuietly(tmp);
    }
  }

  @Override
  public byte[] readSmall(BackupLocation location, String object) {
    checkRoot();
    try {
      return Files.readAllBytes(backupDir(location).resolve(object));
    } catch (NoSuchFileException e) {
      return null;
    } catch (IOException e) {
      throw translate(e, describe(location, object), "read");
    }
  }

  private static Path writeSynced(Path dir, String object, byte[] content) throws IOException {
    Path tmp = dir.resolve(TMP_PREFIX + object + "-" + UUID.randomUUID());
    try (FileChannel ch =
        FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      ByteBuffer b = ByteBuffer.wrap(content);
      while (b.hasRemaining()) {
        ch.write(b);
      }
      ch.force(true);
    }
    return tmp;
  }

  private static void deleteQuietly(Path p) {
    if (p != null) {
      try {
        Files.deleteIfExists(p);
      } catch (IOException ignored) {
        // a stray temporary file is unread and removed with the backup
      }
    }
  }

  @Override
  public ReadableByteChannel open(BackupLocation location, String object) {
    checkRoot();
    try {
      return FileChannel.open(backupDir(location).resolve(object), StandardOpenOption.READ);
    } catch (IOException e) {
      throw translate(e, describe(location, object), "open");
    }
  }

  @Override
  public void delete(BackupLocation location, String object) {
    try {
      Path p = backupDir(location).resolve(object);
      unsynced.remove(p); // nothing left to fsync
      Files.deleteIfExists(p);
    } catch (IOException e) {
      throw translate(e, describe(location, object), "delete");
    }
  }

  @Override
  public void removeEmptyBackup(BackupLocation location) {
    Path dir = backupDir(location);
    try {
      createdDirs.remove(dir);
      if (Files.isDirectory(dir)) {
        Files.delete(dir);
        Fsync.force(dir.getParent());
      }
    } catch (IOException e) {
      throw translate(e, describe(location, null), "remove");
    }
  }

  /** Called by a writer's commit: the object is in place; a large one's fsync starts now. */
  private void committed(Path object, long bytes) {
    boolean early = bytes >= EARLY_SYNC_BYTES;
    unsynced.put(object, early);
    if (early) {
      startSync(object);
    }
  }

  private void startSync(Path object) {
    objectSyncs
        .computeIfAbsent(object.getParent(), d -> new ParallelSync("storage"))
        .submit(
            () -> {
              try {
                objectSync.force(object);
              } catch (NoSuchFileException e) {
                if (unsynced.containsKey(object)) { // not deleted on purpose: an object is missing
                  throw translate(e, "file://" + object, "fsync");
                }
              } catch (IOException e) {
                throw translate(e, "file://" + object, "fsync");
              }
            });
  }

  /**
   * {@inheritDoc} Covers the objects committed before the call; the backup's writers have all
   * finished by then (a commit racing a sync of the same backup is not covered).
   */
  @Override
  public void sync(BackupLocation location) {
    Path dir = backupDir(location);
    StorageException failedBefore = failedSyncs.get(dir);
    if (failedBefore != null) {
      throw failedBefore;
    }
    List<Path> mine = unsynced.keySet().stream().filter(p -> dir.equals(p.getParent())).toList();
    mine.stream().filter(p -> !unsynced.get(p)).forEach(this::startSync);
    ParallelSync syncs = objectSyncs.remove(dir);
    try {
      if (syncs != null) {
        syncs.awaitAll(); // every object committed in dir, fsynced; the first failure thrown
      }
      mine.forEach(unsynced::remove);
      Files.createDirectories(dir); // a backup of an empty tree has no objects, only a MANIFEST
      Fsync.force(dir);
      Fsync.force(dir.getParent());
    } catch (StorageException e) {
      throw remember(dir, e); // an object's fsync, named
    } catch (IOException e) {
      throw remember(dir, translate(e, describe(location, null), "fsync"));
    } catch (Exception e) {
      throw remember(
          dir,
          new StorageException(
              Kind.OTHER,
              describe(location, null),
              "cannot fsync the objects of " + describe(location, null) + ": " + e,
              e));
    } finally {
      if (syncs != null) {
        syncs.close();
      }
    }
  }

  private StorageException remember(Path dir, StorageException e) {
    failedSyncs.put(dir, e);
    return e;
  }

  @Override
  public void close() {
    objectSyncs.values().forEach(ParallelSync::close);
    objectSyncs.clear();
  }

  static StorageException translate(IOException e, String what, String verb) {
    if (e instanceof NoSuchFileException) {
      return new StorageException(
          Kind.NOT_FOUND, what, "cannot " + verb + " " + what + ": it does not exist", e);
    }
    if (e instanceof AccessDeniedException) {
      return new StorageException(
          Kind.DENIED,
          what,
          "cannot "
              + verb
              + " "
              + what
              + ": permission denied; check the owner and mode of the backup volume",
          e);
    }
    if (e instanceof FileAlreadyExistsException) {
      return new StorageException(
          Kind.OTHER, what, "cannot " + verb + " " + what + ": it already exists", e);
    }
    return new StorageException(Kind.OTHER, what, "cannot " + verb + " " + what + ": " + e, e);
  }

  /**
   * Writes an object to a temporary file that commit renames to its name ({@code replace}), or
   * links to it, failing if that name exists (the MANIFEST: a complete backup is never
   * overwritten).
   */
  private static final class FileObjectWriter implements ObjectWriter {
    private final FileChannel channel;
    private final Path path;
    private final Path linkTarget;
    private final boolean replace;
    private final String what;
    private final FileStorage storage;
    private long written;
    private boolean done;

    FileObjectWriter(
        FileChannel channel,
        Path path,
        Path linkTarget,
        boolean replace,
        String what,
        FileStorage storage) {
      this.channel = channel;
      this.path = path;
      this.linkTarget = linkTarget;
      this.replace = replace;
      this.what = what;
      this.storage = storage;
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
      int n = 0;
      while (src.hasRemaining()) {
        n += channel.write(src);
      }
      written += n;
      return n;
    }

    @Override
    public boolean isOpen() {
      return channel.isOpen();
    }

    @Override
    public void commit() throws IOException {
      try {
        channel.close();
        if (replace) {
          Files.move(
              path,
              linkTarget,
              StandardCopyOption.ATOMIC_MOVE,
              StandardCopyOption.REPLACE_EXISTING);
          // A sync thread fsyncs it (large ones from now on); sync() waits before the MANIFEST.
          storage.committed(linkTarget, written);
        } else {
          // The MANIFEST: its bytes durable before its name exists, so a crash cannot leave a named
          // but empty one, which would pass for a complete backup that cannot be written again;
          // sync() makes the name durable.
          storage.objectSync.force(path);
          // link(2) fails when the name exists: no window in which an existing object is replaced.
          Files.createLink(linkTarget, path);
          Files.delete(path);
        }
        done = true;
      } catch (FileAlreadyExistsException e) {
        abort();
        throw new StorageException(
            Kind.OTHER, what, what + " already exists; refusing to overwrite it", e);
      } catch (IOException e) {
        abort();
        throw translate(e, what, "commit");
      }
    }

    @Override
    public void abort() {
      if (done) {
        return;
      }
      done = true;
      try {
        channel.close();
      } catch (IOException ignored) {
        // the file is deleted below either way
      }
      try {
        Files.deleteIfExists(path);
      } catch (IOException ignored) {
        // a stray file is replaced by the next run, and unread without a MANIFEST
      }
    }

    @Override
    public void close() {
      abort();
    }
  }
}
