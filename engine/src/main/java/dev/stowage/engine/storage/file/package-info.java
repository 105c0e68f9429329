/**
 * Backups in a directory: objects written to temporary files renamed into place and fsynced
 * together before the MANIFEST; exclusive creation with {@code link(2)}.
 */
package dev.stowage.engine.storage.file;
