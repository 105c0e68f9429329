package dev.stowage.engine.cli;

import dev.stowage.engine.storage.BackupStorage;
import dev.stowage.engine.storage.StorageFactory;
import dev.stowage.engine.storage.s3.S3Encryption;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Option;

/**
 * Where a command finds backups: the storage URL, the directory inside it, and the server-side
 * encryption of an S3 store.
 */
final class StorageOptions {
  private static final Logger LOG = LoggerFactory.getLogger("stowage");

  @Option(
      names = "--storage",
      required = true,
      paramLabel = "URL",
      description =
          "Where backups live: file:///absolute/path (or an absolute path), or"
              + " s3://BUCKET/PREFIX?endpoint=..&region=..&pathStyle=..&caBundle=..")
  String storage;

  @Option(
      names = "--directory",
      required = true,
      paramLabel = "D",
      description = "Relative directory of one source's backups, e.g. ns/mysql.")
  String directory;

  @Option(
      names = "--s3-sse",
      paramLabel = "none|AES256|aws:kms",
      description =
          "S3 server-side encryption of the objects written: none (default; the bucket's own"
              + " default applies), AES256 (SSE-S3) or aws:kms (SSE-KMS). The store must confirm"
              + " it on every write, or the command fails.")
  String sse;

  @Option(
      names = "--s3-sse-kms-key-id",
      paramLabel = "ID",
      description =
          "With --s3-sse=aws:kms: the KMS key (id, ARN or alias/NAME); default: the bucket's"
              + " default KMS key.")
  String sseKmsKeyId;

  @Option(
      names = "--s3-sse-c-key-file",
      paramLabel = "PATH",
      description =
          "SSE-C: a file holding the customer key (32 raw bytes, or their base64), sent with"
              + " every write and read; never logged. Needs an https endpoint. Excludes --s3-sse.")
  Path sseCustomerKeyFile;

  /** Opens the storage with the encryption asked for (checked first: exit 2 if inconsistent). */
  BackupStorage open() {
    return open(dev.stowage.engine.storage.s3.RangedGets.DEFAULTS);
  }

  /** As {@link #open()}, with {@code ranged} reads of large S3 objects (restore and verify). */
  BackupStorage open(dev.stowage.engine.storage.s3.RangedGets ranged) {
    S3Encryption encryption = S3Encryption.of(sse, sseKmsKeyId, sseCustomerKeyFile);
    BackupStorage opened = StorageFactory.open(storage, encryption, ranged);
    if (!encryption.isNone()) {
      // Says which encryption a Job used; an SSE-C key shows only as its MD5.
      LOG.info("S3 server-side encryption: {}", encryption);
    }
    return opened;
  }
}
