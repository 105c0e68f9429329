/**
 * Backups in S3 (aws-sdk-java-v2): multipart uploads, ranged GETs of large objects, server-side
 * encryption options, credentials from files, and server errors made readable. The SDK retries each
 * request; {@link dev.stowage.engine.core.Retrier} retries whole objects above it.
 */
package dev.stowage.engine.storage.s3;
