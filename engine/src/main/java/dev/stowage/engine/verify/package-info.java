/**
 * Verify: downloads and checks every object of a backup (checksums, sizes, decompression) without
 * writing anything.
 */
package dev.stowage.engine.verify;
