/**
 * One writer per backup name: the lock object {@code <directory>/<name>/.stowage-lock} in storage,
 * created exclusively, renewed by a heartbeat, taken over only when provably stale, and checked
 * before the MANIFEST is written; its small requests are retried like object transfers.
 */
package dev.stowage.engine.lock;
