/**
 * What every operation shares: worker pools, per-object retries ({@link
 * dev.stowage.engine.core.Retrier}), checksummed channels, progress, sizes, the data and InnoDB
 * roots, the restore-in-progress marker that backup refuses to copy and restore removes last.
 */
package dev.stowage.engine.core;
