/**
 * Where backups live: a directory ({@code file}) or S3 ({@code s3}), behind {@link
 * dev.stowage.engine.storage.BackupStorage}. Two retry layers: the AWS SDK retries each HTTP
 * request (standard mode, a few attempts), and {@link dev.stowage.engine.core.Retrier} retries a
 * whole object transfer (a cut stream, a checksum mismatch) above it.
 */
package dev.stowage.engine.storage;
