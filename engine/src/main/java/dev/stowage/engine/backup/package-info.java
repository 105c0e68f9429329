/**
 * Backup: scans a stopped (or snapshotted) data directory, plans chunks, compresses and uploads
 * every file or chunk in parallel and writes the MANIFEST last, only after every object is stored
 * and the backup lock is still held.
 */
package dev.stowage.engine.backup;
