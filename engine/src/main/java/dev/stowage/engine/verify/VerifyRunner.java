package dev.stowage.engine.verify;

import dev.stowage.engine.catalog.BackupCatalog;
import dev.stowage.engine.compress.Codec;
import dev.stowage.engine.core.Progress;
import dev.stowage.engine.core.Retrier;
import dev.stowage.engine.core.RunSummary;
import dev.stowage.engine.core.WorkerPool;
import dev.stowage.engine.crypto.BackupEncryption;
import dev.stowage.engine.crypto.KeyRing;
import dev.stowage.engine.error.EngineException;
import dev.stowage.engine.error.ExitCode;
import dev.stowage.engine.manifest.Manifest;
import dev.stowage.engine.restore.ObjectReader;
import dev.stowage.engine.restore.RestorePlan;
import dev.stowage.engine.storage.BackupLocation;
import dev.stowage.engine.storage.BackupStorage;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Downloads and checks every object of a backup exactly as a restore would, writing nothing. */
public final class VerifyRunner {
  private static final Logger LOG = LoggerFactory.getLogger(VerifyRunner.class);
  private final BackupStorage storage;
  private final Retrier retrier;
  private final KeyRing keys;

  public VerifyRunner(BackupStorage storage, Retrier retrier) {
    this(storage, retrier, null);
  }

  /** With {@code keys} (from --encryption-key-file), an encrypted backup can be verified. */
  public VerifyRunner(BackupStorage storage, Retrier retrier, KeyRing keys) {
    this.storage = storage;
    this.retrier = retrier;
    this.keys = keys;
  }

  public RunSummary run(String directory, String name, int concurrency, boolean quiet) {
    long start = System.nanoTime();
    BackupCatalog catalog = new BackupCatalog(storage, retrier);
    BackupLocation loc = catalog.resolve(directory, name);
    BackupCatalog.Opened opened = catalog.open(loc, keys);
    Manifest m = opened.manifest();
    BackupEncryption enc = opened.encryption();
    String where = opened.where();
    Codec codec = opened.codec();
    RestorePlan plan = RestorePlan.of(m, null);
    int workers =
        ObjectReader.workers(
            "verify", concurrency, ObjectReader.memory(codec, enc, storage), storage, plan);
    AtomicLong raw = new AtomicLong();
    List<WorkerPool.Failure<RestorePlan.Item>> failures;
    try (Progress progress =
        new Progress("verify", plan.knownBytes(), plan.items().size(), quiet)) {
      failures =
          WorkerPool.run(
              "verify",
              workers,
              plan.items(),
              () ->
                  new ObjectReader(
                      storage,
                      loc,
                      codec.newDecompressor(),
                      Long.MAX_VALUE,
                      enc == null ? null : enc.newCipher()),
              (reader, item) -> {
                ObjectReader.Transfer t =
                    reader.readWithRetries(
                        retrier,
                        item.expected(),
                        (buf, pos) -> buf.position(buf.limit()),
                        progress);
                raw.addAndGet(t.stored());
                progress.objectDone();
              });
    }
    if (!failures.isEmpty()) {
      Throwable cause = failures.get(0).error();
      String object =
          failures.get(0).item() == null ? null : failures.get(0).item().expected().object();
      String msg = "verify of " + storage.describe(loc, null) + " failed: " + cause.getMessage();
      if (cause instanceof EngineException e) {
        throw new EngineException(
            e.exitCode(), e.subject() != null ? e.subject() : object, msg, cause);
      }
      throw new EngineException(ExitCode.OTHER, object, msg, cause);
    }
    double secs = (System.nanoTime() - start) / 1e9;
    long chunks = plan.items().stream().filter(i -> i.file().entry().isChunked()).count();
    LOG.info(
        "backup {} is intact: {} files, {} objects checked",
        storage.describe(loc, null),
        plan.files().size(),
        plan.items().size());
    return new RunSummary(
        loc.name(),
        storage.describe(loc, null),
        plan.files().size(),
        chunks,
        plan.items().size(),
        raw.get(),
        0,
        0,
        secs,
        List.of());
  }
}
