/**
 * The backups of a directory in storage: listing, resolving a name (or {@code latest}) to a
 * complete backup, reading and validating its MANIFEST ({@link
 * dev.stowage.engine.catalog.BackupCatalog}, the one way restore and verify open a backup), and
 * removing one.
 */
package dev.stowage.engine.catalog;
